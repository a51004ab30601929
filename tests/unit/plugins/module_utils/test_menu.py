# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reconcile engine, planned against an in-memory session (no network), and spec invariants."""

import importlib

import pytest
import yaml

from ansible_collections.vpclink.routeros.plugins.module_utils.api import RouterError, api_argument_spec, version_tuple
from ansible_collections.vpclink.routeros.plugins.module_utils.ipsec import SPECS, argument_spec
from ansible_collections.vpclink.routeros.plugins.module_utils.menu import reconcile
from ansible_collections.vpclink.routeros.plugins.module_utils.ownership import fingerprint


class FakeSession:
    """Rows per menu as librouteros would return them (already cast: bools, ints)."""

    def __init__(self, version='7.16.2', menus=None):
        self.version = version
        self.version_tuple = version_tuple(version)
        self.router = 'fake:8728'
        self.menus = menus or {}
        self.calls = []
        self.secrets = []

    def scrub(self, text):
        return str(text)

    def add_secret(self, value):
        self.secrets.append(value)

    def print_(self, menu, proplist=None, query=None, entry=None):
        self.calls.append(('print', menu, tuple(proplist or ()), dict(query or {})))
        rows = self.menus.get(menu, [])
        return [dict(r) for r in rows if all(str(r.get(k)) == str(val) for k, val in (query or {}).items())]

    def add(self, menu, attrs, entry=None):
        self.calls.append(('add', menu, dict(attrs)))
        return '*NEW'

    def set_(self, menu, entry_id, attrs, entry=None):
        self.calls.append(('set', menu, entry_id, dict(attrs)))

    def remove(self, menu, entry_id, entry=None):
        self.calls.append(('remove', menu, entry_id))

    def writes(self):
        return [c for c in self.calls if c[0] != 'print']


PROFILE_ROW = {'.id': '*B', 'name': 'p1', 'hash-algorithm': 'sha1', 'enc-algorithm': 'aes-256,aes-128', 'dh-group': 'modp2048,modp1024',
               'lifetime': '1d', 'proposal-check': 'obey', 'nat-traversal': True, 'dpd-interval': '2m', 'dpd-maximum-failures': 5}
DEFAULT_PROFILE = dict(PROFILE_ROW, **{'.id': '*A', 'name': 'default', 'default': True})


def session(**menus):
    return FakeSession(menus={'/ip/ipsec/' + k: v for k, v in menus.items()})


def test_unchanged_when_equal_after_normalisation():
    s = session(profile=[DEFAULT_PROFILE, PROFILE_ROW])
    params = {'name': 'p1', 'lifetime': '24h', 'enc_algorithm': ['aes-128', 'aes-256'], 'dh_group': 'modp1024,modp2048',
              'nat_traversal': 'yes', 'dpd_maximum_failures': '5', 'lifebytes': 0}
    result = reconcile(s, SPECS['ipsec_profile'], params)
    assert result['changed'] is False and result['action'] == 'unchanged' and result['id'] == '*B'
    assert s.writes() == []
    # one print for the lookup, with .proplist and a ? query by key (one print per menu: few round trips)
    assert s.calls[0][3] == {'name': 'p1'} and '.id' in s.calls[0][2]
    # a profile keeps no comment: its ownership is read from the peers that use it (one more print, no peer: ours)
    assert len(s.calls) == 2 and s.calls[1][1:] == ('/ip/ipsec/peer', ('.id', 'comment', 'profile'), {'profile': 'p1'})


def test_update_sends_one_set_with_only_changed_properties():
    s = session(profile=[PROFILE_ROW])
    result = reconcile(s, SPECS['ipsec_profile'], {'name': 'p1', 'lifetime': '8h', 'hash_algorithm': 'sha1', 'dh_group': ['modp1024']})
    assert result['action'] == 'updated' and result['id'] == '*B'
    assert s.writes() == [('set', '/ip/ipsec/profile', '*B', {'lifetime': '8h', 'dh-group': 'modp1024'})]
    assert result['changed_properties'] == ['dh-group', 'lifetime']


def test_check_mode_plans_the_same_without_writing():
    real, check = session(profile=[PROFILE_ROW]), session(profile=[PROFILE_ROW])
    params = {'name': 'p1', 'lifetime': '8h'}
    r1 = reconcile(check, SPECS['ipsec_profile'], params, check_mode=True, diff=True)
    r2 = reconcile(real, SPECS['ipsec_profile'], params, check_mode=False, diff=True)
    assert check.writes() == [] and r1 == r2


def test_builtin_default_entry_is_refused():
    s = session(profile=[DEFAULT_PROFILE])
    for state in ('present', 'absent'):
        with pytest.raises(RouterError, match=r"entry \*A is flagged default=true .* never changes or removes it"):
            reconcile(s, SPECS['ipsec_profile'], {'name': 'default', 'lifetime': '8h', 'state': state})
    assert s.writes() == []


def test_two_matches_name_both_ids():
    s = session(identity=[{'.id': '*1', 'peer': 'x'}, {'.id': '*2', 'peer': 'x'}])
    with pytest.raises(RouterError) as exc:
        reconcile(s, SPECS['ipsec_identity'], {'peer': 'x', 'secret': 'abc'})
    assert '*1, *2' in exc.value.msg and exc.value.details['ids'] == ['*1', '*2'] and 'abc' not in exc.value.msg


def test_policy_key_is_peer_and_canonical_prefixes():
    rows = [{'.id': '*1000001', 'peer': 'x', 'src-address': '192.168.1.0/24', 'dst-address': '10.0.0.0/16', 'tunnel': True, 'comment': 'vpclink:x'},
            {'.id': '*1000002', 'peer': 'x', 'src-address': '192.168.1.0/24', 'dst-address': '10.1.0.0/16', 'tunnel': True, 'comment': 'vpclink:x'}]
    s = session(policy=rows)
    result = reconcile(s, SPECS['ipsec_policy'], {'peer': 'x', 'src_address': '192.168.1.0/24', 'dst_address': '10.1.0.0/16', 'tunnel': 'yes'})
    assert result['action'] == 'unchanged' and result['id'] == '*1000002'
    result = reconcile(s, SPECS['ipsec_policy'], {'peer': 'x', 'src_address': '192.168.1.0/24', 'dst_address': '10.0.0.0/16', 'state': 'absent'})
    assert s.writes() == [('remove', '/ip/ipsec/policy', '*1000001')]


def test_version_gates_and_choices_fail_before_any_read_or_write():
    s = FakeSession('6.49.17', {'/ip/ipsec/profile': []})
    with pytest.raises(RouterError) as exc:
        reconcile(s, SPECS['ipsec_profile'], {'name': 'p', 'hash_algorithm': 'sha384', 'prf_algorithm': 'sha256', 'dh_group': ['x25519']})
    msg = exc.value.msg
    assert "hash-algorithm (option hash_algorithm): 'sha384' is not allowed; allowed: md5, sha1, sha256, sha512" in msg
    assert 'prf-algorithm (option prf_algorithm) needs RouterOS >= 7.0; router fake:8728 runs 6.49.17' in msg
    assert "dh-group (option dh_group): 'x25519' not allowed" in msg
    assert s.calls == []


def test_missing_reference_fails_before_write_and_warns_in_check_mode():
    s = session(profile=[DEFAULT_PROFILE], peer=[])
    with pytest.raises(RouterError, match=r"profile \(option profile\) = 'nope': no such entry in /ip/ipsec/profile on router fake:8728"):
        reconcile(s, SPECS['ipsec_peer'], {'name': 'x', 'profile': 'nope'})
    assert s.writes() == []
    result = reconcile(s, SPECS['ipsec_peer'], {'name': 'x', 'profile': 'nope'}, check_mode=True)
    assert result['action'] == 'created' and 'no such entry' in result['warnings'][0]
    # the built-in 'default' profile is not looked up
    s2 = session(peer=[])
    reconcile(s2, SPECS['ipsec_peer'], {'name': 'x', 'profile': 'default'})
    assert [c[1] for c in s2.calls if c[0] == 'print'] == ['/ip/ipsec/peer']


def test_secret_compared_when_shown_and_masked_everywhere():
    row = {'.id': '*A', 'peer': 'x', 'auth-method': 'pre-shared-key', 'secret': 'old-secret',
           'comment': 'vpclink:x ' + fingerprint('x', 'old-secret')}
    s = session(identity=[row])
    result = reconcile(s, SPECS['ipsec_identity'], {'peer': 'x', 'secret': 'old-secret'}, diff=True)
    assert result['changed'] is False
    result = reconcile(s, SPECS['ipsec_identity'], {'peer': 'x', 'secret': 'new-secret'}, diff=True)
    assert result['action'] == 'updated'
    assert result['diff']['before']['secret'] == '********' and result['diff']['after']['secret'] == '<secret changed>'
    text = repr(result)
    assert 'new-secret' not in text and 'old-secret' not in text
    assert s.writes()[-1] == ('set', '/ip/ipsec/identity', '*A', {'secret': 'new-secret', 'comment': 'vpclink:x ' + fingerprint('x', 'new-secret')})
    assert 'new-secret' not in fingerprint('x', 'new-secret')


@pytest.mark.parametrize('mode,written', [('always', True), ('on_create', False)])
def test_hidden_secret_follows_update_secret(mode, written):
    s = session(identity=[{'.id': '*A', 'peer': 'x', 'auth-method': 'pre-shared-key', 'comment': 'vpclink:x'}])  # router hides the secret
    result = reconcile(s, SPECS['ipsec_identity'], {'peer': 'x', 'secret': 's', 'update_secret': mode})
    assert result['changed'] is written
    assert bool(s.writes()) is written


@pytest.mark.parametrize('hidden', [None, '*****'])
def test_hidden_secret_auto_compares_the_fingerprint(hidden):
    """update_secret=auto (the default): a hidden secret is written only when the fingerprint in our mark differs."""
    row = {'.id': '*A', 'peer': 'x', 'auth-method': 'pre-shared-key', 'comment': 'vpclink:x ' + fingerprint('x', 'same')}
    if hidden:
        row['secret'] = hidden      # what a user without the sensitive policy reads
    s = session(identity=[row])
    assert reconcile(s, SPECS['ipsec_identity'], {'peer': 'x', 'secret': 'same'})['changed'] is False and s.writes() == []
    changed = reconcile(s, SPECS['ipsec_identity'], {'peer': 'x', 'secret': 'other'})
    assert changed['action'] == 'updated' and s.writes()[-1][3]['secret'] == 'other'
    assert 'other' not in repr(changed)


def test_foreign_entry_refused_before_any_write_and_adopted_on_request():
    row = {'.id': '*5', 'name': 'x', 'address': '203.0.113.1/32', 'exchange-mode': 'ike2', 'comment': 'prod'}
    s = session(peer=[row])
    with pytest.raises(RouterError) as err:
        reconcile(s, SPECS['ipsec_peer'], {'name': 'x', 'address': '198.51.100.9', 'exchange_mode': 'ike2'})
    msg = err.value.msg
    assert s.writes() == [] and '/ip/ipsec/peer' in msg and 'name=x' in msg and 'adopt: true' in msg
    assert 'address: 203.0.113.1/32 -> 198.51.100.9/32' in msg and "'prod'" in msg
    result = reconcile(s, SPECS['ipsec_peer'], {'name': 'x', 'address': '198.51.100.9', 'exchange_mode': 'ike2', 'adopt': True})
    assert result['action'] == 'adopted' and s.writes()[-1][3] == {'address': '198.51.100.9/32', 'comment': 'vpclink:x'}
    # removal never touches a foreign entry
    s2 = session(peer=[row])
    gone = reconcile(s2, SPECS['ipsec_peer'], {'name': 'x', 'state': 'absent'})
    assert gone['action'] == 'unchanged' and gone['changed'] is False and s2.writes() == []


def test_profile_ownership_follows_the_peers_that_use_it():
    foreign_peer = {'.id': '*1', 'name': 'hand', 'profile': 'p1'}
    s = session(profile=[PROFILE_ROW], peer=[foreign_peer])
    with pytest.raises(RouterError) as err:
        reconcile(s, SPECS['ipsec_profile'], {'name': 'p1', 'lifetime': '8h'})
    assert 'keeps no comment' in err.value.msg and '*1' in err.value.msg and s.writes() == []
    ours = session(profile=[PROFILE_ROW], peer=[dict(foreign_peer, comment='vpclink:hand')])
    assert reconcile(ours, SPECS['ipsec_profile'], {'name': 'p1', 'lifetime': '8h'})['action'] == 'updated'


def test_librouteros_casting_does_not_cause_changes():
    # generate-policy=no -> False, port=500 -> 500, passive=false -> False (librouteros casts these)
    s = session(identity=[{'.id': '*A', 'peer': 'x', 'generate-policy': False, 'secret': 500, 'comment': 'vpclink:x ' + fingerprint('x', '500')}],
                peer=[{'.id': '*1', 'name': 'x', 'passive': False, 'exchange-mode': 'main', 'profile': 'default', 'comment': 'vpclink:x'}])
    assert not reconcile(s, SPECS['ipsec_identity'], {'peer': 'x', 'generate_policy': 'no', 'secret': '500'})['changed']
    assert not reconcile(s, SPECS['ipsec_peer'], {'name': 'x', 'passive': False, 'ike_port': 500, 'profile': 'default'})['changed']


def test_absent_when_missing_is_unchanged():
    s = session(peer=[])
    result = reconcile(s, SPECS['ipsec_peer'], {'name': 'x', 'state': 'absent', 'profile': 'bogus'})
    assert result == {'changed': False, 'router': 'fake:8728', 'routeros_version': '7.16.2', 'menu': '/ip/ipsec/peer',
                      'commands': [], 'action': 'unchanged', 'id': None, 'entry': {}}


@pytest.mark.parametrize('module_name', sorted(SPECS))
def test_documentation_matches_argument_spec(module_name):
    """validate-modules checks this too; keep the unit suite honest without ansible-test."""
    module = importlib.import_module('ansible_collections.vpclink.routeros.plugins.modules.' + module_name)
    doc = yaml.safe_load(module.DOCUMENTATION)
    fragment = yaml.safe_load(importlib.import_module('ansible_collections.vpclink.routeros.plugins.doc_fragments.api')
                              .ModuleDocFragment.DOCUMENTATION)
    options = dict(fragment['options'], **doc['options'])
    spec = argument_spec(module_name)
    assert set(options) == set(spec)
    for name, arg in spec.items():
        opt = options[name]
        assert opt['type'] == arg['type'], name
        assert bool(opt.get('required')) == bool(arg.get('required')), name
        assert opt.get('default') == arg.get('default'), name
        assert opt.get('choices') == arg.get('choices'), name
        assert opt.get('elements') == arg.get('elements'), name
        assert opt.get('aliases') == arg.get('aliases'), name
    yaml.safe_load(module.EXAMPLES)
    yaml.safe_load(module.RETURN)


def test_option_names_never_collide_with_connection_options():
    shared = set(api_argument_spec())
    for spec in SPECS.values():
        assert not shared & set(spec.argument_spec()), spec.kind
