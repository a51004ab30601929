"""RouterOS users and rights in the lab, through librouteros: login needs ``api``, writes ``write``,
``/ping`` ``test``, prints ``read``, and secrets are hidden without ``sensitive`` (emulator/users.py)."""

import re

import pytest
from librouteros.exceptions import TrapError

from emulator.lab import LabError, load_lab
from emulator.users import HIDDEN, builtin_groups
from tests.labkit import connect, router, running_lab

PSK = 'lab-psk-value'
DENIED = '^' + re.escape('not enough permissions (9)') + '$'
GROUPS = [
    {'name': 'no-api', 'policy': ['read', 'write', 'test', 'sensitive', 'winbox']},
    {'name': 'reader', 'policy': ['api', 'read']},
    {'name': 'prober', 'policy': 'api,read,test,!write'},
    {'name': 'blind', 'policy': ['api', 'write', 'test']},
]
USERS = [{'name': name, 'password': f'{name}-pw', 'group': group}
         for name, group in (('noapi', 'no-api'), ('reader', 'reader'), ('prober', 'prober'), ('blind', 'blind'),
                             ('ro', 'read'), ('rw', 'write'), ('root', 'full'))]
CONFIG = {
    '/ip/ipsec/peer': [{'name': 'gw', 'address': '198.51.100.7'}],
    '/ip/ipsec/identity': [{'peer': 'gw', 'secret': PSK}],
    '/ip/firewall/nat': [{'chain': 'srcnat', 'action': 'masquerade', 'out-interface': 'ether1', 'comment': 'a'},
                         {'chain': 'srcnat', 'action': 'accept', 'comment': 'b'}],
}


@pytest.fixture(scope='module')
def rights_lab():
    lab = {'routers': [router('v7', '7.16.2', lan_subnets=['192.168.10.0/24'], config=CONFIG),
                       router('v6', '6.49.17', lan_subnets=['192.168.30.0/24'], config=CONFIG)],
           'groups': GROUPS, 'users': USERS}
    with running_lab(lab) as server:
        yield server


def login(lab, name, user, legacy=False):
    return connect(lab, name, username=user, password=f'{user}-pw', legacy=legacy)


def nat_ids(api):
    return [row['.id'] for row in api.path('ip', 'firewall', 'nat')]


WRITES = [
    ('add', lambda api, ids: api.path('ip', 'firewall', 'nat').add(chain='srcnat', action='accept')),
    ('set', lambda api, ids: api.path('ip', 'firewall', 'nat').update(**{'.id': ids[0], 'comment': 'changed'})),
    ('remove', lambda api, ids: api.path('ip', 'firewall', 'nat').remove(ids[0])),
    ('move', lambda api, ids: tuple(api.path('ip', 'firewall', 'nat')('move', numbers=ids[1], destination=ids[0]))),
    ('unset', lambda api, ids: tuple(api.path('ip', 'firewall', 'nat')('unset', numbers=ids[0], **{'value-name': 'comment'}))),
    ('disable', lambda api, ids: tuple(api.path('ip', 'firewall', 'nat')('disable', numbers=ids[0]))),
    ('identity', lambda api, ids: api.path('system', 'identity').update(name='renamed')),
    ('kill-connections', lambda api, ids: tuple(api.path('ip', 'ipsec', 'active-peers')('kill-connections'))),
]


@pytest.mark.parametrize('name', ['v7', 'v6'])
def test_login_refused_without_api_policy_with_the_wrong_password_text(rights_lab, name):
    with pytest.raises(TrapError) as no_api:
        login(rights_lab, name, 'noapi')
    with pytest.raises(TrapError) as wrong:
        connect(rights_lab, name, username='reader', password='not-the-password')
    assert str(no_api.value) == str(wrong.value) == 'invalid user name or password (6)'
    api = login(rights_lab, name, 'reader')        # the same lab lets a user with api in
    assert [r['name'] for r in api.path('system', 'identity')] == [name]
    api.close()


def test_legacy_challenge_login_refused_without_api_policy(rights_lab):
    with pytest.raises(TrapError, match='^cannot log in$'):
        login(rights_lab, 'v6', 'noapi', legacy=True)
    login(rights_lab, 'v6', 'reader', legacy=True).close()


@pytest.mark.parametrize('name', ['v7', 'v6'])
@pytest.mark.parametrize('user', ['reader', 'ro'])
@pytest.mark.parametrize('verb, write', WRITES, ids=[w[0] for w in WRITES])
def test_every_write_trapped_without_write_policy_and_nothing_changes(rights_lab, name, user, verb, write):
    before, writes = rights_lab.dump(name), rights_lab.counters(name)['writes']
    api = login(rights_lab, name, user)
    with pytest.raises(TrapError, match=DENIED):
        write(api, nat_ids(api))
    api.close()
    assert rights_lab.dump(name) == before
    assert rights_lab.counters(name)['writes'] == writes


@pytest.mark.parametrize('name', ['v7', 'v6'])
def test_write_allowed_with_write_policy(rights_lab, name):
    api = login(rights_lab, name, 'rw')
    nat = api.path('ip', 'firewall', 'nat')
    new = nat.add(chain='srcnat', action='accept', comment='rw-rule')
    assert 'rw-rule' in [r.get('comment') for r in nat]
    nat.remove(new)
    api.close()


@pytest.mark.parametrize('name', ['v7', 'v6'])
def test_ping_refused_without_test_policy(rights_lab, name):
    api = login(rights_lab, name, 'reader')
    with pytest.raises(TrapError, match=DENIED):
        tuple(api('/ping', address='198.51.100.2', count='1'))
    api.close()
    api = login(rights_lab, name, 'prober')
    replies = tuple(api('/ping', address='198.51.100.2', count='1'))    # the router's own WAN address answers
    assert replies and replies[-1]['received'] == 1
    api.close()


@pytest.mark.parametrize('name', ['v7', 'v6'])
def test_print_refused_without_read_policy(rights_lab, name):
    api = login(rights_lab, name, 'blind')
    with pytest.raises(TrapError, match=DENIED):
        tuple(api.path('ip', 'firewall', 'nat'))
    api.path('system', 'identity').update(name=name)      # write without read still works (User manual)
    api.close()


def identity_secret(api):
    rows = list(api.path('ip', 'ipsec', 'identity'))
    assert len(rows) == 1
    return rows[0].get('secret')


@pytest.mark.parametrize('name', ['v7', 'v6'])
def test_secret_hidden_without_sensitive_and_shown_with_it(rights_lab, name):
    hidden = login(rights_lab, name, 'reader')                     # api, read: no sensitive
    assert identity_secret(hidden) == HIDDEN
    row_id = next(iter(hidden.path('ip', 'ipsec', 'identity')))['.id']
    got = tuple(hidden.rawCmd('/ip/ipsec/identity/get', f'=number={row_id}', '=value-name=secret'))
    assert got == ({'ret': HIDDEN},)
    # a query cannot probe the secret either: it sees what the print shows
    assert tuple(hidden.rawCmd('/ip/ipsec/identity/print', f'?secret={PSK}')) == ()
    hidden.close()
    for user in ('root', 'ro'):                                    # full, and built-in read (it has sensitive)
        shown = login(rights_lab, name, user)
        assert identity_secret(shown) == PSK
        shown.close()


@pytest.mark.parametrize('name', ['v7', 'v6'])
def test_the_lab_user_keeps_every_right(rights_lab, name):
    api = connect(rights_lab, name)                                # username/password of the router entry
    assert identity_secret(api) == PSK
    api.path('system', 'identity').update(name=name)
    assert tuple(api('/ping', address='198.51.100.2', count='1'))[-1]['received'] == 1
    api.close()


def test_builtin_groups_have_the_documented_policies():
    """``/user group print`` in MikroTik's User manual (v7 page; the 6.x pages add dude and tikapp)."""
    v7 = builtin_groups((7, 16, 2))
    read_v7 = {'local', 'telnet', 'ssh', 'reboot', 'read', 'test', 'winbox', 'password', 'web', 'sniff', 'sensitive',
               'api', 'romon', 'rest-api'}
    assert v7['read'] == read_v7
    assert v7['write'] == read_v7 | {'write'}
    assert v7['full'] == read_v7 | {'write', 'ftp', 'policy'}
    v6 = builtin_groups((6, 49, 17))
    read_v6 = read_v7 - {'rest-api'} | {'tikapp'}
    assert v6['read'] == read_v6
    assert v6['write'] == read_v6 | {'write'}
    assert v6['full'] == read_v6 | {'write', 'ftp', 'policy', 'dude'}


def test_lab_wide_users_apply_to_every_router_and_a_routers_own_entry_wins(lab_factory):
    lab = lab_factory({'routers': [router('a', '7.19.4'),
                                   router('b', '7.19.4', users=[{'name': 'ops', 'password': 'b-pw', 'group': 'full'}])],
                       'users': [{'name': 'ops', 'password': 'lab-pw', 'group': 'read'}]})
    api = connect(lab, 'a', username='ops', password='lab-pw')
    with pytest.raises(TrapError, match=DENIED):
        api.path('system', 'identity').update(name='x')
    api.close()
    with pytest.raises(TrapError):
        connect(lab, 'b', username='ops', password='lab-pw')
    api = connect(lab, 'b', username='ops', password='b-pw')
    api.path('system', 'identity').update(name='b')
    api.close()


def bad_lab(**router_fields):
    lab = {'routers': [router('edge', '7.16.2', **router_fields)]}
    with pytest.raises(LabError) as err:
        load_lab(lab)
    return str(err.value)


def test_bad_lab_file_names_the_field_and_the_value():
    message = bad_lab(users=[{'name': 'ops', 'password': 'x', 'group': 'operators'}])
    assert message.startswith("lab: router 'edge': users[0].group='operators' is not valid; allowed: read, write, full")
    message = bad_lab(groups=[{'name': 'ops', 'policy': ['api', 'reed']}])
    assert message.startswith("lab: router 'edge': groups[0].policy='reed' is not valid; allowed on this RouterOS version: local")
    assert 'rest-api' in message
    message = bad_lab(users=[{'name': 'admin', 'password': 'x', 'group': 'read'}])
    assert "users[0].name='admin' is not valid; the router's own username" in message
    message = bad_lab(groups=[{'name': 'full', 'policy': ['api']}])
    assert "groups[0].name='full' is not valid; built-in group" in message
    message = bad_lab(users=[{'name': 'ops', 'pasword': 'typo', 'group': 'read'}])
    assert "users[0].pasword='typo' is not valid; unknown key; allowed keys: name, password, group" in message


def test_bad_lab_file_policy_of_another_version_and_no_password_in_messages():
    with pytest.raises(LabError) as err:
        load_lab({'routers': [router('old', '6.49.17')], 'groups': [{'name': 'rest', 'policy': ['api', 'rest-api']}]})
    assert str(err.value).startswith("lab: router 'old': lab groups[0].policy='rest-api' is not valid")
    with pytest.raises(LabError) as err:
        load_lab({'routers': [router('edge')], 'users': [{'name': 'ops', 'password': ['secret-value'], 'group': 'read'}]})
    assert "lab users[0].password='<hidden>'" in str(err.value) and 'secret-value' not in str(err.value)
