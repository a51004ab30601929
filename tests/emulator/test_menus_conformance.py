"""Menu conformance through librouteros 4.2.2 against the in-process lab."""

import pytest
from librouteros.exceptions import MultiTrapError, TrapError
from librouteros.query import And, Key, Or

from tests.labkit import connect


@pytest.fixture
def api(lab):
    api = connect(lab, 'v7')
    yield api
    api.close()


@pytest.fixture
def api6(lab):
    api = connect(lab, 'v6')
    yield api
    api.close()


def nat_rules(api, n):
    nat = api.path('ip', 'firewall', 'nat')
    return [nat.add(chain='srcnat', action='accept', comment=f'r{i}', **{'src-address': f'10.{i}.0.0/16'}) for i in range(n)]


def comments(api):
    return [r.get('comment') for r in api.path('ip', 'firewall', 'nat')]


def test_print_select_where_or_in_negation(api):
    ids = nat_rules(api, 4)
    nat = api.path('ip', 'firewall', 'nat')
    comment, rid, disabled = Key('comment'), Key('.id'), Key('disabled')
    assert [r['comment'] for r in nat.select(comment).where(comment == 'r2')] == ['r2']
    assert sorted(r['comment'] for r in nat.select(comment).where(Or(comment == 'r0', comment == 'r3'))) == ['r0', 'r3']
    assert sorted(r['comment'] for r in nat.select(comment).where(comment.In('r1', 'r2'))) == ['r1', 'r2']
    assert sorted(r['comment'] for r in nat.select(comment).where(comment != 'r1', disabled == False)) == ['r0', 'r2', 'r3']  # noqa: E712 pylint: disable=singleton-comparison
    assert [r['.id'] for r in nat.select(rid).where(And(rid == ids[1], comment == 'r1'))] == [ids[1]]
    row = next(iter(nat.select(comment, Key('bytes')).where(comment == 'r0')))
    assert row == {'comment': 'r0', 'bytes': 0}           # only the requested properties; librouteros casts ints
    assert list(nat.select(comment).where(comment == 'nope')) == []
    assert tuple(api.rawCmd('/ip/firewall/nat/print', '=count-only=')) == ({'ret': 4},)


def test_add_update_remove_several(api):
    ids = nat_rules(api, 3)
    assert all(i.startswith('*') for i in ids) and len(set(ids)) == 3
    nat = api.path('ip', 'firewall', 'nat')
    nat.update(**{'.id': ids[0], 'comment': 'changed', 'disabled': True})
    first = next(iter(nat))
    assert (first['comment'], first['disabled']) == ('changed', True)
    nat.remove(ids[0], ids[2])
    assert [r['.id'] for r in nat] == [ids[1]]


def test_move_before_and_to_end_and_place_before(api):
    ids = nat_rules(api, 3)
    nat = api.path('ip', 'firewall', 'nat')
    tuple(nat('move', numbers=ids[2], destination=ids[0]))
    assert comments(api) == ['r2', 'r0', 'r1']
    tuple(nat('move', numbers=ids[2]))
    assert comments(api) == ['r0', 'r1', 'r2']
    nat.add(chain='srcnat', action='accept', comment='top', **{'place-before': '0'})
    nat.add(chain='srcnat', action='accept', comment='mid', **{'place-before': ids[1]})
    assert comments(api) == ['top', 'r0', 'mid', 'r1', 'r2']
    assert [r['.id'] for r in nat][1] == ids[0]         # move never changes an .id


def test_unknown_menu_is_multitrap(api):
    with pytest.raises(MultiTrapError) as err:
        tuple(api.path('caps-man', 'interface'))
    assert str(err.value) == 'no such command or directory (caps-man), no such command prefix'


def test_unknown_menu_v6_single_trap(api6):
    with pytest.raises(TrapError, match='no such command prefix'):
        tuple(api6.path('caps-man', 'interface'))


def test_bad_enum_missing_reference_duplicate_builtin(api):
    profile = api.path('ip', 'ipsec', 'profile')
    with pytest.raises(TrapError) as err:
        profile.add(name='p', **{'dh-group': 'modp999'})
    assert (err.value.message, err.value.category) == ('input does not match any value of dh-group', 1)
    with pytest.raises(TrapError, match='^input does not match any value of profile$'):
        api.path('ip', 'ipsec', 'peer').add(name='x', profile='missing')
    profile.add(name='p')
    with pytest.raises(TrapError, match='already have profile with such name'):
        profile.add(name='p')
    default_id = next(iter(profile.select(Key('.id')).where(Key('default') == True)))['.id']  # noqa: E712 pylint: disable=singleton-comparison
    with pytest.raises(TrapError, match='can not remove default entry'):
        profile.remove(default_id)
    with pytest.raises(TrapError, match=r'^no such item \(4\)$'):
        profile.remove('*FFFF')


def test_defaults_omitted_and_typed(api):
    api.path('ip', 'ipsec', 'peer').add(name='p', address='203.0.113.9')
    peer = next(iter(api.path('ip', 'ipsec', 'peer')))
    assert 'port' not in peer and 'local-address' not in peer and 'comment' not in peer
    assert peer['passive'] is False and peer['send-initial-contact'] is True
    api.path('ip', 'ipsec', 'identity').add(peer='p', secret='s3cr3t')
    ident = next(iter(api.path('ip', 'ipsec', 'identity')))
    assert ident['generate-policy'] is False          # the enum text 'no', cast by librouteros
    assert 'my-id' not in ident and 'remote-id' not in ident and ident['secret'] == 's3cr3t'


def test_canonical_multi_value_order(api):
    profile = api.path('ip', 'ipsec', 'profile')
    profile.add(name='p', **{'dh-group': 'modp768,modp1024,modp2048,ecp256,x25519', 'enc-algorithm': '3des,aes-256'})
    row = next(iter(profile.select(Key('dh-group'), Key('enc-algorithm')).where(Key('name') == 'p')))
    assert row == {'dh-group': 'x25519,ecp256,modp2048,modp1024,modp768', 'enc-algorithm': 'aes-256,3des'}
    prop = api.path('ip', 'ipsec', 'proposal')
    prop.add(name='p', **{'enc-algorithms': 'aes-128-cbc,aes-256-gcm', 'lifetime': '24h'})
    row = next(iter(prop.select(Key('enc-algorithms'), Key('lifetime')).where(Key('name') == 'p')))
    assert row == {'enc-algorithms': 'aes-256-gcm,aes-128-cbc', 'lifetime': '1d'}
    assert len(list(prop.select(Key('name')).where(Key('lifetime') == '86400s'))) == 1   # typed comparison


@pytest.mark.parametrize('args, message6', [
    ({'dh-group': 'x25519'}, 'input does not match any value of dh-group'),
    ({'hash-algorithm': 'sha384'}, 'input does not match any value of hash-algorithm'),
    ({'prf-algorithm': 'sha256'}, 'unknown parameter'),
])
def test_v6_rejects_v7_only_values(api, api6, args, message6):
    api.path('ip', 'ipsec', 'profile').add(name='p', **args)
    with pytest.raises(TrapError, match=f'^{message6}$'):
        api6.path('ip', 'ipsec', 'profile').add(name='p', **args)


def test_v6_vs_v7_personalities(lab, api, api6):
    api6.path('ip', 'ipsec', 'peer').add(name='l2tp', passive=True, **{'exchange-mode': 'main-l2tp'})
    with pytest.raises(TrapError, match='input does not match any value of exchange-mode'):
        api.path('ip', 'ipsec', 'peer').add(name='l2tp', **{'exchange-mode': 'main-l2tp'})
    api6.path('ip', 'ipsec', 'profile').add(name='p', **{'dh-group': 'ec2n185', 'enc-algorithm': 'blowfish'})
    api.path('ip', 'ipsec', 'proposal').add(name='p', comment='x')               # proposal comment exists from 7.15
    with pytest.raises(TrapError, match='^unknown parameter$'):
        api6.path('ip', 'ipsec', 'proposal').add(name='p', comment='x')
    d7 = next(iter(api.path('ip', 'ipsec', 'profile')))
    d6 = next(iter(api6.path('ip', 'ipsec', 'profile')))
    assert (d7['enc-algorithm'], d7['dpd-interval'], d7['dpd-maximum-failures']) == ('aes-128,3des', '2m', 5)
    assert (d6['enc-algorithm'], d6['dpd-interval'], d6['dpd-maximum-failures']) == ('aes-128', '2m', 5)
    v718 = connect(lab, 'v718')
    d718 = next(iter(v718.path('ip', 'ipsec', 'profile')))
    assert (d718['dpd-interval'], d718['dpd-maximum-failures']) == ('8s', 4)
    assert 'prf-algorithm' not in d7
    v718.close()


def test_runtime_stubs_quiescent(api):
    assert list(api.path('ip', 'ipsec', 'active-peers')) == []
    assert list(api.path('ip', 'ipsec', 'installed-sa')) == []
    stats = next(iter(api.path('ip', 'ipsec', 'statistics')))
    assert stats['in-errors'] == 0 and set(stats.values()) == {0}
    api.path('ip', 'ipsec', 'policy').add(**{'src-address': '192.168.10.0/24', 'dst-address': '10.0.0.0/8'})
    pol = next(iter(api.path('ip', 'ipsec', 'policy').select(Key('active'), Key('ph2-state'), Key('ph2-count')).where(
        Key('template') == False)))  # noqa: E712 pylint: disable=singleton-comparison
    assert pol == {'active': False, 'ph2-state': 'no-phase2', 'ph2-count': 0}


def test_nat_unset_and_get(api):
    i = nat_rules(api, 1)[0]
    nat = api.path('ip', 'firewall', 'nat')
    assert tuple(nat('get', number=i, **{'value-name': 'src-address'})) == ({'ret': '10.0.0.0/16'},)
    tuple(nat('unset', numbers=i, **{'value-name': 'src-address'}))
    assert 'src-address' not in next(iter(nat))
