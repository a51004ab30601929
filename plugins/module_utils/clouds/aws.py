# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""AWS Site-to-Site VPN, one tunnel (a VPN connection has two).

Source: Amazon EC2 API, VpnTunnelOptionsSpecification
(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VpnTunnelOptionsSpecification.html) and the
Site-to-Site VPN tunnel options (https://docs.aws.amazon.com/vpn/latest/s2svpn/VPNTunnels.html).
"""

from __future__ import annotations

from ansible_collections.vpclink.routeros.plugins.module_utils.clouds.base import (
    PSK_PLACEHOLDER,
    Cloud,
    Reading,
    dh_names,
    issue,
    strong_preset,
)

# DH groups are plain numbers. AWS has no "PFS off" value.
VOCABULARY = {
    'ike.version': {'ikev1': 1, 'ikev2': 2},
    'ike.exchange_mode': {'main': 'main'},
    'ike.encryption': {'AES128': 'aes-128', 'AES256': 'aes-256', 'AES128-GCM-16': None, 'AES256-GCM-16': None},
    'ike.hash': {'SHA1': 'sha1', 'SHA2-256': 'sha256', 'SHA2-384': 'sha384', 'SHA2-512': 'sha512'},
    'ike.dh_group': dh_names('', (2, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24)),
    'esp.encryption': {'AES128': 'aes-128-cbc', 'AES256': 'aes-256-cbc', 'AES128-GCM-16': 'aes-128-gcm',
                       'AES256-GCM-16': 'aes-256-gcm'},
    'esp.auth': {'SHA1': 'sha1', 'SHA2-256': 'sha256', 'SHA2-384': None, 'SHA2-512': 'sha512'},
    'esp.pfs_group': dh_names('', (2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24)),
}

PRESET = {
    'title': 'AWS Site-to-Site VPN (one tunnel; a connection has two)', 'verified': True,
    'recommended': strong_preset(28800, 3600),
    'defaults': {'api': {'IKEVersions': ['ikev1', 'ikev2'], 'Phase1LifetimeSeconds': 28800, 'Phase2LifetimeSeconds': 3600},
                 'source': 'EC2 API VpnTunnelOptionsSpecification: every allowed algorithm by default; '
                           'DPD timeout 30 (API) vs 40 (user guide)'},
    'lifetime_range': {'ike.lifetime': (900, 28800), 'esp.lifetime': (900, 3600)},
    'flags': {'max_selector_pairs': 1, 'single_sa_per_tunnel': True, 'ikev1_single_cidr': False, 'pfs_default': True,
              'cloud_initiates': 'startup action add: no (RouterOS must initiate)', 'tunnels_per_connection': 2},
}

_REFUSED = ('md5', '3des', 'des')


def _values(items):
    """``[{'Value': x}, ...]`` (the API's shape) or plain values -> the values."""
    return [i.get('Value') if isinstance(i, dict) else i for i in items or []]


def _algorithms(reading, field, api, name):
    if name in api:
        reading.algorithms(field, name, _values(api[name]))


def read(cloud, api):
    """One VpnTunnelOptionsSpecification (or a tunnel's TunnelOptions)."""
    reading = Reading(cloud)
    out = reading.params
    versions = _values(api.get('IKEVersions'))
    if len(versions) == 1:
        out['ike']['version'] = reading.value('ike.version', 'IKEVersions', versions[0])
        if out['ike']['version'] == 1:
            out['ike']['exchange_mode'] = 'main'
    else:
        for version in versions:   # both allowed: the router may speak either, but each must be a known value
            reading.value('ike.version', 'IKEVersions', version)
    _algorithms(reading, 'ike.encryption', api, 'Phase1EncryptionAlgorithms')
    _algorithms(reading, 'ike.hash', api, 'Phase1IntegrityAlgorithms')
    _algorithms(reading, 'ike.dh_group', api, 'Phase1DHGroupNumbers')
    reading.lifetime('ike.lifetime', api, '', 'Phase1LifetimeSeconds')
    _algorithms(reading, 'esp.encryption', api, 'Phase2EncryptionAlgorithms')
    _algorithms(reading, 'esp.auth', api, 'Phase2IntegrityAlgorithms')
    _algorithms(reading, 'esp.pfs_group', api, 'Phase2DHGroupNumbers')
    reading.lifetime('esp.lifetime', api, '', 'Phase2LifetimeSeconds')
    out['psk'] = api.get('PreSharedKey') or None
    out['peer_address'] = api.get('OutsideIpAddress') or api.get('gateway_ip')
    out['public_address'] = api.get('customer_gateway_ip')
    return out


def limits(cloud, r):
    issues = []
    if r['ike']['version'] == 1 and r['ike']['exchange_mode'] == 'aggressive':
        issues.append(issue('ike.exchange_mode', 'aggressive', 'error', 'AWS accepts IKEv1 main mode only'))
    if 'modp1536' in r['ike']['dh_group']:
        issues.append(issue('ike.dh_group', 'modp1536', 'error', 'AWS phase 1 has no DH group 5'))
    for field in ('ike.encryption', 'ike.hash', 'esp.encryption', 'esp.auth'):
        section, name = field.split('.')
        issues.extend(issue(field, value, 'error', f'AWS does not accept {value}') for value in r[section][name] if value in _REFUSED)
    if r['esp']['pfs_group'] == ['none']:
        issues.append(issue('esp.pfs_group', 'none', 'warning', 'AWS has no "PFS off" value: set a PFS group'))
    return issues


def _listed(value):
    return [{'Value': int(value) if str(value).isdigit() else value}] if value is not None else []


def sheet(cloud, r, chosen):
    warnings = [] if len(r['selectors']) == 1 else ['AWS: one SA per tunnel: use exactly one selector pair']
    return {'api': {'IKEVersions': _listed(chosen['ike.version']), 'Phase1EncryptionAlgorithms': _listed(chosen['ike.encryption']),
                    'Phase1IntegrityAlgorithms': _listed(chosen['ike.hash']), 'Phase1DHGroupNumbers': _listed(chosen['ike.dh_group']),
                    'Phase1LifetimeSeconds': r['ike']['lifetime'], 'Phase2EncryptionAlgorithms': _listed(chosen['esp.encryption']),
                    'Phase2IntegrityAlgorithms': _listed(chosen['esp.auth']), 'Phase2DHGroupNumbers': _listed(chosen['esp.pfs_group']),
                    'Phase2LifetimeSeconds': r['esp']['lifetime'], 'StartupAction': 'add', 'PreSharedKey': PSK_PLACEHOLDER},
            'lines': [], 'warnings': warnings}


CLOUD = Cloud('aws', VOCABULARY, PRESET, sheet, read=read, limits=limits)
