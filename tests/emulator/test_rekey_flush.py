"""A CHILD SA rekey forced the way an operator does it on RouterOS: `/ip/ipsec/installed-sa/flush`.

IKEv2 builds the first CHILD SA inside IKE_AUTH without a key exchange, so a router with pfs-group=none against a
cloud with DH-GROUP14 comes up; phase 2 negotiated again inside the IKE SA (CREATE_CHILD_SA, RFC 7296 section
1.3.1) is refused. The real-IKE lab (tests/realike/test_lab_real.py) shows strongSwan doing the same.
"""

from tests import labkit

GW, VPC, VPC_HOST, LAN = '198.51.100.60', '10.60.0.0/24', '10.60.0.9', '192.168.60.0/24'
DELAY = 2


def _lab(router_pfs):
    connection = {'customer_gateway': '203.0.113.60', 'psk': 'rekey-model-psk',
                  'ike': {'version': 'IKEV2', 'encryption': 'AES-CBC-256', 'integrity': 'SHA-256', 'dh_group': 'GROUP14'},
                  'ipsec': {'encryption': 'AES-CBC-256', 'integrity': 'SHA-256', 'pfs': 'DH-GROUP14', 'lifetime': 3600},
                  'spd': [{'local': VPC, 'remote': [LAN]}]}
    config = {
        '/ip/ipsec/profile': [{'name': 'vpc', 'enc-algorithm': 'aes-256', 'hash-algorithm': 'sha256', 'dh-group': 'modp2048'}],
        '/ip/ipsec/proposal': [{'name': 'vpc', 'enc-algorithms': 'aes-256-cbc', 'auth-algorithms': 'sha256', 'pfs-group': router_pfs,
                                'lifetime': '1h'}],
        '/ip/ipsec/peer': [{'name': 'vpc', 'address': f'{GW}/32', 'profile': 'vpc', 'exchange-mode': 'ike2'}],
        '/ip/ipsec/identity': [{'peer': 'vpc', 'secret': 'rekey-model-psk'}],
        '/ip/ipsec/policy': [{'peer': 'vpc', 'src-address': LAN, 'dst-address': VPC, 'tunnel': 'yes', 'proposal': 'vpc'}],
    }
    router = labkit.router('r', '7.16.2', wan_address='203.0.113.60/24', lan_subnets=[LAN], config=config)
    cloud = {'name': 'vpc', 'public_address': GW, 'vpc_subnets': [VPC], 'hosts': [VPC_HOST], 'connections': [connection]}
    return labkit.lab_dict([router], [cloud], negotiation_delay=DELAY)


def _state(api):
    peers = list(api.path('ip', 'ipsec', 'active-peers'))
    sas = list(api.path('ip', 'ipsec', 'installed-sa'))
    policy = [p for p in api.path('ip', 'ipsec', 'policy') if not p.get('template')][0]
    return [p['state'] for p in peers], sas, policy['ph2-state']


def _errors(api):
    return [row['message'] for row in api.path('log') if row['topics'] == 'ipsec,error']


def test_flush_forces_the_rekey_that_an_ikev2_pfs_mismatch_fails(lab_factory):
    lab = lab_factory(_lab('none'))
    api = labkit.connect(lab, 'r')
    lab.advance(DELAY)
    states, sas, ph2 = _state(api)
    assert (states, len(sas), ph2) == (['established'], 2, 'established')     # no KE in IKE_AUTH: up for now
    assert _errors(api) == []
    tuple(api('/ip/ipsec/installed-sa/flush'))
    lab.advance(DELAY)
    states, sas, ph2 = _state(api)
    # the IKE SA survives, phase 2 does not come back
    assert (states, sas, ph2) == (['established'], [], 'no-phase2')
    assert _errors(api) == [f'{GW} child SA negotiation failed: NO_PROPOSAL_CHOSEN']
    cloud = lab.cloud_messages('vpc')
    assert 'no acceptable proposal found' in cloud
    assert any(line.startswith('generating CREATE_CHILD_SA response') and 'N(NO_PROP)' in line for line in cloud)
    lab.advance(3600)   # nothing more happens to the flushed policy: one refusal, logged once
    assert _errors(api) == [f'{GW} child SA negotiation failed: NO_PROPOSAL_CHOSEN']
    api.close()


def test_flush_of_a_matching_tunnel_brings_new_sas(lab_factory):
    lab = lab_factory(_lab('modp2048'))
    api = labkit.connect(lab, 'r')
    lab.advance(DELAY)
    before = {sa['spi'] for sa in _state(api)[1]}
    tuple(api('/ip/ipsec/installed-sa/flush'))
    lab.advance(DELAY)
    states, sas, ph2 = _state(api)
    assert (states, len(sas), ph2) == (['established'], 2, 'established')
    assert not {sa['spi'] for sa in sas} & before
    assert _errors(api) == []
    api.close()
