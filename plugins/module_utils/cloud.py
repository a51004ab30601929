# Copyright (c) vpclink.routeros contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Cloud presets, cloud vocabulary <-> RouterOS names, preflight comparison and the cloud sheet.

Pure functions, standard library only. Facts from reference/cloud-side-and-diagnosis.md §1-§7 and §11
and reference/routeros-api-ipsec-semantics.md §2.2-§2.5, §2.13.

Router-side parameters (RouterOS vocabulary; every key optional)::

    {'ike': {'version': 1 | 2,                       # 2 = peer exchange-mode=ike2
             'exchange_mode': 'main' | 'aggressive',  # IKEv1 only
             'encryption': ['aes-256'],               # profile enc-algorithm (str or list)
             'hash': 'sha256',                        # profile hash-algorithm
             'dh_group': ['modp2048'],                # profile dh-group (str or list)
             'prf': 'auto',                           # profile prf-algorithm (IKEv2)
             'lifetime': '1d'},                       # RouterOS duration or seconds
     'esp': {'encryption': ['aes-256-cbc'],           # proposal enc-algorithms
             'auth': ['sha256'],                      # proposal auth-algorithms
             'pfs_group': 'modp2048',                 # proposal pfs-group ('none' = off)
             'lifetime': '1h'},
     'local_id': 'address:113.87.48.200',             # identity my-id (auto | address:IP | fqdn:NAME | bare IP/name)
     'remote_id': 'address:119.91.254.122',           # identity remote-id
     'local_subnets': ['192.168.1.0/24'],             # policy src-address values
     'remote_subnets': ['10.100.1.0/24'],             # policy dst-address values
     'selectors': [['192.168.1.0/24', '10.100.1.0/24']],  # optional; default: local x remote subnets
     'public_address': '113.87.48.200',               # the router's public (NAT) address = cloud customer gateway IP
     'wan_address': '10.0.0.2',                       # optional: the router's own WAN address when behind NAT
     'peer_address': '119.91.254.122',                # peer address = cloud VPN gateway public IP
     'psk': '...'}                                    # optional; never echoed

``normalise_cloud_side`` returns the same shape, already seen from the router ("what the router must have
to match"), with lists for the algorithm fields, seconds for lifetimes, ``selectors`` as sorted pairs, and
``unsupported`` = {field: [cloud values RouterOS cannot do]}.

Comparison fields (also the ``field`` of a mismatch and the keys of ``diagnose.CLASSES[...]['fields']``):
``ike.version ike.exchange_mode ike.encryption ike.hash ike.dh_group ike.lifetime esp.encryption esp.auth
esp.pfs_group esp.lifetime local_id remote_id selectors public_address peer_address psk``.
"""

from __future__ import annotations

import ipaddress
import json
import re

CLOUDS = ('tencent', 'alibaba', 'aws', 'azure', 'huawei')

# DH group number -> RouterOS name (guide-en DH table; §7: 17/18 modp6144/modp8192, 31 x25519, 22-24 none).
DH_GROUPS = {1: 'modp768', 2: 'modp1024', 5: 'modp1536', 14: 'modp2048', 15: 'modp3072', 16: 'modp4096',
             17: 'modp6144', 18: 'modp8192', 19: 'ecp256', 20: 'ecp384', 21: 'ecp521', 31: 'x25519'}

# ---------------------------------------------------------------------------------------------
# Vocabulary: cloud value -> RouterOS value (None = RouterOS cannot do it). Insertion order matters
# for the reverse direction: the first cloud value of a RouterOS value is the one rendered.
# ---------------------------------------------------------------------------------------------


def _dh(prefix, numbers):
    out = {}
    for n in numbers:
        out[f'{prefix}{n}'] = DH_GROUPS.get(n)
    return out


VOCAB = {
    # §1.1 (TC-SDK, TC-TF) and the §7 table.
    'tencent': {
        'ike.version': {'IKEV1': 1, 'IKEV2': 2},
        'ike.exchange_mode': {'MAIN': 'main', 'AGGRESSIVE': 'aggressive'},
        'ike.encryption': {'AES-CBC-128': 'aes-128', 'AES-CBC-192': 'aes-192', 'AES-CBC-256': 'aes-256', '3DES-CBC': '3des',
                           'DES-CBC': 'des', 'SM4': None, 'AES128GCM128': None, 'AES192GCM128': None, 'AES256GCM128': None},
        'ike.hash': {'MD5': 'md5', 'SHA': 'sha1', 'SHA-256': 'sha256', 'SHA-512': 'sha512'},
        'ike.dh_group': _dh('GROUP', (1, 2, 5, 14, 15, 16, 19, 20, 21, 24)),
        'esp.encryption': {'AES-CBC-128': 'aes-128-cbc', 'AES-CBC-192': 'aes-192-cbc', 'AES-CBC-256': 'aes-256-cbc',
                           '3DES-CBC': '3des', 'DES-CBC': 'des', 'NULL': 'null', 'AES128GCM128': 'aes-128-gcm',
                           'AES192GCM128': 'aes-192-gcm', 'AES256GCM128': 'aes-256-gcm', 'SM4': None},
        'esp.auth': {'MD5': 'md5', 'SHA1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': None, 'SHA-512': 'sha512', 'SM3': None},
        'esp.pfs_group': {'NULL': 'none', **_dh('DH-GROUP', (1, 2, 5, 14, 15, 16, 19, 20, 21, 24))},
    },
    # §2 (ALI-SDK).
    'alibaba': {
        'ike.version': {'ikev1': 1, 'ikev2': 2},
        'ike.exchange_mode': {'main': 'main', 'aggressive': 'aggressive'},
        'ike.encryption': {'aes': 'aes-128', 'aes192': 'aes-192', 'aes256': 'aes-256', 'des': 'des', '3des': '3des'},
        'ike.hash': {'md5': 'md5', 'sha1': 'sha1', 'sha256': 'sha256', 'sha384': 'sha384', 'sha512': 'sha512'},
        'ike.dh_group': _dh('group', (1, 2, 5, 14, 24)),
        'esp.encryption': {'aes': 'aes-128-cbc', 'aes192': 'aes-192-cbc', 'aes256': 'aes-256-cbc', 'des': 'des', '3des': '3des'},
        'esp.auth': {'md5': 'md5', 'sha1': 'sha1', 'sha256': 'sha256', 'sha384': None, 'sha512': 'sha512'},
        'esp.pfs_group': {'disabled': 'none', **_dh('group', (1, 2, 5, 14, 24))},
    },
    # §3 (AWS-TF, AWS-API). DH groups are numbers; AWS has no "PFS off" value (§7 [U]).
    'aws': {
        'ike.version': {'ikev1': 1, 'ikev2': 2},
        'ike.exchange_mode': {'main': 'main'},
        'ike.encryption': {'AES128': 'aes-128', 'AES256': 'aes-256', 'AES128-GCM-16': None, 'AES256-GCM-16': None},
        'ike.hash': {'SHA1': 'sha1', 'SHA2-256': 'sha256', 'SHA2-384': 'sha384', 'SHA2-512': 'sha512'},
        'ike.dh_group': _dh('', (2, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24)),
        'esp.encryption': {'AES128': 'aes-128-cbc', 'AES256': 'aes-256-cbc', 'AES128-GCM-16': 'aes-128-gcm',
                           'AES256-GCM-16': 'aes-256-gcm'},
        'esp.auth': {'SHA1': 'sha1', 'SHA2-256': 'sha256', 'SHA2-384': None, 'SHA2-512': 'sha512'},
        'esp.pfs_group': _dh('', (2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24)),
    },
    # §4 (AZ-PY custom IpsecPolicy; the PFS name list is [U] in the reference).
    'azure': {
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
    },
    # §6 (HW). The reference gives the console vocabulary, not API field names.
    'huawei': {
        'ike.version': {'v1': 1, 'v2': 2},
        'ike.exchange_mode': {'main': 'main', 'aggressive': 'aggressive'},
        'ike.encryption': {'AES-128': 'aes-128', 'AES-192': 'aes-192', 'AES-256': 'aes-256', '3DES': '3des', 'AES-GCM-16': None},
        'ike.hash': {'SHA2-256': 'sha256', 'SHA2-384': 'sha384', 'SHA2-512': 'sha512', 'SHA1': 'sha1', 'MD5': 'md5'},
        'ike.dh_group': _dh('group', (1, 2, 5, 14, 15, 16, 19, 20, 21)),
        'esp.encryption': {'AES-128': 'aes-128-cbc', 'AES-192': 'aes-192-cbc', 'AES-256': 'aes-256-cbc', '3DES': '3des'},
        'esp.auth': {'SHA2-256': 'sha256', 'SHA2-384': None, 'SHA2-512': 'sha512', 'SHA1': 'sha1', 'MD5': 'md5'},
        'esp.pfs_group': {'Disable': 'none', **_dh('group', (1, 2, 5, 14, 15, 16, 19, 20, 21))},
    },
}

ALGORITHM_FIELDS = ('ike.encryption', 'ike.hash', 'ike.dh_group', 'esp.encryption', 'esp.auth', 'esp.pfs_group')

# ---------------------------------------------------------------------------------------------
# Presets: recommended strong RouterOS-side values, cloud defaults (cloud vocabulary, with their
# source and known discrepancies) and structural flags (§11).
# ---------------------------------------------------------------------------------------------

_STRONG = {'ike': {'version': 2, 'encryption': ['aes-256'], 'hash': 'sha256', 'dh_group': ['modp2048'], 'lifetime': 86400},
           'esp': {'encryption': ['aes-256-cbc'], 'auth': ['sha256'], 'pfs_group': 'modp2048', 'lifetime': 3600}}


def _preset(ike_lifetime, esp_lifetime, **overrides):
    rec = {'ike': dict(_STRONG['ike'], lifetime=ike_lifetime), 'esp': dict(_STRONG['esp'], lifetime=esp_lifetime)}
    for key, value in overrides.items():
        section, name = key.split('__')
        rec[section][name] = value
    return rec


PRESETS = {
    'tencent': {
        'title': 'Tencent Cloud VPN gateway, SPD-policy VPN connection', 'verified': True,
        # §7.1: AES-CBC-256/SHA-256/GROUP14 + AES-CBC-256/SHA-256/DH-GROUP14/3600.
        'recommended': _preset(86400, 3600),
        'defaults': {
            'api': {'ExchangeMode': 'MAIN', 'PropoEncryAlgorithm': '3DES-CBC', 'PropoAuthenAlgorithm': 'SHA', 'DhGroupName': 'GROUP1',
                    'EncryptAlgorithm': 'AES-CBC-128', 'IntegrityAlgorithm': 'SHA1', 'PfsDhGroup': 'NULL',
                    'IPSECSaLifetimeSeconds': 14400, 'IPSECSaLifetimeTraffic': 4096000000},
            'terraform': {'ike_version': 'IKEV1', 'ike_exchange_mode': 'MAIN', 'ike_proto_encry_algorithm': '3DES-CBC',
                          'ike_proto_authen_algorithm': 'MD5', 'ike_dh_group_name': 'GROUP1', 'ike_sa_lifetime_seconds': 86400,
                          'ipsec_encrypt_algorithm': '3DES-CBC', 'ipsec_integrity_algorithm': 'MD5', 'ipsec_pfs_dh_group': 'NULL',
                          'ipsec_sa_lifetime_seconds': 3600, 'ipsec_sa_lifetime_traffic': 1843200},
            'source': 'TC-SDK (2025 text), TC-TF; the API and Terraform defaults differ, and older SDK text says PropoAuthenAlgorithm MD5',
        },
        'lifetime_range': {'ike.lifetime': (60, 604800), 'esp.lifetime': (180, 604800)},
        'flags': {'max_selector_pairs': 200, 'single_sa_per_tunnel': False, 'ikev1_single_cidr': False, 'pfs_default': False,
                  'cloud_initiates': 'NegotiationType active: yes; passive: no; flowTrigger: on traffic', 'tunnels_per_connection': 1},
    },
    'alibaba': {
        'title': 'Alibaba Cloud VPN gateway IPsec connection', 'verified': True,
        'recommended': _preset(86400, 86400, esp__pfs_group='modp2048', ike__dh_group=['modp2048']),
        'defaults': {'api': {'IkeVersion': 'ikev1', 'IkeMode': 'main', 'IkeEncAlg': 'aes', 'IkeAuthAlg': 'md5', 'IkePfs': 'group2',
                             'IkeLifetime': 86400, 'IpsecEncAlg': 'aes', 'IpsecAuthAlg': 'md5', 'IpsecPfs': 'group2',
                             'IpsecLifetime': 86400},
                     'source': 'ALI-SDK single-tunnel defaults; dual-tunnel: ikev2, sha1; Terraform doc versions disagree'},
        'lifetime_range': {'ike.lifetime': (0, 86400), 'esp.lifetime': (0, 86400)},
        'flags': {'max_selector_pairs': None, 'single_sa_per_tunnel': False, 'ikev1_single_cidr': True, 'pfs_default': True,
                  'cloud_initiates': 'EffectImmediately=false: on inbound traffic', 'tunnels_per_connection': 1},
    },
    'aws': {
        'title': 'AWS Site-to-Site VPN (one tunnel; a connection has two)', 'verified': True,
        # §7.1: aes-256 sha256 modp2048 lifetime=8h / aes-256-cbc sha256 modp2048 1h.
        'recommended': _preset(28800, 3600),
        'defaults': {'api': {'IKEVersions': ['ikev1', 'ikev2'], 'Phase1LifetimeSeconds': 28800, 'Phase2LifetimeSeconds': 3600},
                     'source': 'AWS-TF, AWS-API: every allowed algorithm by default; DPD timeout 30 (API) vs 40 (user guide)'},
        'lifetime_range': {'ike.lifetime': (900, 28800), 'esp.lifetime': (900, 3600)},
        'flags': {'max_selector_pairs': 1, 'single_sa_per_tunnel': True, 'ikev1_single_cidr': False, 'pfs_default': True,
                  'cloud_initiates': 'startup action add: no (RouterOS must initiate)', 'tunnels_per_connection': 2},
    },
    'azure': {
        'title': 'Azure VPN Gateway (custom IPsec policy)', 'verified': False,
        'recommended': _preset(28800, 27000, esp__pfs_group='none'),
        'defaults': {'api': {'route_based': 'IKEv2, AES256/SHA1, DHGroup2, 28800 s; ESP 27000 s, PFS None',
                             'policy_based': 'IKEv1 main, AES256/SHA256, DHGroup2, 28800 s; ESP 3600 s, PFS None'},
                     'source': 'AZ; the full PFS group name list is unverified'},
        'lifetime_range': {},
        'flags': {'max_selector_pairs': None, 'single_sa_per_tunnel': False, 'ikev1_single_cidr': False, 'pfs_default': False,
                  'mss': 1350, 'tunnels_per_connection': 1},
    },
    'huawei': {
        'title': 'Huawei Cloud VPN (classic / enterprise edition)', 'verified': False,
        'recommended': _preset(86400, 3600),
        'defaults': {'api': {'ike.version': 'v2', 'ike.exchange_mode': 'main', 'ike.hash': 'SHA2-256', 'ike.encryption': 'AES-128',
                             'ike.dh_group': 'group14 (classic) / group15 (enterprise)', 'ike.lifetime': 86400,
                             'esp.auth': 'SHA2-256', 'esp.encryption': 'AES-128', 'esp.pfs_group': 'group14 / group15',
                             'esp.lifetime': 3600},
                     'source': 'HW console documentation; API field names are not in the reference'},
        'lifetime_range': {'ike.lifetime': (60, 604800), 'esp.lifetime': (30, 604800)},
        'flags': {'max_selector_pairs': None, 'single_sa_per_tunnel': False, 'ikev1_single_cidr': False, 'pfs_default': True,
                  'tunnels_per_connection': 1},
    },
}

# ---------------------------------------------------------------------------------------------
# RouterOS capabilities per version (routeros-api-ipsec-semantics §2.2, §2.5, §2.13)
# ---------------------------------------------------------------------------------------------

_ROS = {
    7: {'ike.encryption': ('aes-256', 'aes-192', 'aes-128', '3des', 'des'),
        'ike.hash': ('md5', 'sha1', 'sha256', 'sha384', 'sha512'),
        'ike.dh_group': ('x25519', 'ecp256', 'ecp384', 'ecp521', 'modp8192', 'modp6144', 'modp4096', 'modp3072', 'modp2048',
                         'modp1536', 'modp1024', 'modp768'),
        'ike.exchange_mode': ('main', 'aggressive', 'base'),
        'esp.encryption': ('chacha20poly1305', 'aes-256-cbc', 'aes-256-ctr', 'aes-256-gcm', 'camellia-256', 'aes-192-cbc',
                           'aes-192-ctr', 'aes-192-gcm', 'camellia-192', 'aes-128-cbc', 'aes-128-ctr', 'aes-128-gcm',
                           'camellia-128', '3des', 'blowfish', 'twofish', 'des', 'null'),
        'esp.auth': ('sha512', 'sha256', 'sha1', 'md5', 'null'),
        'esp.pfs_group': ('none', 'ecp256', 'ecp384', 'ecp521', 'modp768', 'modp1024', 'modp1536', 'modp2048', 'modp3072',
                          'modp4096', 'modp6144', 'modp8192')},
}
_ROS[6] = dict(_ROS[7])
_ROS[6].update({
    'ike.encryption': _ROS[7]['ike.encryption'] + ('blowfish', 'camellia-128', 'camellia-192', 'camellia-256'),
    'ike.hash': ('md5', 'sha1', 'sha256', 'sha512'),
    'ike.dh_group': ('modp768', 'modp1024', 'ec2n155', 'ec2n185', 'modp1536', 'modp2048', 'modp3072', 'modp4096', 'modp6144',
                     'modp8192', 'ecp256', 'ecp384', 'ecp521'),
    'ike.exchange_mode': ('main', 'aggressive', 'base', 'main-l2tp'),
    'esp.encryption': tuple(v for v in _ROS[7]['esp.encryption'] if v != 'chacha20poly1305'),
})

_WEAK = {'modp768': 'DH group 1 (768 bits)', 'modp1024': 'DH group 2 (1024 bits)', 'md5': 'MD5', 'des': 'DES', '3des': '3DES',
         'null': 'no encryption/integrity'}

# What a mismatch of each field would produce (guide-en error table, §9).
WOULD_CAUSE = {
    'ike.version': ('ike_version', 'IKEv2 side: "parsed IKE_SA_INIT response 0 [ N(NO_PROP) ]", "received NO_PROPOSAL_CHOSEN notify '
                                   'error"; IKEv1 side: no answer, "phase1 negotiation failed due to time up"'),
    'ike.exchange_mode': ('exchange_mode', '"received AUTHENTICATION_FAILED error notify", '
                                           '"Aggressive Mode PSK disabled for security reasons"'),
    'ike.encryption': ('phase1_proposal', '"no suitable proposal found", "received NO_PROPOSAL_CHOSEN error notify"'),
    'ike.hash': ('phase1_proposal', '"rejected hashtype", "no suitable proposal found"'),
    'ike.dh_group': ('phase1_proposal', '"no suitable proposal found", Alibaba "received KE type 14,expected 2"'),
    'ike.lifetime': ('lifetime', 'clouds that check strictly: "long lifetime proposed"'),
    'esp.encryption': ('phase2_proposal', '"no acceptable ENCRYPTION_ALGORITHM found", "[ HASH N(NO_PROP) ]"'),
    'esp.auth': ('phase2_proposal', '"no acceptable INTEGRITY_ALGORITHM found", "[ HASH N(NO_PROP) ]"'),
    'esp.pfs_group': ('pfs', '"no acceptable DIFFIE_HELLMAN_GROUP found", "ESP:.../MODP_1024/NO_EXT_SEQ no matching proposal '
                             'found"; IKEv2: only at the first rekey'),
    'esp.lifetime': ('lifetime', 'clouds that check strictly: "long lifetime proposed"'),
    'local_id': ('identity', '"IDir \'...\' does not match to \'...\'", "identity not found for responder", AUTHENTICATION_FAILED'),
    'remote_id': ('identity', '"IDir \'...\' does not match to \'...\'", AUTHENTICATION_FAILED'),
    'selectors': ('traffic_selectors', '"received INVALID_ID_INFORMATION error notify", TS_UNACCEPTABLE, '
                                       'policy ph2-state=no-phase2'),
    'public_address': ('customer_gateway', '"received UNSUPPORTED_CRITICAL_PAYLOAD error notify" or no answer'),
    'peer_address': ('no_response', '"sending retransmit 1 of request message ID 0, seq 1", "phase1 negotiation failed due to time up"'),
    'psk': ('psk', '"invalid HASH_V1 payload length, decryption failed?", "MAC mismatched", AUTHENTICATION_FAILED'),
}

# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------

_UNITS = {'w': 604800, 'd': 86400, 'h': 3600, 'm': 60, 's': 1}


def seconds(value):
    """RouterOS duration ('1d', '7h30m', '00:30:00', '86400s') or a number -> seconds (int). None stays None."""
    if value is None or value == '':
        return None
    if isinstance(value, (int, float)):
        return int(value)
    text = str(value).strip().lower()
    if text.isdigit():
        return int(text)
    if re.fullmatch(r'\d+:\d{1,2}:\d{1,2}', text):
        h, m, s = (int(x) for x in text.split(':'))
        return h * 3600 + m * 60 + s
    parts = re.findall(r'(\d+)([wdhms])', text)
    if not parts or ''.join(n + u for n, u in parts) != text:
        raise ValueError(f'not a RouterOS duration: {value!r}')
    return sum(int(n) * _UNITS[u] for n, u in parts)


def duration(secs):
    """Seconds -> the shortest RouterOS duration text (86400 -> '1d', 27000 -> '7h30m')."""
    secs = int(secs)
    if secs == 0:
        return '0s'
    out = ''
    for unit in ('w', 'd', 'h', 'm', 's'):
        n, secs = divmod(secs, _UNITS[unit])
        if n:
            out += f'{n}{unit}'
    return out


def _list(value):
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(',') if v.strip()]
    return [str(v).strip() for v in value]


def identity(value):
    """'1.2.3.4' -> 'address:1.2.3.4', 'vpn.example.com' -> 'fqdn:vpn.example.com'; RouterOS forms pass through."""
    if value is None or value == '':
        return None
    text = str(value).strip()
    if text in ('auto', 'ignore') or ':' in text and text.split(':', 1)[0] in ('address', 'fqdn', 'user-fqdn', 'key-id'):
        return text
    try:
        ipaddress.ip_address(text)
        return 'address:' + text
    except ValueError:
        return 'fqdn:' + text


def _cidr(value):
    return str(ipaddress.ip_network(str(value).strip(), strict=False))


def to_routeros(cloud, field, value):
    """One cloud value -> RouterOS value. Raises KeyError for a value the cloud does not have;
    returns None for a cloud value RouterOS cannot do."""
    vocab = VOCAB[cloud][field]
    key = str(value)
    for cloud_value, ros in vocab.items():
        if cloud_value.lower() == key.lower():
            return ros
    raise KeyError(f'{cloud}: {field} has no value {value!r} (accepted: {", ".join(vocab)})')


def to_cloud(cloud, field, value):
    """One RouterOS value -> the cloud's value, or None when the cloud does not accept it."""
    for cloud_value, ros in VOCAB[cloud][field].items():
        if ros is not None and ros == value:
            return cloud_value
    return None


def accepted(cloud, field):
    """The cloud's accepted values for a field, in its vocabulary."""
    return list(VOCAB[cloud][field])


# ---------------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------------

def _pairs(params):
    if params.get('selectors'):
        pairs = {(_cidr(s), _cidr(d)) for s, d in params['selectors']}
    else:
        pairs = {(_cidr(s), _cidr(d)) for s in _list(params.get('local_subnets')) for d in _list(params.get('remote_subnets'))}
    return sorted(pairs)


def normalise_router(params):
    """Router-side parameters (module docstring) -> the canonical comparable shape."""
    ike = dict(params.get('ike') or {})
    esp = dict(params.get('esp') or {})
    version = ike.get('version')
    mode = ike.get('exchange_mode')
    if mode == 'ike2':
        version, mode = 2, None
    return {
        'ike': {'version': int(version) if version is not None else None, 'exchange_mode': mode,
                'encryption': _list(ike.get('encryption')), 'hash': _list(ike.get('hash')),
                'dh_group': _list(ike.get('dh_group')), 'prf': ike.get('prf'), 'lifetime': seconds(ike.get('lifetime'))},
        'esp': {'encryption': _list(esp.get('encryption')), 'auth': _list(esp.get('auth')),
                'pfs_group': _list(esp.get('pfs_group')), 'lifetime': seconds(esp.get('lifetime'))},
        'local_id': identity(params.get('local_id')), 'remote_id': identity(params.get('remote_id')),
        'selectors': _pairs(params),
        'public_address': params.get('public_address'), 'wan_address': params.get('wan_address'),
        'peer_address': params.get('peer_address'), 'psk': params.get('psk'),
        'unsupported': {},
    }


def _empty():
    return normalise_router({})


def _map_into(out, cloud, field, values):
    """Map cloud values into out[section][name] (a list); unmappable ones go to out['unsupported']."""
    section, name = field.split('.')
    for value in values:
        if value is None or value == '':
            continue
        ros = to_routeros(cloud, field, value)
        if ros is None:
            out['unsupported'].setdefault(field, []).append(str(value))
        elif ros not in out[section][name]:
            out[section][name].append(ros)


def _get(obj, *names):
    for name in names:
        if isinstance(obj, dict) and obj.get(name) not in (None, ''):
            return obj[name]
    return None


def _tencent(api):
    conn = api.get('VpnConnection', api)
    ike = conn.get('IKEOptionsSpecification') or {}
    ips = conn.get('IPSECOptionsSpecification') or {}
    out = _empty()
    version = _get(ike, 'IKEVersion')
    out['ike']['version'] = to_routeros('tencent', 'ike.version', version) if version else None
    mode = _get(ike, 'ExchangeMode')
    if mode and out['ike']['version'] != 2:
        out['ike']['exchange_mode'] = to_routeros('tencent', 'ike.exchange_mode', mode)
    _map_into(out, 'tencent', 'ike.encryption', [_get(ike, 'PropoEncryAlgorithm')])
    _map_into(out, 'tencent', 'ike.hash', [_get(ike, 'PropoAuthenAlgorithm')])
    _map_into(out, 'tencent', 'ike.dh_group', [_get(ike, 'DhGroupName')])
    out['ike']['lifetime'] = seconds(_get(ike, 'IKESaLifetimeSeconds'))
    _map_into(out, 'tencent', 'esp.encryption', [_get(ips, 'EncryptAlgorithm')])
    # IntegrityAlgorith is the old misspelt field (§1.1), still returned by older gateways.
    _map_into(out, 'tencent', 'esp.auth', [_get(ips, 'IntegrityAlgorithm', 'IntegrityAlgorith')])
    _map_into(out, 'tencent', 'esp.pfs_group', [_get(ips, 'PfsDhGroup')])
    out['esp']['lifetime'] = seconds(_get(ips, 'IPSECSaLifetimeSeconds'))
    # The cloud's remote identity is the router's my-id, its local identity the router's remote-id.
    if str(_get(ike, 'RemoteIdentity') or '').upper() == 'FQDN':
        out['local_id'] = identity('fqdn:' + str(_get(ike, 'RemoteFqdnName')))
    elif _get(ike, 'RemoteAddress'):
        out['local_id'] = identity(_get(ike, 'RemoteAddress'))
    if str(_get(ike, 'LocalIdentity') or '').upper() == 'FQDN':
        out['remote_id'] = identity('fqdn:' + str(_get(ike, 'LocalFqdnName')))
    elif _get(ike, 'LocalAddress'):
        out['remote_id'] = identity(_get(ike, 'LocalAddress'))
    pairs = set()
    for spd in _get(conn, 'SecurityPolicyDatabaseSet', 'SecurityPolicyDatabases') or []:
        for remote in _list(spd.get('RemoteCidrBlock')):
            pairs.add((_cidr(remote), _cidr(spd['LocalCidrBlock'])))
    out['selectors'] = sorted(pairs)
    out['psk'] = _get(conn, 'PreShareKey')
    out['peer_address'] = _get(api.get('VpnGateway') or {}, 'PublicIpAddress') or api.get('gateway_ip')
    out['public_address'] = _get(api.get('CustomerGateway') or {}, 'IpAddress') or api.get('customer_gateway_ip')
    return out


def _json(value):
    return json.loads(value) if isinstance(value, str) else (value or {})


def _alibaba(api):
    ike = _json(api.get('IkeConfig'))
    ips = _json(api.get('IpsecConfig'))
    out = _empty()
    if _get(ike, 'IkeVersion'):
        out['ike']['version'] = to_routeros('alibaba', 'ike.version', ike['IkeVersion'])
    if _get(ike, 'IkeMode') and out['ike']['version'] != 2:
        out['ike']['exchange_mode'] = to_routeros('alibaba', 'ike.exchange_mode', ike['IkeMode'])
    _map_into(out, 'alibaba', 'ike.encryption', [_get(ike, 'IkeEncAlg')])
    _map_into(out, 'alibaba', 'ike.hash', [_get(ike, 'IkeAuthAlg')])
    _map_into(out, 'alibaba', 'ike.dh_group', [_get(ike, 'IkePfs')])
    out['ike']['lifetime'] = seconds(_get(ike, 'IkeLifetime'))
    _map_into(out, 'alibaba', 'esp.encryption', [_get(ips, 'IpsecEncAlg')])
    _map_into(out, 'alibaba', 'esp.auth', [_get(ips, 'IpsecAuthAlg')])
    _map_into(out, 'alibaba', 'esp.pfs_group', [_get(ips, 'IpsecPfs')])
    out['esp']['lifetime'] = seconds(_get(ips, 'IpsecLifetime'))
    out['local_id'] = identity(_get(ike, 'RemoteId'))
    out['remote_id'] = identity(_get(ike, 'LocalId'))
    pairs = {(_cidr(r), _cidr(v)) for r in _list(api.get('RemoteSubnet')) for v in _list(api.get('LocalSubnet'))}
    out['selectors'] = sorted(pairs)
    out['psk'] = _get(ike, 'Psk')
    out['peer_address'] = api.get('gateway_ip')
    out['public_address'] = api.get('customer_gateway_ip')
    return out


def _aws_values(items):
    return [i.get('Value') if isinstance(i, dict) else i for i in items or []]


def _aws(api):
    out = _empty()
    versions = _aws_values(api.get('IKEVersions'))
    if len(versions) == 1:
        out['ike']['version'] = to_routeros('aws', 'ike.version', versions[0])
        if out['ike']['version'] == 1:
            out['ike']['exchange_mode'] = 'main'
    _map_into(out, 'aws', 'ike.encryption', _aws_values(api.get('Phase1EncryptionAlgorithms')))
    _map_into(out, 'aws', 'ike.hash', _aws_values(api.get('Phase1IntegrityAlgorithms')))
    _map_into(out, 'aws', 'ike.dh_group', _aws_values(api.get('Phase1DHGroupNumbers')))
    out['ike']['lifetime'] = seconds(api.get('Phase1LifetimeSeconds'))
    _map_into(out, 'aws', 'esp.encryption', _aws_values(api.get('Phase2EncryptionAlgorithms')))
    _map_into(out, 'aws', 'esp.auth', _aws_values(api.get('Phase2IntegrityAlgorithms')))
    _map_into(out, 'aws', 'esp.pfs_group', _aws_values(api.get('Phase2DHGroupNumbers')))
    out['esp']['lifetime'] = seconds(api.get('Phase2LifetimeSeconds'))
    out['psk'] = api.get('PreSharedKey')
    out['peer_address'] = api.get('OutsideIpAddress') or api.get('gateway_ip')
    out['public_address'] = api.get('customer_gateway_ip')
    return out


def _azure(api):
    pol = api.get('ipsecPolicy') or api
    out = _empty()

    def g(camel, snake):
        return _get(pol, camel, snake)
    _map_into(out, 'azure', 'ike.encryption', [g('ikeEncryption', 'ike_encryption')])
    _map_into(out, 'azure', 'ike.hash', [g('ikeIntegrity', 'ike_integrity')])
    _map_into(out, 'azure', 'ike.dh_group', [g('dhGroup', 'dh_group')])
    _map_into(out, 'azure', 'esp.encryption', [g('ipsecEncryption', 'ipsec_encryption')])
    _map_into(out, 'azure', 'esp.auth', [g('ipsecIntegrity', 'ipsec_integrity')])
    _map_into(out, 'azure', 'esp.pfs_group', [g('pfsGroup', 'pfs_group')])
    out['esp']['lifetime'] = seconds(g('saLifeTimeSeconds', 'sa_life_time_seconds'))
    out['peer_address'] = api.get('gateway_ip')
    out['public_address'] = api.get('customer_gateway_ip')
    return out


_NORMALISERS = {'tencent': _tencent, 'alibaba': _alibaba, 'aws': _aws, 'azure': _azure}


def normalise_cloud_side(cloud, api_objects):
    """The cloud's API objects -> router-side canonical parameters (what the router must have to match).

    tencent: a DescribeVpnConnections ``VpnConnection`` (IKEOptionsSpecification, IPSECOptionsSpecification,
    SecurityPolicyDatabaseSet, PreShareKey), or ``{'VpnConnection': ..., 'VpnGateway': {'PublicIpAddress'},
    'CustomerGateway': {'IpAddress'}}``. alibaba: IkeConfig/IpsecConfig (JSON text or dicts), LocalSubnet,
    RemoteSubnet. aws: one VpnTunnelOptionsSpecification. azure: an IpsecPolicy (camelCase or snake_case).
    Every cloud also accepts ``gateway_ip`` / ``customer_gateway_ip`` keys."""
    if cloud not in _NORMALISERS:
        raise ValueError(f'{cloud}: no API field names in the reference to read; give the parameters in RouterOS terms')
    return _NORMALISERS[cloud](dict(api_objects or {}))


# ---------------------------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------------------------

def _mismatch(field, router_value, cloud_value, message, severity='error'):
    cls, line = WOULD_CAUSE[field]
    return {'field': field, 'router_value': router_value, 'cloud_value': cloud_value, 'severity': severity,
            'error_class': cls, 'error_it_would_cause': f'{cls}: {line}', 'message': message}


def compare_report(router_params, cloud_params):
    """Field-by-field comparison. Returns ``{'mismatches': [...], 'compared': [fields]}``.

    Both arguments are router-side shapes (``cloud_params`` as returned by ``normalise_cloud_side``, or given
    by hand in RouterOS terms). A field is compared only when both ends give it."""
    r = normalise_router(router_params) if 'unsupported' not in router_params else router_params
    c = cloud_params if 'unsupported' in cloud_params else normalise_router(cloud_params)
    out = []
    compared = []
    unsupported = c.get('unsupported') or {}

    rv, cv = r['ike']['version'], c['ike']['version']
    if rv and cv:
        compared.append('ike.version')
        if rv != cv:
            out.append(_mismatch('ike.version', f'IKEv{rv}', f'IKEv{cv}', f'the router speaks IKEv{rv}, the cloud IKEv{cv}'))
        elif rv == 2:
            compared.append('ike.exchange_mode')   # not applicable to IKEv2: cannot be the cause
    if rv == 1 and cv == 1 and r['ike']['exchange_mode'] and c['ike']['exchange_mode']:
        compared.append('ike.exchange_mode')
        if r['ike']['exchange_mode'] != c['ike']['exchange_mode']:
            out.append(_mismatch('ike.exchange_mode', r['ike']['exchange_mode'], c['ike']['exchange_mode'],
                                 'IKEv1 exchange modes differ'))

    for field in ALGORITHM_FIELDS:
        section, name = field.split('.')
        mine, theirs = r[section][name], c[section][name]
        if field in unsupported:
            compared.append(field)
            out.append(_mismatch(field, mine, unsupported[field],
                                 f'the cloud uses {", ".join(unsupported[field])}, which RouterOS cannot do: change the cloud side'))
            continue
        if not mine or not theirs:
            continue
        compared.append(field)
        common = [v for v in mine if v in theirs]
        if not common:
            out.append(_mismatch(field, mine, theirs, f'no common {field} value'))
        elif len(mine) > 1:
            out.append(_mismatch(field, mine, theirs, f'several {field} values on the router: set exactly {common[0]} '
                                                      '(multiple values cause intermittent failures on some clouds)', 'warning'))

    for field in ('ike.lifetime', 'esp.lifetime'):
        section, name = field.split('.')
        mine, theirs = r[section][name], c[section][name]
        if mine is None or theirs is None:
            continue
        compared.append(field)
        if mine > theirs:
            out.append(_mismatch(field, duration(mine), duration(theirs),
                                 f'router {field} {duration(mine)} is longer than the cloud\'s {duration(theirs)}: keep it at or below',
                                 'warning'))

    # Identities (§8: my-id=auto sends the router's own, possibly private, address).
    my_id = r['local_id']
    if my_id in (None, 'auto') and (r.get('wan_address') or r.get('public_address')):
        my_id = identity(r.get('wan_address') or r.get('public_address'))
    if my_id and c['local_id']:
        compared.append('local_id')
        if my_id != c['local_id']:
            out.append(_mismatch('local_id', my_id, c['local_id'], 'the router\'s my-id is not the identity the cloud expects '
                                 '(cloud remote identity)'))
    if c['remote_id'] and r['remote_id'] not in (None,):
        compared.append('remote_id')
        if r['remote_id'] not in ('auto', 'ignore') and r['remote_id'] != c['remote_id']:
            out.append(_mismatch('remote_id', r['remote_id'], c['remote_id'], 'the router\'s remote-id is not the cloud\'s local identity'))

    if r['selectors'] and c['selectors']:
        compared.append('selectors')
        if set(r['selectors']) != set(c['selectors']):
            only_r = sorted(set(r['selectors']) - set(c['selectors']))
            only_c = sorted(set(c['selectors']) - set(r['selectors']))
            out.append(_mismatch('selectors', [list(p) for p in r['selectors']], [list(p) for p in c['selectors']],
                                 f'selectors are not mirrored: only on the router {only_r}, only on the cloud {only_c}'))

    for field, label in (('public_address', 'the cloud customer gateway IP'), ('peer_address', 'the cloud VPN gateway IP')):
        if r.get(field) and c.get(field):
            compared.append(field)
            if str(r[field]) != str(c[field]):
                out.append(_mismatch(field, r[field], c[field], f'{label} is {c[field]}, the router uses {r[field]}'))

    if r.get('psk') and c.get('psk'):
        compared.append('psk')
        if r['psk'] != c['psk']:
            out.append(_mismatch('psk', '<hidden>', '<hidden>', 'the pre-shared keys differ'))
    return {'mismatches': out, 'compared': compared}


def compare(router_params, cloud_params):
    """-> [mismatch {field, router_value, cloud_value, severity, error_class, error_it_would_cause, message}]."""
    return compare_report(router_params, cloud_params)['mismatches']


# ---------------------------------------------------------------------------------------------
# Capabilities and weak choices
# ---------------------------------------------------------------------------------------------

def _major(version):
    match = re.match(r'\s*(\d+)\.(\d+)', str(version or '7'))
    if not match:
        raise ValueError(f'not a RouterOS version: {version!r}')
    return 6 if int(match.group(1)) <= 6 else 7


def routeros_values(field, routeros_version):
    """RouterOS's accepted values of a comparison field (``ike.dh_group`` ...) on that version, or None."""
    return _ROS[_major(routeros_version)].get(field)


def _issue(field, value, severity, message):
    return {'field': field, 'value': value, 'severity': severity, 'message': message}


def check_capabilities(router_params, routeros_version, cloud=None):
    """Values this RouterOS version cannot do, weak choices, and the cloud's structural limits.

    Returns [{'field', 'value', 'severity': 'error'|'warning', 'message'}]; fail the preflight on any error."""
    major = _major(routeros_version)
    caps = _ROS[major]
    r = normalise_router(router_params)
    issues = []
    if r['ike']['version'] == 1 and r['ike']['exchange_mode'] and r['ike']['exchange_mode'] not in caps['ike.exchange_mode']:
        issues.append(_issue('ike.exchange_mode', r['ike']['exchange_mode'], 'error',
                             f'RouterOS {routeros_version} peer exchange-mode has no {r["ike"]["exchange_mode"]}'))
    for field in ALGORITHM_FIELDS:
        section, name = field.split('.')
        for value in r[section][name]:
            if value in ('sha384',) and field == 'esp.auth':
                issues.append(_issue(field, value, 'error',
                                     'RouterOS ESP proposals have no sha384 (auth-algorithms): use sha256 or sha512 on both ends'))
            elif value == 'x25519' and field == 'esp.pfs_group':
                issues.append(_issue(field, value, 'error', 'x25519 is not a RouterOS pfs-group value (IKE profile only)'))
            elif value == 'modp8192' and major == 7:
                issues.append(_issue(field, value, 'warning', 'modp8192 is missing from the v7 CLI reference: verify on the router'))
            elif value not in caps[field]:
                issues.append(_issue(field, value, 'error', f'RouterOS {routeros_version} does not accept {value} for {field}'))
            if value in _WEAK:
                issues.append(_issue(field, value, 'warning', f'{_WEAK[value]} is weak: prefer aes-256/sha256/modp2048 or ecp256'))
    if r['ike'].get('prf') not in (None, 'auto') and major == 6:
        issues.append(_issue('ike.prf', r['ike']['prf'], 'warning', 'prf-algorithm on RouterOS 6.49 is unconfirmed'))
    if cloud:
        issues.extend(_cloud_limits(cloud, r))
    return issues


def _cloud_limits(cloud, r):
    issues = []
    flags = PRESETS[cloud]['flags']
    pairs = len(r['selectors'])
    if flags.get('max_selector_pairs') and pairs > flags['max_selector_pairs']:
        issues.append(_issue('selectors', pairs, 'error', f'{cloud} allows at most {flags["max_selector_pairs"]} selector pair(s) '
                                                          'per tunnel' + (' (one SA per tunnel)' if flags.get('single_sa_per_tunnel') else '')))
    if flags.get('ikev1_single_cidr') and r['ike']['version'] == 1 and pairs > 1:
        issues.append(_issue('selectors', pairs, 'error', f'{cloud} IKEv1 protects one CIDR pair: use IKEv2 or one connection per pair'))
    if cloud == 'alibaba' and r['ike']['version'] == 1 and r['ike']['exchange_mode'] == 'main' and any(
            (i or '').startswith('fqdn:') for i in (r['local_id'], r['remote_id'])):
        issues.append(_issue('local_id', r['local_id'], 'error', 'Alibaba IKEv1 main mode needs IP-address identities (FQDN: aggressive or IKEv2)'))
    if cloud == 'aws':
        if r['ike']['version'] == 1 and r['ike']['exchange_mode'] == 'aggressive':
            issues.append(_issue('ike.exchange_mode', 'aggressive', 'error', 'AWS accepts IKEv1 main mode only'))
        if 'modp1536' in r['ike']['dh_group']:
            issues.append(_issue('ike.dh_group', 'modp1536', 'error', 'AWS phase 1 has no DH group 5'))
        for field in ('ike.encryption', 'ike.hash', 'esp.encryption', 'esp.auth'):
            section, name = field.split('.')
            for value in r[section][name]:
                if value in ('md5', '3des', 'des'):
                    issues.append(_issue(field, value, 'error', f'AWS does not accept {value}'))
        if r['esp']['pfs_group'] == ['none']:
            issues.append(_issue('esp.pfs_group', 'none', 'warning', 'AWS has no "PFS off" value: set a PFS group'))
    for field, (low, high) in PRESETS[cloud].get('lifetime_range', {}).items():
        section, name = field.split('.')
        value = r[section][name]
        if value is not None and not low <= value <= high:
            issues.append(_issue(field, duration(value), 'error', f'{cloud} accepts {field} {low}-{high} s'))
    for field in ALGORITHM_FIELDS:
        section, name = field.split('.')
        for value in r[section][name]:
            if to_cloud(cloud, field, value) is None and not (cloud == 'aws' and value in ('md5', '3des', 'des')):
                issues.append(_issue(field, value, 'error', f'{cloud} has no {field} value for RouterOS {value}'))
    return issues


# ---------------------------------------------------------------------------------------------
# The cloud sheet
# ---------------------------------------------------------------------------------------------

PSK_PLACEHOLDER = '<the same pre-shared key as the RouterOS identity (from the vault)>'


def _field_value(params, field):
    """``params['esp']['auth']`` for the dotted name ``esp.auth``."""
    section, name = field.split('.', 1)
    return params[section][name]


def _first(cloud, field, values, warnings):
    values = _list(values)
    if not values:
        return None
    if len(values) > 1:
        warnings.append(f'{field}: the router lists {values}; the cloud takes one value: {values[0]}')
    mapped = to_cloud(cloud, field, values[0])
    if mapped is None:
        warnings.append(f'{field}: {cloud} has no value for RouterOS {values[0]}')
    return mapped


def render_cloud_sheet(cloud, tunnel):
    """The cloud-side settings matching ``tunnel`` (router-side shape), in the cloud's own vocabulary.

    Returns ``{'cloud', 'api': {...}, 'terraform': {...} (tencent), 'lines': [str], 'warnings': [str]}``.
    The PSK is never rendered, only a placeholder."""
    r = normalise_router(tunnel)
    warnings = []
    ike, esp = r['ike'], r['esp']
    values = {field: _first(cloud, field, _field_value(r, field), warnings) for field in ALGORITHM_FIELDS}
    version = to_cloud(cloud, 'ike.version', ike['version']) if ike['version'] else None
    mode = to_cloud(cloud, 'ike.exchange_mode', ike['exchange_mode']) if ike['version'] == 1 and ike['exchange_mode'] else None
    # The router's my-id is the cloud's remote identity, its remote-id the cloud's local identity.
    remote_ident = r['local_id'] if r['local_id'] not in (None, 'auto') else identity(r.get('public_address'))
    local_ident = r['remote_id'] if r['remote_id'] not in (None, 'auto', 'ignore') else identity(r.get('peer_address'))
    vpc = sorted({pair[1] for pair in r['selectors']})
    sheet = {'cloud': cloud, 'api': {}, 'lines': [], 'warnings': warnings}

    if cloud == 'tencent':
        ike_api = {'IKEVersion': version, 'PropoEncryAlgorithm': values['ike.encryption'],
                   'PropoAuthenAlgorithm': values['ike.hash'], 'DhGroupName': values['ike.dh_group'],
                   'IKESaLifetimeSeconds': ike['lifetime']}
        if mode:
            ike_api['ExchangeMode'] = mode
        tf = {'ike_version': version, 'ike_exchange_mode': mode, 'ike_proto_encry_algorithm': values['ike.encryption'],
              'ike_proto_authen_algorithm': values['ike.hash'], 'ike_dh_group_name': values['ike.dh_group'],
              'ike_sa_lifetime_seconds': ike['lifetime']}
        for side, ident, api_kind in (('Local', local_ident, 'local'), ('Remote', remote_ident, 'remote')):
            if not ident:
                continue
            kind, _sep, value = ident.partition(':')
            if kind == 'fqdn':
                ike_api.update({f'{side}Identity': 'FQDN', f'{side}FqdnName': value})
                tf.update({f'ike_{api_kind}_identity': 'FQDN', f'ike_{api_kind}_fqdn_name': value})
            else:
                ike_api.update({f'{side}Identity': 'ADDRESS', f'{side}Address': value})
                tf.update({f'ike_{api_kind}_identity': 'ADDRESS', f'ike_{api_kind}_address': value})
        ipsec_api = {'EncryptAlgorithm': values['esp.encryption'], 'IntegrityAlgorithm': values['esp.auth'],
                     'PfsDhGroup': values['esp.pfs_group'], 'IPSECSaLifetimeSeconds': esp['lifetime'],
                     # Set explicitly: the API default 4096000000 KB and the Terraform default 1843200 KB differ (§1.1).
                     'IPSECSaLifetimeTraffic': 4096000000}
        spd = [{'LocalCidrBlock': d, 'RemoteCidrBlock': sorted({s for s, dd in r['selectors'] if dd == d})} for d in vpc]
        sheet['api'] = {'IKEOptionsSpecification': ike_api, 'IPSECOptionsSpecification': ipsec_api,
                        'SecurityPolicyDatabases': spd, 'PreShareKey': PSK_PLACEHOLDER, 'DpdEnable': 1}
        tf.update({'ipsec_encrypt_algorithm': values['esp.encryption'], 'ipsec_integrity_algorithm': values['esp.auth'],
                   'ipsec_pfs_dh_group': values['esp.pfs_group'], 'ipsec_sa_lifetime_seconds': esp['lifetime'],
                   'ipsec_sa_lifetime_traffic': 4096000000, 'pre_share_key': PSK_PLACEHOLDER, 'dpd_enable': 1,
                   # The provider's block is security_group_policy (the reference table spells it security_policy_group).
                   'security_group_policy': [{'local_cidr_block': x['LocalCidrBlock'], 'remote_cidr_block': x['RemoteCidrBlock']}
                                             for x in spd]})
        sheet['terraform'] = {k: v for k, v in tf.items() if v is not None}
        sheet['lines'].append('VPN connection type: SPD policy; route the VPC: destination = router LAN, next hop = the VPN gateway')
        if len(r['selectors']) > 200:
            warnings.append('Tencent allows at most 200 SPD mappings per gateway')
    elif cloud == 'alibaba':
        ike_cfg = {'IkeVersion': version, 'IkeMode': mode, 'IkeEncAlg': values['ike.encryption'], 'IkeAuthAlg': values['ike.hash'],
                   'IkePfs': values['ike.dh_group'], 'IkeLifetime': ike['lifetime'],
                   'LocalId': (local_ident or ':').partition(':')[2] or None, 'RemoteId': (remote_ident or ':').partition(':')[2] or None}
        ipsec_cfg = {'IpsecEncAlg': values['esp.encryption'], 'IpsecAuthAlg': values['esp.auth'], 'IpsecPfs': values['esp.pfs_group'],
                     'IpsecLifetime': esp['lifetime']}
        sheet['api'] = {'IkeConfig': {k: v for k, v in ike_cfg.items() if v is not None}, 'IpsecConfig': ipsec_cfg,
                        'LocalSubnet': ','.join(vpc), 'RemoteSubnet': ','.join(sorted({pair[0] for pair in r['selectors']})),
                        'EnableDpd': True, 'EnableNatTraversal': True}
    elif cloud == 'aws':
        def vals(v):
            return [{'Value': int(v) if str(v).isdigit() else v}] if v is not None else []
        sheet['api'] = {'IKEVersions': vals(version), 'Phase1EncryptionAlgorithms': vals(values['ike.encryption']),
                        'Phase1IntegrityAlgorithms': vals(values['ike.hash']), 'Phase1DHGroupNumbers': vals(values['ike.dh_group']),
                        'Phase1LifetimeSeconds': ike['lifetime'], 'Phase2EncryptionAlgorithms': vals(values['esp.encryption']),
                        'Phase2IntegrityAlgorithms': vals(values['esp.auth']), 'Phase2DHGroupNumbers': vals(values['esp.pfs_group']),
                        'Phase2LifetimeSeconds': esp['lifetime'], 'StartupAction': 'add', 'PreSharedKey': PSK_PLACEHOLDER}
        if len(r['selectors']) != 1:
            warnings.append('AWS: one SA per tunnel: use exactly one selector pair')
    elif cloud == 'azure':
        sheet['api'] = {'ipsecPolicy': {'ikeEncryption': values['ike.encryption'], 'ikeIntegrity': values['ike.hash'],
                                        'dhGroup': values['ike.dh_group'], 'ipsecEncryption': values['esp.encryption'],
                                        'ipsecIntegrity': values['esp.auth'], 'pfsGroup': values['esp.pfs_group'],
                                        'saLifeTimeSeconds': esp['lifetime']}}
        sheet['lines'].append('clamp TCP MSS to 1350 on the router (Azure)')
    elif cloud == 'huawei':
        # No API field names in the reference: the console vocabulary, keyed by our field names.
        sheet['api'] = {'ike.version': version, 'ike.exchange_mode': mode, 'ike.lifetime': ike['lifetime'],
                        'esp.lifetime': esp['lifetime'], **values}
        warnings.append('Huawei: console values only; the API field names are not in the reference')
    else:
        raise ValueError(f'unknown cloud {cloud!r}; known: {", ".join(CLOUDS)}')

    sheet['lines'].insert(0, f'customer gateway public IP: {r.get("public_address") or "<router public IP>"}')
    sheet['lines'].insert(1, f'VPN gateway public IP (RouterOS peer address): {r.get("peer_address") or "<cloud gateway IP>"}')
    for key, value in sheet['api'].items():
        sheet['lines'].append(f'{key}: {json.dumps(value, sort_keys=True)}')
    return sheet
