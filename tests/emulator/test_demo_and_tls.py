"""The demo lab's clouds against a preset-shaped RouterOS config; lab-file clouds errors; per-router TLS names."""

import os
import ssl

import librouteros
import pytest
import yaml

from emulator.lab import LabError, load_lab
from tests import labkit

DEMO = os.path.join(os.path.dirname(__file__), '..', '..', 'emulator', 'labs', 'demo.yml')


def _demo():
    with open(DEMO, encoding='utf-8') as handle:
        raw = yaml.safe_load(handle)
    for entry in raw['routers']:
        entry['api_port'] = 0
        if 'api_ssl_port' in entry:
            entry['api_ssl_port'] = 0
    raw['settings']['negotiation_delay'] = 1
    return raw


def _apply_tencent_preset(api, gateway, lan, vpc, psk, my_id=None):
    """What the Tencent 'recommended' preset amounts to on RouterOS (written here from the reference, by hand)."""
    profile = {'enc-algorithm': 'aes-256', 'hash-algorithm': 'sha256', 'dh-group': 'modp2048', 'lifetime': '1d'}
    api.path('ip', 'ipsec', 'profile').add(name='tc', **profile)
    proposal = {'enc-algorithms': 'aes-256-cbc', 'auth-algorithms': 'sha256', 'pfs-group': 'modp2048', 'lifetime': '1h'}
    api.path('ip', 'ipsec', 'proposal').add(name='tc', **proposal)
    api.path('ip', 'ipsec', 'peer').add(name='tc', address=f'{gateway}/32', profile='tc', **{'exchange-mode': 'ike2'})
    identity = {'peer': 'tc', 'secret': psk}
    if my_id:
        identity['my-id'] = my_id
    api.path('ip', 'ipsec', 'identity').add(**identity)
    api.path('ip', 'ipsec', 'policy').add(peer='tc', tunnel='yes', proposal='tc', **{'src-address': lan, 'dst-address': vpc})


def test_demo_clouds_agree_and_hand_built_tunnel_mismatched(lab_factory):
    lab = lab_factory(_demo())
    # hq's hand-built to_tencent_hk (lab file config) meets a Tencent connection with PFS NULL: phase 1 up, phase 2 refused
    lab.advance(1)
    hand = next(p for p in lab.runtime('hq')['peers'] if p['peer'] == 'to_tencent_hk')
    assert hand['established'] and hand['failure'] == 'pfs'
    assert any('no acceptable DIFFIE_HELLMAN_GROUP found' in m for m in lab.cloud_messages('tencent-hk'))
    plan = {'hq': ('198.51.100.200', '192.168.10.0/24', '10.100.1.0/24', 'lab-psk-hq-4f2a', None, '10.100.1.6', '192.168.10.1'),
            'branch1': ('198.51.100.201', '192.168.20.0/24', '10.101.0.0/24', 'lab-psk-branch1-9c1e', 'address:203.0.113.30',
                        '10.101.0.10', '192.168.20.1'),
            'legacy': ('198.51.100.202', '192.168.30.0/24', '10.102.0.0/24', 'lab-psk-legacy-77d0', None, '10.102.0.20', '192.168.30.1')}
    apis = {}
    for name, (gateway, lan, vpc, psk, my_id, _host, _src) in plan.items():
        apis[name] = labkit.connect(lab, name)
        _apply_tencent_preset(apis[name], gateway, lan, vpc, psk, my_id)
    lab.advance(1)
    # branch1's masquerade has no ipsec-policy matcher: with the tunnel up, its pings still die (IPsec manual, NAT bypass) ...
    assert [p['ph2-state'] for p in apis['branch1'].path('ip', 'ipsec', 'policy') if not p.get('template')] == ['established']
    probe = {'address': '10.101.0.10', 'src-address': '192.168.20.1', 'count': '1'}
    assert all(r.get('status') == 'timeout' for r in apis['branch1']('/ping', **probe))
    # ... so it gets the accept rule on top, like a how-to guide (and the collection) adds it
    bypass = {'src-address': '192.168.20.0/24', 'dst-address': '10.101.0.0/24', 'place-before': '0'}
    apis['branch1'].path('ip', 'firewall', 'nat').add(chain='srcnat', action='accept', **bypass)
    for name, api in apis.items():
        host, src, gateway = plan[name][5], plan[name][6], plan[name][0]
        state = [p['state'] for p in api.path('ip', 'ipsec', 'active-peers') if p.get('remote-address', '').split('[')[0] == gateway]
        ph2 = [p['ph2-state'] for p in api.path('ip', 'ipsec', 'policy') if not p.get('template') and p.get('peer') == 'tc']
        replies = list(api('/ping', address=host, **{'src-address': src, 'count': '2'}))
        assert state == ['established'] and ph2 == ['established'], name
        assert all('status' not in r for r in replies)
        api.close()
    # the preset's tunnel on hq did not disturb the hand-built one
    hand = next(p for p in lab.runtime('hq')['peers'] if p['peer'] == 'to_tencent_hk')
    assert hand['failure'] == 'pfs' and [p['ph2-state'] for p in hand['policies']] == ['no-phase2']


@pytest.mark.parametrize(('mutate', 'fragment'), [
    (lambda c: c.update(public_address='not-an-ip'), 'cloud gz: public_address'),
    (lambda c: c['connections'][0].update(ike={'dh_group': 'GROUP99'}), 'cloud gz, connection c1: ike.dh_group'),
    (lambda c: c['connections'][0].pop('psk'), 'cloud gz, connection c1: psk'),
    (lambda c: c['connections'][0].update(colour='red'), 'unknown key(s) colour'),
])
def test_lab_file_cloud_errors_name_the_place(mutate, fragment):
    cloud = {'name': 'gz', 'public_address': '198.51.100.200', 'vpc_subnets': ['10.0.0.0/24'], 'hosts': ['10.0.0.5'],
             'connections': [{'name': 'c1', 'customer_gateway': '203.0.113.10', 'psk': 'x',
                              'spd': [{'local': '10.0.0.0/24', 'remote': ['192.168.1.0/24']}]}]}
    mutate(cloud)
    with pytest.raises(LabError) as info:
        load_lab({'routers': [labkit.router()], 'clouds': [cloud]})
    assert fragment in str(info.value)


def test_tls_names_validation(lab_factory):
    lab = lab_factory([labkit.router('named', '7.19.4', api_ssl_port=0, tls_names=['named.lab.invalid']),
                       labkit.router('plain', '7.19.4', api_ssl_port=0)])
    # the named router's certificate carries only its DNS name: dialling 127.0.0.1 fails hostname validation
    with pytest.raises(ssl.SSLCertVerificationError, match='IP address mismatch|hostname'):
        labkit.connect(lab, 'named', tls=True, hostname='127.0.0.1')
    api = labkit.connect(lab, 'named', tls=True, hostname='named.lab.invalid')
    assert list(api.path('system', 'identity'))[0]['name'] == 'named'
    api.close()
    # validation of the chain only (hostname check off) succeeds against the same certificate
    context = ssl.create_default_context(cafile=lab.ca_path)
    context.check_hostname = False
    api = librouteros.connect('127.0.0.1', 'admin', labkit.PASSWORD, port=lab.tls_port('named'), timeout=5,
                              ssl_wrapper=lambda sock: context.wrap_socket(sock, server_hostname='127.0.0.1'))
    api.close()
    # the other router keeps the fleet certificate (127.0.0.1 valid)
    labkit.connect(lab, 'plain', tls=True).close()


def test_tls_names_must_be_names():
    with pytest.raises(LabError, match='tls_names'):
        load_lab({'routers': [labkit.router(tls_names=['bad name!'])]})
    with pytest.raises(LabError, match='tls_names'):
        load_lab({'routers': [labkit.router(tls_names=[])]})
