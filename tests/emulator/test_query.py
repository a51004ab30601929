"""Unit tests of the ``?`` query stack machine (MikroTik "API" manual, Queries) and of typed values."""

import pytest

from emulator import rosvalues as rv
from emulator.query import QueryError, matches, parse, select

ROWS = [
    {'.id': '*1', 'name': 'a', 'type': 'ether', 'disabled': 'false', 'mtu': '1500', 'comment': 'x'},
    {'.id': '*2', 'name': 'b', 'type': 'vlan', 'disabled': 'true', 'mtu': '900'},
    {'.id': '*A', 'name': 'c', 'type': 'bridge', 'disabled': 'false', 'mtu': '10000'},
]


def names(words, typer=None):
    return [r['name'] for r in select(ROWS, words, typer)]


def test_no_query_returns_all():
    assert names([]) == ['a', 'b', 'c']


@pytest.mark.parametrize('words, expected', [
    (['type=ether'], ['a']),
    (['=type=ether'], ['a']),
    (['comment'], ['a']),
    (['-comment'], ['b', 'c']),
    (['type=ether', 'type=vlan', '#|'], ['a', 'b']),          # OR, the API manual's example
    (['type=ether', 'type=vlan', '#|!'], ['c']),              # NOR
    (['=type=ether', '#!'], ['b', 'c']),                      # librouteros' !=
    (['=type=ether', '=disabled=false', '#&'], ['a']),
    (['=disabled=false', '=type=ether'], ['a']),              # implicit AND
    (['=disabled=no'], ['a', 'c']),                           # booleans compare by value
    (['=disabled=yes'], ['b']),
    (['<mtu=1000'], ['b']),                                   # numeric, not text ('10000' < '1000' as text)
    (['>mtu=1000'], ['a', 'c']),
    (['>comment='], ['a']),                                   # "non-empty comment"
    (['=comment='], ['b', 'c']),                              # absent compares equal to empty (choice)
    (['>.id=*2'], ['c']),                                     # ids compare numerically
    (['type=ether', 'type=vlan', 'type=bridge', '#||'], ['a', 'b', 'c']),
    (['type=ether', 'type=vlan', '#0'], ['b']),               # an index at the end replaces every value by that one
])
def test_query_words(words, expected):
    typer = {'disabled': rv.Bool(), 'mtu': rv.Int()}.get
    assert names(words, lambda n: typer(n) if n != '.id' else _IdT()) == expected


class _IdT(rv.RosType):
    def key(self, stored):
        return int(stored[1:], 16)


def test_index_copy_and_dot():
    row = {'a': '1'}
    # push copy of index 1 ('b' missing -> false), then AND with top -> false; stack has false -> fail
    assert matches(parse(['a', 'b', '#1&']), row) is False
    # '.' after a non-index pushes a copy of the top: a . -> two trues
    assert matches(parse(['a', '#.']), row) is True
    # '.' after an index does nothing: 0. pushes a copy of top only once
    assert matches(parse(['-a', '#0.!']), row) is False


def test_generic_typing_without_typer():
    assert names(['=disabled=no']) == ['a', 'c']
    assert names(['<mtu=1000']) == ['b']


def test_bad_ops_word():
    with pytest.raises(QueryError):
        parse(['#x'])


def test_regex_is_not_an_operator():
    assert names(['~name=a']) == []


@pytest.mark.parametrize('text, seconds', [('1d', 86400), ('24h', 86400), ('86400s', 86400), ('86400', 86400), ('1h30m', 5400),
                                           ('1w2d', 777600), ('00:30:00', 1800), ('0s', 0)])
def test_durations_parse(text, seconds):
    assert rv.parse_duration(text) == seconds


@pytest.mark.parametrize('seconds, text', [(86400, '1d'), (5400, '1h30m'), (0, '0s'), (8, '8s'), (120, '2m'), (691200, '1w1d'),
                                           (90061, '1d1h1m1s')])
def test_durations_render(seconds, text):
    assert rv.render_duration(seconds) == text


def test_duration_type_equal_and_range():
    t = rv.Duration(0, 3600, specials=('disable-dpd',))
    assert rv.Duration().parse('24h') == '1d'
    assert t.parse('disable-dpd') == 'disable-dpd'
    with pytest.raises(rv.OutOfRange):
        t.parse('2h')
    with pytest.raises(ValueError):
        t.parse('soon')
    assert rv.Duration().query_key('86400s') == rv.Duration().key('1d')


def test_bool_and_int():
    assert rv.Bool().parse('yes') == rv.Bool().parse('true') == 'true'
    assert rv.Bool().parse('no') == 'false'
    with pytest.raises(ValueError):
        rv.Bool().parse('maybe')
    assert rv.Int(1, 100).parse('5') == '5'
    with pytest.raises(rv.OutOfRange):
        rv.Int(1, 100).parse('500')


def test_multi_enum_canonical_order_and_validation():
    t = rv.MultiEnum('x25519', 'ecp256', 'modp2048', 'modp1024', 'modp768')
    assert t.parse('modp768,modp1024,modp2048,ecp256,x25519') == 'x25519,ecp256,modp2048,modp1024,modp768'
    assert t.key('modp1024,modp2048') == t.key('modp2048,modp1024')
    for bad in ('modp768,modp768', 'curve25519', ''):
        with pytest.raises(ValueError):
            t.parse(bad)
    assert rv.MultiEnum('sha1', 'md5', allow_empty=True).parse('') == ''


def test_cidr_and_addresses():
    assert rv.Prefix().parse('192.168.1.7/24') == '192.168.1.0/24'
    assert rv.Prefix().parse('10.0.0.1') == '10.0.0.1/32'
    assert rv.Prefix().parse('::/0') == '::/0'
    assert rv.PeerAddress().parse('119.91.254.122') == '119.91.254.122/32'
    assert rv.PeerAddress().parse('vpn.example.com') == 'vpn.example.com'
    assert rv.FirewallAddress().parse('!10.0.0.0/8') == '!10.0.0.0/8'
    assert rv.FirewallAddress().parse('10.0.0.1-10.0.0.9') == '10.0.0.1-10.0.0.9'
    assert rv.Interface().parse('192.168.1.1/24') == '192.168.1.1/24'
    with pytest.raises(ValueError):
        rv.Prefix().parse('300.1.1.1/24')
    assert rv.IpsecPolicyMatcher().parse('in, ipsec') == 'in,ipsec'
    assert rv.Identifier(('auto', 'dn', 'ignore')).parse('fqdn:vpn.example') == 'fqdn:vpn.example'


def test_version_tuple():
    assert rv.version_tuple('7.16.2') == (7, 16, 2)
    assert rv.version_tuple('6.49') == (6, 49, 0)
    assert rv.version_tuple('7.18beta2') == (7, 18, 0)
