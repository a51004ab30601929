"""The lab negotiates like a real peer: runtime menus, logs on both sides, ping, through librouteros.

Every lab here runs on a ManualClock with a 2 s negotiation delay, so each test is deterministic
and takes no real time.
"""

import copy

import pytest
from librouteros.exceptions import TrapError

from tests import labkit

GW = '198.51.100.200'
VPC = '10.100.1.0/24'
VPC_HOST = '10.100.1.6'
LAN = '192.168.10.0/24'
LAN_IP = '192.168.10.1'
PSK = 'lab-psk-hq'
DELAY = 2

# the strong Tencent connection (IKEv2, AES-CBC-256/SHA-256/GROUP14; ESP AES-CBC-256/SHA-256/DH-GROUP14/3600)
CONNECTION = {'name': 'to-r', 'customer_gateway': '203.0.113.10', 'psk': PSK,
              'ike': {'version': 'IKEV2', 'encryption': 'AES-CBC-256', 'integrity': 'SHA-256', 'dh_group': 'GROUP14', 'lifetime': 86400},
              'ipsec': {'encryption': 'AES-CBC-256', 'integrity': 'SHA-256', 'pfs': 'DH-GROUP14', 'lifetime': 3600},
              'spd': [{'local': VPC, 'remote': [LAN]}]}
# ... and the RouterOS side that agrees with it
ROUTER_IPSEC = {
    '/ip/ipsec/profile': [{'name': 'tc', 'enc-algorithm': 'aes-256', 'hash-algorithm': 'sha256', 'dh-group': 'modp2048'}],
    '/ip/ipsec/proposal': [{'name': 'tc', 'enc-algorithms': 'aes-256-cbc', 'auth-algorithms': 'sha256', 'pfs-group': 'modp2048',
                            'lifetime': '1h'}],
    '/ip/ipsec/peer': [{'name': 'tc', 'address': f'{GW}/32', 'profile': 'tc', 'exchange-mode': 'ike2'}],
    '/ip/ipsec/identity': [{'peer': 'tc', 'secret': PSK}],
    '/ip/ipsec/policy': [{'peer': 'tc', 'src-address': LAN, 'dst-address': VPC, 'tunnel': 'yes', 'proposal': 'tc'}],
    '/ip/firewall/nat': [{'chain': 'srcnat', 'action': 'masquerade', 'out-interface-list': 'WAN', 'ipsec-policy': 'out,none'}],
}


def _merge(base, changes):
    out = copy.deepcopy(base)
    for key, value in (changes or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _router_config(changes=None):
    """ROUTER_IPSEC with per-menu first-entry overrides: {'/ip/ipsec/peer': {'exchange-mode': 'main'}}; None removes a menu."""
    config = copy.deepcopy(ROUTER_IPSEC)
    for path, values in (changes or {}).items():
        if values is None:
            config.pop(path, None)
        else:
            config[path][0].update(values)
    return config


def start(lab_factory, version='7.16.2', cloud=None, router=None, wan='203.0.113.10/24', public=None, **settings):
    connection = _merge(CONNECTION, cloud)
    fields = {'wan_address': wan, 'lan_subnets': [LAN], 'config': _router_config(router)}
    if public:
        fields['public_address'] = public
    clouds = [{'name': 'tc-gz', 'public_address': GW, 'vpc_subnets': [VPC], 'hosts': [VPC_HOST], 'connections': [connection]}]
    settings.setdefault('negotiation_delay', DELAY)
    lab = lab_factory(labkit.lab_dict([labkit.router('r', version, **fields)], clouds, **settings))
    return lab, labkit.connect(lab, 'r')


def peers(api):
    return list(api.path('ip', 'ipsec', 'active-peers'))


def sas(api):
    return list(api.path('ip', 'ipsec', 'installed-sa'))


def policy(api):
    return [p for p in api.path('ip', 'ipsec', 'policy') if not p.get('template')][0]


def log(api):
    return [(row['topics'], row['message']) for row in api.path('log') if row['topics'].startswith('ipsec')]


def ping(api, address=VPC_HOST, src=LAN_IP, count=3):
    args = {'address': address, 'count': str(count)}
    if src:
        args['src-address'] = src
    return list(api('/ping', **args))


def answered(replies):
    return [r for r in replies if 'status' not in r]


# ------------------------------------------------------------------------------------ success
@pytest.mark.parametrize('version', ['7.16.2', '7.19.4', '6.49.17'])
def test_success_path(lab_factory, version):
    lab, api = start(lab_factory, version)
    # in flight: message-1-sent, spir all zero, nothing installed, policy idle
    (row,) = peers(api)
    assert row['state'] == 'message-1-sent' and row['ph2-total'] == 0
    assert sas(api) == [] and policy(api)['ph2-state'] == 'no-phase2' and policy(api)['active'] is False
    assert all(r.get('status') == 'timeout' for r in ping(api))
    lab.advance(DELAY + 5)
    (row,) = peers(api)
    assert (row['state'], row['side'], row['local-address'], row['remote-address']) == ('established', 'initiator', '203.0.113.10', GW)
    assert row['ph2-total'] == 1 and row['natt-peer'] is False and row['uptime'] == '5s'
    if version.startswith('7'):
        assert row['port'] == 500 and row['id'] == GW and len(row['spii']) == 16 and row['spir'] != '0' * 16
    else:   # 6.49 has no id/spii/spir
        assert not {'id', 'spii', 'spir', 'port'} & set(row)
    pair = sas(api)
    assert len(pair) == 2
    assert {(s['src-address'], s['dst-address']) for s in pair} == {(GW, '203.0.113.10'), ('203.0.113.10', GW)}
    for sa in pair:
        assert (sa['state'], sa['auth-algorithm'], sa['enc-algorithm'], sa['enc-key-size']) == ('mature', 'sha256', 'aes-cbc', 256)
        assert sa['add-lifetime'] == '48m/1h' and sa['expires-in'] == '59m55s' and sa['ESP'] is True
        assert sa['spi'].startswith('0x')
    pol = policy(api)
    assert (pol['active'], pol['ph2-state'], pol['ph2-count']) == (True, 'established', 1)
    assert (pol['sa-src-address'], pol['sa-dst-address']) == ('203.0.113.10', GW)
    replies = ping(api)
    assert len(answered(replies)) == 3 and replies[-1]['packet-loss'] == 0 and replies[-1]['received'] == 3
    assert all(r['host'] == VPC_HOST and r['size'] == 56 and r['ttl'] == 62 for r in replies)
    assert [r['seq'] for r in replies] == [0, 1, 2]
    assert all(s['current-packets'] == 3 and s['seen-traffic'] for s in sas(api))
    messages = [m for t, m in log(api)]
    assert any(m.startswith('new ike2 SA (I): 203.0.113.10[500]-198.51.100.200[500]') for m in messages)
    assert sum(m.startswith('IPsec-SA established: ESP/Tunnel') for m in messages) == 2
    cloud = lab.cloud_messages('tc-gz')
    assert any('IKE_SA to-r[' in m and 'established' in m for m in cloud)
    assert any(m.startswith('CHILD_SA to-r{1} established') and f'{VPC} === {LAN}' in m for m in cloud)
    # printing again logs nothing new (transitions only)
    lab.advance(60)
    assert [m for t, m in log(api)] == messages
    api.close()


def test_natt_behind_nat(lab_factory):
    lab, api = start(lab_factory, '7.19.4', wan='10.20.0.2/24', public='203.0.113.10',
                     router={'/ip/ipsec/identity': {'my-id': 'address:203.0.113.10'}})
    lab.advance(DELAY)
    (row,) = peers(api)
    assert (row['state'], row['natt-peer'], row['port'], row['local-address']) == ('established', True, 4500, '10.20.0.2')
    assert {s['src-address'] for s in sas(api)} == {f'{GW}[4500]', '10.20.0.2[4500]'}
    assert len(answered(ping(api))) == 3
    assert 'remote host is behind NAT' in lab.cloud_messages('tc-gz')
    api.close()


# ------------------------------------------------------------------------------------ failures
# (class, cloud changes, router changes, active-peers state after the attempt (None = no row),
#  policy ph2-state, a router log fragment, a cloud log fragment (None = the cloud logs nothing))
V1_CLOUD = {'ike': {'version': 'IKEV1', 'exchange_mode': 'MAIN'}}
V1_ROUTER = {'/ip/ipsec/peer': {'exchange-mode': 'main'}}
FAILURES = [
    ('psk', {'psk': 'other-secret'}, None, None, 'no-phase2', 'got fatal error: AUTHENTICATION_FAILED', 'but MAC mismatched'),
    ('psk-v1', {'psk': 'other-secret', **V1_CLOUD}, V1_ROUTER, None, 'no-phase2', 'possible cause: wrong password',
     'could not decrypt payloads'),
    ('ike_version', V1_CLOUD, None, None, 'no-phase2', 'got fatal error: NO_PROPOSAL_CHOSEN', 'no IKE config found'),
    ('exchange_mode', {'ike': {'version': 'IKEV1', 'exchange_mode': 'AGGRESSIVE'}}, V1_ROUTER, None, 'no-phase2',
     'fatal AUTHENTICATION-FAILED notify messsage', 'no peer config found'),
    ('identity', {'ike': {'remote_identity': {'type': 'FQDN', 'value': 'hq.example.net'}}}, None, None, 'no-phase2',
     'got fatal error: AUTHENTICATION_FAILED', 'no matching peer config found'),
    ('no_response', None, {'/ip/ipsec/peer': {'address': '198.51.100.99/32'}}, 'message-1-sent', 'no-phase2',
     'phase1 negotiation failed due to time up', None),
    ('customer_gateway', {'customer_gateway': '203.0.113.99'}, None, None, 'no-phase2',
     'got fatal error: UNSUPPORTED_CRITICAL_PAYLOAD', None),
    ('phase1_proposal', {'ike': {'dh_group': 'GROUP2'}}, None, None, 'no-phase2', 'got fatal error: NO_PROPOSAL_CHOSEN',
     'no proposal found'),
    ('phase2_proposal', {'ipsec': {'encryption': 'AES-CBC-128'}}, None, 'established', 'no-phase2',
     'child SA negotiation failed: NO_PROPOSAL_CHOSEN', 'no acceptable proposal found'),
    ('pfs-v1', {'ipsec': {'pfs': 'NULL'}, **V1_CLOUD}, V1_ROUTER, 'established', 'no-phase2',
     'fatal NO-PROPOSAL-CHOSEN notify messsage', 'no acceptable DIFFIE_HELLMAN_GROUP found'),
    ('traffic_selectors', {'spd': [{'local': VPC, 'remote': ['192.168.99.0/24']}]}, None, 'established', 'no-phase2',
     'child SA negotiation failed: TS_UNACCEPTABLE', 'unacceptable'),
]


@pytest.mark.parametrize(('klass', 'cloud', 'router', 'state', 'ph2', 'router_line', 'cloud_line'), FAILURES, ids=[f[0] for f in FAILURES])
def test_failure_classes(lab_factory, klass, cloud, router, state, ph2, router_line, cloud_line):
    lab, api = start(lab_factory, '7.16.2', cloud=cloud, router=router)
    assert [p['state'] for p in peers(api)] == ['message-1-sent']      # every attempt starts the same way
    lab.advance(DELAY)
    assert [p['state'] for p in peers(api)] == ([state] if state else []), klass
    assert sas(api) == [] and policy(api)['ph2-state'] == ph2 and policy(api)['active'] is False
    assert any(router_line in m for t, m in log(api) if t == 'ipsec,error'), log(api)
    cloud_log = lab.cloud_messages('tc-gz')
    if cloud_line is None:     # nothing of the router's attempt reached a tunnel log (the active cloud's own retransmits may)
        assert not any('is initiating' in m for m in cloud_log), cloud_log
    else:
        assert any(cloud_line in m for m in cloud_log), cloud_log
    assert all(r.get('status') == 'timeout' for r in ping(api, count=2))
    assert lab.runtime('r')['peers'][0]['failure'] == klass.split('-')[0]
    api.close()


def test_failing_peer_retries_on_the_clock_and_prints_do_not_log(lab_factory):
    lab, api = start(lab_factory, cloud={'psk': 'other'}, retry_interval=30)
    lab.advance(DELAY)
    first = log(api)
    for attempt in range(5):
        assert peers(api) == [], attempt
    assert log(api) == first
    lab.advance(29)     # t=31: the retry (started at t=30) is in flight: the row reappears
    assert [p['state'] for p in peers(api)] == ['message-1-sent'] and log(api) == first
    lab.advance(DELAY)
    assert len(log(api)) == 2 * len(first) and peers(api) == []
    lab.advance(3600)   # a long jump logs a bounded number of attempts
    assert len(log(api)) <= (2 + 3) * len(first)
    api.close()


def test_ikev2_pfs_mismatch_fails_at_rekey(lab_factory):
    lab, api = start(lab_factory, cloud={'ipsec': {'pfs': 'NULL'}})
    lab.advance(DELAY)
    assert policy(api)['ph2-state'] == 'established' and len(sas(api)) == 2     # IKE_AUTH child has no DH (RFC 7296 1.2)
    lab.advance(48 * 60)
    assert any('CREATE_CHILD_SA response' in m for m in lab.cloud_messages('tc-gz'))
    assert any('NO_PROPOSAL_CHOSEN' in m for t, m in log(api))
    lab.advance(12 * 60)
    assert sas(api) == [] and policy(api)['ph2-state'] == 'no-phase2' and peers(api)[0]['state'] == 'established'
    api.close()


# ------------------------------------------------------------------------------------ re-negotiation
def test_router_side_fix_renegotiates(lab_factory):
    lab, api = start(lab_factory, cloud={'psk': 'cloud-secret'})
    lab.advance(DELAY)
    assert peers(api) == []
    identity = api.path('ip', 'ipsec', 'identity')
    identity.update(**{'.id': list(identity)[0]['.id'], 'secret': 'cloud-secret'})
    assert [p['state'] for p in peers(api)] == ['message-1-sent']
    lab.advance(DELAY)
    assert [p['state'] for p in peers(api)] == ['established'] and len(sas(api)) == 2
    api.close()


def test_cloud_console_edit_renegotiates(lab_factory):
    lab, api = start(lab_factory, cloud={'ipsec': {'pfs': 'NULL'}, 'ike': {'version': 'IKEV1'}}, router=V1_ROUTER)
    lab.advance(DELAY)
    assert policy(api)['ph2-state'] == 'no-phase2'
    status, body = labkit.control(lab, 'PATCH', '/clouds/tc-gz/connections/to-r', {'ipsec': {'pfs': 'GROUP99'}})
    assert status == 400 and 'ipsec.pfs' in body['error']
    status, body = labkit.control(lab, 'PATCH', '/clouds/tc-gz/connections/to-r', {'ipsec': {'pfs': 'DH-GROUP14'}})
    assert status == 200 and body['ipsec']['pfs'] == 'DH-GROUP14' and body['psk'] == '********'
    assert [p['state'] for p in peers(api)] == ['message-1-sent']
    lab.advance(DELAY)
    assert policy(api)['ph2-state'] == 'established'
    api.close()


def test_unrelated_writes_do_not_renegotiate(lab_factory):
    lab, api = start(lab_factory)
    lab.advance(DELAY + 10)
    before = peers(api)
    nat = api.path('ip', 'firewall', 'nat')
    nat.add(chain='srcnat', action='accept', **{'src-address': LAN, 'dst-address': VPC})
    assert peers(api) == before
    api.close()


def test_kill_connections_and_flush_renegotiate(lab_factory):
    lab, api = start(lab_factory)
    lab.advance(DELAY)
    old_spis = {s['spi'] for s in sas(api)}
    tuple(api('/ip/ipsec/installed-sa/flush'))
    assert sas(api) == [] and policy(api)['ph2-state'] == 'no-phase2' and peers(api)[0]['state'] == 'established'
    lab.advance(DELAY)
    assert len(sas(api)) == 2 and not {s['spi'] for s in sas(api)} & old_spis
    tuple(api('/ip/ipsec/active-peers/kill-connections'))
    assert [p['state'] for p in peers(api)] == ['message-1-sent'] and sas(api) == []
    lab.advance(DELAY)
    assert [p['state'] for p in peers(api)] == ['established'] and len(sas(api)) == 2
    row = peers(api)[0]
    tuple(api('/ip/ipsec/active-peers/remove', **{'.id': row['.id']}))
    assert [p['state'] for p in peers(api)] == ['message-1-sent']
    with pytest.raises(TrapError, match='no such item'):
        tuple(api('/ip/ipsec/active-peers/remove', **{'.id': '*99'}))
    api.close()


def test_disable_and_remove_tear_down(lab_factory):
    lab, api = start(lab_factory)
    lab.advance(DELAY)
    policies = api.path('ip', 'ipsec', 'policy')
    pid = policy(api)['.id']
    tuple(api('/ip/ipsec/policy/disable', numbers=pid))
    assert sas(api) == [] and policy(api)['ph2-state'] == 'no-phase2' and peers(api) == []   # no enabled policy: not initiated
    tuple(api('/ip/ipsec/policy/enable', numbers=pid))
    lab.advance(DELAY)
    assert policy(api)['ph2-state'] == 'established'
    identity = api.path('ip', 'ipsec', 'identity')
    identity.remove(list(identity)[0]['.id'])
    assert peers(api) == [] and sas(api) == []
    assert ('ipsec,error', "initiator can't find identity for peer: tc") in log(api)
    peer = api.path('ip', 'ipsec', 'peer')
    tuple(api('/ip/ipsec/peer/disable', numbers=list(peer)[0]['.id']))
    assert peers(api) == [] and policy(api)['ph2-state'] == 'no-phase2'
    policies.remove(pid)
    assert peers(api) == []
    api.close()


# ------------------------------------------------------------------------------------ data plane
def test_nat_order_decides_the_ping(lab_factory):
    lab, api = start(lab_factory)
    nat = api.path('ip', 'firewall', 'nat')
    rule = list(nat)[0]
    tuple(api('/ip/firewall/nat/unset', numbers=rule['.id'], **{'value-name': 'ipsec-policy'}))
    lab.advance(DELAY)
    assert policy(api)['ph2-state'] == 'established'
    assert answered(ping(api)) == []              # masquerade rewrote the source: no policy, no tunnel (IPsec manual, NAT bypass)
    accept = nat.add(chain='srcnat', action='accept', **{'src-address': LAN, 'dst-address': VPC})
    assert answered(ping(api)) == []              # below the masquerade: never reached
    tuple(api('/ip/firewall/nat/move', numbers=accept, destination=rule['.id']))
    assert len(answered(ping(api))) == 3
    tuple(api('/ip/firewall/nat/disable', numbers=accept))
    assert answered(ping(api)) == []
    # a negated matcher: the masquerade skips VPC destinations
    tuple(api('/ip/firewall/nat/set', numbers=rule['.id'], **{'dst-address': f'!{VPC}'}))
    assert len(answered(ping(api))) == 3
    api.close()


def test_a_jump_runs_the_masquerade_of_its_chain(lab_factory):
    """RouterOS follows ``jump`` into ``jump-target`` and comes back after it (``return`` or the chain's end)."""
    lab, api = start(lab_factory)
    nat = api.path('ip', 'firewall', 'nat')
    lab.advance(DELAY)
    assert len(answered(ping(api))) == 3            # the default masquerade (ipsec-policy=out,none) lets it through
    jump = nat.add(chain='srcnat', action='jump', **{'jump-target': 'to-wan'})
    masq = nat.add(chain='to-wan', action='masquerade', **{'src-address': '192.168.10.0/25'})
    assert answered(ping(api)) == []                # the masquerade in the jumped-to chain rewrote the source
    tuple(api('/ip/firewall/nat/set', numbers=masq, **{'src-address': '192.168.10.128/25'}))
    assert len(answered(ping(api))) == 3            # that /25 does not hold the ping's source: back after the jump
    tuple(api('/ip/firewall/nat/set', numbers=masq, **{'src-address': '192.168.10.0/25'}))
    early_return = nat.add(chain='to-wan', action='return', **{'dst-address': VPC, 'place-before': masq})
    assert len(answered(ping(api))) == 3            # returned before the masquerade
    nat.remove(early_return)
    tuple(api('/ip/firewall/nat/disable', numbers=jump))
    assert len(answered(ping(api))) == 3            # a disabled jump is not followed
    api.close()


def test_ping_without_tunnel_own_addresses_and_errors(lab_factory):
    lab, api = start(lab_factory, router={'/ip/ipsec/peer': None, '/ip/ipsec/identity': None, '/ip/ipsec/policy': None})
    lab.advance(DELAY)
    replies = ping(api, count=2)
    assert [(r['seq'], r['status'], r['sent'], r['received'], r['packet-loss']) for r in replies] == \
        [(0, 'timeout', 1, 0, 100), (1, 'timeout', 2, 0, 100)]
    own = ping(api, address=LAN_IP, src=None, count=1)
    assert own[0]['ttl'] == 64 and own[0]['received'] == 1 and own[0]['time'] == '0ms'
    assert len(ping(api, address='203.0.113.10', src=None, count=4)) == 4
    with pytest.raises(TrapError, match='src-address is not a local address'):
        ping(api, src='192.168.10.77')
    with pytest.raises(TrapError, match='missing value'):
        tuple(api('/ping', count='1'))
    with pytest.raises(TrapError, match='unknown parameter'):
        tuple(api('/ping', address=VPC_HOST, bogus='1'))
    api.close()


def test_ping_into_a_policy_without_sa_counts_out_no_states(lab_factory):
    lab, api = start(lab_factory, cloud={'psk': 'x'})
    lab.advance(DELAY)
    assert answered(ping(api, count=2)) == []
    stats = list(api.path('ip', 'ipsec', 'statistics'))[0]
    assert stats['out-no-states'] == 2
    api.close()


def test_deterministic_with_manual_clock(lab_factory):
    def run():
        lab, api = start(lab_factory)
        lab.advance(DELAY + 1)
        result = (peers(api), sas(api), list(api.path('log')), lab.cloud_log('tc-gz'), ping(api))
        api.close()
        return result
    assert run() == run()


def test_control_endpoints(lab_factory):
    lab, api = start(lab_factory)
    status, body = labkit.control(lab, 'GET', '/clouds')
    assert status == 200 and body[0]['name'] == 'tc-gz' and body[0]['connections'][0]['psk'] == '********'
    assert PSK not in str(body)
    status, body = labkit.control(lab, 'POST', '/clock/advance', {'seconds': DELAY})
    status, body = labkit.control(lab, 'GET', '/clouds/tc-gz/log')
    assert status == 200 and any('established' in item['message'] for item in body)
    status, body = labkit.control(lab, 'GET', '/routers/r/runtime')
    assert status == 200 and body['peers'][0]['state'] == 'established' and body['peers'][0]['policies'][0]['ph2-state'] == 'established'
    assert labkit.control(lab, 'GET', '/clouds/nope')[0] == 404
    assert labkit.control(lab, 'PATCH', '/clouds/tc-gz/connections/nope', {'psk': 'x'})[0] == 404
    assert labkit.control(lab, 'DELETE', '/clouds')[0] == 405
    assert labkit.control(lab, 'GET', '/clouds/tc-gz/connections/to-r')[1]['ike']['version'] == 'IKEV2'
    api.close()


def test_one_cloud_serves_several_routers(lab_factory):
    second = _merge(CONNECTION, {'name': 'to-r2', 'customer_gateway': '203.0.113.20', 'spd': [{'local': VPC, 'remote': ['192.168.20.0/24']}]})
    config2 = _router_config({'/ip/ipsec/policy': {'src-address': '192.168.20.0/24'}})
    clouds = [{'name': 'tc-gz', 'public_address': GW, 'vpc_subnets': [VPC], 'hosts': [VPC_HOST],
               'connections': [CONNECTION | {'customer_gateway': '203.0.113.10'}, second]}]
    routers = [labkit.router('r', '7.16.2', wan_address='203.0.113.10/24', lan_subnets=[LAN], config=_router_config()),
               labkit.router('r2', '6.49.17', wan_address='203.0.113.20/24', lan_subnets=['192.168.20.0/24'], config=config2)]
    lab = lab_factory(labkit.lab_dict(routers, clouds, negotiation_delay=1))
    lab.advance(1)
    for name, src in (('r', LAN_IP), ('r2', '192.168.20.1')):
        api = labkit.connect(lab, name)
        assert [p['state'] for p in peers(api)] == ['established']
        assert len(answered(ping(api, src=src))) == 3
        api.close()
    cloud = lab.cloud_messages('tc-gz')
    assert any(m.startswith('CHILD_SA to-r{') for m in cloud) and any(m.startswith('CHILD_SA to-r2{') for m in cloud)


def test_unanswered_active_connection_logs_retransmits(lab_factory):
    lab, api = start(lab_factory, router={'/ip/ipsec/peer': {'disabled': 'yes'}})
    assert any('giving up after 5 retransmits' in m for m in lab.cloud_messages('tc-gz'))
    count = len(lab.cloud_messages('tc-gz'))
    assert len(lab.cloud_messages('tc-gz')) == count       # logged once, on the transition
    api.close()
