# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every object module against a 7.x and a 6.49 lab router, through the module and the action plugin."""

import json

import pytest

from tests import labkit
from tests.unit.plugins.modules.conftest import ROUTERS, conn, run_action_path, run_module_path, undocumented, writes

PROFILE = {'name': 'p1', 'hash_algorithm': 'sha256', 'enc_algorithm': ['aes-256', 'aes-128'], 'dh_group': 'modp2048', 'lifetime': '24h'}
PROPOSAL = {'name': 'pr1', 'auth_algorithms': ['sha256'], 'enc_algorithms': 'aes-256-cbc,aes-128-cbc', 'pfs_group': 'modp2048', 'lifetime': '1h'}
PEER = {'name': 'peer1', 'address': '203.0.113.9', 'profile': 'p1', 'exchange_mode': 'main'}
IDENTITY = {'peer': 'peer1', 'secret': 'psk-one-0123', 'my_id': 'fqdn:hq.example.com'}
POLICY = {'peer': 'peer1', 'src_address': '192.168.1.0/24', 'dst_address': '10.0.0.0/16', 'tunnel': True, 'proposal': 'pr1'}

CASES = {
    # module: (dependencies, create, same-after-normalisation, update)
    'ipsec_profile': ([], PROFILE, dict(PROFILE, lifetime='1d', enc_algorithm='aes-128,aes-256', dh_group=['modp2048']),
                      {'name': 'p1', 'lifetime': '8h', 'nat_traversal': False}),
    'ipsec_proposal': ([], PROPOSAL, dict(PROPOSAL, lifetime='60m', enc_algorithms=['aes-128-cbc', 'aes-256-cbc']),
                       {'name': 'pr1', 'lifetime': '2h'}),
    'ipsec_peer': ([('ipsec_profile', PROFILE)], PEER, dict(PEER, address='203.0.113.9/32'), {'name': 'peer1', 'address': '203.0.113.10'}),
    'ipsec_identity': ([('ipsec_profile', PROFILE), ('ipsec_peer', PEER)], IDENTITY, dict(IDENTITY), {'peer': 'peer1', 'secret': 'psk-two-4567'}),
    'ipsec_policy': ([('ipsec_profile', PROFILE), ('ipsec_proposal', PROPOSAL), ('ipsec_peer', PEER)], POLICY,
                     dict(POLICY, tunnel='yes', dst_address='10.0.0.0/16'), dict(POLICY, level='unique')),
}
MENUS = {'ipsec_profile': 'profile', 'ipsec_proposal': 'proposal', 'ipsec_peer': 'peer', 'ipsec_identity': 'identity', 'ipsec_policy': 'policy'}
SECRETS = ('psk-one-0123', 'psk-two-4567', labkit.PASSWORD)


def rows(lab, router, menu):
    api = labkit.connect(lab, router)
    try:
        return list(api.path('ip', 'ipsec', menu))
    finally:
        api.close()


def no_secret(result):
    text = json.dumps(result)
    for secret in SECRETS:
        assert secret not in text


def prepare(lab, router, module_name):
    for dep, args in CASES[module_name][0]:
        result = run_action_path(dep, dict(conn(lab, router), **args))
        assert result['changed'], result


@pytest.mark.parametrize('router', sorted(ROUTERS))
@pytest.mark.parametrize('module_name', sorted(CASES))
def test_lifecycle(rlab, router, module_name, path):
    lab = rlab
    deps, create, same, update = CASES[module_name]
    prepare(lab, router, module_name)
    menu = MENUS[module_name]
    before_rows = rows(lab, router, menu)  # the lab's default entries
    if module_name in ('ipsec_profile', 'ipsec_proposal', 'ipsec_peer'):  # an unrelated entry that is not ours
        api = labkit.connect(lab, router)
        extra = {'ipsec_profile': {'name': 'other'}, 'ipsec_proposal': {'name': 'other'}, 'ipsec_peer': {'name': 'other', 'passive': 'yes'}}
        api.path('ip', 'ipsec', menu).add(**extra[module_name])
        api.close()
        before_rows = rows(lab, router, menu)

    # check mode predicts the create exactly; nothing is written
    w0 = writes(lab, router)
    predicted = path(module_name, dict(conn(lab, router), **create), check=True, diff=True)
    assert predicted['changed'] and predicted['action'] == 'created' and predicted['id'] is None, predicted
    assert writes(lab, router) == w0

    created = path(module_name, dict(conn(lab, router), **create), diff=True)
    assert created['changed'] and created['action'] == 'created' and created['id'], created
    assert writes(lab, router) == w0 + 1
    for key in ('commands', 'changed_properties', 'diff'):
        assert predicted[key] == created[key] or key == 'diff', key
    assert {k: v for k, v in predicted['entry'].items() if k != '.id'} == {k: v for k, v in created['entry'].items() if k != '.id'}
    no_secret(predicted)
    no_secret(created)

    # second run (with equal-after-normalisation input): nothing changes, zero writes
    again = path(module_name, dict(conn(lab, router), **same))
    assert again['changed'] is False and again['action'] == 'unchanged' and again['id'] == created['id'], again
    assert writes(lab, router) == w0 + 1

    # update in place: check mode predicts, real run does the same, same .id, one write
    predicted = path(module_name, dict(conn(lab, router), **update), check=True, diff=True)
    assert writes(lab, router) == w0 + 1
    updated = path(module_name, dict(conn(lab, router), **update), diff=True)
    assert updated['action'] == 'updated' and updated['id'] == created['id'] and updated['changed']
    assert predicted == updated
    assert writes(lab, router) == w0 + 2
    assert len(updated['commands']) == 1 and updated['commands'][0].startswith(f"/ip/ipsec/{menu}/set =.id={created['id']}")
    assert not undocumented(module_name, updated)
    no_secret(updated)
    if module_name == 'ipsec_identity':
        assert updated['diff']['after']['secret'] == '<secret changed>' and updated['diff']['before']['secret'] == '********'
        assert updated['entry']['secret'] == '********'
    assert path(module_name, dict(conn(lab, router), **update))['changed'] is False

    # absent removes only ours: defaults and unrelated entries stay
    keys = {k: v for k, v in update.items() if k in ('name', 'peer', 'src_address', 'dst_address')}
    predicted = path(module_name, dict(conn(lab, router), state='absent', **keys), check=True)
    removed = path(module_name, dict(conn(lab, router), state='absent', **keys))
    assert predicted == removed and removed['action'] == 'deleted' and removed['id'] == created['id']
    assert rows(lab, router, menu) == before_rows
    gone = path(module_name, dict(conn(lab, router), state='absent', **keys))
    assert gone['changed'] is False and gone['action'] == 'unchanged'


@pytest.mark.parametrize('router', sorted(ROUTERS))
def test_module_and_action_agree(shared_lab, router, capsys):
    """The same sequence through both paths gives the same results (ids included: the lab is reset in between)."""
    outcomes = {}
    for kind in ('module', 'action'):
        shared_lab.reset(router)
        seq = []
        for module_name in ('ipsec_profile', 'ipsec_proposal', 'ipsec_peer', 'ipsec_identity', 'ipsec_policy'):
            args = dict(conn(shared_lab, router), **CASES[module_name][1])
            for check in (True, False, False):
                if kind == 'module':
                    seq.append(run_module_path(module_name, args, check, True, capsys))
                else:
                    seq.append(run_action_path(module_name, args, check, True))
        outcomes[kind] = seq
    assert outcomes['module'] == outcomes['action']


@pytest.mark.parametrize('router', sorted(ROUTERS))
def test_ambiguous_key_is_refused_naming_both_ids(rlab, router, path):
    prepare(rlab, router, 'ipsec_identity')
    api = labkit.connect(rlab, router)
    ids = [api.path('ip', 'ipsec', 'identity').add(peer='peer1', secret=f'abc-{i}') for i in range(2)]
    api.close()
    w0 = writes(rlab, router)
    result = path('ipsec_identity', dict(conn(rlab, router), **IDENTITY))
    assert result['failed'] and ids[0] in result['msg'] and ids[1] in result['msg'] and 'refusing to guess' in result['msg']
    assert writes(rlab, router) == w0
    no_secret(result)
    assert 'abc-0' not in json.dumps(result)


BAD = {
    'v7': [('ipsec_profile', {'name': 'p', 'enc_algorithm': ['aes-128', 'blowfish']}, "enc-algorithm (option enc_algorithm): 'blowfish' not allowed"),
           ('ipsec_peer', {'name': 'x', 'exchange_mode': 'main-l2tp'}, "exchange-mode (option exchange_mode): 'main-l2tp' is not allowed"),
           ('ipsec_profile', {'name': 'p', 'ppk': 'psk'}, 'ppk (option ppk) needs RouterOS >= 7.21; router 127.0.0.1:'),
           ('ipsec_proposal', {'name': 'p', 'lifetime': 'forever'}, "lifetime: 'forever' is not a RouterOS time interval")],
    'v6': [('ipsec_profile', {'name': 'p', 'hash_algorithm': 'sha384'}, "hash-algorithm (option hash_algorithm): 'sha384' is not allowed; allowed: md5"),
           ('ipsec_profile', {'name': 'p', 'dh_group': 'x25519,modp2048'}, "dh-group (option dh_group): 'x25519' not allowed"),
           ('ipsec_proposal', {'name': 'p', 'enc_algorithms': 'chacha20poly1305'}, "'chacha20poly1305' not allowed"),
           ('ipsec_proposal', {'name': 'p', 'comment': 'x'}, 'comment (option comment) needs RouterOS >= 7.15; router 127.0.0.1:'),
           ('ipsec_peer', {'name': 'x', 'address': 'vpn.example.com'}, "address: 'vpn.example.com' is not an IP address or prefix")],
}
COMMON_BAD = [
    ('ipsec_policy', {'peer': 'peer1', 'src_address': '192.168.1.5/24', 'dst_address': '10.0.0.0/16'},
     "src-address (option src_address): '192.168.1.5/24' has host bits set; allowed: a network address for that prefix length, e.g. 192.168.1.0/24"),
    ('ipsec_policy', {'peer': 'peer1', 'src_address': '192.168.1.0/24', 'dst_address': '10.0.0.0/33'},
     "dst-address (option dst_address): '10.0.0.0/33' is not an IP prefix"),
    ('ipsec_policy', {'peer': 'nobody', 'src_address': '192.168.1.0/24', 'dst_address': '10.0.0.0/16'},
     "peer (option peer) = 'nobody': no such entry in /ip/ipsec/peer"),
    ('ipsec_policy', {'peer': 'peer1', 'src_address': '192.168.1.0/24', 'dst_address': '10.0.0.0/16', 'proposal': 'nope'},
     "proposal (option proposal) = 'nope': no such entry in /ip/ipsec/proposal"),
    ('ipsec_peer', {'name': 'x', 'profile': 'missing'}, "profile (option profile) = 'missing': no such entry in /ip/ipsec/profile"),
    ('ipsec_identity', {'peer': 'ghost', 'secret': 'psk-one-0123'}, "peer (option peer) = 'ghost': no such entry in /ip/ipsec/peer"),
    ('ipsec_identity', {'peer': 'peer1', 'my_id': 'hq.example.com'}, "my-id (option my_id): 'hq.example.com' is not an IKE identity"),
    ('ipsec_peer', {'name': 'x', 'ike_port': 70000}, 'port (option ike_port): 70000 is out of range; allowed: 0..65535'),
]


@pytest.mark.parametrize('router,module_name,args,expected', [(r, m, a, e) for r in sorted(BAD) for m, a, e in BAD[r] + COMMON_BAD])
def test_bad_input_fails_before_any_write(rlab, router, module_name, args, expected, path):
    prepare(rlab, router, 'ipsec_identity')  # profile p1, peer peer1
    w0 = writes(rlab, router)
    result = path(module_name, dict(conn(rlab, router), **args))
    assert result.get('failed'), result
    assert expected in result['msg'], result['msg']
    assert 'nothing was changed' in result['msg'] and f'127.0.0.1:{rlab.port(router)}' in result['msg']
    assert writes(rlab, router) == w0
    no_secret(result)


@pytest.mark.parametrize('router', sorted(ROUTERS))
def test_builtin_default_entries_are_never_touched(rlab, router, path):
    w0 = writes(rlab, router)
    for module_name in ('ipsec_profile', 'ipsec_proposal'):
        for state in ('present', 'absent'):
            result = path(module_name, dict(conn(rlab, router), name='default', lifetime='8h', state=state))
            assert result['failed'] and 'flagged default=true' in result['msg'], result
    assert writes(rlab, router) == w0


def test_hidden_secret_update_secret(rlab, path):
    """When the router hides the secret, update_secret decides (always: write; on_create: leave)."""
    from unittest import mock

    from ansible_collections.vpclink.routeros.plugins.module_utils import api as api_mod

    router = 'v7'
    prepare(rlab, router, 'ipsec_identity')
    assert path('ipsec_identity', dict(conn(rlab, router), **IDENTITY))['changed']
    real_print = api_mod.Session.print_

    def hiding_print(self, menu, proplist=None, query=None, entry=None):
        result = real_print(self, menu, proplist, query, entry)
        return [{k: v for k, v in r.items() if k != 'secret'} for r in result]

    # Both paths run in this process (the module path through patch_module_args), so the patched Session serves both.
    with mock.patch.object(api_mod.Session, 'print_', hiding_print):
        w0 = writes(rlab, router)
        on_create = path('ipsec_identity', dict(conn(rlab, router), update_secret='on_create', **IDENTITY))
        assert on_create['changed'] is False and writes(rlab, router) == w0
        always = path('ipsec_identity', dict(conn(rlab, router), update_secret='always', **IDENTITY), diff=True)
        assert always['changed'] is True and always['action'] == 'updated' and 'secret' in always['secret_notes']
        assert always['diff']['after']['secret'] == '<secret changed>'
        no_secret(always)
