"""Cloud gateways in Tencent vocabulary: parsing, defaults (Tencent Cloud "Creating a VPN Tunnel"), errors, console edits, log."""

import pytest

from emulator.cloud import CloudError, cloud_at, parse_clouds


def _raw(**conn):
    base = {'customer_gateway': '203.0.113.10', 'psk': 'Sup3r-s3cret',
            'spd': [{'local': '10.100.1.0/24', 'remote': ['192.168.1.0/24']}]}
    base.update(conn)
    return [{'name': 'tencent-gz', 'public_address': '198.51.100.20', 'vpc_subnets': ['10.100.1.0/24'],
             'hosts': ['10.100.1.6'], 'connections': [base]}]


def test_defaults_are_the_cloud_api_ones():
    cloud = parse_clouds(_raw())[0]
    conn = cloud.connections[0]
    assert conn.name == 'tencent-gz-203.0.113.10'
    assert (conn.ike.version, conn.ike.exchange_mode, conn.ike.encryption, conn.ike.integrity, conn.ike.dh_group,
            conn.ike.lifetime) == ('IKEV1', 'MAIN', '3DES-CBC', 'SHA', 'GROUP1', 86400)
    assert (conn.ipsec.encryption, conn.ipsec.integrity, conn.ipsec.pfs, conn.ipsec.lifetime) == ('AES-CBC-128', 'SHA1', 'NULL', 14400)
    assert conn.negotiation == 'active'
    assert (conn.ike.local_identity.type, conn.ike.local_identity.value) == ('ADDRESS', '198.51.100.20')
    assert (conn.ike.remote_identity.type, conn.ike.remote_identity.value) == ('ADDRESS', '203.0.113.10')
    assert conn.mappings() == [('10.100.1.0/24', '192.168.1.0/24')]
    assert cloud_at([cloud], '198.51.100.20') is cloud and cloud_at([cloud], '198.51.100.21') is None


def test_full_declaration():
    raw = _raw(name='gz-office', negotiation='passive',
               ike={'version': 'IKEV2', 'encryption': 'AES-CBC-256', 'integrity': 'SHA-256', 'dh_group': 'GROUP14',
                    'lifetime': 28800, 'local_identity': {'type': 'FQDN', 'value': 'vpn.example.com'}},
               ipsec={'encryption': 'AES-CBC-256', 'integrity': 'SHA-256', 'pfs': 'DH-GROUP14', 'lifetime': 3600},
               spd=[{'local': '10.100.1.0/24', 'remote': ['192.168.1.0/24', '192.168.2.0/24']}])
    conn = parse_clouds(raw)[0].connection('gz-office')
    assert conn.ike.local_identity.value == 'vpn.example.com'
    assert conn.ipsec.pfs == 'DH-GROUP14'
    assert len(conn.mappings()) == 2


@pytest.mark.parametrize('conn, words', [
    ({'ike': {'dh_group': 'GROUP3'}}, ['tencent-gz', 'ike.dh_group', "'GROUP3'", 'GROUP1, GROUP2']),
    ({'ike': {'integrity': 'SHA1'}}, ['ike.integrity', "'SHA1'", 'MD5, SHA, SHA-256, SHA-512']),
    ({'ipsec': {'integrity': 'SHA'}}, ['ipsec.integrity', 'SHA1']),
    ({'ipsec': {'pfs': 'GROUP2'}}, ['ipsec.pfs', 'DH-GROUP2']),
    ({'ipsec': {'lifetime': 60}}, ['ipsec.lifetime', '180..604800']),
    ({'negotiation': 'Active'}, ['negotiation', 'active, passive, flowTrigger']),
    ({'ike': {'version': 'ikev2'}}, ['ike.version', 'IKEV1, IKEV2']),
    ({'customer_gateway': 'router.example'}, ['customer_gateway', 'IPv4 address']),
    ({'spd': []}, ['spd']),
    ({'ike': {'mode': 'MAIN'}}, ['unknown key', 'mode', 'exchange_mode']),
])
def test_errors_name_cloud_connection_field_value_and_allowed(conn, words):
    with pytest.raises(CloudError) as err:
        parse_clouds(_raw(**conn))
    text = str(err.value)
    assert 'cloud tencent-gz' in text
    for word in words:
        assert word in text


def test_psk_errors_never_echo_secrets():
    with pytest.raises(CloudError, match='psk: required'):
        parse_clouds(_raw(psk=''))


def test_overlapping_mappings_and_duplicate_gateways_are_refused():
    raw = _raw()
    raw[0]['connections'].append({'name': 'second', 'customer_gateway': '203.0.113.11', 'psk': 'x',
                                  'spd': [{'local': '10.100.1.0/25', 'remote': ['192.168.0.0/16']}]})
    with pytest.raises(CloudError, match='overlaps'):
        parse_clouds(raw)
    raw[0]['connections'][1].update(customer_gateway='203.0.113.10', spd=[{'local': '10.100.1.0/24', 'remote': ['172.16.0.0/24']}])
    with pytest.raises(CloudError, match='one connection per customer gateway'):
        parse_clouds(raw)


def test_hosts_must_be_in_the_vpc():
    raw = _raw()
    raw[0]['hosts'] = ['10.200.0.1']
    with pytest.raises(CloudError, match='hosts'):
        parse_clouds(raw)


def test_console_edit_merges_validates_and_is_atomic():
    cloud = parse_clouds(_raw())[0]
    name = cloud.connections[0].name
    new = cloud.edit(name, {'ike': {'dh_group': 'GROUP14', 'remote_identity': {'type': 'FQDN', 'value': 'r1.example'}},
                            'psk': 'changed'})
    assert new.ike.dh_group == 'GROUP14' and new.ike.encryption == '3DES-CBC'
    assert new.ike.remote_identity.value == 'r1.example' and new.psk == 'changed'
    assert cloud.connections[0] is new
    with pytest.raises(CloudError, match='ipsec.encryption'):
        cloud.edit(name, {'ipsec': {'encryption': 'AES256'}, 'psk': 'lost'})
    assert cloud.connections[0].psk == 'changed'          # nothing applied
    with pytest.raises(CloudError, match='no connection'):
        cloud.edit('nope', {})


def test_log_records_time_and_line():
    cloud = parse_clouds(_raw())[0]
    cloud.record(12.5, ['a', 'b'])
    assert cloud.log == [(12.5, 'a'), (12.5, 'b')]


def test_clouds_unique():
    raw = _raw() + _raw()
    with pytest.raises(CloudError, match='unique'):
        parse_clouds(raw)
