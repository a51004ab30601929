"""The role doing both ends from one tunnel definition against the lab (router + Tencent's VPC API):
check mode plans both ends without a write, vpc_tunnel_cloud_apply creates the VPN connection through the API and
brings the tunnel up against it, a re-run changes nothing on either end, teardown removes exactly the role's
connection (the foreign one on the same gateway stays), and with vpc_tunnel_cloud_api alone the preflight compares
the API's answer with the tunnel before any router contact. No secret key or PSK in any output or file."""

from tests.integration import bothkit, kit
from tests.integration.bothkit import assert_no_secret


def _psk(tunnels):
    return tunnels['r1'][0]['psk']


def _files_written(tmp_path):
    """Every file the runs left under tmp_path except the inventory (which holds the test's own secrets)."""
    return [p for p in tmp_path.rglob('*') if p.is_file() and p.name != 'inventory.yml']


def test_both_ends_created_idempotent_and_torn_down(lab_factory, tmp_path):
    lab, tunnels = bothkit.both_ends_lab(lab_factory)
    inventory = kit.write_inventory(tmp_path, lab, tunnels, bothkit.cloud_vars(lab))
    router_before = kit.config_state(lab, 'r1')
    psk = _psk(tunnels)

    plan = kit.playbook('site.yml', inventory, '--check', '--diff', '-v')
    assert plan.rc == 0, plan
    assert_no_secret(plan.out, psk)
    # one task plans both ends of every router of the batch (the fleet task): the cloud end's plan with its diff, then
    # the router end's
    both_plan = bothkit.task_output(plan, 'IPsec tunnels of every router of the batch')
    assert 'changed: [r1]' in both_plan and 'action: created' in both_plan, plan                      # the cloud end's plan
    assert 'PfsDhGroup: DH-GROUP14' in both_plan, plan                                                  # with its diff
    assert both_plan.index('PfsDhGroup: DH-GROUP14') < both_plan.index('/ip/ipsec/peer'), plan         # the router end's plan after it
    assert set(bothkit.cloud_writes(lab).values()) == {0} and lab.counters('r1')['writes'] == 0
    assert set(bothkit.connections(lab)) == {'vpnx-by-hand'}

    first = kit.playbook('site.yml', inventory, '-v')
    assert first.rc == 0, first
    assert first.summary == [('r1', 'vpc-tc', 'up')], first
    assert_no_secret(first.out, psk)
    mine = bothkit.connections(lab)['vpc-tc']
    assert mine['state'] == 'AVAILABLE'
    writes = bothkit.cloud_writes(lab)
    assert writes['CreateVpnConnection'] == 1 and writes['CreateCustomerGateway'] == 1, writes

    lab.reset_counters('r1')
    second = kit.playbook('site.yml', inventory, '-v')
    assert second.rc == 0 and second.recap['r1']['changed'] == 0, second
    assert bothkit.cloud_writes(lab) == writes and lab.counters('r1')['writes'] == 0
    assert second.summary == [('r1', 'vpc-tc', 'up')], second

    down = kit.playbook('teardown.yml', inventory, '-v')
    assert down.rc == 0, down
    assert_no_secret(down.out, psk)
    assert kit.config_state(lab, 'r1') == router_before
    assert set(bothkit.connections(lab)) == {'vpnx-by-hand'}        # only the role's connection went
    again = kit.playbook('teardown.yml', inventory)
    assert again.rc == 0 and again.recap['r1']['changed'] == 0, again
    for path in _files_written(tmp_path):
        assert_no_secret(path.read_text(encoding='utf-8', errors='replace'), psk)


def test_teardown_leaves_a_foreign_connection_of_the_tunnel_in_place(lab_factory, tmp_path):
    # The tunnel's own customer gateway already has a connection made in the console (the lab file's, untagged):
    # teardown with vpc_tunnel_cloud_apply removes the router's entries and leaves that connection in place, saying so.
    foreign = dict(bothkit.FOREIGN, name='vpnx-console', customer_gateway=kit.wan(bothkit.ROUTER_INDEX), psk=kit.PSK.format(name='r1'),
                   spd=[{'local': bothkit.VPC, 'remote': [f'{kit.lan(bothkit.ROUTER_INDEX)}/24']}])
    lab, tunnels = bothkit.both_ends_lab(lab_factory, connections=(foreign,))
    inventory = kit.write_inventory(tmp_path, lab, tunnels, bothkit.cloud_vars(lab))
    down = kit.playbook('teardown.yml', inventory)
    assert down.rc == 0, down
    assert set(bothkit.connections(lab)) == {'vpnx-console'}
    assert 'vpnx-console) was not created by the collection and stays' in ' '.join(down.out.split()), down
    assert bothkit.cloud_writes(lab)['DeleteVpnConnection'] == 0


def test_preflight_reads_the_cloud_side_from_the_api(lab_factory, tmp_path):
    # A console-made connection whose PFS is Tencent's default NULL: with vpc_tunnel_cloud_api (no apply) the preflight
    # reads it through the API and fails on the PFS mismatch before any router login or cloud write.
    foreign = dict(bothkit.FOREIGN, name='vpnx-console', customer_gateway=kit.wan(bothkit.ROUTER_INDEX), psk=kit.PSK.format(name='r1'),
                   ipsec=dict(kit.PRESET_IPSEC, pfs='NULL'), spd=[{'local': bothkit.VPC, 'remote': [f'{kit.lan(bothkit.ROUTER_INDEX)}/24']}])
    lab, tunnels = bothkit.both_ends_lab(lab_factory, connections=(foreign,))
    inventory = kit.write_inventory(tmp_path, lab, tunnels, bothkit.cloud_vars(lab, apply=False))
    run = kit.playbook('site.yml', inventory)
    assert run.rc != 0, run
    assert 'esp.pfs_group' in run.out and 'vpc-tc' in run.out, run
    assert lab.counters('r1')['logins'] == 0 and set(bothkit.cloud_writes(lab).values()) == {0}
    assert_no_secret(run.out, _psk(tunnels))

    # the same with the cloud end matching: the preflight passes and the tunnel comes up against the console's connection
    bothkit.patch_connection(lab, 'vpnx-console', {'ipsec': {'pfs': 'DH-GROUP14'}})
    fixed = kit.playbook('site.yml', inventory)
    assert fixed.rc == 0 and fixed.summary == [('r1', 'vpc-tc', 'up')], fixed
    assert set(bothkit.cloud_writes(lab).values()) == {0}


def test_preflight_fails_when_the_cloud_has_no_connection_for_the_tunnel(lab_factory, tmp_path):
    lab, tunnels = bothkit.both_ends_lab(lab_factory)           # the gateway has only the foreign connection
    inventory = kit.write_inventory(tmp_path, lab, tunnels, bothkit.cloud_vars(lab, apply=False))
    run = kit.playbook('site.yml', inventory)
    assert run.rc != 0, run
    assert f'tunnel vpc-tc: no VPN connection for customer gateway {kit.wan(bothkit.ROUTER_INDEX)}' in ' '.join(run.out.split()), run
    assert lab.counters('r1')['logins'] == 0 and set(bothkit.cloud_writes(lab).values()) == {0}
