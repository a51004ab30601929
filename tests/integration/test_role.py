"""The role vpc_tunnel through playbooks/site.yml and teardown.yml against the lab: create, idempotent re-run
(changed=0, zero writes, one login per router), several tunnels per router, teardown back to the exact
initial state, preflight mismatches and bad input touching nothing, serial batches stopping on failure."""

import json

import pytest
import yaml

from tests.integration import kit

# A tunnel built by hand, the way a how-to guide types it, that the role must never touch.
HAND_BUILT = {
    '/ip/firewall/nat': [{'chain': 'srcnat', 'action': 'masquerade', 'out-interface': 'ether1'}],
    '/ip/ipsec/profile': [{'name': 'by_hand', 'dh-group': 'modp1024', 'hash-algorithm': 'sha1', 'enc-algorithm': 'aes-128'}],
    '/ip/ipsec/peer': [{'name': 'by_hand', 'address': '192.0.2.77/32', 'profile': 'by_hand', 'exchange-mode': 'main'}],
    '/ip/ipsec/identity': [{'peer': 'by_hand', 'secret': 'hand-made-secret'}],
    '/ip/ipsec/policy': [{'peer': 'by_hand', 'tunnel': 'yes', 'src-address': '192.168.11.0/24', 'dst-address': '10.77.0.0/24'}],
}


def fleet(lab_factory):
    """r7 (7.19.4): two tunnels (clouds 1 and 2) + a hand-built one; r6 (6.49.17): one tunnel, two LANs -> two policies."""
    r7_lans = ['192.168.11.0/24']
    r6_lans = ['192.168.12.0/27', '192.168.12.32/27']
    routers = [kit.router_entry('r7', 1, '7.19.4', config=HAND_BUILT), kit.router_entry('r6', 2, '6.49.17', lans=2)]
    clouds = [kit.cloud_entry('gz', 1, [('r7', 1, r7_lans), ('r6', 2, r6_lans)]), kit.cloud_entry('sh', 2, [('r7', 1, r7_lans)])]
    lab = kit.start_lab(lab_factory, routers, clouds)
    tunnels = {'r7': [kit.tunnel('vpc-gz', 'r7', 1, 1), kit.tunnel('vpc-sh', 'r7', 1, 2)],
               'r6': [kit.tunnel('vpc-gz', 'r6', 2, 1, lans=r6_lans)]}
    return lab, tunnels


def test_create_and_idempotent_rerun_with_several_tunnels(lab_factory, tmp_path):
    lab, tunnels = fleet(lab_factory)
    inventory = kit.write_inventory(tmp_path, lab, tunnels)
    hand_before = kit.config_state(lab, 'r7')

    # check mode: nothing written, neither on the routers nor the cloud sheets on the controller
    check = kit.playbook('site.yml', inventory, '--check')
    assert check.rc == 0, check
    assert not (tmp_path / 'sheets').exists() and lab.counters('r7')['writes'] == 0 and lab.counters('r6')['writes'] == 0
    assert 'r7 / vpc-gz (tencent):' in check.out, check

    first = kit.playbook('site.yml', inventory)
    assert first.rc == 0, first
    assert first.recap['r7']['changed'] >= 1 and first.recap['r6']['changed'] >= 1, first
    assert sorted(first.summary) == [('r6', 'vpc-gz', 'up'), ('r7', 'vpc-gz', 'up'), ('r7', 'vpc-sh', 'up')], first
    for router in ('r7', 'r6'):
        peers = [p for p in lab.runtime(router)['peers'] if p['peer'] != 'by_hand']
        assert peers and all(p['established'] and all(pol['ph2-state'] == 'established' for pol in p['policies']) for p in peers)
    assert len(next(p for p in lab.runtime('r6')['peers'] if p['peer'] == 'vpc-gz')['policies']) == 2
    # the cloud sheet, one file per router, in Tencent's vocabulary, without the PSK
    sheet = yaml.safe_load((tmp_path / 'sheets' / 'r7.yml').read_text(encoding='utf-8'))
    assert set(sheet['tunnels']) == {'vpc-gz', 'vpc-sh'}
    assert 'lab-psk' not in (tmp_path / 'sheets' / 'r7.yml').read_text(encoding='utf-8')
    assert 'lab-psk' not in first.out
    # the hand-built tunnel's entries are exactly as before
    after = kit.config_state(lab, 'r7')
    for menu in ('/ip/ipsec/profile', '/ip/ipsec/peer', '/ip/ipsec/identity', '/ip/ipsec/policy'):
        assert [e for e in hand_before[menu] if 'by_hand' in e] == [e for e in after[menu] if 'by_hand' in e]

    lab.reset_counters('r7')
    lab.reset_counters('r6')
    sheet_mtime = (tmp_path / 'sheets' / 'r7.yml').stat().st_mtime_ns
    second = kit.playbook('site.yml', inventory)
    assert second.rc == 0, second
    assert (tmp_path / 'sheets' / 'r7.yml').stat().st_mtime_ns == sheet_mtime   # unchanged sheet: not rewritten
    assert all(row['changed'] == 0 for row in second.recap.values()), second
    for router in ('r7', 'r6'):
        counters = lab.counters(router)
        assert counters['writes'] == 0, (router, counters)
        assert counters['logins'] == 1, (router, counters)


def test_teardown_restores_the_router_exactly(lab_factory, tmp_path):
    lab, tunnels = fleet(lab_factory)
    inventory = kit.write_inventory(tmp_path, lab, tunnels)
    before = {name: kit.config_state(lab, name) for name in ('r7', 'r6')}
    run = kit.playbook('site.yml', inventory)
    assert run.rc == 0, run
    assert kit.config_state(lab, 'r7') != before['r7']
    for name in ('r7', 'r6'):
        lab.reset_counters(name)
    down = kit.playbook('teardown.yml', inventory)
    assert down.rc == 0, down
    for name in ('r7', 'r6'):
        assert kit.config_state(lab, name) == before[name], name
        assert lab.counters(name)['logins'] == 1
    # tearing down again: nothing left to remove, nothing written
    again = kit.playbook('teardown.yml', inventory)
    assert again.rc == 0 and all(row['changed'] == 0 for row in again.recap.values()), again


@pytest.mark.parametrize('pfs_text', ["PfsDhGroup: 'NULL'", 'PfsDhGroup: NULL'], ids=['quoted', 'unquoted'])
def test_preflight_cloud_side_mismatch_touches_nothing(lab_factory, tmp_path, pfs_text):
    # Tencent writes "no PFS" as NULL; unquoted, YAML reads it as null, which must mean the same.
    lab, tunnels = fleet(lab_factory)
    cloud_side = {'IKEOptionsSpecification': {'IKEVersion': 'IKEV2', 'PropoEncryAlgorithm': 'AES-CBC-256', 'PropoAuthenAlgorithm': 'SHA-256',
                                              'DhGroupName': 'GROUP14', 'IKESaLifetimeSeconds': 86400},
                  'IPSECOptionsSpecification': {'EncryptAlgorithm': 'AES-CBC-256', 'IntegrityAlgorithm': 'SHA-256', 'PfsDhGroup': 'NULL',
                                                'IPSECSaLifetimeSeconds': 3600},
                  'SecurityPolicyDatabases': [{'LocalCidrBlock': '10.101.0.0/24', 'RemoteCidrBlock': ['192.168.11.0/24']}]}
    tunnels['r7'][0]['cloud_side'] = cloud_side
    inventory = kit.write_inventory(tmp_path, lab, tunnels)
    path = tmp_path / 'inventory.yml'
    assert str(path) == inventory and path.read_text(encoding='utf-8').count("PfsDhGroup: 'NULL'") == 1
    path.write_text(path.read_text(encoding='utf-8').replace("PfsDhGroup: 'NULL'", pfs_text), encoding='utf-8')
    before = {name: kit.config_state(lab, name) for name in ('r7', 'r6')}
    run = kit.playbook('site.yml', inventory, extra_vars={'vpc_tunnel_serial': '100%'})
    assert run.rc != 0, run
    assert 'vpc-gz' in run.out and 'pfs' in run.out.lower(), run
    for name in ('r7', 'r6'):
        counters = lab.counters(name)
        assert kit.config_state(lab, name) == before[name]
        assert counters['writes'] == 0
    assert lab.counters('r7')['logins'] == 0, 'the preflight mismatch must fail before any login'


@pytest.mark.parametrize(('mutate', 'field'), [
    (lambda t: t.pop('peer_address'), 'peer_address'),
    (lambda t: t.update(ike={'version': 3}), 'version'),
    (lambda t: t.update(state='gone'), 'state'),
])
def test_bad_role_input_fails_before_any_router_contact(lab_factory, tmp_path, mutate, field):
    lab, tunnels = fleet(lab_factory)
    mutate(tunnels['r7'][1])
    inventory = kit.write_inventory(tmp_path, lab, tunnels)
    run = kit.playbook('site.yml', inventory, extra_vars={'vpc_tunnel_serial': '100%'})
    assert run.rc != 0, run
    assert 'fatal: [r7]' in run.out and field in run.out, run
    assert lab.counters('r7')['logins'] == 0 and lab.counters('r7')['writes'] == 0
    # the report goes where the inventory says, also when the batch's first router has the bad input (r7 comes first)
    report = json.loads((tmp_path / 'reports' / 'fleet-report.json').read_text(encoding='utf-8'))
    assert {r['name']: r['status'] for r in report['routers']}['r7'] == 'failed', report


def test_bad_value_names_host_tunnel_and_field(lab_factory, tmp_path):
    lab, tunnels = fleet(lab_factory)
    tunnels['r7'][1]['remote_subnets'] = ['10.102.0.0/33']
    tunnels['r7'][1]['ike'] = {'dh_group': ['modp9999']}
    inventory = kit.write_inventory(tmp_path, lab, tunnels)
    run = kit.playbook('site.yml', inventory, extra_vars={'vpc_tunnel_serial': '100%'})
    assert run.rc != 0, run
    assert 'fatal: [r7]' in run.out and 'vpc-sh' in run.out, run
    assert 'remote_subnets' in run.out or 'dh_group' in run.out, run
    assert lab.counters('r7')['logins'] == 0


def test_serial_batches_a_failing_batch_stops_the_rollout(lab_factory, tmp_path):
    routers = [kit.router_entry(f'b{i}', i) for i in (1, 2, 3)]
    clouds = [kit.cloud_entry('gz', 9, [(f'b{i}', i, [f'{kit.lan(i)}/24']) for i in (1, 2, 3)])]
    clouds[0]['connections'][1]['psk'] = 'not-what-b2-has'          # b2's batch fails: PSK mismatch
    lab = kit.start_lab(lab_factory, routers, clouds)
    tunnels = {f'b{i}': [kit.tunnel('vpc-gz', f'b{i}', i, 9, verify_timeout=kit.DOWN_VERIFY_TIMEOUT if i == 2 else kit.VERIFY_TIMEOUT)]
               for i in (1, 2, 3)}
    inventory = kit.write_inventory(tmp_path, lab, tunnels)
    before = kit.config_state(lab, 'b3')
    run = kit.playbook('site.yml', inventory, extra_vars={'vpc_tunnel_serial': 1, 'vpc_tunnel_max_fail_percentage': 0})
    assert run.rc != 0, run
    assert run.recap['b1']['failed'] == 0 and run.recap['b2']['failed'] == 1, run
    assert 'b3' not in run.recap, run                                  # never reached
    assert 'tunnel vpc-gz is not up: psk' in run.out, run
    assert lab.counters('b3')['logins'] == 0 and kit.config_state(lab, 'b3') == before
    # the stopped rollout still printed its summary and wrote the report: b3 was never run, nothing hides b2's failure
    assert sorted(run.summary) == [('b1', 'vpc-gz', 'up'), ('b2', 'vpc-gz', 'down'), ('b3', 'vpc-gz', 'not_verified')], run
    assert run.totals_lines == ['routers: 3 (1 ok, 1 failed, 1 not run)', 'tunnels: 3 (1 up, 1 down, 1 not verified)'], run
    report = json.loads((tmp_path / 'reports' / 'fleet-report.json').read_text(encoding='utf-8'))
    assert [(r['name'], r['status']) for r in report['routers']] == [('b1', 'ok'), ('b2', 'failed'), ('b3', 'not_run')]
