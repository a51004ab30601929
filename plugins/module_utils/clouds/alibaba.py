# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Alibaba Cloud VPN gateway IPsec connection.

Source: Alibaba Cloud VPN Gateway API, CreateVpnConnection and DescribeVpnConnection (IkeConfig, IpsecConfig,
LocalSubnet, RemoteSubnet), https://www.alibabacloud.com/help/en/vpn/developer-reference/api-vpc-2016-04-28-createvpnconnection
"""

from __future__ import annotations

import json

from ansible_collections.vpclink.routeros.plugins.module_utils.clouds.base import (
    Cloud,
    Reading,
    as_list,
    dh_names,
    issue,
    strong_preset,
)

_GROUPS = (1, 2, 5, 14, 24)

VOCABULARY = {
    'ike.version': {'ikev1': 1, 'ikev2': 2},
    'ike.exchange_mode': {'main': 'main', 'aggressive': 'aggressive'},
    'ike.encryption': {'aes': 'aes-128', 'aes192': 'aes-192', 'aes256': 'aes-256', 'des': 'des', '3des': '3des'},
    'ike.hash': {'md5': 'md5', 'sha1': 'sha1', 'sha256': 'sha256', 'sha384': 'sha384', 'sha512': 'sha512'},
    'ike.dh_group': dh_names('group', _GROUPS),
    'esp.encryption': {'aes': 'aes-128-cbc', 'aes192': 'aes-192-cbc', 'aes256': 'aes-256-cbc', 'des': 'des', '3des': '3des'},
    'esp.auth': {'md5': 'md5', 'sha1': 'sha1', 'sha256': 'sha256', 'sha384': None, 'sha512': 'sha512'},
    'esp.pfs_group': {'disabled': 'none', **dh_names('group', _GROUPS)},
}

PRESET = {
    'title': 'Alibaba Cloud VPN gateway IPsec connection', 'verified': True,
    'recommended': strong_preset(86400, 86400, esp__pfs_group='modp2048', ike__dh_group=['modp2048']),
    'defaults': {'api': {'IkeVersion': 'ikev1', 'IkeMode': 'main', 'IkeEncAlg': 'aes', 'IkeAuthAlg': 'md5', 'IkePfs': 'group2',
                         'IkeLifetime': 86400, 'IpsecEncAlg': 'aes', 'IpsecAuthAlg': 'md5', 'IpsecPfs': 'group2',
                         'IpsecLifetime': 86400},
                 'source': 'Alibaba Cloud API single-tunnel defaults; dual-tunnel: ikev2, sha1; Terraform doc versions disagree'},
    'lifetime_range': {'ike.lifetime': (0, 86400), 'esp.lifetime': (0, 86400)},
    'flags': {'max_selector_pairs': None, 'single_sa_per_tunnel': False, 'ikev1_single_cidr': True, 'pfs_default': True,
              'cloud_initiates': 'EffectImmediately=false: on inbound traffic', 'tunnels_per_connection': 1},
}


def _config(api, name):
    """IkeConfig / IpsecConfig: the API returns them as JSON text, SDK objects give dicts."""
    value = api.get(name)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise ValueError(f'alibaba: {name}: {value!r} is not a JSON object') from None
    return value or {}


def read(cloud, api):
    ike = _config(api, 'IkeConfig')
    ips = _config(api, 'IpsecConfig')
    reading = Reading(cloud)
    out = reading.params
    out['ike']['version'] = reading.value('ike.version', 'IkeConfig.IkeVersion', reading.pick(ike, 'IkeVersion')[1])
    if out['ike']['version'] != 2:   # IKEv2 has no exchange mode
        out['ike']['exchange_mode'] = reading.value('ike.exchange_mode', 'IkeConfig.IkeMode', reading.pick(ike, 'IkeMode')[1])
    reading.algorithm('ike.encryption', ike, 'IkeConfig', 'IkeEncAlg')
    reading.algorithm('ike.hash', ike, 'IkeConfig', 'IkeAuthAlg')
    reading.algorithm('ike.dh_group', ike, 'IkeConfig', 'IkePfs')
    reading.lifetime('ike.lifetime', ike, 'IkeConfig', 'IkeLifetime')
    reading.algorithm('esp.encryption', ips, 'IpsecConfig', 'IpsecEncAlg')
    reading.algorithm('esp.auth', ips, 'IpsecConfig', 'IpsecAuthAlg')
    reading.algorithm('esp.pfs_group', ips, 'IpsecConfig', 'IpsecPfs')
    reading.lifetime('esp.lifetime', ips, 'IpsecConfig', 'IpsecLifetime')
    # The cloud's RemoteId is the router's my-id, its LocalId the router's remote-id.
    reading.identity('local_id', reading.pick(ike, 'RemoteId')[1], 'IkeConfig.RemoteId')
    reading.identity('remote_id', reading.pick(ike, 'LocalId')[1], 'IkeConfig.LocalId')
    reading.selectors([(r, v) for r in as_list(api.get('RemoteSubnet')) for v in as_list(api.get('LocalSubnet'))],
                      'RemoteSubnet/LocalSubnet')
    out['psk'] = ike.get('Psk') or None
    out['peer_address'] = api.get('gateway_ip')
    out['public_address'] = api.get('customer_gateway_ip')
    return out


def limits(cloud, r):
    if r['ike']['version'] == 1 and r['ike']['exchange_mode'] == 'main' and any(
            (i or '').startswith('fqdn:') for i in (r['local_id'], r['remote_id'])):
        return [issue('local_id', r['local_id'], 'error', 'Alibaba IKEv1 main mode needs IP-address identities (FQDN: aggressive or IKEv2)')]
    return []


def _bare(ident):
    """Alibaba's LocalId/RemoteId take the value without RouterOS's kind prefix."""
    return (ident or ':').partition(':')[2] or None


def sheet(cloud, r, chosen):
    ike_cfg = {'IkeVersion': chosen['ike.version'], 'IkeMode': chosen['ike.exchange_mode'], 'IkeEncAlg': chosen['ike.encryption'],
               'IkeAuthAlg': chosen['ike.hash'], 'IkePfs': chosen['ike.dh_group'], 'IkeLifetime': r['ike']['lifetime'],
               'LocalId': _bare(chosen['local_id']), 'RemoteId': _bare(chosen['remote_id'])}
    ipsec_cfg = {'IpsecEncAlg': chosen['esp.encryption'], 'IpsecAuthAlg': chosen['esp.auth'], 'IpsecPfs': chosen['esp.pfs_group'],
                 'IpsecLifetime': r['esp']['lifetime']}
    return {'api': {'IkeConfig': {k: v for k, v in ike_cfg.items() if v is not None}, 'IpsecConfig': ipsec_cfg,
                    'LocalSubnet': ','.join(sorted({pair[1] for pair in r['selectors']})),
                    'RemoteSubnet': ','.join(sorted({pair[0] for pair in r['selectors']})),
                    'EnableDpd': True, 'EnableNatTraversal': True},
            'lines': [], 'warnings': []}


CLOUD = Cloud('alibaba', VOCABULARY, PRESET, sheet, read=read, limits=limits)
