# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud: vocabulary both ways, Tencent normalisation, every mismatch kind, capabilities, the sheet."""

import copy

import pytest
import yaml

from ansible_collections.vpclink.routeros.plugins.module_utils import cloud as c
from ansible_collections.vpclink.routeros.plugins.module_utils.diagnose import diagnose

ROUTER = {
    'ike': {'version': 1, 'exchange_mode': 'main', 'encryption': 'aes-256', 'hash': 'sha256', 'dh_group': 'modp2048', 'lifetime': '1d'},
    'esp': {'encryption': 'aes-256-cbc', 'auth': 'sha256', 'pfs_group': 'modp2048', 'lifetime': '1h'},
    'local_id': 'address:113.87.48.200', 'remote_id': 'address:119.91.254.122',
    'local_subnets': ['192.168.1.0/24'], 'remote_subnets': ['10.100.1.0/24'],
    'public_address': '113.87.48.200', 'peer_address': '119.91.254.122',
}

# A VpnConnection as DescribeVpnConnections returns it (Tencent Cloud API 3.0, VPC).
TENCENT = {
    'VpnConnectionId': 'vpnx-1', 'PreShareKey': 'not-echoed',
    'SecurityPolicyDatabaseSet': [{'LocalCidrBlock': '10.100.1.0/24', 'RemoteCidrBlock': ['192.168.1.0/24']}],
    'IKEOptionsSpecification': {'PropoEncryAlgorithm': 'AES-CBC-256', 'PropoAuthenAlgorithm': 'SHA-256', 'ExchangeMode': 'MAIN',
                                'LocalIdentity': 'ADDRESS', 'RemoteIdentity': 'ADDRESS', 'LocalAddress': '119.91.254.122',
                                'RemoteAddress': '113.87.48.200', 'LocalFqdnName': '', 'RemoteFqdnName': '',
                                'DhGroupName': 'GROUP14', 'IKESaLifetimeSeconds': 86400, 'IKEVersion': 'IKEV1'},
    'IPSECOptionsSpecification': {'EncryptAlgorithm': 'AES-CBC-256', 'IntegrityAlgorith': 'SHA-256', 'IPSECSaLifetimeSeconds': 3600,
                                  'PfsDhGroup': 'DH-GROUP14', 'IPSECSaLifetimeTraffic': 4096000000},
}


@pytest.mark.parametrize('field, cloud_value, ros', [
    ('ike.encryption', 'AES-CBC-256', 'aes-256'), ('ike.dh_group', 'GROUP14', 'modp2048'), ('esp.pfs_group', 'NULL', 'none'),
    ('ike.hash', 'SHA', 'sha1'), ('esp.auth', 'SHA1', 'sha1'), ('esp.encryption', 'AES-CBC-128', 'aes-128-cbc'),
    ('ike.version', 'IKEV2', 2), ('ike.exchange_mode', 'AGGRESSIVE', 'aggressive'), ('esp.pfs_group', 'DH-GROUP2', 'modp1024'),
])
def test_tencent_mapping_both_ways(field, cloud_value, ros):
    assert c.to_routeros('tencent', field, cloud_value) == ros
    assert c.to_cloud('tencent', field, ros) == cloud_value


def test_values_routeros_cannot_do_and_unknown_values():
    assert c.to_routeros('tencent', 'ike.dh_group', 'GROUP24') is None
    assert c.to_routeros('tencent', 'esp.auth', 'SHA-384') is None
    assert c.to_routeros('tencent', 'esp.encryption', 'SM4') is None
    with pytest.raises(ValueError, match="ike.hash: 'SHA1' is not allowed; allowed: MD5, SHA, SHA-256"):
        c.to_routeros('tencent', 'ike.hash', 'SHA1')      # IKE says SHA, IPsec says SHA1
    assert c.to_cloud('tencent', 'esp.encryption', 'chacha20poly1305') is None
    assert c.to_routeros('alibaba', 'ike.encryption', 'aes') == 'aes-128'
    assert c.to_routeros('aws', 'esp.pfs_group', 14) == 'modp2048'
    assert c.to_cloud('azure', 'esp.pfs_group', 'none') == 'None'


def test_normalise_tencent_is_seen_from_the_router():
    n = c.normalise_cloud_side('tencent', {'VpnConnection': TENCENT, 'VpnGateway': {'PublicIpAddress': '119.91.254.122'},
                                           'CustomerGateway': {'IpAddress': '113.87.48.200'}})
    assert n['ike'] == {'version': 1, 'exchange_mode': 'main', 'encryption': ['aes-256'], 'hash': ['sha256'],
                        'dh_group': ['modp2048'], 'prf': None, 'lifetime': 86400}
    assert n['esp'] == {'encryption': ['aes-256-cbc'], 'auth': ['sha256'], 'pfs_group': ['modp2048'], 'lifetime': 3600}
    assert n['local_id'] == 'address:113.87.48.200'      # the cloud's RemoteAddress is the router's my-id
    assert n['remote_id'] == 'address:119.91.254.122'
    assert n['selectors'] == [('192.168.1.0/24', '10.100.1.0/24')]
    assert (n['peer_address'], n['public_address']) == ('119.91.254.122', '113.87.48.200')
    assert c.compare(dict(ROUTER, psk='not-echoed'), n) == []


def test_normalise_tencent_fqdn_unsupported_and_ikev2():
    conn = copy.deepcopy(TENCENT)
    conn['IKEOptionsSpecification'].update({'IKEVersion': 'IKEV2', 'RemoteIdentity': 'FQDN', 'RemoteFqdnName': 'branch1.example',
                                            'DhGroupName': 'GROUP24'})
    conn['IPSECOptionsSpecification'].update({'PfsDhGroup': 'NULL', 'IntegrityAlgorithm': 'SHA-384'})
    n = c.normalise_cloud_side('tencent', conn)
    assert n['ike']['version'] == 2 and n['ike']['exchange_mode'] is None
    assert n['local_id'] == 'fqdn:branch1.example'
    assert n['esp']['pfs_group'] == ['none']
    assert n['unsupported'] == {'ike.dh_group': ['GROUP24'], 'esp.auth': ['SHA-384']}
    fields = {m['field']: m for m in c.compare(ROUTER, n)}
    assert 'GROUP24' in fields['ike.dh_group']['message']
    assert fields['esp.auth']['error_class'] == 'phase2_proposal'


def test_normalise_other_clouds():
    ali = c.normalise_cloud_side('alibaba', {'IkeConfig': '{"IkeVersion": "ikev1", "IkeMode": "main", "IkeEncAlg": "aes256", '
                                                          '"IkeAuthAlg": "sha256", "IkePfs": "group14", "IkeLifetime": 86400}',
                                             'IpsecConfig': {'IpsecEncAlg': 'aes256', 'IpsecAuthAlg': 'sha256', 'IpsecPfs': 'disabled'},
                                             'LocalSubnet': '10.100.1.0/24', 'RemoteSubnet': '192.168.1.0/24'})
    assert ali['ike']['encryption'] == ['aes-256'] and ali['esp']['pfs_group'] == ['none']
    assert ali['selectors'] == [('192.168.1.0/24', '10.100.1.0/24')]
    aws = c.normalise_cloud_side('aws', {'IKEVersions': [{'Value': 'ikev2'}], 'Phase1DHGroupNumbers': [{'Value': 14}, {'Value': 24}],
                                         'Phase2LifetimeSeconds': 3600})
    assert aws['ike']['version'] == 2 and aws['ike']['dh_group'] == ['modp2048']
    assert aws['unsupported'] == {'ike.dh_group': ['24']}
    with pytest.raises(ValueError, match='API field names of this cloud are not known'):
        c.normalise_cloud_side('huawei', {})


def cloud_side(**changes):
    cloud = copy.deepcopy(ROUTER)
    for key, value in changes.items():
        if '__' in key:
            section, name = key.split('__')
            cloud[section][name] = value
        else:
            cloud[key] = value
    return cloud


@pytest.mark.parametrize('changes, field, error_class', [
    ({'ike__version': 2, 'ike__exchange_mode': None}, 'ike.version', 'ike_version'),
    ({'ike__exchange_mode': 'aggressive'}, 'ike.exchange_mode', 'exchange_mode'),
    ({'ike__encryption': 'aes-128'}, 'ike.encryption', 'phase1_proposal'),
    ({'ike__hash': 'sha1'}, 'ike.hash', 'phase1_proposal'),
    ({'ike__dh_group': 'modp1024'}, 'ike.dh_group', 'phase1_proposal'),
    ({'esp__encryption': 'aes-128-cbc'}, 'esp.encryption', 'phase2_proposal'),
    ({'esp__auth': 'sha1'}, 'esp.auth', 'phase2_proposal'),
    ({'esp__pfs_group': 'none'}, 'esp.pfs_group', 'pfs'),
    ({'local_id': 'address:1.1.1.1'}, 'local_id', 'identity'),
    ({'remote_id': 'fqdn:gw.example'}, 'remote_id', 'identity'),
    ({'remote_subnets': ['10.100.2.0/24']}, 'selectors', 'traffic_selectors'),
    ({'public_address': '113.87.48.201'}, 'public_address', 'customer_gateway'),
    ({'peer_address': '119.91.254.123'}, 'peer_address', 'no_response'),
    ({'psk': 'b'}, 'psk', 'psk'),
])
def test_every_mismatch_kind(changes, field, error_class):
    mismatches = c.compare(dict(ROUTER, psk='a'), cloud_side(**changes))
    assert [m['field'] for m in mismatches] == [field]
    m = mismatches[0]
    assert m['severity'] == 'error' and m['error_class'] == error_class
    assert m['error_it_would_cause'].startswith(error_class + ':')


def test_psk_never_shown_in_a_mismatch():
    m = c.compare(dict(ROUTER, psk='s3cret-one'), cloud_side(psk='s3cret-two'))[0]
    assert 's3cret' not in repr(m)


def test_lifetime_and_multi_value_are_warnings():
    mismatches = c.compare(dict(ROUTER, ike=dict(ROUTER['ike'], lifetime='2d', encryption=['aes-256', 'aes-128'])), ROUTER)
    by_field = {m['field']: m for m in mismatches}
    assert by_field['ike.lifetime']['severity'] == 'warning' and by_field['ike.lifetime']['router_value'] == '2d'
    assert by_field['ike.encryption']['severity'] == 'warning'
    # shorter on the router is fine
    assert c.compare(dict(ROUTER, esp=dict(ROUTER['esp'], lifetime='30m')), ROUTER) == []


def test_my_id_auto_behind_nat_is_an_identity_mismatch():
    router = dict(ROUTER, local_id='auto', wan_address='10.0.0.2')
    assert [m['field'] for m in c.compare(router, ROUTER)] == ['local_id']
    assert c.compare(dict(ROUTER, local_id='auto'), ROUTER) == []


def test_compare_report_feeds_diagnose():
    report = c.compare_report(ROUTER, cloud_side(esp__pfs_group='none'))
    assert 'esp.encryption' in report['compared'] and 'esp.pfs_group' in report['compared']
    result = diagnose(cloud_log=['parsed INFORMATIONAL_V1 request 1 [ HASH N(NO_PROP) ]'], comparison=report)
    assert (result['class'], result['certain']) == ('pfs', True)


@pytest.mark.parametrize('version, params, severity, text', [
    ('7.16', {'esp': {'auth': 'sha384'}}, 'error', 'sha384'),
    ('7.16', {'esp': {'pfs_group': 'x25519'}}, 'error', 'x25519'),
    ('6.49', {'ike': {'hash': 'sha384'}}, 'error', 'does not accept sha384'),
    ('6.49', {'ike': {'dh_group': 'x25519'}}, 'error', 'x25519'),
    ('6.49', {'esp': {'encryption': 'chacha20poly1305'}}, 'error', 'chacha20poly1305'),
    ('7.16', {'ike': {'dh_group': 'ec2n155'}}, 'error', 'ec2n155'),
    ('7.16', {'ike': {'dh_group': 'modp768'}}, 'warning', 'weak'),
    ('7.16', {'ike': {'hash': 'md5'}}, 'warning', 'weak'),
    ('7.16', {'esp': {'encryption': '3des'}}, 'warning', 'weak'),
    ('7.16', {'ike': {'encryption': 'des'}}, 'warning', 'weak'),
    ('7.16', {'ike': {'dh_group': 'modp8192'}}, 'warning', 'verify'),
])
def test_capabilities_per_version(version, params, severity, text):
    issues = c.check_capabilities(params, version)
    assert any(i['severity'] == severity and text in i['message'] for i in issues), issues


def test_capabilities_accept_the_strong_preset():
    for cloud in ('tencent', 'aws', 'alibaba'):
        rec = dict(c.PRESETS[cloud]['recommended'], local_subnets=['192.168.1.0/24'], remote_subnets=['10.100.1.0/24'])
        assert c.check_capabilities(rec, '7.16', cloud) == [], cloud
        assert c.check_capabilities(rec, '6.49.10', cloud) == [], cloud


def test_cloud_structural_limits():
    two_pairs = dict(ROUTER, local_subnets=['192.168.1.0/24', '192.168.2.0/24'])
    assert any('one SA per tunnel' in i['message'] for i in c.check_capabilities(two_pairs, '7.16', 'aws'))
    assert any('IKEv1 protects one CIDR pair' in i['message'] for i in c.check_capabilities(two_pairs, '7.16', 'alibaba'))
    weak_aws = dict(ROUTER, ike=dict(ROUTER['ike'], dh_group='modp1536', hash='md5', exchange_mode='aggressive'))
    messages = [i['message'] for i in c.check_capabilities(weak_aws, '7.16', 'aws') if i['severity'] == 'error']
    assert any('group 5' in m for m in messages) and any('md5' in m for m in messages) and any('main mode' in m for m in messages)
    assert any('chacha20poly1305' in i['message'] for i in
               c.check_capabilities(dict(ROUTER, esp=dict(ROUTER['esp'], encryption='chacha20poly1305')), '7.16', 'tencent'))


def test_tencent_sheet_speaks_tencent():
    sheet = c.render_cloud_sheet('tencent', dict(ROUTER, psk='do-not-print'))
    ike, ipsec = sheet['api']['IKEOptionsSpecification'], sheet['api']['IPSECOptionsSpecification']
    assert ike == {'IKEVersion': 'IKEV1', 'ExchangeMode': 'MAIN', 'PropoEncryAlgorithm': 'AES-CBC-256', 'PropoAuthenAlgorithm': 'SHA-256',
                   'DhGroupName': 'GROUP14', 'IKESaLifetimeSeconds': 86400, 'LocalIdentity': 'ADDRESS', 'LocalAddress': '119.91.254.122',
                   'RemoteIdentity': 'ADDRESS', 'RemoteAddress': '113.87.48.200'}
    assert ipsec['PfsDhGroup'] == 'DH-GROUP14' and ipsec['IntegrityAlgorithm'] == 'SHA-256' and ipsec['IPSECSaLifetimeSeconds'] == 3600
    assert sheet['api']['SecurityPolicyDatabases'] == [{'LocalCidrBlock': '10.100.1.0/24', 'RemoteCidrBlock': ['192.168.1.0/24']}]
    tf = sheet['terraform']
    assert tf['ike_proto_encry_algorithm'] == 'AES-CBC-256' and tf['ipsec_pfs_dh_group'] == 'DH-GROUP14'
    assert tf['ike_remote_address'] == '113.87.48.200'
    assert tf['security_group_policy'] == [{'local_cidr_block': '10.100.1.0/24', 'remote_cidr_block': ['192.168.1.0/24']}]
    assert 'do-not-print' not in repr(sheet)
    # round trip: the sheet, read back as Tencent would return it, matches the router
    back = c.normalise_cloud_side('tencent', {'IKEOptionsSpecification': ike, 'IPSECOptionsSpecification': ipsec,
                                              'SecurityPolicyDatabases': sheet['api']['SecurityPolicyDatabases']})
    assert c.compare(ROUTER, back) == []


def test_tencent_connection_options_are_the_sheets_api_fields():
    """The options tencent_vpn_connection gets for a tunnel are what its cloud sheet shows, in the module's option
    names, without the PSK; without the customer gateway address there are none."""
    sheet = c.render_cloud_sheet('tencent', dict(ROUTER, psk='do-not-print'))
    options = c.connection_options('tencent', 'vpc-gz', sheet, ROUTER['public_address'])
    assert options == {'name': 'vpc-gz', 'customer_gateway_address': '113.87.48.200',
                       'ike_options': sheet['api']['IKEOptionsSpecification'], 'ipsec_options': sheet['api']['IPSECOptionsSpecification'],
                       'security_policy_databases': sheet['api']['SecurityPolicyDatabases'], 'dpd_enable': True}
    assert 'do-not-print' not in repr(options) and 'pre_share_key' not in options
    assert c.connection_options('tencent', 'vpc-gz', sheet, None) is None
    assert c.connection_options('aws', 'vpc-gz', c.render_cloud_sheet('aws', ROUTER), '113.87.48.200') is None   # no module for it
    assert c.connection_options('tencent', 'vpc-gz', {'cloud': 'tencent', 'error': 'x'}, '113.87.48.200') is None


def test_a_masked_pre_shared_key_is_not_compared():
    # tencent_vpn_connection_info masks PreShareKey; read as cloud_side it must not count as a different key
    masked = c.normalise_cloud_side('tencent', dict(TENCENT, PreShareKey='********'))
    assert masked['psk'] is None
    assert 'psk' not in c.compare_report(dict(ROUTER, psk='the-real-key'), masked)['compared']
    assert c.normalise_cloud_side('tencent', TENCENT)['psk'] == 'not-echoed'


def test_sheet_ikev2_pfs_off_and_warnings():
    tunnel = dict(ROUTER, ike=dict(ROUTER['ike'], version=2, exchange_mode=None, encryption=['aes-256', 'aes-128']),
                  esp=dict(ROUTER['esp'], pfs_group='none', encryption='chacha20poly1305'))
    sheet = c.render_cloud_sheet('tencent', tunnel)
    assert 'ExchangeMode' not in sheet['api']['IKEOptionsSpecification']
    assert sheet['api']['IKEOptionsSpecification']['IKEVersion'] == 'IKEV2'
    assert sheet['api']['IPSECOptionsSpecification']['PfsDhGroup'] == 'NULL'
    assert any('one value' in w for w in sheet['warnings'])
    assert any('chacha20poly1305' in w for w in sheet['warnings'])


@pytest.mark.parametrize('cloud, path, expected', [
    ('alibaba', ('IkeConfig', 'IkeEncAlg'), 'aes256'),
    ('aws', ('Phase1DHGroupNumbers',), [{'Value': 14}]),
    ('azure', ('ipsecPolicy', 'pfsGroup'), 'PFS14'),
    ('huawei', ('ike.hash',), 'SHA2-256'),
])
def test_other_clouds_sheet(cloud, path, expected):
    value = c.render_cloud_sheet(cloud, ROUTER)['api']
    for key in path:
        value = value[key]
    assert value == expected


# Tencent writes "no PFS" as NULL, and YAML reads an unquoted NULL as null.
UNQUOTED_NULL = """
IPSECOptionsSpecification:
  EncryptAlgorithm: AES-CBC-256
  IntegrityAlgorithm: SHA-256
  PfsDhGroup: NULL
  IPSECSaLifetimeSeconds: 3600
"""


def test_unquoted_null_is_tencents_null_and_a_pfs_mismatch():
    side = yaml.safe_load(UNQUOTED_NULL)
    assert side['IPSECOptionsSpecification']['PfsDhGroup'] is None      # what YAML makes of it
    n = c.normalise_cloud_side('tencent', side)
    assert n['esp']['pfs_group'] == ['none']
    report = c.compare_report(ROUTER, n)
    assert 'esp.pfs_group' in report['compared']
    assert [(m['field'], m['severity'], m['error_class']) for m in report['mismatches']] == [('esp.pfs_group', 'error', 'pfs')]
    # quoted or not, the same reading
    assert c.normalise_cloud_side('tencent', yaml.safe_load(UNQUOTED_NULL.replace('NULL', "'NULL'"))) == n


def test_null_esp_encryption_is_tencents_null_cipher():
    n = c.normalise_cloud_side('tencent', {'IPSECOptionsSpecification': {'EncryptAlgorithm': None}})
    assert n['esp']['encryption'] == ['null']


@pytest.mark.parametrize('cloud, side, field, value', [
    # no NULL in the vocabulary of that field: a null is an error, not "not given"
    ('tencent', {'IPSECOptionsSpecification': {'IntegrityAlgorithm': None}}, 'IPSECOptionsSpecification.IntegrityAlgorithm',
     'null'),
    ('tencent', {'IPSECOptionsSpecification': {'PfsDhGroup': 'DH-GROUP99'}}, 'IPSECOptionsSpecification.PfsDhGroup', "'DH-GROUP99'"),
    ('tencent', {'IKEOptionsSpecification': {'IKEVersion': 'IKEV3'}}, 'IKEOptionsSpecification.IKEVersion', "'IKEV3'"),
    ('alibaba', {'IpsecConfig': {'IpsecPfs': None}}, 'IpsecConfig.IpsecPfs', 'null'),
    ('aws', {'Phase2DHGroupNumbers': [{'Value': 14}, {'Value': None}]}, 'Phase2DHGroupNumbers', 'null'),
    ('azure', {'ipsecPolicy': {'pfsGroup': None}}, 'ipsecPolicy.pfsGroup', 'null'),
])
def test_a_cloud_value_that_cannot_be_read_is_an_error_naming_field_value_and_allowed(cloud, side, field, value):
    with pytest.raises(ValueError) as exc:
        c.normalise_cloud_side(cloud, side)
    text = str(exc.value)
    assert text.startswith(f'{cloud}: {field}: {value}') and 'is not allowed; allowed: ' in text, text


def test_unreadable_lifetime_cidr_and_identity_are_errors():
    with pytest.raises(ValueError, match=r"tencent: IPSECOptionsSpecification.IPSECSaLifetimeSeconds: 'an hour' is not a RouterOS"):
        c.normalise_cloud_side('tencent', {'IPSECOptionsSpecification': {'IPSECSaLifetimeSeconds': 'an hour'}})
    with pytest.raises(ValueError, match=r"tencent: IKEOptionsSpecification.RemoteAddress: 'address:gw' is not an IKE identity"):
        c.normalise_cloud_side('tencent', {'IKEOptionsSpecification': {'RemoteAddress': 'gw'}})
    with pytest.raises(ValueError, match=r"tencent: SecurityPolicyDatabaseSet: '10.0.0.0/33' is not an IP prefix"):
        c.normalise_cloud_side('tencent', {'SecurityPolicyDatabaseSet': [{'LocalCidrBlock': '10.0.0.0/33', 'RemoteCidrBlock': ['192.168.1.0/24']}]})


def test_every_cloud_reads_what_its_sheet_writes():
    for cloud in ('tencent', 'alibaba', 'azure'):
        sheet = c.render_cloud_sheet(cloud, ROUTER)['api']
        back = c.normalise_cloud_side(cloud, sheet)
        mismatches = [m for m in c.compare(ROUTER, back) if m['severity'] == 'error']
        assert mismatches == [], (cloud, mismatches)
