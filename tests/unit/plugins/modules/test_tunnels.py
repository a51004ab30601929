# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tunnels: one router's whole tunnel set in one session, against lab routers (7.x, 6.49, one behind NAT) and two
Tencent-vocabulary lab clouds, through the action plugin and the module; the wait runs on the lab's ManualClock."""

import json
import math

import pytest
import yaml

from ansible_collections.vpclink.routeros.plugins.module_utils import info
from tests import labkit
from tests.unit.plugins.modules.conftest import conn, run_action_path, run_module_path

PSK = 'Lab-PSK-one-9f3a'
PSK2 = 'Lab-PSK-two-77c1'
GW1, GW2 = '198.51.100.200', '198.51.100.210'
VPC1, VPC2 = '10.100.1.0/24', '10.200.1.0/24'
HOST1 = '10.100.1.6'
IKE = {'version': 'IKEV2', 'encryption': 'AES-CBC-256', 'integrity': 'SHA-256', 'dh_group': 'GROUP14', 'lifetime': 86400}
IPSEC = {'encryption': 'AES-CBC-256', 'integrity': 'SHA-256', 'pfs': 'DH-GROUP14', 'lifetime': 3600}
# router name -> (version, WAN address, public address, LAN subnets)
ROUTERS = {'v7': ('7.16.2', '203.0.113.10/24', '203.0.113.10', ['192.168.10.0/24', '192.168.11.0/24']),
           'v6': ('6.49.17', '203.0.113.20/24', '203.0.113.20', ['192.168.20.0/24', '192.168.21.0/24']),
           'nat': ('7.16.2', '10.0.0.2/24', '203.0.113.30', ['192.168.30.0/24'])}
UNRELATED = {'/ip/firewall/nat': [{'chain': 'dstnat', 'action': 'dst-nat', 'protocol': 'tcp', 'dst-port': '8080', 'to-addresses': '192.168.1.9'},
                                  {'chain': 'srcnat', 'action': 'masquerade', 'out-interface': 'ether1', 'comment': 'defconf: masquerade'}],
             '/ip/firewall/filter': [{'chain': 'forward', 'action': 'fasttrack-connection', 'connection-state': 'established,related'}]}
TENCENT_SIDE = {'IKEOptionsSpecification': {'IKEVersion': 'IKEV2', 'PropoEncryAlgorithm': 'AES-CBC-256', 'PropoAuthenAlgorithm': 'SHA-256',
                                            'DhGroupName': 'GROUP14', 'IKESaLifetimeSeconds': 86400},
                'IPSECOptionsSpecification': {'EncryptAlgorithm': 'AES-CBC-256', 'IntegrityAlgorithm': 'SHA-256', 'PfsDhGroup': 'DH-GROUP14',
                                              'IPSECSaLifetimeSeconds': 3600}}


def _connection(router, cloud_vpc):
    _version, _wan, public, lans = ROUTERS[router]
    return {'name': f'c-{router}', 'customer_gateway': public, 'psk': PSK, 'ike': IKE, 'ipsec': IPSEC,
            'spd': [{'local': cloud_vpc, 'remote': lans}]}


@pytest.fixture(scope='module')
def tlab():
    routers = [labkit.router(name, version, wan_address=wan, public_address=public, lan_subnets=lans, config=UNRELATED)
               for name, (version, wan, public, lans) in ROUTERS.items()]
    clouds = [{'name': 'tc1', 'public_address': GW1, 'vpc_subnets': [VPC1], 'hosts': [HOST1],
               'connections': [_connection(r, VPC1) for r in ROUTERS]},
              {'name': 'tc2', 'public_address': GW2, 'vpc_subnets': [VPC2], 'hosts': ['10.200.1.6'],
               'connections': [_connection(r, VPC2) for r in ROUTERS]}]
    with labkit.running_lab(labkit.lab_dict(routers, clouds, negotiation_delay=2)) as lab:
        yield lab


@pytest.fixture
def lab(tlab, monkeypatch):
    for name in ROUTERS:
        tlab.reset(name)
        tlab.reset_counters(name)
    # The verify wait runs on the lab's ManualClock: a sleep advances lab time, and the deadline uses it too.
    monkeypatch.setattr(info, 'sleep', tlab.advance)
    monkeypatch.setattr(info, 'monotonic', tlab.clock.monotonic)
    return tlab


def tunnel(router='v7', name='tc1', **extra):
    lans = ROUTERS[router][3]
    t = {'name': name, 'peer_address': GW1, 'local_subnets': lans[:1], 'remote_subnets': [VPC1], 'psk': PSK,
         'verify': {'timeout': 20, 'interval': 1, 'ping': {'src_address': lans[0].replace('.0/24', '.1'), 'address': HOST1}}}
    t.update(extra)
    return t


def args(lab, router, tunnels, **extra):
    return dict(conn(lab, router), tunnels=tunnels, **extra)


def sentences(lab, router):
    return sum(lab.counters(router)['sentences'].values())


def config_tables(lab, router):
    return {path: table['entries'] for path, table in lab.dump(router)['tables'].items() if path != '/log'}


def assert_no_secret(result):
    text = json.dumps(result)
    assert PSK not in text and PSK2 not in text and labkit.PASSWORD not in text


@pytest.mark.parametrize('router', ['v7', 'v6'])
def test_cold_run_one_write_per_object_then_warm_run_writes_nothing(lab, router, path):
    a = args(lab, router, [tunnel(router)])
    cold = path('tunnels', a)
    assert not cold.get('failed'), cold.get('msg')
    counters = lab.counters(router)
    assert counters['logins'] == 1 and cold['logins'] == 1
    (t,) = cold['tunnels']
    assert cold['changed'] and t['changed'] and [o['action'] for o in t['objects']] == ['created'] * 6
    assert [o['menu'] for o in t['objects']] == ['/ip/ipsec/profile', '/ip/ipsec/proposal', '/ip/ipsec/peer', '/ip/ipsec/identity',
                                                 '/ip/ipsec/policy', '/ip/firewall/nat']
    # exactly one write per object; the NAT rule is placed above the masquerade by its add (place-before)
    assert counters['writes'] == 6
    assert all(n == 1 for cmd, n in counters['sentences'].items() if cmd.endswith(('/add', '/set', '/move', '/remove')))
    assert 'place-before=' in [c for c in cold['commands'] if c.startswith('/ip/firewall/nat/add')][0]
    assert t['healthy'] is True and t['phase1']['state'] == 'established' and t['phase2'][0]['ph2_state'] == 'established'
    assert t['sas']['count'] >= 2 and t['ping']['received'] > 0 and 'diagnosis' not in t
    assert cold['routeros_version'].startswith(ROUTERS[router][0]) and cold['round_trips'] == sentences(lab, router)   # the lab does not count /login
    # the lab establishes after 2 s: polls at 0, 0.25, 0.75, 1.75 and 2.75 s (waits 0.25, 0.5, 1, then the 1 s interval)
    assert 2 <= cold['polls'] <= 6 and cold['waited'] <= 3, (cold['polls'], cold['waited'])
    # version + 6 menu prints + 6 writes + 3 sentences per poll + ping
    assert cold['round_trips'] <= 1 + 6 + 6 + 3 * cold['polls'] + 1, cold['round_trips']
    assert_no_secret(cold)

    lab.reset_counters(router)
    warm = path('tunnels', a)
    assert not warm.get('failed') and warm['changed'] is False and warm['tunnels'][0]['healthy'], warm
    assert {o['action'] for o in warm['tunnels'][0]['objects']} == {'unchanged'} and warm['commands'] == []
    counters = lab.counters(router)
    assert counters['logins'] == 1 and counters['writes'] == 0
    # version + 6 menu prints + active-peers + installed-sa (the policy print serves as the first poll) + ping
    assert sentences(lab, router) <= 11, counters['sentences']


def test_two_clouds_dropped_pair_removes_its_policy_and_nat_rule_only(lab):
    lans = ROUTERS['v7'][3]
    t1 = tunnel(local_subnets=lans, verify={'enabled': False})
    t2 = tunnel(name='tc2', peer_address=GW2, remote_subnets=[VPC2], psk=PSK, fasttrack_bypass=True, verify={'enabled': False})
    first = run_action_path('tunnels', args(lab, 'v7', [t1, t2]))
    assert not first.get('failed'), first.get('msg')
    assert lab.counters('v7')['writes'] == 8 + 8   # tc1: 4 + 2 policies + 2 NAT; tc2: 4 + policy + NAT + 2 raw
    lab.reset_counters('v7')
    dropped = run_action_path('tunnels', args(lab, 'v7', [dict(t1, local_subnets=lans[:1]), t2]))
    assert dropped['changed'] and not dropped.get('failed'), dropped.get('msg')
    by = {t['name']: t for t in dropped['tunnels']}
    deleted = [(o['menu'], o['key']) for o in by['tc1']['objects'] if o['action'] == 'deleted']
    assert sorted(m for m, _k in deleted) == ['/ip/firewall/nat', '/ip/ipsec/policy'] and all(lans[1] in k for _m, k in deleted)
    assert by['tc2']['changed'] is False and {o['action'] for o in by['tc2']['objects']} == {'unchanged'}
    assert lab.counters('v7')['writes'] == 2
    nat = config_tables(lab, 'v7')['/ip/firewall/nat']
    assert [r['values'].get('comment') for r in nat if r['values'].get('action') == 'accept'] == ['vpclink:tc1', 'vpclink:tc2']


@pytest.mark.parametrize('router', ['v7', 'v6'])
def test_absent_removes_exactly_what_was_made(lab, router):
    before = config_tables(lab, router)
    lans = ROUTERS[router][3]
    made = [tunnel(router, local_subnets=lans, fasttrack_bypass=True, verify={'enabled': False}),
            tunnel(router, name='tc2', peer_address=GW2, remote_subnets=[VPC2], verify={'enabled': False})]
    assert run_action_path('tunnels', args(lab, router, made))['changed']
    lab.reset_counters(router)
    gone = run_action_path('tunnels', args(lab, router, [{'name': 'tc1', 'state': 'absent'}, {'name': 'tc2', 'state': 'absent'}]))
    assert gone['changed'] and not gone.get('failed'), gone.get('msg')
    assert {o['action'] for t in gone['tunnels'] for o in t['objects']} == {'deleted'}
    # reverse dependency order: firewall rules, policies, identity, peer, then profile/proposal
    menus = [c.split(' ')[0].rsplit('/', 1)[0] for c in gone['commands']]
    assert menus.index('/ip/ipsec/peer') > menus.index('/ip/ipsec/identity') > menus.index('/ip/ipsec/policy') > menus.index('/ip/firewall/nat')
    assert lab.counters(router)['logins'] == 1
    after = config_tables(lab, router)
    assert {k: v for k, v in after.items() if not k.startswith('/ip/ipsec/') or k in before} == before or after == before
    for menu in ('/ip/firewall/nat', '/ip/firewall/filter', '/ip/firewall/raw', '/ip/ipsec/profile', '/ip/ipsec/proposal', '/ip/ipsec/peer',
                 '/ip/ipsec/identity', '/ip/ipsec/policy'):
        assert after.get(menu) == before.get(menu), menu
    again = run_action_path('tunnels', args(lab, router, [{'name': 'tc1', 'state': 'absent'}]))
    assert again['changed'] is False


def test_preflight_mismatch_one_line_per_mismatch_and_no_login(lab, path):
    side = json.loads(json.dumps(TENCENT_SIDE))
    side['IPSECOptionsSpecification'].update(IntegrityAlgorithm='SHA1', PfsDhGroup='NULL')
    result = path('tunnels', args(lab, 'v7', [tunnel(cloud_side=side)], mode='apply'))
    assert result['failed'] and result['logins'] == 0
    lines = result['msg'].splitlines()[1:]
    assert len(lines) == 2 and {m['field'] for m in result['mismatches']} == {'esp.auth', 'esp.pfs_group'}
    assert any("'tc1': esp.auth: router ['sha256'], cloud ['sha1']" in line and 'phase2_proposal' in line for line in lines), lines
    assert any('esp.pfs_group' in line and 'pfs' in line for line in lines)
    assert lab.counters('v7')['logins'] == 0 and lab.counters('v7')['sentences'] == {} and lab.counters('v7')['writes'] == 0
    assert_no_secret(result)

    ok = path('tunnels', args(lab, 'v7', [tunnel(cloud_side=TENCENT_SIDE, public_address='203.0.113.10')], mode='preflight'))
    assert not ok.get('failed') and ok['changed'] is False and ok['mismatches'] == [] and ok['logins'] == 0
    (t,) = ok['tunnels']
    assert t['parameters']['esp'] == {'encryption': ['aes-256-cbc'], 'auth': ['sha256'], 'pfs_group': 'modp2048', 'lifetime': '1h'}
    assert t['cloud_sheet']['api']['IPSECOptionsSpecification']['PfsDhGroup'] == 'DH-GROUP14'
    assert t['cloud_sheet']['terraform']['ipsec_pfs_dh_group'] == 'DH-GROUP14'
    assert any('local_id is auto and public_address is 203.0.113.10' in w for w in t['warnings'])
    assert lab.counters('v7')['logins'] == 0
    assert_no_secret(ok)


BAD = [
    ('v7', {'esp': {'encryption': 'aes-999-cbc'}}, ["'tc1'", 'esp.encryption', 'aes-999-cbc', 'aes-256-cbc']),
    ('v7', {'ike': {'dh_group': 'modp8192x'}}, ["'tc1'", 'ike.dh_group', 'modp8192x', 'modp2048']),
    ('v7', {'esp': {'auth': 'sha384'}}, ["'tc1'", 'esp.auth', 'sha384', 'sha256 or sha512']),
    ('v6', {'ike': {'prf': 'sha256'}}, ["'tc1'", 'prf-algorithm', 'needs RouterOS >= 7.0', '6.49.17']),
    ('v6', {'cloud': 'aws', 'ike': {'hash': 'sha384'}, 'verify': {'enabled': False}}, ["'tc1'", 'ike.hash', 'sha384', '6.49', 'allowed on RouterOS']),
    ('v7', {'local_subnets': ['192.168.10.5/24']}, ["'tc1'", 'local_subnets', '192.168.10.5/24', '192.168.10.0/24']),
    ('v7', {'psk': ''}, ["'tc1'", 'psk', 'non-empty']),
    ('v7', {'psk': ' ' + PSK}, ["'tc1'", 'psk', 'whitespace']),
    # the argument spec (Ansible's wording, the same in both paths): field, value, what is allowed
    ('v7', {'ike': {'version': 3}}, ['version', 'got: 3', 'one of: 1, 2', 'tunnels -> ike']),
    ('v7', {'colour': 'blue'}, ['tunnels.colour', 'Supported parameters include', 'fasttrack_bypass']),
    ('v7', {'verify': {'ping': {'src_address': '192.168.10.300', 'address': HOST1}}}, ["'tc1'", 'verify.ping.src_address', '192.168.10.300']),
]


@pytest.mark.parametrize('router,change,words', BAD, ids=[f'{r}-{"-".join(c)}' for r, c, _w in BAD])
def test_bad_input_fails_before_any_write(lab, router, change, words, path):
    result = path('tunnels', args(lab, router, [tunnel(router, **change)]))
    assert result['failed'], result
    for word in words:
        assert word in result['msg'], (word, result['msg'])
    assert lab.counters(router)['writes'] == 0
    assert lab.counters(router)['logins'] <= 1
    assert_no_secret(result)


def test_duplicate_names_peers_and_overlapping_selectors(lab):
    dup = run_action_path('tunnels', args(lab, 'v7', [tunnel(), tunnel(local_subnets=['192.168.11.0/24'], verify={'enabled': False})]))
    assert dup['failed'] and "duplicate tunnel name 'tc1'" in dup['msg'] and f'peer_address: {GW1}' in dup['msg']
    overlap = run_action_path('tunnels', args(lab, 'v7', [tunnel(local_subnets=['192.168.0.0/16']),
                                                          tunnel(name='tc2', peer_address=GW2, remote_subnets=['10.100.1.128/25'])]))
    assert overlap['failed'] and "tunnel 'tc2'" in overlap['msg'] and 'overlaps 192.168.0.0/16 -> 10.100.1.0/24' in overlap['msg']
    assert lab.counters('v7')['logins'] == 0 and lab.counters('v7')['writes'] == 0


@pytest.mark.parametrize('router,change,expected', [
    ('v7', {'psk': PSK2}, 'psk'),
    ('v6', {'psk': PSK2}, 'psk'),
    ('v7', {'esp': {'auth': 'sha1'}}, 'phase2_proposal'),
    # behind NAT with local_id auto: IKEv2 AUTHENTICATION_FAILED alone could be psk or identity; the cloud_side comparison
    # (PSK compared and equal) rules psk out
    ('nat', {'public_address': '203.0.113.30', 'cloud_side': dict(TENCENT_SIDE, PreShareKey=PSK)}, 'identity'),
])
def test_mismatched_cloud_is_diagnosed(lab, router, change, expected, path):
    a = args(lab, router, [tunnel(router, **dict(change, verify={'timeout': 8, 'interval': 1}))])
    result = path('tunnels', a)
    assert result['failed'] and result['changed'], result
    (t,) = result['tunnels']
    assert t['healthy'] is False and t['diagnosis']['class'] == expected, t['diagnosis']
    assert "tunnel 'tc1': not healthy" in result['msg'] and t['diagnosis']['fix'] in result['msg'] and 'not rolled back' in result['msg']
    assert lab.counters(router)['logins'] == 1
    # never up: polls at 0, 0.25, 0.75, 1.75, then every second until the 8 s timeout
    assert result['polls'] <= 3 + math.ceil(8 / 1) + 1, result['polls']
    assert_no_secret(result)
    lab.reset_counters(router)
    soft = path('tunnels', dict(a, fail_on_unhealthy=False))
    assert not soft.get('failed') and soft['changed'] is False and soft['tunnels'][0]['diagnosis']['class'] == expected
    assert lab.counters(router)['writes'] == 0


def test_nat_router_with_public_identity_is_healthy(lab):
    result = run_action_path('tunnels', args(lab, 'nat', [tunnel('nat', local_id='203.0.113.30', public_address='203.0.113.30')]))
    assert not result.get('failed'), result.get('msg')
    (t,) = result['tunnels']
    assert t['healthy'] and t['phase1']['natt'] is True and t['parameters']['local_id'] == 'address:203.0.113.30'


@pytest.mark.parametrize('router', ['v7', 'v6'])
def test_check_mode_predicts_the_real_run_and_diff_masks_the_psk(lab, router, path):
    lans = ROUTERS[router][3]
    a = args(lab, router, [tunnel(router, local_subnets=lans, fasttrack_bypass=True)])
    before = config_tables(lab, router)
    check = path('tunnels', a, check=True, diff=True)
    assert check['changed'] and not check.get('failed') and 'healthy' not in check['tunnels'][0]
    assert lab.counters(router)['writes'] == 0 and config_tables(lab, router) == before
    real = path('tunnels', a, diff=True)
    assert not real.get('failed'), real.get('msg')
    assert check['commands'] == real['commands']
    assert [(o['menu'], o['key'], o['action']) for o in check['tunnels'][0]['objects']] == \
        [(o['menu'], o['key'], o['action']) for o in real['tunnels'][0]['objects']]
    identity = [d for d in real['diff'] if '/ip/ipsec/identity' in d['after_header']][0]
    assert identity['after']['secret'] == '<secret set>'
    assert any('secret=********' in c for c in real['commands'])
    assert_no_secret(check)
    assert_no_secret(real)
    # a PSK change on the next run is an update of the identity only, masked in the diff
    lab.reset_counters(router)
    new_psk = tunnel(router, local_subnets=lans, fasttrack_bypass=True, psk=PSK2, verify={'enabled': False})
    changed = path('tunnels', args(lab, router, [new_psk]), diff=True)
    objects = [o for o in changed['tunnels'][0]['objects'] if o['action'] != 'unchanged']
    assert [(o['menu'], o['action'], o['changed_properties']) for o in objects] == [
        ('/ip/ipsec/identity', 'updated', ['comment', 'secret'])]  # the PSK and its fingerprint in our mark
    (d,) = changed['diff']
    assert d['after']['secret'] == '<secret changed>' and d['before']['secret'] == '********'
    assert lab.counters(router)['writes'] == 1
    assert_no_secret(changed)


def test_poll_waits_start_short_and_back_off_to_the_interval():
    waits = [info.poll_wait(n, 2.0) for n in range(1, 7)]
    assert waits == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]
    assert [info.poll_wait(n, 0.4) for n in range(1, 4)] == [0.25, 0.4, 0.4]   # never above the interval
    assert [info.poll_wait(n, 0.1) for n in range(1, 3)] == [0.1, 0.1]


def test_cloud_sheet_file_written_once_check_mode_and_diff(lab, path, tmp_path):
    sheet = tmp_path / 'deep' / 'dir' / 'v7.yml'
    a = args(lab, 'v7', [tunnel(verify={'enabled': False})], mode='preflight', sheet_file=str(sheet), sheet_router='v7')
    check = path('tunnels', a, check=True, diff=True)
    assert not check.get('failed'), check.get('msg')
    assert check['changed'] and check['sheet_changed'] and check['sheet_file'] == str(sheet) and not sheet.exists()
    assert check['diff'][0]['after_header'] == str(sheet) and 'PropoEncryAlgorithm' in check['diff'][0]['after']
    first = path('tunnels', a)
    assert first['changed'] and first['sheet_changed'] and sheet.exists() and 'diff' not in first
    text = sheet.read_text(encoding='utf-8')
    assert PSK not in text and text.startswith('# Cloud-side settings for the tunnels of v7')
    data = yaml.safe_load(text)
    assert data['router'] == 'v7' and set(data['tunnels']) == {'tc1'}
    assert data['tunnels']['tc1'] == first['tunnels'][0]['cloud_sheet']
    assert oct(sheet.stat().st_mode & 0o777) == '0o644'
    mtime = sheet.stat().st_mtime_ns
    again = path('tunnels', a, diff=True)
    assert again['changed'] is False and again['sheet_changed'] is False and 'diff' not in again
    assert sheet.stat().st_mtime_ns == mtime
    assert lab.counters('v7')['logins'] == 0
    # mode apply writes it too (before connecting), and a router run that changes nothing stays changed=false
    sheet.unlink()
    applied = path('tunnels', dict(a, mode='apply'))
    assert not applied.get('failed'), applied.get('msg')
    assert applied['sheet_changed'] and applied['changed'] and sheet.read_text(encoding='utf-8') == text
    warm = path('tunnels', dict(a, mode='apply'))
    assert warm['changed'] is False and warm['sheet_changed'] is False and warm['commands'] == []
    for result in (check, first, again, applied, warm):
        assert_no_secret(result)


def test_cloud_sheet_not_written_when_the_preflight_fails(lab, path, tmp_path):
    sheet = tmp_path / 'v7.yml'
    side = json.loads(json.dumps(TENCENT_SIDE))
    side['IPSECOptionsSpecification'].update(IntegrityAlgorithm='SHA1')
    bad = path('tunnels', args(lab, 'v7', [tunnel(cloud_side=side)], sheet_file=str(sheet)))
    assert bad['failed'] and not sheet.exists() and 'sheet_file' not in bad and bad['logins'] == 0


def test_cloud_sheet_unwritable_path_fails_before_any_login(lab, tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('x', encoding='utf-8')
    result = run_action_path('tunnels', args(lab, 'v7', [tunnel()], sheet_file=str(blocker / 'v7.yml')))
    assert result['failed'] and 'cannot write the cloud sheet' in result['msg'] and str(blocker) in result['msg']
    assert lab.counters('v7')['logins'] == 0


SCHEMA_ERRORS = [
    # (a tunnel, what Ansible's validation of tunnel_schema must say: the field, the value, what is allowed)
    ({'name': 'tc1', 'state': 'present', 'local_subnets': ['192.168.10.0/24'], 'remote_subnets': [VPC1]},
     ['state is present', 'missing', 'peer_address', 'psk', 'found in tunnels']),
    (dict(tunnel(), cloud='oracle'), ['cloud', 'oracle', 'tencent, alibaba, aws, azure, huawei']),
    (dict(tunnel(), esp='strong'), ['esp', 'dict']),
    (dict(tunnel(), verify={'ping': {'src_address': '192.168.10.1'}}), ['address', 'tunnels -> verify -> ping']),
    (dict(tunnel(), nat_bypass='perhaps'), ['nat_bypass', 'perhaps', 'bool']),
]


@pytest.mark.parametrize('raw, words', SCHEMA_ERRORS, ids=['required-if', 'cloud', 'esp', 'ping', 'bool'])
def test_schema_errors_are_the_same_in_both_paths_and_before_any_login(lab, capsys, raw, words):
    action = run_action_path('tunnels', args(lab, 'v7', [raw]))
    module = run_module_path('tunnels', args(lab, 'v7', [raw]), capsys=capsys)
    assert action['failed'] and module['failed']
    for word in words:
        assert word in action['msg'], (word, action['msg'])
    # the same validation: AnsibleModule reports the first of the errors the action plugin lists
    assert module['msg'] in action['msg'], (module['msg'], action['msg'])
    assert lab.counters('v7')['logins'] == 0
    assert_no_secret(action)
    assert_no_secret(module)


def test_absent_tunnel_needs_only_its_name(lab):
    """state=absent: no peer_address, subnets or psk (the argument spec's required_if applies to present tunnels only)."""
    result = run_action_path('tunnels', args(lab, 'v7', [{'name': 'tc1', 'state': 'absent'}], mode='preflight'))
    assert not result.get('failed'), result
    assert result['tunnels'][0]['parameters'] == {'cloud': 'tencent', 'state': 'absent'}


def test_present_tunnel_with_an_empty_gateway_is_refused(lab):
    """required_if sees a value; the preflight still requires an address."""
    result = run_action_path('tunnels', args(lab, 'v7', [tunnel(peer_address='')], mode='preflight'))
    assert result['failed'] and "tunnel 'tc1': peer_address: required for state=present" in result['msg'], result


@pytest.mark.parametrize('psk', [12345678, ['not-a-string'], None], ids=['number', 'list', 'null'])
def test_psk_is_never_converted_from_another_type(lab, psk):
    """A YAML number or list is refused, not turned into a different key (the schema gives psk type raw)."""
    result = run_action_path('tunnels', args(lab, 'v7', [tunnel(psk=psk)], mode='preflight'))
    assert result['failed'] and "tunnel 'tc1': psk" in result['msg'], result
    assert 'non-empty string' in result['msg'] or 'missing' in result['msg']
    assert '12345678' not in result['msg'] and 'not-a-string' not in result['msg']


@pytest.mark.parametrize('router', ['v7', 'v6'])
def test_reinitiate_ends_the_ike_sa_of_a_changed_tunnel_only(lab, router, path):
    # A second tunnel that stays as it is must keep its IKE SA; the changed one negotiates again with its new values.
    second = tunnel(router, name='tc2', peer_address=GW2, remote_subnets=[VPC2], verify={'enabled': False})
    first = path('tunnels', args(lab, router, [tunnel(router), second]))
    assert not first.get('failed') and first['tunnels'][0]['healthy'], first.get('msg')
    lab.advance(3)
    rows = {p['peer']: p for p in lab.runtime(router)['peers']}
    assert rows['tc1']['established'] and rows['tc2']['established']
    lab.reset_counters(router)
    # the same values with reinitiate: nothing changed, so no active peer is ended
    same = path('tunnels', args(lab, router, [tunnel(router), second], reinitiate=True))
    assert lab.counters(router)['writes'] == 0 and not any(t.get('reinitiated') for t in same['tunnels'])
    changed = path('tunnels', args(lab, router, [tunnel(router, ike={'lifetime': '8h'}), second], reinitiate=True))
    assert not changed.get('failed'), changed.get('msg')
    by_name = {t['name']: t for t in changed['tunnels']}
    assert by_name['tc1'].get('reinitiated') is True and 'reinitiated' not in by_name['tc2']
    assert lab.counters(router)['sentences'].get('/ip/ipsec/active-peers/remove') == 1
    assert by_name['tc1']['healthy'] is True
    assert_no_secret(changed)


def test_nat_identity_warning_only_where_the_router_may_be_behind_nat(lab):
    """local_id auto with a public_address: the preflight cannot tell (it warns); the apply reads the router's addresses
    and warns only for the router whose WAN address is not the public address (behind NAT); collected, not shown."""
    direct = run_action_path('tunnels', args(lab, 'v7', [tunnel('v7', public_address='203.0.113.10')], collect_warnings=True))
    behind = run_action_path('tunnels', args(lab, 'nat', [tunnel('nat', public_address='203.0.113.30', verify={'enabled': False})],
                                             collect_warnings=True))
    assert not direct.get('failed') and not behind.get('failed'), (direct.get('msg'), behind.get('msg'))
    assert 'warnings' not in direct and 'warnings' not in behind   # collected for the caller, not shown
    assert not [w for w in direct['collected_warnings'] if 'local_id is auto' in w], direct['collected_warnings']
    assert [w for w in behind['collected_warnings'] if 'local_id is auto and public_address is 203.0.113.30' in w]
    assert lab.counters('v7')['sentences']['/ip/address/print'] == 1
    alone = run_action_path('tunnels', args(lab, 'v7', [tunnel('v7', public_address='203.0.113.10')], mode='preflight'))
    assert [w for w in alone['warnings'] if 'local_id is auto' in w] and alone['logins'] == 0
