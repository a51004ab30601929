# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tencent Cloud VPN gateway, SPD-policy VPN connection.

Sources: Tencent Cloud API 3.0, VPC (https://www.tencentcloud.com/document/api/215): CreateVpnConnection,
DescribeVpnConnections and the data types IKEOptionsSpecification, IPSECOptionsSpecification,
SecurityPolicyDatabase; the Terraform provider's tencentcloud_vpn_connection resource
(https://registry.terraform.io/providers/tencentcloudstack/tencentcloud/latest/docs/resources/vpn_connection).
"""

from __future__ import annotations

from ansible_collections.vpclink.routeros.plugins.module_utils.clouds.base import (
    MISSING,
    PSK_PLACEHOLDER,
    Cloud,
    Reading,
    as_list,
    dh_names,
    strong_preset,
)
from ansible_collections.vpclink.routeros.plugins.module_utils.masking import MASK

_GROUPS = (1, 2, 5, 14, 15, 16, 19, 20, 21, 24)

VOCABULARY = {
    'ike.version': {'IKEV1': 1, 'IKEV2': 2},
    'ike.exchange_mode': {'MAIN': 'main', 'AGGRESSIVE': 'aggressive'},
    'ike.encryption': {'AES-CBC-128': 'aes-128', 'AES-CBC-192': 'aes-192', 'AES-CBC-256': 'aes-256', '3DES-CBC': '3des',
                       'DES-CBC': 'des', 'SM4': None, 'AES128GCM128': None, 'AES192GCM128': None, 'AES256GCM128': None},
    # IKE says SHA where IPsec says SHA1.
    'ike.hash': {'MD5': 'md5', 'SHA': 'sha1', 'SHA-256': 'sha256', 'SHA-512': 'sha512'},
    'ike.dh_group': dh_names('GROUP', _GROUPS),
    'esp.encryption': {'AES-CBC-128': 'aes-128-cbc', 'AES-CBC-192': 'aes-192-cbc', 'AES-CBC-256': 'aes-256-cbc',
                       '3DES-CBC': '3des', 'DES-CBC': 'des', 'NULL': 'null', 'AES128GCM128': 'aes-128-gcm',
                       'AES192GCM128': 'aes-192-gcm', 'AES256GCM128': 'aes-256-gcm', 'SM4': None},
    'esp.auth': {'MD5': 'md5', 'SHA1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': None, 'SHA-512': 'sha512', 'SM3': None},
    # NULL = no PFS.
    'esp.pfs_group': {'NULL': 'none', **dh_names('DH-GROUP', _GROUPS)},
}

MAX_SPD_PAIRS = 200

PRESET = {
    'title': 'Tencent Cloud VPN gateway, SPD-policy VPN connection', 'verified': True,
    'recommended': strong_preset(86400, 3600),
    'defaults': {
        'api': {'ExchangeMode': 'MAIN', 'PropoEncryAlgorithm': '3DES-CBC', 'PropoAuthenAlgorithm': 'SHA', 'DhGroupName': 'GROUP1',
                'EncryptAlgorithm': 'AES-CBC-128', 'IntegrityAlgorithm': 'SHA1', 'PfsDhGroup': 'NULL',
                'IPSECSaLifetimeSeconds': 14400, 'IPSECSaLifetimeTraffic': 4096000000},
        'terraform': {'ike_version': 'IKEV1', 'ike_exchange_mode': 'MAIN', 'ike_proto_encry_algorithm': '3DES-CBC',
                      'ike_proto_authen_algorithm': 'MD5', 'ike_dh_group_name': 'GROUP1', 'ike_sa_lifetime_seconds': 86400,
                      'ipsec_encrypt_algorithm': '3DES-CBC', 'ipsec_integrity_algorithm': 'MD5', 'ipsec_pfs_dh_group': 'NULL',
                      'ipsec_sa_lifetime_seconds': 3600, 'ipsec_sa_lifetime_traffic': 1843200},
        'source': 'Tencent Cloud API (CreateVpnConnection) and the Terraform provider; the API and Terraform defaults differ, '
                  'and older API text says PropoAuthenAlgorithm MD5',
    },
    'lifetime_range': {'ike.lifetime': (60, 604800), 'esp.lifetime': (180, 604800)},
    'flags': {'max_selector_pairs': MAX_SPD_PAIRS, 'single_sa_per_tunnel': False, 'ikev1_single_cidr': False, 'pfs_default': False,
              'cloud_initiates': 'NegotiationType active: yes; passive: no; flowTrigger: on traffic', 'tunnels_per_connection': 1},
}

# Both the API and the Terraform default are smaller than a busy tunnel moves between rekeys and they differ
# (4096000000 KB vs 1843200 KB): the sheet sets it explicitly.
_LIFETIME_TRAFFIC = 4096000000


def _read_identity(reading, ike, side, target):
    """The cloud's ``{side}Identity`` (ADDRESS or FQDN) -> the router's ``target`` identity."""
    kind = str(reading.pick(ike, f'{side}Identity')[1] or '').upper()
    if kind == 'FQDN':
        name, value = reading.pick(ike, f'{side}FqdnName')
        reading.identity(target, 'fqdn:' + str(value or ''), f'IKEOptionsSpecification.{name}')
    else:
        name, value = reading.pick(ike, f'{side}Address')
        if value not in (None, MISSING):
            reading.identity(target, f'address:{value}', f'IKEOptionsSpecification.{name}')


def read(cloud, api):
    """A DescribeVpnConnections ``VpnConnection``, or ``{'VpnConnection': ..., 'VpnGateway': {'PublicIpAddress'},
    'CustomerGateway': {'IpAddress'}}``."""
    conn = api.get('VpnConnection', api)
    ike = conn.get('IKEOptionsSpecification') or {}
    ips = conn.get('IPSECOptionsSpecification') or {}
    reading = Reading(cloud)
    out = reading.params
    out['ike']['version'] = reading.value('ike.version', 'IKEOptionsSpecification.IKEVersion', reading.pick(ike, 'IKEVersion')[1])
    if out['ike']['version'] != 2:   # IKEv2 has no exchange mode
        out['ike']['exchange_mode'] = reading.value('ike.exchange_mode', 'IKEOptionsSpecification.ExchangeMode',
                                                    reading.pick(ike, 'ExchangeMode')[1])
    reading.algorithm('ike.encryption', ike, 'IKEOptionsSpecification', 'PropoEncryAlgorithm')
    reading.algorithm('ike.hash', ike, 'IKEOptionsSpecification', 'PropoAuthenAlgorithm')
    reading.algorithm('ike.dh_group', ike, 'IKEOptionsSpecification', 'DhGroupName')
    reading.lifetime('ike.lifetime', ike, 'IKEOptionsSpecification', 'IKESaLifetimeSeconds')
    reading.algorithm('esp.encryption', ips, 'IPSECOptionsSpecification', 'EncryptAlgorithm')
    # IntegrityAlgorith is the old, misspelt field name, still returned by older gateways.
    reading.algorithm('esp.auth', ips, 'IPSECOptionsSpecification', 'IntegrityAlgorithm', 'IntegrityAlgorith')
    reading.algorithm('esp.pfs_group', ips, 'IPSECOptionsSpecification', 'PfsDhGroup')
    reading.lifetime('esp.lifetime', ips, 'IPSECOptionsSpecification', 'IPSECSaLifetimeSeconds')
    # The cloud's remote identity is the router's my-id, its local identity the router's remote-id.
    _read_identity(reading, ike, 'Remote', 'local_id')
    _read_identity(reading, ike, 'Local', 'remote_id')
    spd_name, spds = reading.pick(conn, 'SecurityPolicyDatabaseSet', 'SecurityPolicyDatabases')
    pairs = []
    for spd in spds if isinstance(spds, list) else []:
        pairs.extend((remote, spd.get('LocalCidrBlock')) for remote in as_list(spd.get('RemoteCidrBlock')))
    reading.selectors(pairs, spd_name)
    # A masked key (what tencent_vpn_connection_info returns) is no value: it is left out of the comparison.
    out['psk'] = conn.get('PreShareKey') if conn.get('PreShareKey') not in (None, '', MASK) else None
    out['peer_address'] = (api.get('VpnGateway') or {}).get('PublicIpAddress') or api.get('gateway_ip')
    out['public_address'] = (api.get('CustomerGateway') or {}).get('IpAddress') or api.get('customer_gateway_ip')
    return out


def _identity_fields(ident, side, terraform_side):
    """A RouterOS identity -> the API's and Terraform's ``{side}Identity`` fields."""
    kind, _sep, value = ident.partition(':')
    if kind == 'fqdn':
        return ({f'{side}Identity': 'FQDN', f'{side}FqdnName': value},
                {f'ike_{terraform_side}_identity': 'FQDN', f'ike_{terraform_side}_fqdn_name': value})
    return ({f'{side}Identity': 'ADDRESS', f'{side}Address': value},
            {f'ike_{terraform_side}_identity': 'ADDRESS', f'ike_{terraform_side}_address': value})


def sheet(cloud, r, chosen):
    ike_api = {'IKEVersion': chosen['ike.version'], 'PropoEncryAlgorithm': chosen['ike.encryption'],
               'PropoAuthenAlgorithm': chosen['ike.hash'], 'DhGroupName': chosen['ike.dh_group'],
               'IKESaLifetimeSeconds': r['ike']['lifetime']}
    if chosen['ike.exchange_mode']:
        ike_api['ExchangeMode'] = chosen['ike.exchange_mode']
    tf = {'ike_version': chosen['ike.version'], 'ike_exchange_mode': chosen['ike.exchange_mode'],
          'ike_proto_encry_algorithm': chosen['ike.encryption'], 'ike_proto_authen_algorithm': chosen['ike.hash'],
          'ike_dh_group_name': chosen['ike.dh_group'], 'ike_sa_lifetime_seconds': r['ike']['lifetime']}
    for side, ident, tf_side in (('Local', chosen['local_id'], 'local'), ('Remote', chosen['remote_id'], 'remote')):
        if ident:
            api_fields, tf_fields = _identity_fields(ident, side, tf_side)
            ike_api.update(api_fields)
            tf.update(tf_fields)
    ipsec_api = {'EncryptAlgorithm': chosen['esp.encryption'], 'IntegrityAlgorithm': chosen['esp.auth'],
                 'PfsDhGroup': chosen['esp.pfs_group'], 'IPSECSaLifetimeSeconds': r['esp']['lifetime'],
                 'IPSECSaLifetimeTraffic': _LIFETIME_TRAFFIC}
    vpc = sorted({pair[1] for pair in r['selectors']})
    spd = [{'LocalCidrBlock': d, 'RemoteCidrBlock': sorted({s for s, dd in r['selectors'] if dd == d})} for d in vpc]
    tf.update({'ipsec_encrypt_algorithm': chosen['esp.encryption'], 'ipsec_integrity_algorithm': chosen['esp.auth'],
               'ipsec_pfs_dh_group': chosen['esp.pfs_group'], 'ipsec_sa_lifetime_seconds': r['esp']['lifetime'],
               'ipsec_sa_lifetime_traffic': _LIFETIME_TRAFFIC, 'pre_share_key': PSK_PLACEHOLDER, 'dpd_enable': 1,
               'security_group_policy': [{'local_cidr_block': x['LocalCidrBlock'], 'remote_cidr_block': x['RemoteCidrBlock']}
                                         for x in spd]})
    warnings = []
    if len(r['selectors']) > MAX_SPD_PAIRS:
        warnings.append(f'Tencent allows at most {MAX_SPD_PAIRS} SPD mappings per gateway')
    return {'api': {'IKEOptionsSpecification': ike_api, 'IPSECOptionsSpecification': ipsec_api, 'SecurityPolicyDatabases': spd,
                    'PreShareKey': PSK_PLACEHOLDER, 'DpdEnable': 1},
            'terraform': {k: v for k, v in tf.items() if v is not None},
            'lines': ['VPN connection type: SPD policy; route the VPC: destination = router LAN, next hop = the VPN gateway'],
            'warnings': warnings}


def connection(cloud, name, sheet_api, customer_gateway_address):
    """The options of vpclink.routeros.tencent_vpn_connection for one tunnel, from the API fields its cloud sheet
    renders (``sheet()['api']``), so the connection the role applies is the one the sheet tells a human to type.
    Without the pre-shared key (the caller takes it from the tunnel, never from a result) and without the
    credentials and the VPN gateway id; None without the customer gateway address (the router's public address)."""
    if not customer_gateway_address:
        return None
    return {'name': name, 'customer_gateway_address': customer_gateway_address,
            'ike_options': {k: v for k, v in sheet_api['IKEOptionsSpecification'].items() if v is not None},
            'ipsec_options': {k: v for k, v in sheet_api['IPSECOptionsSpecification'].items() if v is not None},
            'security_policy_databases': sheet_api['SecurityPolicyDatabases'],
            'dpd_enable': bool(sheet_api['DpdEnable'])}


CLOUD = Cloud('tencent', VOCABULARY, PRESET, sheet, read=read, connection=connection)
