# Copyright (c) vpclink.routeros contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The clouds, seen from the router: cloud vocabulary <-> RouterOS names, the preflight comparison, RouterOS's
capabilities and the cloud sheet. What each cloud knows lives in its own module under ``clouds/``; everything here
works for any of them.

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

import json
import re

from ansible_collections.vpclink.routeros.plugins.module_utils import ipsec
from ansible_collections.vpclink.routeros.plugins.module_utils.clouds import alibaba, aws, azure, huawei, tencent
from ansible_collections.vpclink.routeros.plugins.module_utils.clouds.base import (
    ALGORITHM_FIELDS,
    as_list,
    empty_params,
    identity,
    issue,
)
from ansible_collections.vpclink.routeros.plugins.module_utils.masking import MASK
from ansible_collections.vpclink.routeros.plugins.module_utils.values import format_seconds, normalise_cidr, parse_seconds

# A new cloud: a module under clouds/ that defines CLOUD (see clouds/base.py, Cloud), listed here.
_CLOUDS = {c.name: c for c in (tencent.CLOUD, alibaba.CLOUD, aws.CLOUD, azure.CLOUD, huawei.CLOUD)}
CLOUDS = tuple(_CLOUDS)
PRESETS = {name: c.preset for name, c in _CLOUDS.items()}


def by_name(cloud):
    """The ``Cloud`` object of a cloud name; ValueError naming the known clouds."""
    try:
        return _CLOUDS[cloud]
    except KeyError:
        raise ValueError(f'unknown cloud {cloud!r}; known: {", ".join(CLOUDS)}') from None


def to_routeros(cloud, field, value):
    """One cloud value -> RouterOS value (None = RouterOS cannot do it). ValueError for a value the cloud does not have."""
    return by_name(cloud).to_routeros(field, value)


def to_cloud(cloud, field, value):
    """One RouterOS value -> the cloud's value, or None when the cloud does not accept it."""
    return by_name(cloud).to_cloud(field, value)


def accepted(cloud, field):
    """The cloud's accepted values for a field, in its vocabulary."""
    return by_name(cloud).accepted(field)


# ---------------------------------------------------------------------------------------------
# RouterOS capabilities per version: the allowed values of the menus (ipsec.py), by comparison field
# ---------------------------------------------------------------------------------------------

def _major(version):
    match = re.match(r'\s*(\d+)\.(\d+)', str(version or '7'))
    if not match:
        raise ValueError(f'not a RouterOS version: {version!r}')
    return 6 if int(match.group(1)) <= 6 else 7


def _exchange_modes(major):
    # IKEv2 is the peer's exchange-mode=ike2, compared as ike.version
    return tuple(mode for mode in ipsec.EXCHANGE_MODE[major] if mode != 'ike2')


_ROUTEROS_VALUES = {
    'ike.encryption': ipsec.PROFILE_ENC.get, 'ike.hash': ipsec.PROFILE_HASH.get, 'ike.dh_group': ipsec.PROFILE_DH.get,
    'ike.exchange_mode': _exchange_modes, 'esp.encryption': ipsec.PROPOSAL_ENC.get,
    'esp.auth': lambda major: ipsec.PROPOSAL_AUTH, 'esp.pfs_group': lambda major: ipsec.PFS_GROUP,
}


def routeros_values(field, routeros_version):
    """RouterOS's accepted values of a comparison field (``ike.dh_group`` ...) on that version, or None."""
    values = _ROUTEROS_VALUES.get(field)
    return values(_major(routeros_version)) if values else None


_WEAK = {'modp768': 'DH group 1 (768 bits)', 'modp1024': 'DH group 2 (1024 bits)', 'md5': 'MD5', 'des': 'DES', '3des': '3DES',
         'null': 'no encryption/integrity'}

# What a mismatch of each field would produce: the failure class (diagnose.CLASSES) and the log lines it leaves,
# in RouterOS's and the cloud gateway's (strongSwan-like) wording.
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
# Router-side parameters
# ---------------------------------------------------------------------------------------------

def _pairs(params):
    if params.get('selectors'):
        pairs = {(normalise_cidr(str(s).strip(), 'selectors'), normalise_cidr(str(d).strip(), 'selectors'))
                 for s, d in params['selectors']}
    else:
        pairs = {(normalise_cidr(s, 'local_subnets'), normalise_cidr(d, 'remote_subnets'))
                 for s in as_list(params.get('local_subnets')) for d in as_list(params.get('remote_subnets'))}
    return sorted(pairs)


def normalise_router(params):
    """Router-side parameters (module docstring) -> the canonical comparable shape."""
    ike = dict(params.get('ike') or {})
    esp = dict(params.get('esp') or {})
    version = ike.get('version')
    mode = ike.get('exchange_mode')
    if mode == 'ike2':
        version, mode = 2, None
    out = empty_params()
    out['ike'].update({'version': int(version) if version is not None else None, 'exchange_mode': mode,
                       'encryption': as_list(ike.get('encryption')), 'hash': as_list(ike.get('hash')),
                       'dh_group': as_list(ike.get('dh_group')), 'prf': ike.get('prf'),
                       'lifetime': parse_seconds(ike.get('lifetime'), 'ike.lifetime')})
    out['esp'].update({'encryption': as_list(esp.get('encryption')), 'auth': as_list(esp.get('auth')),
                       'pfs_group': as_list(esp.get('pfs_group')), 'lifetime': parse_seconds(esp.get('lifetime'), 'esp.lifetime')})
    out.update({'local_id': identity(params.get('local_id'), 'local_id'), 'remote_id': identity(params.get('remote_id'), 'remote_id'),
                'selectors': _pairs(params), 'public_address': params.get('public_address'), 'wan_address': params.get('wan_address'),
                'peer_address': params.get('peer_address'), 'psk': params.get('psk')})
    return out


def normalise_cloud_side(cloud, api_objects):
    """The cloud's API objects -> router-side canonical parameters (what the router must have to match).

    tencent: a DescribeVpnConnections ``VpnConnection`` (IKEOptionsSpecification, IPSECOptionsSpecification,
    SecurityPolicyDatabaseSet, PreShareKey), or ``{'VpnConnection': ..., 'VpnGateway': {'PublicIpAddress'},
    'CustomerGateway': {'IpAddress'}}``. alibaba: IkeConfig/IpsecConfig (JSON text or dicts), LocalSubnet,
    RemoteSubnet. aws: one VpnTunnelOptionsSpecification. azure: an IpsecPolicy (camelCase or snake_case).
    Every cloud also accepts ``gateway_ip`` / ``customer_gateway_ip`` keys.

    A value that is present but cannot be read raises ValueError naming the cloud's field, the value and the
    accepted values: it is never left out of the comparison. Where the cloud's vocabulary has the word NULL
    (Tencent's PfsDhGroup), a null value (YAML reads an unquoted NULL as null) means NULL."""
    return by_name(cloud).read(api_objects)


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
            out.append(_mismatch(field, format_seconds(mine), format_seconds(theirs),
                                 f'router {field} {format_seconds(mine)} is longer than the cloud\'s {format_seconds(theirs)}: keep it at or below',
                                 'warning'))

    # Identities: my-id=auto sends the router's own address, which behind NAT is a private one the cloud does not expect.
    my_id = r['local_id']
    if my_id in (None, 'auto') and (r.get('wan_address') or r.get('public_address')):
        my_id = identity(r.get('wan_address') or r.get('public_address'), 'public_address')
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
            out.append(_mismatch('psk', MASK, MASK, 'the pre-shared keys differ'))
    return {'mismatches': out, 'compared': compared}


def compare(router_params, cloud_params):
    """-> [mismatch {field, router_value, cloud_value, severity, error_class, error_it_would_cause, message}]."""
    return compare_report(router_params, cloud_params)['mismatches']


# ---------------------------------------------------------------------------------------------
# Capabilities, weak choices and the cloud's limits
# ---------------------------------------------------------------------------------------------

def check_capabilities(router_params, routeros_version, cloud=None):
    """Values this RouterOS version cannot do, weak choices, and the cloud's structural limits.

    Returns [{'field', 'value', 'severity': 'error'|'warning', 'message'}]; fail the preflight on any error."""
    major = _major(routeros_version)
    r = normalise_router(router_params)
    issues = []
    modes = routeros_values('ike.exchange_mode', routeros_version)
    if r['ike']['version'] == 1 and r['ike']['exchange_mode'] and r['ike']['exchange_mode'] not in modes:
        issues.append(issue('ike.exchange_mode', r['ike']['exchange_mode'], 'error',
                            f'RouterOS {routeros_version} peer exchange-mode has no {r["ike"]["exchange_mode"]}'))
    for field in ALGORITHM_FIELDS:
        section, name = field.split('.')
        allowed = routeros_values(field, routeros_version)
        for value in r[section][name]:
            if value in ('sha384',) and field == 'esp.auth':
                issues.append(issue(field, value, 'error',
                                    'RouterOS ESP proposals have no sha384 (auth-algorithms): use sha256 or sha512 on both ends'))
            elif value == 'x25519' and field == 'esp.pfs_group':
                issues.append(issue(field, value, 'error', 'x25519 is not a RouterOS pfs-group value (IKE profile only)'))
            elif value == 'modp8192' and major == 7:
                issues.append(issue(field, value, 'warning', 'modp8192 is missing from the RouterOS 7 IPsec manual (profile dh-group): verify on the router'))
            elif value not in allowed:
                issues.append(issue(field, value, 'error', f'RouterOS {routeros_version} does not accept {value} for {field}'))
            if value in _WEAK:
                issues.append(issue(field, value, 'warning', f'{_WEAK[value]} is weak: prefer aes-256/sha256/modp2048 or ecp256'))
    if r['ike'].get('prf') not in (None, 'auto') and major == 6:
        issues.append(issue('ike.prf', r['ike']['prf'], 'warning', 'prf-algorithm on RouterOS 6.49 is unconfirmed'))
    if cloud:
        issues.extend(_cloud_limits(by_name(cloud), r))
    return issues


def _cloud_limits(cloud, r):
    issues = []
    flags = cloud.flags
    pairs = len(r['selectors'])
    if flags.get('max_selector_pairs') and pairs > flags['max_selector_pairs']:
        issues.append(issue('selectors', pairs, 'error', f'{cloud.name} allows at most {flags["max_selector_pairs"]} selector pair(s) '
                                                         'per tunnel' + (' (one SA per tunnel)' if flags.get('single_sa_per_tunnel') else '')))
    if flags.get('ikev1_single_cidr') and r['ike']['version'] == 1 and pairs > 1:
        issues.append(issue('selectors', pairs, 'error', f'{cloud.name} IKEv1 protects one CIDR pair: use IKEv2 or one connection per pair'))
    issues.extend(cloud.limits(r))
    for field, (low, high) in cloud.preset.get('lifetime_range', {}).items():
        section, name = field.split('.')
        value = r[section][name]
        if value is not None and not low <= value <= high:
            issues.append(issue(field, format_seconds(value), 'error', f'{cloud.name} accepts {field} {low}-{high} s'))
    refused = {(i['field'], i['value']) for i in issues if i['severity'] == 'error'}
    for field in ALGORITHM_FIELDS:
        section, name = field.split('.')
        for value in r[section][name]:
            if cloud.to_cloud(field, value) is None and (field, value) not in refused:   # not said twice
                issues.append(issue(field, value, 'error', f'{cloud.name} has no {field} value for RouterOS {value}'))
    return issues


# ---------------------------------------------------------------------------------------------
# The cloud sheet
# ---------------------------------------------------------------------------------------------

def _first(cloud, field, values, warnings):
    values = as_list(values)
    if not values:
        return None
    if len(values) > 1:
        warnings.append(f'{field}: the router lists {values}; the cloud takes one value: {values[0]}')
    mapped = cloud.to_cloud(field, values[0])
    if mapped is None:
        warnings.append(f'{field}: {cloud.name} has no value for RouterOS {values[0]}')
    return mapped


def connection_options(cloud, name, sheet, customer_gateway_address):
    """The options of the collection's module for the cloud's VPN connection of one tunnel (Tencent:
    tencent_vpn_connection), derived from the tunnel's cloud sheet; None when the collection has no such module for
    the cloud, the sheet could not be rendered or the customer gateway address is not known."""
    if not sheet or 'api' not in sheet:
        return None
    return by_name(cloud).connection(name, sheet['api'], customer_gateway_address)


def render_cloud_sheet(cloud, tunnel):
    """The cloud-side settings matching ``tunnel`` (router-side shape), in the cloud's own vocabulary.

    Returns ``{'cloud', 'api': {...}, 'terraform': {...} (tencent), 'lines': [str], 'warnings': [str]}``.
    The PSK is never rendered, only a placeholder."""
    target = by_name(cloud)
    r = normalise_router(tunnel)
    warnings = []
    ike = r['ike']
    chosen = {}
    for field in ALGORITHM_FIELDS:
        section, name = field.split('.')
        chosen[field] = _first(target, field, r[section][name], warnings)
    chosen['ike.version'] = target.to_cloud('ike.version', ike['version']) if ike['version'] else None
    chosen['ike.exchange_mode'] = (target.to_cloud('ike.exchange_mode', ike['exchange_mode'])
                                   if ike['version'] == 1 and ike['exchange_mode'] else None)
    # The router's my-id is the cloud's remote identity, its remote-id the cloud's local identity.
    chosen['remote_id'] = r['local_id'] if r['local_id'] not in (None, 'auto') else identity(r.get('public_address'), 'public_address')
    chosen['local_id'] = (r['remote_id'] if r['remote_id'] not in (None, 'auto', 'ignore')
                          else identity(r.get('peer_address'), 'peer_address'))
    rendered = target.sheet(r, chosen)
    sheet = {'cloud': cloud, 'api': rendered['api'], 'lines': [], 'warnings': warnings + rendered['warnings']}
    if 'terraform' in rendered:
        sheet['terraform'] = rendered['terraform']
    sheet['lines'].append(f'customer gateway public IP: {r.get("public_address") or "<router public IP>"}')
    sheet['lines'].append(f'VPN gateway public IP (RouterOS peer address): {r.get("peer_address") or "<cloud gateway IP>"}')
    sheet['lines'].extend(rendered['lines'])
    for key, value in sheet['api'].items():
        sheet['lines'].append(f'{key}: {json.dumps(value, sort_keys=True)}')
    return sheet
