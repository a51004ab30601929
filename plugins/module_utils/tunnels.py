# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``tunnels``: one router's whole IPsec tunnel set over ONE API session (the role's unit of work).

* ``preflight(params)`` -- pure, no router contact: on top of the argument spec (tunnel_schema, which Ansible
  validates), check what it cannot say (names, addresses, CIDRs, PSK, identities, lifetimes, ping), resolve the cloud
  preset field by field (cloud.PRESETS[cloud]['recommended']), capability checks that hold for every
  RouterOS version and the cloud's accepted values (cloud.check_capabilities), weak-choice warnings,
  NAT identity hygiene, and with ``cloud_side`` the field-by-field comparison (cloud.compare_report)
  that fails with one line per mismatch. Renders the cloud sheet (cloud.render_cloud_sheet).
* ``tunnels_apply(session, params, ...)`` -- the same preflight, then one stage per function:
  ``_validate_entries`` (version read once, the version-dependent capability check and the engine's
  validation of every entry BEFORE any print of a menu), ``_plan_all`` (one print per menu with ``?#|``
  queries, a plan per entry and per stale entry of ours), ``_apply_all`` (in dependency order:
  removals first in reverse order, then profile, proposal -> peer -> identity ->
  policies -> NAT accept rules -> raw notrack rules), then the verify poll (all tunnels of the router in
  one poll, same session) and, for an unhealthy tunnel, diagnose.diagnose with the preflight comparison.

Ownership: profile, proposal and peer are keyed by the tunnel ``name``, the identity
by ``peer=name``, policies by ``peer=name`` + src + dst (a policy of this peer whose pair is no longer
wanted is stale and removed), NAT/raw rules by their key and the comment ``vpclink:<name>`` the module
writes (a rule with that comment whose pair is no longer wanted is stale and removed). Nothing else
is ever changed or removed.

The PSK is never output: it is registered as a secret with the session (scrubbed from messages),
masked by the engine in commands and diffs, left out of ``parameters`` and rendered as a placeholder
in the cloud sheet; the runner scrubs every result string as a last line of defence.
"""

from __future__ import annotations

import ipaddress
import json
import os

from ansible.module_utils.common.yaml import HAS_YAML, SafeDumper, yaml_dump

from ansible_collections.vpclink.routeros.plugins.module_utils import adoption, health, info, rollback, tunnel_schema
from ansible_collections.vpclink.routeros.plugins.module_utils import cloud as cloudlib
from ansible_collections.vpclink.routeros.plugins.module_utils.api import RouterError
from ansible_collections.vpclink.routeros.plugins.module_utils.diagnose import diagnose
from ansible_collections.vpclink.routeros.plugins.module_utils.files import write_atomically
from ansible_collections.vpclink.routeros.plugins.module_utils.firewall import NAT, raw_spec
from ansible_collections.vpclink.routeros.plugins.module_utils.ipsec import IDENTITY, PEER, POLICY, PROFILE, PROPOSAL
from ansible_collections.vpclink.routeros.plugins.module_utils.masking import mask
from ansible_collections.vpclink.routeros.plugins.module_utils.menu import apply_plan, fetch, key_matches, plan_entry, plan_remove, validate_entry
from ansible_collections.vpclink.routeros.plugins.module_utils.ownership import MARK as OWNER_PREFIX
from ansible_collections.vpclink.routeros.plugins.module_utils.ownership import is_ours
from ansible_collections.vpclink.routeros.plugins.module_utils.values import format_seconds, normalise_identity, normalise_name, normalise_secret, parse_seconds

RAW = raw_spec('LAN<->VPC')

# Runtime properties read with the planning print of /ip/ipsec/policy, so a run that wrote nothing
# can use it as its first verify poll (one sentence less per warm run).
POLICY_RUNTIME = ('active', 'ph2-state', 'ph2-count', 'invalid', 'sa-src-address', 'sa-dst-address', 'template')


def tunnels_argument_spec():
    """The module's options (tunnel_schema.OPTIONS), which Ansible validates in both the module and the action plugin."""
    return tunnel_schema.argument_spec()


def tunnel_secrets(params):
    """The PSKs of ``params['tunnels']`` (for scrubbing; never output)."""
    out = set()
    for tunnel in params.get('tunnels') or []:
        if isinstance(tunnel, dict) and isinstance(tunnel.get('psk'), str) and tunnel['psk']:
            out.add(tunnel['psk'])
    return out


# ---------------------------------------------------------------------------------------------
# Input validation and resolution (no router). Ansible has already validated every tunnel against
# tunnel_schema (keys, types, choices, required keys, defaults); what follows are the checks an
# argument spec cannot express, one function per part of a tunnel.
# ---------------------------------------------------------------------------------------------

def _allowed_text(values):
    return ', '.join(str(v) for v in values)


def _str_list(value, where, errors):
    """A list of names, or one comma-separated string (how presets and single-value options arrive)."""
    if value is None:
        return []
    items = [v.strip() for v in value.split(',')] if isinstance(value, str) else [str(v).strip() for v in value]
    if not all(items):
        errors.append(f'{where}: {value!r} has an empty element')
    return [v for v in items if v]


def _lifetime(value, where, errors):
    try:
        secs = parse_seconds(value)
    except (ValueError, TypeError):
        errors.append(f'{where}: {value!r} is not a RouterOS duration; allowed: seconds or e.g. 1d, 8h, 30m, 1h30m')
        return None
    if secs is None or secs <= 0:
        errors.append(f'{where}: {value!r} must be a positive duration')
        return None
    return secs


def _ident(value, where, errors, extra=()):
    """The tunnel's local_id / remote_id in RouterOS's form (values.normalise_identity); an error line when it is none."""
    try:
        return normalise_identity(value or 'auto', where, words=('auto',) + tuple(extra), bare=('address',))
    except ValueError as exc:
        errors.append(str(exc))
        return None


def _ipv4(value, where, errors, required=False):
    if value in (None, ''):
        if required:
            errors.append(f'{where}: required for state=present (the IPv4 address of the cloud VPN gateway)')
        return None
    try:
        return str(ipaddress.IPv4Address(str(value).strip()))
    except ValueError:
        errors.append(f'{where}: {value!r} is not an IPv4 address')
        return None


def _cidrs(value, where, errors, required):
    items = _str_list(value, where, errors)
    if not items and required:
        errors.append(f'{where}: required for state=present (a list of CIDRs such as 192.168.1.0/24)')
    out = []
    for item in items:
        try:
            net = ipaddress.ip_network(item, strict=True)
        except ValueError:
            try:
                loose = ipaddress.ip_network(item, strict=False)
                errors.append(f'{where}: {item!r} has host bits set; allowed: the network address, e.g. {loose.with_prefixlen}')
            except ValueError:
                errors.append(f'{where}: {item!r} is not a CIDR; allowed: an IPv4 prefix such as 192.168.1.0/24')
            continue
        if net.version != 4:
            errors.append(f'{where}: {item!r} is not IPv4; allowed: an IPv4 prefix such as 192.168.1.0/24')
            continue
        if net.with_prefixlen not in out:
            out.append(net.with_prefixlen)
    return out


def _with_preset(given, preset, keys):
    """A tunnel's ``ike`` or ``esp`` section: each value not given takes the cloud preset's."""
    given = given or {}
    return {key: given[key] if given.get(key) is not None else preset.get(key) for key in keys}, given


def _name_part(index, raw, errors):
    """``(name, where)``: ``where`` is how every message names this tunnel."""
    name = raw['name']
    where = f'tunnel {name!r}' if name else f'tunnels[{index}]'
    _collect(errors, where, lambda: normalise_name(name, 'name'))
    return name, where


def _address_part(t, raw, errors):
    """Gateway, public address, subnets and their (local, remote) pairs."""
    where, present = t['where'], t['state'] == 'present'
    t['peer_address'] = _ipv4(raw['peer_address'], f'{where}: peer_address', errors, required=present)
    t['public_address'] = _ipv4(raw['public_address'], f'{where}: public_address', errors)
    t['local_subnets'] = _cidrs(raw['local_subnets'], f'{where}: local_subnets', errors, present)
    t['remote_subnets'] = _cidrs(raw['remote_subnets'], f'{where}: remote_subnets', errors, present)
    t['pairs'] = [(s, d) for s in t['local_subnets'] for d in t['remote_subnets']]
    for local, remote in t['pairs']:
        if _overlap(local, remote):
            # A policy whose remote side covers the LAN would send the router's own LAN traffic into the tunnel.
            errors.append(f'{where}: remote_subnets: {remote} overlaps local subnet {local}; the VPC and LAN ranges must be disjoint')


def _secret_part(t, raw, errors):
    """The PSK: a non-empty string without surrounding whitespace (the schema gives it type raw, so nothing converted it)."""
    psk = raw['psk']
    if t['state'] == 'present' or psk is not None:
        if not isinstance(psk, str):
            errors.append(f'{t["where"]}: psk: required for state=present (a non-empty string)')
        else:
            _collect(errors, t['where'], lambda: normalise_secret(psk, 'psk'))
    t['psk'] = psk if isinstance(psk, str) else None


def _algorithm_part(t, raw, errors):
    """IKE and ESP: the cloud preset field by field under what is given, then the rules of each field."""
    where = t['where']
    rec = cloudlib.PRESETS[t['cloud']]['recommended']
    ike, ike_given = _with_preset(raw['ike'], rec['ike'], tunnel_schema.IKE)
    esp, _esp_given = _with_preset(raw['esp'], rec['esp'], tunnel_schema.ESP)
    ike['version'] = int(ike['version'])
    if ike['version'] == 2:
        if ike_given.get('exchange_mode') is not None:
            errors.append(f'{where}: ike.exchange_mode: {ike_given["exchange_mode"]!r} applies to IKEv1 only; remove it or set ike.version: 1')
        ike['exchange_mode'] = None
    else:
        ike['exchange_mode'] = ike['exchange_mode'] or 'main'
    ike['encryption'] = _str_list(ike['encryption'], f'{where}: ike.encryption', errors)
    ike['dh_group'] = _str_list(ike['dh_group'], f'{where}: ike.dh_group', errors)
    ike['hash'] = _single(ike['hash'], f'{where}: ike.hash', 'RouterOS hash-algorithm is single', errors)
    ike['lifetime'] = _lifetime(ike['lifetime'], f'{where}: ike.lifetime', errors)
    esp['encryption'] = _str_list(esp['encryption'], f'{where}: esp.encryption', errors)
    esp['auth'] = _str_list(esp['auth'], f'{where}: esp.auth', errors)
    esp['pfs_group'] = _single(esp['pfs_group'], f'{where}: esp.pfs_group', 'none to disable PFS', errors)
    esp['lifetime'] = _lifetime(esp['lifetime'], f'{where}: esp.lifetime', errors)
    t['ike'], t['esp'] = ike, esp


def _single(value, where, why, errors):
    values = _str_list(value, where, errors)
    if len(values) != 1:
        errors.append(f'{where}: {value!r} must be exactly one value ({why})')
    return values[0] if values else None


def _verify_part(t, raw, errors):
    """How the tunnel is proven up: the wait and the optional ping from inside ``local_subnets``."""
    where, verify = t['where'], raw['verify']
    v = {'enabled': verify['enabled'], 'timeout': verify['timeout'], 'interval': verify['interval'], 'ping': None,
         'rekey': bool(verify.get('rekey'))}
    if v['timeout'] < 0:
        errors.append(f'{where}: verify.timeout: {v["timeout"]!r} must be a number of seconds >= 0')
    if v['interval'] <= 0:
        errors.append(f'{where}: verify.interval: {v["interval"]!r} must be a number of seconds > 0')
    ping = verify['ping']
    if ping is not None:
        probe = {}
        for key in ('src_address', 'address'):
            try:
                probe[key] = str(ipaddress.ip_address(str(ping[key]).strip()))
            except ValueError:
                errors.append(f'{where}: verify.ping.{key}: {ping[key]!r} is not an IP address')
        src = probe.get('src_address')
        if src and t['local_subnets'] and not any(ipaddress.ip_address(src) in ipaddress.ip_network(n) for n in t['local_subnets']):
            errors.append(f'{where}: verify.ping.src_address: {src!r} is outside local_subnets ({", ".join(t["local_subnets"])}); '
                          'use a LAN address of the router inside them (the policy only carries traffic from there)')
        if not 1 <= ping['count'] <= 100:
            errors.append(f'{where}: verify.ping.count: {ping["count"]!r}; allowed: 1..100')
        probe['count'] = ping['count']
        v['ping'] = probe
    t['verify'] = v


def _identity_warning(t):
    """The NAT identity warning of a tunnel, or None. Whether it applies depends on the router's own addresses: the
    preflight cannot tell (it warns), the apply reads them (``_nat_identity_warnings``)."""
    if t['state'] == 'present' and t['public_address'] and t['local_id'] == 'auto':
        # my-id=auto sends the router's own (possibly private) address; behind NAT the cloud's remote identity (its
        # customer gateway, the public address) does not match (MikroTik IPsec manual, identity my-id:
        # https://help.mikrotik.com/docs/spaces/ROS/pages/11993097/IPsec#IPsec-Identities).
        return (f'{t["where"]}: local_id is auto and public_address is {t["public_address"]}: if the router is behind NAT '
                f'(its WAN address is not {t["public_address"]}), the cloud rejects the identity; set '
                f'local_id: address:{t["public_address"]} (or fqdn identities on both ends) and keep the router the initiator')
    return None


def _nat_identity_warnings(session, resolved, warn):
    """Warn about my-id=auto only where the router may be behind NAT: its public_address is not one of the router's
    own addresses (/ip/address, read once and only when a tunnel needs it). A router that holds the address sends it."""
    pending = [t for t in resolved if t.get('identity_warning')]
    if not pending or warn is None:
        return
    own = {str(row.get('address', '')).split('/', maxsplit=1)[0] for row in session.print_('/ip/address', proplist=['address'])}
    for t in pending:
        if t['public_address'] not in own:
            warn(t['identity_warning'])


def _resolve_one(index, raw, errors, warnings):
    """One tunnel, as validated by the argument spec -> resolved tunnel, or None (errors appended)."""
    count = len(errors)
    name, where = _name_part(index, raw, errors)
    t = {'name': name, 'where': where, 'state': raw['state'], 'cloud': raw['cloud'], 'nat_bypass': raw['nat_bypass'],
         'fasttrack_bypass': raw['fasttrack_bypass'], 'cloud_side': raw['cloud_side'], 'adopt': bool(raw.get('adopt')),
         'adopt_from': raw.get('adopt_from')}
    if t['adopt_from'] is not None:
        _collect(errors, where, lambda: normalise_name(t['adopt_from'], 'adopt_from'))
        if t['adopt_from'] == name:
            errors.append(f'{where}: adopt_from: {name!r} is the tunnel\'s own name; use adopt: true to take over entries with its name')
    _address_part(t, raw, errors)
    _secret_part(t, raw, errors)
    _algorithm_part(t, raw, errors)
    t['local_id'] = _ident(raw['local_id'], f'{where}: local_id', errors)
    t['remote_id'] = _ident(raw['remote_id'], f'{where}: remote_id', errors, extra=('ignore',))
    _verify_part(t, raw, errors)
    if len(errors) > count:
        return None
    t['router_params'] = {'ike': dict(t['ike']), 'esp': dict(t['esp']), 'local_id': t['local_id'], 'remote_id': t['remote_id'],
                          'local_subnets': t['local_subnets'], 'remote_subnets': t['remote_subnets'],
                          'public_address': t['public_address'], 'peer_address': t['peer_address'], 'psk': t['psk']}
    t['identity_warning'] = _identity_warning(t)
    return t


def _capability_issues(t, version):
    return cloudlib.check_capabilities({k: v for k, v in t['router_params'].items() if k != 'psk'}, version, t['cloud'])


def _issue_line(t, issue, version=None):
    field, value = issue['field'], issue['value']
    line = f'{t["where"]}: {field}: {value!r}: {issue["message"]}'
    allowed = cloudlib.routeros_values(field, version or '7') if version else None
    if allowed:
        line += f'; allowed on RouterOS {version}: {_allowed_text(allowed)}'
    return line


def _overlap(a, b):
    return ipaddress.ip_network(a).overlaps(ipaddress.ip_network(b))


def _collect(errors, where, check):
    """Run one values.py check; its ValueError (which names field, value and what is allowed) becomes an error line."""
    try:
        check()
    except ValueError as exc:
        errors.append(f'{where}: {exc}')


def _across_tunnels(resolved, errors):
    """Checks between tunnels: unique names, one present tunnel per gateway, disjoint selectors."""
    names, peers = {}, {}
    for index, t in enumerate(resolved):
        if t is None:
            continue
        if t['name'] in names:
            errors.append(f'{t["where"]}: name: duplicate tunnel name {t["name"]!r} (tunnels[{names[t["name"]]}] and another); names must be unique')
        names.setdefault(t['name'], index)
        if t['state'] == 'present' and t['peer_address']:
            if t['peer_address'] in peers:
                errors.append(f'{t["where"]}: peer_address: {t["peer_address"]} is also the peer of tunnel {peers[t["peer_address"]]!r}; '
                              'one tunnel per cloud gateway address (RouterOS refuses two initiator peers to one address)')
            peers.setdefault(t['peer_address'], t['name'])
    present = [t for t in resolved if t is not None and t['state'] == 'present']
    for i, a in enumerate(present):
        for b in present[i + 1:]:
            for sa, da in a['pairs']:
                for sb, db in b['pairs']:
                    if _overlap(sa, sb) and _overlap(da, db):
                        errors.append(f'{b["where"]}: local_subnets/remote_subnets: selector {sb} -> {db} overlaps {sa} -> {da} of tunnel '
                                      f'{a["name"]!r}; traffic would match the wrong policy. Make the selectors disjoint')


def _capabilities_of_every_version(t, errors, warnings):
    """Capability errors that hold on every RouterOS version (and the cloud's limits) fail here; the ones that depend
    on the version are checked against the router's version in apply."""
    v6 = _capability_issues(t, '6.49')
    keys6 = {(i['field'], str(i['value']), i['severity']) for i in v6}
    for issue in _capability_issues(t, '7.0'):
        if (issue['field'], str(issue['value']), issue['severity']) not in keys6:
            continue
        if issue['severity'] == 'warning':
            warnings.append(f'{t["where"]}: {issue["field"]}: {issue["message"]}')
            continue
        if issue['severity'] != 'error':
            continue
        allowed = sorted(set(cloudlib.routeros_values(issue['field'], '7.0') or ()) | set(cloudlib.routeros_values(issue['field'], '6.49') or ()))
        line = f'{t["where"]}: {issue["field"]}: {issue["value"]!r}: {issue["message"]}'
        if allowed and issue['message'].startswith('RouterOS'):   # a cloud's limit lists what the cloud accepts
            line += f'; allowed by RouterOS: {_allowed_text(allowed)}'
        elif issue['field'] in cloudlib.ALGORITHM_FIELDS:
            accepted = [cloudlib.to_routeros(t['cloud'], issue['field'], c) for c in cloudlib.accepted(t['cloud'], issue['field'])]
            line += f'; allowed by {t["cloud"]} (RouterOS names): {_allowed_text([a for a in accepted if a])}'
        errors.append(line)


def _compare_cloud_side(t, errors, warnings, mismatches):
    """With ``cloud_side``: the field-by-field comparison of both ends (kept in ``t['comparison']`` for the diagnosis)."""
    t['comparison'] = None
    if t['cloud_side'] is None:
        return
    try:
        cloud_params = cloudlib.normalise_cloud_side(t['cloud'], t['cloud_side'])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        errors.append(f'{t["where"]}: cloud_side: cannot read it as {t["cloud"]} API output: {str(exc).strip(chr(39))}')
        return
    report = cloudlib.compare_report(t['router_params'], cloud_params)
    t['comparison'] = report
    for m in report['mismatches']:
        mismatches.append({'tunnel': t['name'], 'field': m['field'], 'router_value': m['router_value'], 'cloud_value': m['cloud_value'],
                           'severity': m['severity'], 'error_class': m['error_class'], 'error_it_would_cause': m['error_it_would_cause'],
                           'message': m['message']})
        if m['severity'] != 'error':
            warnings.append(f'{t["where"]}: {m["field"]}: {m["message"]}')


def preflight(params):
    """Everything that needs no router. Returns ``{'failed'?, 'msg'?, 'tunnels': [...], 'mismatches', 'warnings',
    '_resolved': [tunnel dicts]}``; ``_resolved`` is internal (dropped from results)."""
    errors, warnings, mismatches = [], [], []
    raw_list = params['tunnels']
    if not raw_list:
        errors.append('tunnels: a non-empty list of tunnel dicts is required')
    resolved = [_resolve_one(i, raw, errors, warnings) for i, raw in enumerate(raw_list)]
    for option in ('rollback_on_failure',) + (('mode',) if params.get('mode') == 'rollback' else ()):
        if params.get(option) and not params.get('backup_dir'):
            errors.append(f'{option}: {params[option]!r} needs backup_dir (the directory of the backups on the controller)')
    _across_tunnels(resolved, errors)
    for t in resolved:
        if t is not None and t['state'] == 'present':
            _capabilities_of_every_version(t, errors, warnings)
            _compare_cloud_side(t, errors, warnings, mismatches)
    if params.get('mode') == 'preflight':
        # no router contact: whether the router is behind NAT cannot be told, so the identity warning stands
        warnings += [t['identity_warning'] for t in resolved if t is not None and t['identity_warning']]
    out_tunnels = [_tunnel_view(t) for t in resolved if t is not None]
    for view in out_tunnels:
        # per tunnel too (the interface's tunnels[].warnings), besides the task's warnings
        view['warnings'] = [w for w in warnings if w.startswith(f'tunnel {view["name"]!r}:')]
    result = {'changed': False, 'tunnels': out_tunnels, 'mismatches': mismatches, 'warnings': warnings, '_resolved': resolved}
    hard = [m for m in mismatches if m['severity'] == 'error']
    if errors:
        result.update(failed=True, msg='invalid tunnels input, nothing was done (no connection to the router):\n' + '\n'.join(errors),
                      errors=errors)
    elif hard:
        lines = [f'tunnel {m["tunnel"]!r}: {m["field"]}: router {m["router_value"]}, cloud {m["cloud_value"]}: {m["message"]}; '
                 f'would cause {m["error_it_would_cause"]}' for m in hard]
        result.update(failed=True, msg='the router and cloud settings differ, nothing was done (no connection to the router):\n'
                      + '\n'.join(lines), mismatch_lines=lines)
    return result


def _tunnel_view(t):
    """Resolved parameters (no psk) and the cloud sheet."""
    view = {'name': t['name'], 'state': t['state'], 'changed': False, 'objects': [], 'warnings': []}
    if t['state'] != 'present':
        view['parameters'] = {'cloud': t['cloud'], 'state': 'absent'}
        return view
    ike = dict(t['ike'], lifetime=format_seconds(t['ike']['lifetime']))
    esp = dict(t['esp'], lifetime=format_seconds(t['esp']['lifetime']))
    view['parameters'] = {
        'cloud': t['cloud'], 'peer_address': t['peer_address'], 'local_subnets': t['local_subnets'], 'remote_subnets': t['remote_subnets'],
        'selectors': [list(p) for p in t['pairs']], 'ike': ike, 'esp': esp, 'local_id': t['local_id'], 'remote_id': t['remote_id'],
        'public_address': t['public_address'], 'nat_bypass': t['nat_bypass'], 'fasttrack_bypass': t['fasttrack_bypass'],
        'verify': t['verify'], 'state': 'present'}
    sheet_params = {k: v for k, v in t['router_params'].items() if k != 'psk'}
    try:
        view['cloud_sheet'] = cloudlib.render_cloud_sheet(t['cloud'], sheet_params)
    except (ValueError, KeyError) as exc:
        view['cloud_sheet'] = {'cloud': t['cloud'], 'error': str(exc)}
    # Both ends from one definition: what the cloud's connection module is given (no PSK) for the role's cloud steps.
    connection = cloudlib.connection_options(t['cloud'], t['name'], view['cloud_sheet'], t['public_address'])
    if connection is not None:
        view['cloud_connection'] = connection
    return view


# ---------------------------------------------------------------------------------------------
# Router objects
# ---------------------------------------------------------------------------------------------

def _objects(t, update_secret):
    """The engine entries (menu option names) of one tunnel: {menu key: [params]}; each carries ``adopt``."""
    objects = _tunnel_objects(t, update_secret)
    for entries in objects.values():
        for entry in entries:
            entry['adopt'] = t['adopt']
    return objects


def _tunnel_objects(t, update_secret):
    name = t['name']
    if t['state'] == 'absent':
        return {'profile': [{'name': name, 'state': 'absent'}], 'proposal': [{'name': name, 'state': 'absent'}],
                'peer': [{'name': name, 'state': 'absent'}], 'identity': [{'peer': name, 'state': 'absent'}],
                'policy': [], 'nat': [], 'raw': []}
    ike, esp = t['ike'], t['esp']
    profile = {'name': name, 'hash_algorithm': ike['hash'], 'enc_algorithm': ike['encryption'], 'dh_group': ike['dh_group'],
               'lifetime': format_seconds(ike['lifetime']), 'nat_traversal': True}
    if ike.get('prf'):
        profile['prf_algorithm'] = ike['prf']
    comment = OWNER_PREFIX + name
    return {
        'profile': [profile],
        'proposal': [{'name': name, 'auth_algorithms': esp['auth'], 'enc_algorithms': esp['encryption'], 'pfs_group': esp['pfs_group'],
                      'lifetime': format_seconds(esp['lifetime'])}],
        'peer': [{'name': name, 'address': t['peer_address'], 'profile': name,
                  'exchange_mode': 'ike2' if ike['version'] == 2 else ike['exchange_mode'], 'passive': False}],
        'identity': [{'peer': name, 'auth_method': 'pre-shared-key', 'secret': t['psk'], 'my_id': t['local_id'],
                      'remote_id': t['remote_id'], 'generate_policy': 'no', 'update_secret': update_secret}],
        'policy': [{'peer': name, 'src_address': s, 'dst_address': d, 'tunnel': True, 'action': 'encrypt', 'proposal': name}
                   for s, d in t['pairs']],
        'nat': [{'src_address': s, 'dst_address': d, 'comment': comment} for s, d in t['pairs']] if t['nat_bypass'] else [],
        'raw': ([{'src_address': s, 'dst_address': d, 'comment': comment} for s, d in t['pairs']]
                + [{'src_address': d, 'dst_address': s, 'comment': comment} for s, d in t['pairs']]) if t['fasttrack_bypass'] else [],
    }


MENUS = (('profile', PROFILE), ('proposal', PROPOSAL), ('peer', PEER), ('identity', IDENTITY), ('policy', POLICY), ('nat', NAT), ('raw', RAW))
SPECS_BY_PATH = {spec.path: spec for _key, spec in MENUS}     # dependency order (the backup and rollback order)


def _true(value):
    return value is True or str(value).lower() in ('true', 'yes')


def _short_label(label):
    return label.split(' ', 1)[1] if ' ' in label else label


def _validate_entries(session, resolved, update_secret):
    """Stage 1, before any print of a menu: the version-dependent capability checks and the engine's validation of
    every entry. Returns ``{menu key: [(tunnel, entry)]}``; raises RouterError listing every problem."""
    router, vtext = session.router, session.version
    errors = []
    for t in resolved:
        if t['state'] != 'present':
            continue
        for issue in _capability_issues(t, vtext):
            if issue['severity'] == 'error':
                errors.append(f'{_issue_line(t, issue, vtext)} (router {router} runs RouterOS {vtext})')
    entries = {key: [] for key, _spec in MENUS}
    for t in resolved:
        for key, spec in MENUS:
            for obj in _objects(t, update_secret)[key]:
                try:
                    entries[key].append((t, validate_entry(session, spec, obj)))
                except RouterError as exc:
                    for text in exc.details.get('errors') or [exc.msg]:
                        errors.append(f'{t["where"]}: {spec.kind}: {text}')
    if errors:
        raise RouterError(f'router {router} (RouterOS {vtext}): invalid tunnels input, nothing was changed:\n' + '\n'.join(dict.fromkeys(errors)),
                          router=router, routeros_version=vtext, step='validate', errors=list(dict.fromkeys(errors)))
    return entries


def _stale_owner(key, row, by_name):
    """The tunnel a row of ours belongs to (policies of peer=<tunnel> with our mark, or of a tunnel that adopts its
    entries; firewall rules marked vpclink:<tunnel>), else None. A row that is not ours is never stale."""
    if key == 'policy':
        owner = row.get('peer')
        protected = _true(row.get('template')) or _true(row.get('dynamic')) or _true(row.get('default'))
        if owner in by_name and not (is_ours(row) or by_name[owner]['adopt']):
            return None
    elif key in ('nat', 'raw'):
        comment = str(row.get('comment') or '')
        owner = comment[len(OWNER_PREFIX):].split(' ', maxsplit=1)[0] if comment.startswith(OWNER_PREFIX) else None
        protected = _true(row.get('dynamic')) or _true(row.get('builtin'))
    else:
        return None
    return owner if owner in by_name and not protected else None


def _read_menus(session, resolved, entries, sources):
    """One print per menu: our entries by key, plus the rows that decide ownership and conflicts (adoption.extra_selections)."""
    names = [t['name'] for t in resolved]
    need_raw = any(t['state'] == 'absent' or t['fasttrack_bypass'] for t in resolved)
    adding = adoption.extra_selections(resolved, sources)
    rows_by_menu = {}
    for key, spec in MENUS:
        mine = [e for _t, e in entries[key]]
        if key == 'raw' and not need_raw:
            continue
        extra, props = list(adding.get(key, [])), ()
        if key == 'policy':
            extra = [{'peer': n} for n in names] + extra
            props = POLICY_RUNTIME
        elif key in ('nat', 'raw'):
            extra = [{'chain': spec.by_name['chain'].fixed}]
        elif key == 'identity':
            extra = [{'peer': n} for n in names] + extra
        if key == 'peer':
            props = ('passive', 'exchange-mode', 'address', 'profile')
        if not mine and not extra:
            continue
        rows_by_menu[key] = fetch(session, spec, mine, extra_selections=extra, extra_props=props,
                                  label=f'{spec.kind} entries of tunnels {", ".join(names)}')
    return rows_by_menu


def _plan_all(session, resolved, entries, check_mode, diff, warn):
    """Stage 2: read (one print per menu), then check ownership and conflicts for every tunnel and plan every entry and
    each stale entry of ours. Nothing is written here; every problem the configuration shows is reported at once.
    Returns ``(plans, rows_by_menu)``; a plan is ``(tunnel name, spec, plan)``."""
    by_name = {t['name']: t for t in resolved}
    sources = adoption.read_sources(session, resolved)
    rows_by_menu = _read_menus(session, resolved, entries, sources)
    problems = adoption.conflicts(session, resolved, rows_by_menu, sources)
    for t in resolved:
        mine = [(key, e) for key, _spec in MENUS for owner, e in entries[key] if owner is t]
        problems += adoption.assign(session.router, t, mine, rows_by_menu, sources.get(t['name']))
    plans = []
    for key, spec in MENUS:
        rows = rows_by_menu.get(key)
        if rows is None:
            continue
        wanted = []
        for t, entry in entries[key]:
            try:
                plans.append((t['name'], spec, plan_entry(session, spec, entry, rows, check_mode=check_mode, diff=diff, warn=warn,
                                                          references=False)))
            except RouterError as exc:
                if exc.details.get('step') != 'ownership':
                    raise
                problems.append(exc.msg)
            wanted.append(entry)
        for row in _stale_rows(key, spec, rows, wanted, by_name, sources, session.version_tuple):
            owner = row['_owner']
            label = '{} {}'.format(spec.kind, ' '.join(f'{k}={row.get(k)}' for k in spec.keys if k in row))
            plans.append((owner, spec, plan_remove(session, spec, {k: v for k, v in row.items() if k != '_owner'}, label, diff=diff)))
    if problems:
        raise RouterError(f'router {session.router}: the router\'s configuration conflicts with the tunnels; nothing was changed:\n'
                          + '\n'.join(dict.fromkeys(problems)), router=session.router, step='ownership', errors=list(dict.fromkeys(problems)))
    return plans, rows_by_menu


def _stale_rows(key, spec, rows, wanted, by_name, sources, version):
    """Rows of ours (or of an adopted tunnel) that no wanted entry keeps: removed. Each gets ``_owner``."""
    kept = {e['adopt_row'].get('.id') for e in wanted if e.get('adopt_row') is not None}
    out = []
    for row in rows:
        owner = _stale_owner(key, row, by_name)
        if key == 'policy' and owner is None:
            owner = next((n for n, s in sources.items() if row.get('peer') == s['name'] and not _true(row.get('template'))), None)
        if owner is None or row.get('.id') in kept or any(key_matches(spec, row, e['desired'], version) for e in wanted):
            continue
        out.append(dict(row, _owner=owner))
    return out


def _apply_all(session, plans, names, check_mode, journal=None):
    """Stage 3: removals in reverse dependency order, then creates/updates in dependency order; each applied change goes
    to the backup ``journal`` (saved again after the writes, also when one failed).
    Returns ``(objects by tunnel, commands, diffs)``."""
    try:
        return _apply_in_order(session, plans, names, check_mode, journal)
    except RouterError as exc:
        if journal is None or not journal.record['changes']:
            raise
        raise RouterError(f'{exc.msg} What this run wrote before it is recorded in {journal.directory}; playbooks/rollback.yml '
                          '(mode: rollback) puts it back.', **exc.details) from None
    finally:
        if journal is not None:
            journal.save()


def _apply_in_order(session, plans, names, check_mode, journal):
    order = {spec.path + spec.kind: i for i, (_key, spec) in enumerate(MENUS)}
    removals = sorted([p for p in plans if p[2]['result'].get('action') == 'deleted'], key=lambda p: -order[p[1].path + p[1].kind])
    others = [p for p in plans if p[2]['result'].get('action') != 'deleted']
    objects_by_tunnel = {n: [] for n in names}
    commands, diffs = [], []
    for owner, spec, plan in removals + others:
        res = apply_plan(session, spec, plan, check_mode=check_mode)
        if journal is not None and res.get('changed'):
            journal.add(owner, spec, plan)
        obj = {'menu': spec.path, 'key': _short_label(plan['label']), 'action': res.get('action'), 'id': res.get('id'),
               'changed_properties': res.get('changed_properties', [])}
        if res.get('placement'):
            obj['placement'] = res['placement']
        objects_by_tunnel.setdefault(owner, []).append(obj)
        commands += res.get('commands', [])
        if res.get('changed'):
            diffs.append(res.get('diff'))
    return objects_by_tunnel, commands, diffs


def tunnels_apply(session, params, check_mode=False, diff=False, warn=None, pre=None):
    """``mode: apply`` with one session; ``pre`` is the preflight result (computed when not given)."""
    pre = pre or preflight(params)
    resolved = [t for t in pre['_resolved'] if t is not None]
    for t in resolved:
        if t['psk']:
            session.add_secret(t['psk'])
    vtext = session.version
    _nat_identity_warnings(session, resolved, warn)
    writes0 = session.writes
    entries = _validate_entries(session, resolved, params.get('update_secret') or 'auto')
    plans, rows_by_menu = _plan_all(session, resolved, entries, check_mode, diff, warn)
    names = [t['name'] for t in resolved]
    writing = not check_mode and any(p[2]['ops'] for p in plans)
    journal = rollback.Journal(session, params, plans, SPECS_BY_PATH, tunnel_secrets(params)) if writing and params.get('backup_dir') else None
    was_up = rollback.up_before(session, resolved, _peer) if journal is not None and params.get('rollback_on_failure') else set()
    objects_by_tunnel, commands, diffs = _apply_all(session, plans, names, check_mode, journal)
    writes = session.writes - writes0

    result = {'changed': bool(commands), 'router': session.router, 'routeros_version': vtext, 'tunnels': [], 'commands': commands,
              'mismatches': pre['mismatches'], 'logins': 1}
    if diff:
        result['diff'] = diffs
    if journal is not None:
        result['backup'] = journal.directory
    views = {v['name']: v for v in pre['tunnels']}
    menu_paths = [spec.path for _key, spec in MENUS]
    for t in resolved:
        view = dict(views[t['name']])
        # one entry per object, in dependency order
        view['objects'] = sorted(objects_by_tunnel.get(t['name'], []), key=lambda o: menu_paths.index(o['menu']))
        view['changed'] = any(o['action'] != 'unchanged' for o in view['objects'])
        view['adopted'] = sorted({f"{o['menu']} {o['key']}" for o in view['objects'] if o['action'] == 'adopted'})
        result['tunnels'].append(view)

    if params.get('reinitiate') and not check_mode:
        _reinitiate(session, resolved, result)
    # Stage 4, verify (not in check mode): one poll for all tunnels of the router, in this session.
    if not check_mode:
        _verify(session, resolved, result, rows_by_menu, reuse_policy_rows=(writes == 0), warn=warn)
    if was_up:
        rollback.roll_back_broken(session, resolved, {v['name']: v for v in result['tunnels']}, journal, SPECS_BY_PATH, was_up, _peer)
    # Sentences sent in this session after the login (the version read included).
    result['round_trips'] = session.reads + session.writes
    return result


def _reinitiate(session, resolved, result):
    """``reinitiate``: end the phase 1 of each present tunnel whose entries this run changed, by removing its
    ``/ip/ipsec/active-peers`` rows (the router's IKE SAs with the tunnel's peer address; RouterOS ends the child SAs
    with them), so the router negotiates again at once with the new values and the verify proves those, not SAs that
    were negotiated before the change (MikroTik IPsec manual, Active Peers:
    https://help.mikrotik.com/docs/spaces/ROS/pages/11993097/IPsec#IPsec-ActivePeers)."""
    changed = {view['name'] for view in result['tunnels'] if view['changed']}
    todo = {t['peer_address']: t['name'] for t in resolved if t['state'] == 'present' and t['name'] in changed}
    if not todo:
        return
    views = {view['name']: view for view in result['tunnels']}
    for row in session.print_('/ip/ipsec/active-peers', proplist=('.id', 'remote-address')):
        name = todo.get(health.host(row.get('remote-address')))
        if name is not None:
            session.remove('/ip/ipsec/active-peers', row['.id'], entry=f'active peer of tunnel {name}')
            views[name]['reinitiated'] = True


def tunnels_run(session, params, check_mode=False, diff=False, warn=None, pre=None):
    """The runner's work for ``mode: apply``: apply + verify, then fail (after the changes, which are
    not rolled back) when a verified tunnel is unhealthy and ``fail_on_unhealthy``."""
    pre = pre or preflight(params)
    if params.get('mode') == 'rollback':
        resolved = [t for t in pre['_resolved'] if t is not None]
        for t in resolved:
            session.add_secret(t['psk'])
        return rollback.rollback_last(session, params, resolved, SPECS_BY_PATH, check_mode=check_mode)
    result = tunnels_apply(session, params, check_mode=check_mode, diff=diff, warn=warn, pre=pre)
    _add_sheet(result, pre.get('_sheet'))
    for text in pre['warnings']:
        if warn is not None:
            warn(text)
    down = [t for t in result['tunnels'] if t.get('healthy') is False]
    if down and params.get('fail_on_unhealthy', True):
        lines = []
        for t in down:
            d = t.get('diagnosis') or {}
            lines.append(f"tunnel {t['name']!r}: not healthy: {d.get('title') or 'not established'} (class {d.get('class')}, "
                         f"{'certain' if d.get('certain') else 'probable'}); fix: {d.get('fix')}")
            if t.get('rollback'):
                back = t['rollback']
                lines.append(f"tunnel {t['name']!r}: it was up before the run: this run's changes to it were rolled back from {back['backup']}; "
                             f"after the rollback it is {back['status_after']}")
        result['failed'] = True
        kept = 'some were rolled back, see below' if any(t.get('rollback') for t in down) else 'they are not rolled back'
        result['msg'] = (f'router {session.router}: {len(down)} tunnel(s) not healthy after the changes were applied ({kept}):\n'
                         + '\n'.join(lines))
    return result


def run_preflight(params, warn=None, check_mode=False, diff=False):
    """The runner's pre-connection step: ``(stop, result)``. ``stop`` for ``mode: preflight`` and for any failure.
    When the preflight passes and ``sheet_file`` is given, the cloud sheet is written here, before any connection."""
    pre = preflight(params)
    if not pre.get('failed') and params.get('sheet_file'):
        try:
            pre['_sheet'] = write_sheet(params, pre['tunnels'], check_mode=check_mode, diff=diff)
        except OSError as exc:
            pre.update(failed=True, msg=f'cannot write the cloud sheet {params["sheet_file"]}: {exc.strerror or exc}; '
                                        'check that the directory is writable by the user running Ansible, or set another sheet_file '
                                        '(nothing was done on the router)')
    if pre.get('failed') or params.get('mode') == 'preflight':
        out = {k: v for k, v in pre.items() if k not in ('_resolved', '_sheet')}
        out['logins'] = 0
        out['round_trips'] = 0
        _add_sheet(out, pre.get('_sheet'))
        for text in out.pop('warnings', []):
            if warn is not None:
                warn(text)
        return True, out
    return False, pre


SHEET_HEADER = ('# Cloud-side settings for the tunnels of {router}, written by vpclink.routeros.tunnels (role vpclink.routeros.vpc_tunnel)\n'
                '# from the same inventory that configured the router. The pre-shared key is never written: take it from the vault.\n')


def sheet_text(router, tunnel_views, secrets=()):
    """The cloud sheet file of one router: a header and ``{router, tunnels: {name: cloud_sheet}}`` as YAML (JSON without PyYAML)."""
    data = {'router': router, 'tunnels': {v['name']: v['cloud_sheet'] for v in tunnel_views if v.get('cloud_sheet')}}
    data = json.loads(json.dumps(data))   # plain str/int/list/dict (the controller's values may carry Ansible's tagged types)
    if HAS_YAML:
        body = yaml_dump(data, Dumper=SafeDumper, indent=2, allow_unicode=True, default_flow_style=False, sort_keys=True)
    else:
        body = json.dumps(data, indent=2, sort_keys=True) + '\n'
    text = SHEET_HEADER.format(router=router) + body
    return mask(text, secrets)   # the sheet never holds a PSK (the renderer uses a placeholder)


def write_sheet(params, tunnel_views, check_mode=False, diff=False):
    """Write the cloud sheet to ``params['sheet_file']`` where this code runs (the controller for the action plugin),
    creating directories as needed, only when the content differs. Check mode reports, never writes."""
    path = os.path.abspath(os.path.expanduser(params['sheet_file']))
    text = sheet_text(params.get('sheet_router') or params.get('hostname') or '', tunnel_views, tunnel_secrets(params))
    try:
        with open(path, encoding='utf-8') as fh:
            before = fh.read()
    except FileNotFoundError:
        before = None
    changed = before != text
    if changed and not check_mode:
        write_atomically(path, text)
    out = {'path': path, 'changed': changed}
    if diff and changed:
        out['diff'] = {'before_header': path, 'after_header': path, 'before': before or '', 'after': text}
    return out


def _add_sheet(result, sheet):
    """Report the sheet in a result: ``sheet_file``, ``sheet_changed``, ``changed`` and its diff."""
    if not sheet:
        return
    result['sheet_file'] = sheet['path']
    result['sheet_changed'] = sheet['changed']
    result['changed'] = bool(result.get('changed')) or sheet['changed']
    if sheet.get('diff'):
        if isinstance(result.get('diff'), list):
            result['diff'].insert(0, sheet['diff'])
        else:
            result['diff'] = [sheet['diff']]


def _peer(t):
    return {'name': t['name'], 'address': t['peer_address']}


def _verify(session, resolved, result, rows_by_menu, reuse_policy_rows, warn):
    """Wait (the shared ``info.wait_until_up``: one poll for all tunnels of the router, in this session) until
    every verified tunnel is up or its ``verify.timeout`` passed, then report each with ``health.tunnel_health``."""
    todo = [t for t in resolved if t['state'] == 'present' and t['verify']['enabled']]
    if not todo:
        return
    policy_rows = rows_by_menu.get('policy') if reuse_policy_rows else None
    peers, timeouts = {t['name']: _peer(t) for t in todo}, {t['name']: t['verify']['timeout'] for t in todo}
    interval = min(t['verify']['interval'] for t in todo)
    rows, result['polls'], result['waited'] = info.wait_until_up(session, peers, timeouts, interval, policy_rows=policy_rows)
    # verify.rekey: one flush for the router (it cannot be limited to one peer), then every tunnel that was up is waited for again
    rekey = [t['name'] for t in todo if t['verify']['rekey']]
    # the flush takes every tunnel's SAs: each verified tunnel with a ping gets one packet after it
    probes = [t['verify']['ping'] for t in todo if t['verify']['ping']]
    rows, polls, waited, rekeyed = info.rekey_and_wait(session, peers, rekey, timeouts, interval, rows, probes)
    result['polls'], result['waited'] = result['polls'] + polls, round(result['waited'] + waited, 2)
    once = {}     # the log and the srcnat rules, each read at most once, only for a tunnel that needs a diagnosis
    views = {v['name']: v for v in result['tunnels']}
    for t in todo:
        _report_tunnel(session, t, views[t['name']], rows, resolved, once, forced=t['name'] in rekeyed)


def _verify_ping(session, probe):
    try:
        return info.ping(session, probe)
    except RouterError as exc:
        if 'not enough permissions' in str(exc.details.get('routeros_message') or ''):
            # without the "test" policy no probe can run: a working tunnel would be reported down; stop with the cause instead
            raise RouterError(f'{exc.msg} The changes are applied; verify.ping needs it (or remove verify.ping from the tunnel).',
                              **exc.details) from None
        return {'sent': 0, 'received': 0, 'error': exc.msg}


def _report_tunnel(session, t, view, rows, resolved, once, forced=False):
    """Fill ``view`` with the tunnel's health (and ping it when it is up and a ping is asked), with the outcome of its
    rekey when ``verify.rekey`` (``forced``: its SAs were flushed); diagnose it when it is not healthy."""
    mine_active, mine_pol, mine_sa = health.rows_of(_peer(t), *rows)
    ping = None
    if t['verify']['ping'] and health.tunnel_health(mine_active, mine_pol, mine_sa)['status'] == health.UP:
        ping = _verify_ping(session, t['verify']['ping'])
    verdict = health.tunnel_health(mine_active, mine_pol, mine_sa, ping)
    phase1 = health.phase1_row(mine_active) or {}
    view['phase1'] = {'state': phase1.get('state'), 'uptime': phase1.get('uptime'), 'natt': _true(phase1.get('natt-peer')),
                      'remote_address': phase1.get('remote-address')}
    view['phase2'] = [{'src': p.get('src-address'), 'dst': p.get('dst-address'), 'ph2_state': p.get('ph2-state')} for p in mine_pol]
    view['sas'] = dict(verdict['sas'], count=len(mine_sa),
                       algorithms=sorted({'{}/{}'.format(s.get('enc-algorithm'), s.get('auth-algorithm')) for s in mine_sa}))
    if ping is not None:
        view['ping'] = {k: ping[k] for k in ('sent', 'received', 'error') if k in ping}
    view.update(healthy=verdict['healthy'], status=verdict['status'], down_selectors=verdict['down_selectors'], reason=verdict['reason'])
    if t['verify']['rekey']:
        view['rekey'], view['reason'] = info.rekey_result(verdict, forced)
    if verdict['healthy']:
        return
    if 'log' not in once:
        once['log'] = info.ipsec_log(session)
    state = {'active_peers': mine_active, 'policies': mine_pol, 'installed_sa': mine_sa,
             'peers': [{'name': t['name'], 'address': t['peer_address'], 'disabled': 'false'}],
             'identities': [{'peer': t['name'], 'disabled': 'false'}], 'rekey': view.get('rekey')}
    if ping is not None:
        if 'nat' not in once:
            once['nat'] = info.srcnat_rules(session)
        state['ping'] = {'sent': ping['sent'], 'received': ping['received']}
        state['nat'] = once['nat']
    others = {x['peer_address'] for x in resolved if x['peer_address'] and x['name'] != t['name']}
    other_names = {x['name'] for x in resolved if x['name'] != t['name']}
    lines = info.log_for(once['log'], _peer(t), others, other_names)
    outcome = diagnose(state=state, router_log=lines, comparison=t.get('comparison'), secrets=[t['psk']] if t['psk'] else None)
    view['diagnosis'] = info.diagnosis_view(outcome)
