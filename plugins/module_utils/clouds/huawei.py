# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Huawei Cloud VPN (classic and enterprise edition).

Source: the Huawei Cloud VPN user guide's IKE and IPsec policy settings
(https://support.huaweicloud.com/intl/en-us/usermanual-vpn/). This is the console's vocabulary: the collection does
not know the API's field names, so it cannot read the cloud's API object, and the sheet is keyed by comparison field.
"""

from __future__ import annotations

from ansible_collections.vpclink.routeros.plugins.module_utils.clouds.base import ALGORITHM_FIELDS, Cloud, dh_names, strong_preset

_GROUPS = (1, 2, 5, 14, 15, 16, 19, 20, 21)

VOCABULARY = {
    'ike.version': {'v1': 1, 'v2': 2},
    'ike.exchange_mode': {'main': 'main', 'aggressive': 'aggressive'},
    'ike.encryption': {'AES-128': 'aes-128', 'AES-192': 'aes-192', 'AES-256': 'aes-256', '3DES': '3des', 'AES-GCM-16': None},
    'ike.hash': {'SHA2-256': 'sha256', 'SHA2-384': 'sha384', 'SHA2-512': 'sha512', 'SHA1': 'sha1', 'MD5': 'md5'},
    'ike.dh_group': dh_names('group', _GROUPS),
    'esp.encryption': {'AES-128': 'aes-128-cbc', 'AES-192': 'aes-192-cbc', 'AES-256': 'aes-256-cbc', '3DES': '3des'},
    'esp.auth': {'SHA2-256': 'sha256', 'SHA2-384': None, 'SHA2-512': 'sha512', 'SHA1': 'sha1', 'MD5': 'md5'},
    'esp.pfs_group': {'Disable': 'none', **dh_names('group', _GROUPS)},
}

PRESET = {
    'title': 'Huawei Cloud VPN (classic / enterprise edition)', 'verified': False,
    'recommended': strong_preset(86400, 3600),
    'defaults': {'api': {'ike.version': 'v2', 'ike.exchange_mode': 'main', 'ike.hash': 'SHA2-256', 'ike.encryption': 'AES-128',
                         'ike.dh_group': 'group14 (classic) / group15 (enterprise)', 'ike.lifetime': 86400,
                         'esp.auth': 'SHA2-256', 'esp.encryption': 'AES-128', 'esp.pfs_group': 'group14 / group15',
                         'esp.lifetime': 3600},
                 'source': 'Huawei Cloud VPN console documentation; the API field names are not known'},
    'lifetime_range': {'ike.lifetime': (60, 604800), 'esp.lifetime': (30, 604800)},
    'flags': {'max_selector_pairs': None, 'single_sa_per_tunnel': False, 'ikev1_single_cidr': False, 'pfs_default': True,
              'tunnels_per_connection': 1},
}


def sheet(cloud, r, chosen):
    api = {'ike.version': chosen['ike.version'], 'ike.exchange_mode': chosen['ike.exchange_mode'], 'ike.lifetime': r['ike']['lifetime'],
           'esp.lifetime': r['esp']['lifetime'], **{field: chosen[field] for field in ALGORITHM_FIELDS}}
    return {'api': api, 'lines': [], 'warnings': ['Huawei: console values only; the API field names are not known to the collection']}


CLOUD = Cloud('huawei', VOCABULARY, PRESET, sheet)
