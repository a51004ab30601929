"""The role's three entry points (main, preflight, absent) each get the connection from vpc_tunnel_api through the
role's one fleet task: preflight never logs in, main builds the tunnel, absent restores the router. That task reads
every router's variables as the router's own task would (play vars, host vars, include vars, each in its own context)."""

import textwrap

import yaml

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


VARIABLES_PLAY = textwrap.dedent("""\
    - name: The fleet task reads each router's variables as its own task would
      hosts: routers
      gather_facts: false
      vars:
        # a play var over the inventory's group var, templated in each router's own context
        vpc_tunnel_sheet_dir: "{{ sheet_root }}/play-{{ inventory_hostname }}"
      tasks:
        - name: Entry point preflight, the sheet shown only where the include says so
          ansible.builtin.include_role: {name: vpclink.routeros.vpc_tunnel, tasks_from: preflight}
          vars:
            vpc_tunnel_show_sheet: "{{ inventory_hostname != 'r2' }}"
    """)


def test_play_vars_host_vars_and_include_vars_resolve_per_router(lab_factory, tmp_path):
    lab = kit.start_lab(lab_factory, [kit.router_entry(name, i, '7.19.4') for i, name in enumerate(('r1', 'r2', 'r3'), 1)],
                        [kit.cloud_entry('gz', 9, [(name, i, [f'{kit.lan(i)}/24']) for i, name in enumerate(('r1', 'r2', 'r3'), 1)])])
    inventory = kit.write_inventory(tmp_path, lab, {name: [kit.tunnel('vpc-gz', name, i, 9)] for i, name in enumerate(('r1', 'r2', 'r3'), 1)},
                                    {'sheet_root': str(tmp_path)})
    with open(inventory, encoding='utf-8') as handle:
        data = yaml.safe_load(handle)
    data['routers']['hosts']['r3']['vpc_tunnel_write_sheet'] = False        # a host var
    with open(inventory, 'w', encoding='utf-8') as handle:
        yaml.safe_dump(data, handle)
    playbook = tmp_path / 'variables.yml'
    playbook.write_text(VARIABLES_PLAY, encoding='utf-8')

    run = kit.playbook(str(playbook), inventory)

    assert run.rc == 0, run
    assert (tmp_path / 'play-r1' / 'r1.yml').is_file() and (tmp_path / 'play-r2' / 'r2.yml').is_file(), run
    assert not (tmp_path / 'play-r3').exists() and not (tmp_path / 'sheets').exists(), run
    assert f"sheet file: {tmp_path / 'play-r1' / 'r1.yml'}" in run.out and 'play-r2' not in run.out, run
    assert all(lab.counters(name)['logins'] == 0 for name in ('r1', 'r2', 'r3'))
