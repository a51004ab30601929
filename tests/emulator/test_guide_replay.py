"""Replay the "Router side" CLI of a typical hand-typed RouterOS-to-Tencent guide as API sentences (each CLI
command is the same path and words over the API) and check every printed field against what real routers
print (defaults left out, MikroTik "IPsec" and "NAT" manuals), on v7 and on 6.49.

CLI -> API, exactly the guide's sequence:

    /ip ipsec profile  add name=to_tencent dh-group=modp768 hash-algorithm=md5 enc-algorithm=aes-128
    /ip ipsec peer     add name=to_tencent address=119.91.254.122 profile=to_tencent exchange-mode=main
    /ip ipsec identity add peer=to_tencent auth-method=pre-shared-key secret=123456
    /ip ipsec proposal add name=to_tencent auth-algorithms=md5 enc-algorithms=aes-128-cbc pfs-group=none
    /ip ipsec policy   add peer=to_tencent tunnel=yes src-address=192.168.1.0/24 dst-address=10.100.1.0/24
                           protocol=all proposal=to_tencent
    /ip firewall nat   add chain=srcnat action=accept src-address=192.168.1.0/24 dst-address=10.100.1.0/24
    /ip firewall nat   move <that rule> 0

Values come back through librouteros, so 'true' is True and '5' is 5.
"""

import pytest
from librouteros.query import Key

from tests import labkit

MASQUERADE = {'chain': 'srcnat', 'action': 'masquerade', 'out-interface': 'ether1', 'comment': 'defconf: masquerade'}


def replay(api):
    ipsec = ('ip', 'ipsec')
    ids = {}
    ids['profile'] = api.path(*ipsec, 'profile').add(**{
        'name': 'to_tencent', 'dh-group': 'modp768', 'hash-algorithm': 'md5', 'enc-algorithm': 'aes-128'})
    ids['peer'] = api.path(*ipsec, 'peer').add(**{
        'name': 'to_tencent', 'address': '119.91.254.122', 'profile': 'to_tencent', 'exchange-mode': 'main'})
    ids['identity'] = api.path(*ipsec, 'identity').add(**{'peer': 'to_tencent', 'auth-method': 'pre-shared-key', 'secret': '123456'})
    ids['proposal'] = api.path(*ipsec, 'proposal').add(**{
        'name': 'to_tencent', 'auth-algorithms': 'md5', 'enc-algorithms': 'aes-128-cbc', 'pfs-group': 'none'})
    ids['policy'] = api.path(*ipsec, 'policy').add(**{
        'peer': 'to_tencent', 'tunnel': 'yes', 'src-address': '192.168.1.0/24', 'dst-address': '10.100.1.0/24',
        'protocol': 'all', 'proposal': 'to_tencent'})
    nat = api.path('ip', 'firewall', 'nat')
    ids['nat'] = nat.add(**{'chain': 'srcnat', 'action': 'accept', 'src-address': '192.168.1.0/24', 'dst-address': '10.100.1.0/24'})
    # "move <that rule> 0": find the rule, find row 0's .id, then move before it (the API has no positional numbers)
    rule = next(iter(nat.select(Key('.id')).where(Key('src-address') == '192.168.1.0/24', Key('dst-address') == '10.100.1.0/24')))
    first = next(iter(nat.select(Key('.id'))))
    tuple(nat('move', numbers=rule['.id'], destination=first['.id']))
    return ids


def expected(version):
    v7 = version.startswith('7.')
    dpd = ('8s', 4) if v7 and tuple(int(x) for x in version.split('.')[:2]) >= (7, 17) else ('2m', 5)
    sa_any = '::' if v7 else '0.0.0.0'
    profile_common = {'proposal-check': 'obey', 'nat-traversal': True, 'lifetime': '1d', 'dpd-interval': dpd[0],
                      'dpd-maximum-failures': dpd[1]}
    return {
        'profile': [
            {'.id': '*A', 'name': 'default', 'default': True, 'hash-algorithm': 'sha1', 'dh-group': 'modp2048,modp1024',
             'enc-algorithm': 'aes-128,3des' if v7 else 'aes-128', **profile_common},
            {'.id': '*B', 'name': 'to_tencent', 'default': False, 'hash-algorithm': 'md5', 'dh-group': 'modp768',
             'enc-algorithm': 'aes-128', **profile_common},
        ],
        'peer': [
            {'.id': '*1', 'name': 'to_tencent', 'address': '119.91.254.122/32', 'profile': 'to_tencent', 'exchange-mode': 'main',
             'passive': False, 'responder': False, 'send-initial-contact': True, 'disabled': False, 'dynamic': False},
        ],
        'identity': [
            {'.id': '*A', 'peer': 'to_tencent', 'auth-method': 'pre-shared-key', 'secret': 123456, 'generate-policy': False,
             'disabled': False, 'dynamic': False},
        ],
        'proposal': [
            {'.id': '*0', 'name': 'default', 'default': True, 'auth-algorithms': 'sha1',
             'enc-algorithms': 'aes-256-cbc,aes-192-cbc,aes-128-cbc', 'lifetime': '30m', 'pfs-group': 'modp1024', 'disabled': False},
            {'.id': '*1', 'name': 'to_tencent', 'default': False, 'auth-algorithms': 'md5', 'enc-algorithms': 'aes-128-cbc',
             'lifetime': '30m', 'pfs-group': 'none', 'disabled': False},
        ],
        'policy': [
            {'.id': '*1000000', 'default': True, 'template': True, 'group': 'default', 'src-address': '::/0', 'dst-address': '::/0',
             'protocol': 'all', 'proposal': 'default', 'disabled': False, 'dynamic': False, 'invalid': False},
            {'.id': '*1000001', 'peer': 'to_tencent', 'tunnel': True, 'src-address': '192.168.1.0/24', 'src-port': 'any',
             'dst-address': '10.100.1.0/24', 'dst-port': 'any', 'protocol': 'all', 'proposal': 'to_tencent', 'action': 'encrypt',
             'level': 'require', 'ipsec-protocols': 'esp', 'sa-src-address': sa_any, 'sa-dst-address': sa_any,
             'active': False, 'ph2-state': 'no-phase2', 'ph2-count': 0, 'disabled': False, 'dynamic': False, 'invalid': False},
        ],
        'nat': [
            {'.id': '*2', 'chain': 'srcnat', 'action': 'accept', 'src-address': '192.168.1.0/24', 'dst-address': '10.100.1.0/24',
             'log': False, 'log-prefix': '', 'bytes': 0, 'packets': 0, 'disabled': False, 'dynamic': False, 'invalid': False},
            {'.id': '*1', 'chain': 'srcnat', 'action': 'masquerade', 'out-interface': 'ether1', 'comment': 'defconf: masquerade',
             'log': False, 'log-prefix': '', 'bytes': 0, 'packets': 0, 'disabled': False, 'dynamic': False, 'invalid': False},
        ],
    }


@pytest.mark.parametrize('version', ['7.16.2', '7.19.4', '6.49.17'])
def test_guide_router_side(lab_factory, version):
    spec = labkit.router('r', version, wan_address='113.87.48.200/24', lan_subnets=['192.168.1.0/24'],
                         config={'/ip/firewall/nat': [MASQUERADE]})
    lab = lab_factory([spec])
    api = labkit.connect(lab, 'r')
    try:
        ids = replay(api)
        assert ids == {'profile': '*B', 'peer': '*1', 'identity': '*A', 'proposal': '*1', 'policy': '*1000001', 'nat': '*2'}
        want = expected(version)
        menus = {'profile': ('ip', 'ipsec', 'profile'), 'peer': ('ip', 'ipsec', 'peer'), 'identity': ('ip', 'ipsec', 'identity'),
                 'proposal': ('ip', 'ipsec', 'proposal'), 'policy': ('ip', 'ipsec', 'policy'), 'nat': ('ip', 'firewall', 'nat')}
        for menu, path in menus.items():
            got = list(api.path(*path))
            assert len(got) == len(want[menu]), menu
            for row, exp in zip(got, want[menu], strict=True):
                assert row == exp, f'{version} {menu} {row.get(".id")}'
        # the check the guide does next: without a cloud side nothing answers, the initiator stays
        # in message-1-sent (no answer: the row stays) and nothing is installed
        peers = list(api.path('ip', 'ipsec', 'active-peers'))
        assert [p['state'] for p in peers] == ['message-1-sent']
        assert list(api.path('ip', 'ipsec', 'installed-sa')) == []
    finally:
        api.close()
