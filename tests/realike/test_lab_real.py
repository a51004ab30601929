"""The lab with `ike: strongswan`: a tunnel built over the API the way a user does it with the guide's commands, against
real charons in namespaces (SKIPPED with the reason where the real mode cannot run)."""

import os
import select
import shutil
import subprocess
import sys
import time

import librouteros
import pytest
import yaml

from emulator import __main__ as emulator_cli
from emulator.reallab import RealIkeUnavailable
from emulator.server import LabServer
from emulator.strongswan import host
from tests import labkit

GW, VPC, VPC_HOST = '198.51.100.71', '10.71.0.0/24', '10.71.0.9'
WAN, LAN, LAN_IP = '203.0.113.71', '192.168.71.0/24', '192.168.71.1'
PSK = 'real-lab-psk'


def lab_file(psk=PSK):
    """One router, one IKEv2 cloud (DH-GROUP14 PFS); charon gives up after one quick retransmit."""
    connection = {'customer_gateway': WAN, 'psk': psk,
                  'ike': {'version': 'IKEV2', 'encryption': 'AES-CBC-256', 'integrity': 'SHA-256', 'dh_group': 'GROUP14'},
                  'ipsec': {'encryption': 'AES-CBC-256', 'integrity': 'SHA-256', 'pfs': 'DH-GROUP14', 'lifetime': 3600},
                  'spd': [{'local': VPC, 'remote': [LAN]}]}
    return {'ike': 'strongswan', 'settings': {'retransmit_tries': 1, 'retransmit_timeout': 1},
            'routers': [labkit.router('edge', '7.16.2', wan_address=f'{WAN}/24', lan_subnets=[LAN])],
            'clouds': [{'name': 'vpc', 'public_address': GW, 'vpc_subnets': [VPC], 'hosts': [VPC_HOST], 'connections': [connection]}]}


def build_tunnel(api, pfs_group='modp2048', exchange_mode='ike2', address=GW, my_id='auto', passive='no'):
    """The guide's commands: profile, proposal, peer, identity, policy, NAT bypass."""
    api.path('ip', 'ipsec', 'profile').add(name='vpc', **{'enc-algorithm': 'aes-256', 'hash-algorithm': 'sha256', 'dh-group': 'modp2048'})
    api.path('ip', 'ipsec', 'proposal').add(name='vpc', **{'enc-algorithms': 'aes-256-cbc', 'auth-algorithms': 'sha256',
                                                           'pfs-group': pfs_group, 'lifetime': '1h'})
    api.path('ip', 'ipsec', 'peer').add(name='vpc', address=f'{address}/32', profile='vpc', passive=passive,
                                        **{'exchange-mode': exchange_mode})
    api.path('ip', 'ipsec', 'identity').add(peer='vpc', secret=PSK, **{'my-id': my_id})
    api.path('ip', 'ipsec', 'policy').add(peer='vpc', tunnel='yes', proposal='vpc', **{'src-address': LAN, 'dst-address': VPC})
    api.path('ip', 'firewall', 'nat').add(chain='srcnat', action='accept', **{'src-address': LAN, 'dst-address': VPC})


def runtime_state(api):
    peers = list(api.path('ip', 'ipsec', 'active-peers'))
    sas = list(api.path('ip', 'ipsec', 'installed-sa'))
    policy = [p for p in api.path('ip', 'ipsec', 'policy') if not p.get('template')][0]
    return [p['state'] for p in peers], sas, policy['ph2-state']


def wait_until(check, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.3)
    return check()


def statistics(api):
    """The /ip/ipsec/statistics counters that are not 0."""
    (row,) = api.path('ip', 'ipsec', 'statistics')
    return {name: value for name, value in row.items() if value}


def errors(api):
    return [row['message'] for row in api.path('log') if row['topics'] == 'ipsec,error']


def ping(api, count=3):
    replies = list(api('/ping', address=VPC_HOST, count=str(count), **{'src-address': LAN_IP}))
    return sum(1 for r in replies if 'status' not in r)


@pytest.fixture
def served(real_ike, tmp_path):
    """`python -m emulator serve --lab FILE` with `ike: strongswan`, as a user starts it -> API port of router edge."""
    path = tmp_path / 'lab.yml'
    path.write_text(yaml.safe_dump(lab_file()))
    proc = subprocess.Popen([sys.executable, '-m', 'emulator', 'serve', '--lab', str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        ready = select.select([proc.stdout], [], [], 60)[0]
        assert ready, 'the lab did not print its ready line within 60 s'
        first, second = proc.stdout.readline(), proc.stdout.readline()
        assert first.startswith('ready '), first + proc.stderr.read()
        yield int(second.split('api=')[1].split()[0])
    finally:
        proc.terminate()
        proc.wait(30)


def _up_with_two_sas(state):
    """The runtime state when phase 1 is established with both SAs, else None (wait_until keeps polling)."""
    return state if state[0] == ['established'] and len(state[1]) == 2 else None


def _has_established_sas(state):
    return state[1] and state[2] == 'established'


def test_served_lab_builds_a_real_tunnel_that_carries_ping_through_esp(served):
    api = librouteros.connect('127.0.0.1', 'admin', labkit.PASSWORD, port=served, timeout=10)
    assert ping(api, count=1) == 0       # no tunnel yet: the WAN does not carry the VPC's private addresses
    build_tunnel(api)
    states, sas, ph2 = wait_until(lambda: _up_with_two_sas(runtime_state(api)))
    assert (states, len(sas), ph2) == (['established'], 2, 'established')
    assert ping(api) == 3
    sas = list(api.path('ip', 'ipsec', 'installed-sa'))
    assert all(sa['current-packets'] >= 3 for sa in sas)       # both ESP SAs carried the echoes and replies
    info = [row['message'] for row in api.path('log') if row['topics'] == 'ipsec,info']
    assert [m.split(':')[0] for m in info] == ['new ike2 SA (I)', 'IPsec-SA established', 'IPsec-SA established']
    # the peer was written before its identity, which RouterOS logs; nothing failed after that
    assert errors(api) == ["initiator can't find identity for peer: vpc"]
    api.close()


def test_a_psk_mismatch_shows_in_the_router_log_and_the_cloud_log(real_ike):
    with LabServer(lab_file(psk='the-cloud-has-another-key')) as lab:
        api = labkit.connect(lab, 'edge', timeout=10)
        build_tunnel(api)
        assert wait_until(lambda: 'got fatal error: AUTHENTICATION_FAILED' in errors(api))
        assert runtime_state(api)[:2] == ([], [])
        # the echoes go into the encrypt policy, which has no SA: dropped, and counted as RouterOS counts them
        assert ping(api, count=2) == 0
        assert statistics(api) == {'out-no-states': 2}
        cloud = lab.cloud_messages('vpc')
        assert any(line.endswith('but MAC mismatched') for line in cloud)
        assert 'generating IKE_AUTH response 1 [ N(AUTH_FAILED) ]' in cloud
        status, body = labkit.control(lab, 'GET', '/routers/edge/runtime')
        assert status == 200 and body['ike'] == 'strongswan' and [p['peer'] for p in body['peers']] == ['vpc']
        api.close()


def test_flush_forces_the_rekey_that_an_ikev2_pfs_mismatch_fails(real_ike):
    with LabServer(lab_file()) as lab:
        api = labkit.connect(lab, 'edge', timeout=10)
        build_tunnel(api, pfs_group='none')
        # no key exchange in IKE_AUTH: the first CHILD SA comes up although the PFS groups differ
        assert wait_until(lambda: _has_established_sas(runtime_state(api)))
        assert ping(api, count=1) == 1
        tuple(api('/ip/ipsec/installed-sa/flush'))
        refused = f'{GW} child SA negotiation failed: NO_PROPOSAL_CHOSEN'
        assert wait_until(lambda: refused in errors(api))
        assert runtime_state(api) == (['established'], [], 'no-phase2')
        cloud = lab.cloud_messages('vpc')
        assert 'no acceptable proposal found' in cloud
        assert any(line.startswith('generating CREATE_CHILD_SA response') and 'N(NO_PROP)' in line for line in cloud)
        api.close()


def test_a_router_behind_nat_goes_through_a_real_masquerade_or_the_lab_says_why_not(real_ike):
    lab = lab_file()
    lab['routers'][0].update(wan_address='10.20.0.2/24', public_address=WAN)
    if shutil.which('iptables') is None:
        with pytest.raises(RealIkeUnavailable, match=f"router 'edge' is behind NAT .*public_address {WAN}.* iptables, which is not "
                                                     'installed here'):
            LabServer(lab).start()
        assert f'vl{os.getpid()}-lab' not in subprocess.run(['ip', 'netns', 'list'], capture_output=True, text=True, check=True).stdout
        return
    with LabServer(lab) as server:
        api = labkit.connect(server, 'edge', timeout=10)
        build_tunnel(api, my_id=f'address:{WAN}')       # behind NAT the cloud knows the router by its public address
        peers = wait_until(lambda: [p for p in api.path('ip', 'ipsec', 'active-peers') if p['state'] == 'established'])
        assert peers[0]['natt-peer'] is True
        assert ping(api) == 3
        api.close()


def test_the_real_mode_says_why_it_cannot_run(monkeypatch, tmp_path, capsys):
    """Runs everywhere: without root (or any other piece) the lab refuses to start and names each reason."""
    monkeypatch.setattr(host, 'missing', lambda: ['not root: network namespaces and veth pairs need root', 'no /dev/net/tun'])
    server = LabServer(lab_file())
    with pytest.raises(RealIkeUnavailable, match='--ike strongswan cannot run here: not root: .*; no /dev/net/tun'):
        server.start()
    path = tmp_path / 'lab.yml'
    path.write_text(yaml.safe_dump({**lab_file(), 'ike': 'model'}))
    assert emulator_cli.main(['serve', '--lab', str(path), '--ike', 'strongswan']) == 1
    assert 'error: --ike strongswan cannot run here: not root: network namespaces' in capsys.readouterr().err


@pytest.mark.parametrize('negotiation', ['active', 'passive'])
def test_a_passive_peer_answers_the_cloud_connection_that_initiates(real_ike, negotiation):
    """RouterOS only answers a passive peer; a Tencent connection with NegotiationType active initiates, a passive one
    does not: with both ends passive nothing comes up."""
    lab = lab_file()
    lab['clouds'][0]['connections'][0]['negotiation'] = negotiation
    with LabServer(lab) as server:
        api = labkit.connect(server, 'edge', timeout=10)
        build_tunnel(api, passive='yes')
        if negotiation == 'passive':
            time.sleep(3)
            assert runtime_state(api) == ([], [], 'no-phase2')
            assert not any(line.startswith('initiating IKE_SA') for line in server.cloud_messages('vpc'))
            return
        states, sas, ph2 = wait_until(lambda: _up_with_two_sas(runtime_state(api)))
        assert (states, len(sas), ph2) == (['established'], 2, 'established')
        (peer,) = api.path('ip', 'ipsec', 'active-peers')
        assert peer['side'] == 'responder'
        info = [row['message'] for row in api.path('log') if row['topics'] == 'ipsec,info']
        assert [m.split(':')[0] for m in info] == ['new ike2 SA (R)', 'IPsec-SA established', 'IPsec-SA established']
        assert ping(api) == 3
        initiated = [line for line in server.cloud_messages('vpc') if line.startswith('initiating IKE_SA')]
        assert initiated and initiated[0].endswith(f' to {WAN}'), initiated
        # the router deletes the IKE SA (it cannot initiate a passive peer): the active connection initiates again
        tuple(api('/ip/ipsec/active-peers/kill-connections'))
        again = wait_until(lambda: [p for p in api.path('ip', 'ipsec', 'active-peers')
                                    if p['state'] == 'established' and p['spii'] != peer['spii']])
        assert again and again[0]['side'] == 'responder'
        assert wait_until(lambda: ping(api, count=1) == 1)
        api.close()


def test_after_a_flush_without_traffic_phase_2_comes_back_inside_the_same_ike_sa(real_ike):
    """What the lab does after `installed-sa flush` when nothing flows (docs/lab.md, section 8, on why this is the lab's
    choice): new CHILD SAs inside the IKE SA that stays, before any packet asked for them."""
    with LabServer(lab_file()) as lab:
        api = labkit.connect(lab, 'edge', timeout=10)
        build_tunnel(api)
        assert wait_until(lambda: _up_with_two_sas(runtime_state(api)))
        (before,) = api.path('ip', 'ipsec', 'active-peers')
        old = {sa['spi'] for sa in api.path('ip', 'ipsec', 'installed-sa')}
        tuple(api('/ip/ipsec/installed-sa/flush'))
        assert wait_until(lambda: _up_with_two_sas(runtime_state(api)) and not old & {sa['spi'] for sa in api.path('ip', 'ipsec', 'installed-sa')})
        (after,) = api.path('ip', 'ipsec', 'active-peers')
        assert (after['spii'], after['spir']) == (before['spii'], before['spir'])
        assert all(sa['current-packets'] == 0 for sa in api.path('ip', 'ipsec', 'installed-sa'))
        assert statistics(api) == {}
        assert any(line.startswith('generating CREATE_CHILD_SA response') for line in lab.cloud_messages('vpc'))
        api.close()
