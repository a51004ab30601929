# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""RouterOS value normalisation: equal values compare equal, whatever their spelling or librouteros's casting."""

import pytest

from ansible_collections.vpclink.routeros.plugins.module_utils import values as v


@pytest.mark.parametrize('text', ['1d', '24h', '86400s', '1d00:00:00', '24:00:00', '86400', 86400, '1440m', ' 1D ', '23h60m'])
def test_durations_equal_one_day(text):
    assert v.parse_duration(text) == 86400 * 1000


@pytest.mark.parametrize('text,ms', [('1h30m', 5400000), ('00:30:00', 1800000), ('1w2d', 777600000), ('500ms', 500),
                                     ('00:00:00.200', 200), ('0s', 0), (0, 0), ('8s', 8000)])
def test_durations(text, ms):
    assert v.parse_duration(text) == ms


@pytest.mark.parametrize('ms,text', [(86400000, '1d'), (5400000, '1h30m'), (0, '0s'), (1800000, '30m'), (500, '500ms'), (90061000, '1d1h1m1s')])
def test_format_duration(ms, text):
    assert v.format_duration(ms) == text
    assert v.parse_duration(text) == ms


@pytest.mark.parametrize('bad', ['1x', 'day', '', '1d 2', '00:61:00', True, -1, None])
def test_bad_durations_name_field_and_value(bad):
    with pytest.raises(ValueError) as exc:
        v.parse_duration(bad, 'lifetime')
    assert 'lifetime' in str(exc.value)


def test_duration_specials():
    assert v.normalise_duration('disable-dpd', 'dpd-interval', ('disable-dpd',)) == 'disable-dpd'
    assert v.normalise_duration('2m', 'dpd-interval', ('disable-dpd',)) == 120000
    with pytest.raises(ValueError, match='disable-dpd'):
        v.normalise_duration('never', 'dpd-interval', ('disable-dpd',))


@pytest.mark.parametrize('value', ['yes', 'true', 'True', 'YES', 'on', True, 1])
def test_true(value):
    assert v.normalise_bool(value) is True


@pytest.mark.parametrize('value', ['no', 'false', 'False', 'off', False, 0])
def test_false(value):
    assert v.normalise_bool(value) is False


def test_bad_bool():
    with pytest.raises(ValueError, match=r"tunnel: 'maybe' is not a boolean; allowed: yes/no"):
        v.normalise_bool('maybe', 'tunnel')


def test_multi_sets_are_order_insensitive():
    a = v.normalise_multi('aes-256,aes-128', 'enc-algorithm')
    assert a == v.normalise_multi(['aes-128', 'aes-256'], 'enc-algorithm')
    assert a == v.normalise_multi(['aes-128, aes-256'], 'enc-algorithm')
    assert a == v.normalise_multi('aes-128,aes-256,aes-128', 'enc-algorithm')
    assert v.normalise_multi('') == frozenset() == v.normalise_multi([]) == v.normalise_multi(None)


def test_multi_rejects_unknown_members_naming_allowed():
    with pytest.raises(ValueError) as exc:
        v.normalise_multi(['aes-128', 'rot13'], 'enc-algorithm', ('aes-256', 'aes-128'))
    assert str(exc.value) == "enc-algorithm: 'rot13' not allowed; allowed: aes-256, aes-128"


def test_multi_to_api_uses_canonical_order():
    order = ('x25519', 'ecp256', 'modp2048', 'modp1024')
    assert v.multi_to_api(frozenset(['modp1024', 'x25519', 'modp2048']), order) == 'x25519,modp2048,modp1024'


def test_choice_accepts_librouteros_casting():
    # generate-policy=no comes back from librouteros as False
    assert v.normalise_choice(False, 'generate-policy', ('no', 'port-override')) == 'no'
    with pytest.raises(ValueError, match="hash-algorithm: 'sha384' is not allowed; allowed: md5, sha1"):
        v.normalise_choice('sha384', 'hash-algorithm', ('md5', 'sha1'))


def test_str_undoes_librouteros_casting():
    assert v.normalise_str(500) == '500'
    assert v.normalise_str(True) == 'yes' == v.normalise_str('yes') == v.normalise_str('true')
    assert v.normalise_str('0123') == '0123'


def test_int():
    assert v.normalise_int('500') == 500 == v.normalise_int(500)
    with pytest.raises(ValueError, match=r'port: 70000 is out of range; allowed: 0..65535'):
        v.normalise_int(70000, 'port', 0, 65535)
    with pytest.raises(ValueError, match='not an integer'):
        v.normalise_int('five', 'port')


@pytest.mark.parametrize('given,canonical', [
    ('10.0.0.0/16', '10.0.0.0/16'), ('10.0.0.1', '10.0.0.1/32'), ('10.0.0.1/32', '10.0.0.1/32'),
    ('0.0.0.0/0', '0.0.0.0/0'), ('2001:DB8::/32', '2001:db8::/32'), ('2001:db8:0::1', '2001:db8::1/128'), ('::/0', '::/0')])
def test_cidr_canonical(given, canonical):
    assert v.normalise_cidr(given, 'dst-address') == canonical


def test_cidr_with_host_bits_is_rejected_with_the_network_suggested():
    with pytest.raises(ValueError) as exc:
        v.normalise_cidr('192.168.1.5/24', 'src-address')
    assert str(exc.value) == "src-address: '192.168.1.5/24' has host bits set; allowed: a network address for that prefix length, e.g. 192.168.1.0/24"


@pytest.mark.parametrize('bad', ['10.0.0.0/33', '300.1.1.1', 'lan', '', None])
def test_bad_cidr(bad):
    with pytest.raises(ValueError, match='dst-address: .* is not an IP prefix'):
        v.normalise_cidr(bad, 'dst-address')


def test_address_and_peer_address():
    assert v.normalise_address('192.0.2.1/32') == '192.0.2.1' == v.normalise_address('192.0.2.1')
    with pytest.raises(ValueError, match='is a prefix'):
        v.normalise_address('192.0.2.0/24', 'local-address')
    assert v.normalise_peer_address('203.0.113.9') == '203.0.113.9/32'
    assert v.normalise_peer_address('VPN.Example.com', allow_dns=True) == 'vpn.example.com'
    with pytest.raises(ValueError, match='not an IP address or prefix$'):
        v.normalise_peer_address('vpn.example.com', 'address', allow_dns=False)


@pytest.mark.parametrize('text, secs', [('1d', 86400), ('7h30m', 27000), ('30m', 1800), ('86400s', 86400), (3600, 3600),
                                        ('00:30:00', 1800), ('1w', 604800), ('86400', 86400)])
def test_lifetimes_in_seconds_round_trip(text, secs):
    assert v.parse_seconds(text, 'lifetime') == secs
    assert v.parse_seconds(v.format_seconds(secs)) == secs


def test_lifetime_not_given_and_bad():
    assert v.parse_seconds(None) is None and v.parse_seconds('') is None
    with pytest.raises(ValueError, match="ike.lifetime: '1 day' is not a RouterOS time interval"):
        v.parse_seconds('1 day', 'ike.lifetime')


@pytest.mark.parametrize('given, kwargs, canonical', [
    ('auto', {}, 'auto'),
    ('address:192.0.2.1', {}, 'address:192.0.2.1'),
    ('address:2001:DB8:0::1', {}, 'address:2001:db8::1'),
    ('fqdn:vpn.example.com', {}, 'fqdn:vpn.example.com'),
    ('user-fqdn:ops@example.com', {}, 'user-fqdn:ops@example.com'),
    ('key-id:abc', {}, 'key-id:abc'),
    ('ignore', {'words': ('auto', 'ignore')}, 'ignore'),
    (' 192.0.2.1 ', {'bare': ('address',)}, 'address:192.0.2.1'),
    ('2001:db8::1', {'bare': ('address',)}, 'address:2001:db8::1'),
    ('vpn.example.com', {'bare': ('address', 'fqdn')}, 'fqdn:vpn.example.com'),
    (None, {}, None),
])
def test_identities_in_routeros_form(given, kwargs, canonical):
    assert v.normalise_identity(given, 'my-id', **kwargs) == canonical


@pytest.mark.parametrize('bad, kwargs', [
    ('192.0.2.1', {}),                                  # RouterOS takes no bare value: address:192.0.2.1
    ('vpn.example.com', {'bare': ('address',)}),        # a bare name is refused where only a bare IP is read
    ('address:vpn.example.com', {'bare': ('address', 'fqdn')}),
    ('fqdn:', {}),
    ('fqdn:a b', {}),
    ('ignore', {}),                                     # a word the field does not allow
    ('a b', {'bare': ('address', 'fqdn')}),
])
def test_bad_identities_name_field_value_and_allowed(bad, kwargs):
    with pytest.raises(ValueError) as exc:
        v.normalise_identity(bad, 'remote-id', **kwargs)
    assert str(exc.value).startswith(f'remote-id: {bad!r} is not an IKE identity; allowed: auto, address:<IP address>, fqdn:')
