# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Azure VPN Gateway with a custom IPsec/IKE policy.

Sources: the IpsecPolicy object of the Azure network API
(https://learn.microsoft.com/en-us/javascript/api/@azure-rest/arm-network/ipsecpolicyoutput) and "Configure custom
IPsec/IKE connection policies" (https://learn.microsoft.com/en-us/azure/vpn-gateway/ipsec-ike-policy-howto).
"""

from __future__ import annotations

from ansible_collections.vpclink.routeros.plugins.module_utils.clouds.base import Cloud, Reading, strong_preset

# Azure writes "no PFS" and "no ESP encryption" as the word None (a string, also in YAML).
VOCABULARY = {
    'ike.version': {'IKEv1': 1, 'IKEv2': 2},
    'ike.exchange_mode': {'main': 'main'},
    'ike.encryption': {'AES128': 'aes-128', 'AES192': 'aes-192', 'AES256': 'aes-256', 'DES3': '3des', 'DES': 'des',
                       'GCMAES128': None, 'GCMAES256': None},
    'ike.hash': {'SHA1': 'sha1', 'SHA256': 'sha256', 'SHA384': 'sha384', 'MD5': 'md5'},
    'ike.dh_group': {'DHGroup1': 'modp768', 'DHGroup2': 'modp1024', 'DHGroup14': 'modp2048', 'DHGroup2048': 'modp2048',
                     'ECP256': 'ecp256', 'ECP384': 'ecp384', 'DHGroup24': None},
    'esp.encryption': {'AES128': 'aes-128-cbc', 'AES192': 'aes-192-cbc', 'AES256': 'aes-256-cbc', 'DES3': '3des',
                       'DES': 'des', 'None': 'null', 'GCMAES128': 'aes-128-gcm', 'GCMAES192': 'aes-192-gcm',
                       'GCMAES256': 'aes-256-gcm'},
    'esp.auth': {'SHA1': 'sha1', 'SHA256': 'sha256', 'MD5': 'md5'},
    'esp.pfs_group': {'None': 'none', 'PFS1': 'modp768', 'PFS2': 'modp1024', 'PFS14': 'modp2048', 'PFS2048': 'modp2048',
                      'ECP256': 'ecp256', 'ECP384': 'ecp384', 'PFS24': None},
}

PRESET = {
    'title': 'Azure VPN Gateway (custom IPsec policy)', 'verified': False,
    'recommended': strong_preset(28800, 27000, esp__pfs_group='none'),
    'defaults': {'api': {'route_based': 'IKEv2, AES256/SHA1, DHGroup2, 28800 s; ESP 27000 s, PFS None',
                         'policy_based': 'IKEv1 main, AES256/SHA256, DHGroup2, 28800 s; ESP 3600 s, PFS None'},
                 'source': 'Azure VPN Gateway documentation; the full PFS group name list is not verified'},
    'lifetime_range': {},
    'flags': {'max_selector_pairs': None, 'single_sa_per_tunnel': False, 'ikev1_single_cidr': False, 'pfs_default': False,
              'mss': 1350, 'tunnels_per_connection': 1},
}

# comparison field -> the IpsecPolicy property (camelCase as the REST API writes it, snake_case as the Python SDK does)
_FIELDS = {'ike.encryption': ('ikeEncryption', 'ike_encryption'), 'ike.hash': ('ikeIntegrity', 'ike_integrity'),
           'ike.dh_group': ('dhGroup', 'dh_group'), 'esp.encryption': ('ipsecEncryption', 'ipsec_encryption'),
           'esp.auth': ('ipsecIntegrity', 'ipsec_integrity'), 'esp.pfs_group': ('pfsGroup', 'pfs_group')}


def read(cloud, api):
    """An IpsecPolicy, alone or as ``{'ipsecPolicy': ...}``."""
    policy = api.get('ipsecPolicy') or api
    reading = Reading(cloud)
    for field, names in _FIELDS.items():
        reading.algorithm(field, policy, 'ipsecPolicy', *names)
    reading.lifetime('esp.lifetime', policy, 'ipsecPolicy', 'saLifeTimeSeconds', 'sa_life_time_seconds')
    reading.params['peer_address'] = api.get('gateway_ip')
    reading.params['public_address'] = api.get('customer_gateway_ip')
    return reading.params


def sheet(cloud, r, chosen):
    policy = {prop: chosen[field] for field, (prop, _snake) in _FIELDS.items()}
    policy['saLifeTimeSeconds'] = r['esp']['lifetime']
    return {'api': {'ipsecPolicy': policy}, 'lines': ['clamp TCP MSS to 1350 on the router (Azure)'], 'warnings': []}


CLOUD = Cloud('azure', VOCABULARY, PRESET, sheet, read=read)
