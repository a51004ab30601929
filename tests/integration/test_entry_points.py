"""The role's three entry points (main, preflight, absent) each get the connection from vpc_tunnel_api through the
role's one module_defaults block: preflight never logs in, main builds the tunnel, absent restores the router."""

import textwrap

from tests.integration import kit

PLAY = textwrap.dedent("""\
    - name: Every entry point of vpc_tunnel, in one play
      hosts: routers
      gather_facts: false
      tasks:
        - name: Entry point preflight
          ansible.builtin.include_role: {name: vpclink.routeros.vpc_tunnel, tasks_from: preflight}
        - name: Preflight passed and nothing was applied
          ansible.builtin.assert:
            that: ['vpc_tunnel_fleet.routers[inventory_hostname].preflight is not failed',
                   'vpc_tunnel_fleet.routers[inventory_hostname].result is none']
        - name: Entry point main
          ansible.builtin.include_role: {name: vpclink.routeros.vpc_tunnel}
        - name: Entry point absent
          ansible.builtin.include_role: {name: vpclink.routeros.vpc_tunnel, tasks_from: absent}
        - name: The tunnel was removed
          ansible.builtin.assert:
            that: ['vpc_tunnel_fleet.routers[inventory_hostname].result.tunnels[0].changed']
    """)


def test_preflight_main_and_absent_entry_points_share_the_connection(lab_factory, tmp_path):
    lab = kit.start_lab(lab_factory, [kit.router_entry('r7', 1, '7.19.4')], [kit.cloud_entry('gz', 1, [('r7', 1, ['192.168.11.0/24'])])])
    inventory = kit.write_inventory(tmp_path, lab, {'r7': [kit.tunnel('vpc-gz', 'r7', 1, 1)]})
    before = kit.config_state(lab, 'r7')
    playbook = tmp_path / 'entry_points.yml'
    playbook.write_text(PLAY, encoding='utf-8')

    run = kit.playbook(str(playbook), inventory)

    assert run.rc == 0, run
    assert (tmp_path / 'sheets' / 'r7.yml').is_file()
    assert "Validating arguments against arg spec 'preflight'" in run.out and "arg spec 'absent'" in run.out, run
    counters = lab.counters('r7')
    assert counters['logins'] == 2, counters          # main and absent; the preflight never connects
    assert counters['writes'] > 0 and kit.config_state(lab, 'r7') == before
