# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``ipsec_info``: read the runtime state of the IPsec tunnels, optionally wait and probe, diagnose.

Read-only: only ``print`` and ``/ping`` are sent (never a write), ``changed`` is always false.

Sources (reference routeros-api-ipsec-semantics.md §2.9-§2.11, §3; cloud-side-and-diagnosis.md §9-§10):

* phase 1: ``/ip/ipsec/active-peers`` (6.49 lacks ``id``, ``spii``, ``spir``, ``port``: the proplist
  is chosen per version, §2.13), matched to a peer by ``remote-address``;
* phase 2: ``/ip/ipsec/policy`` runtime fields ``active``, ``ph2-state``, ``ph2-count``;
* SAs: ``/ip/ipsec/installed-sa`` without the key material (``enc-key``/``auth-key`` never read);
* log: ``/log`` rows whose ``topics`` contain ``ipsec``; ``time`` is returned as RouterOS prints it
  (v7 ``YYYY-MM-DD HH:MM:SS`` or ``HH:MM:SS`` today, v6 ``mmm/dd HH:MM:SS`` or ``HH:MM:SS``, §3.2);
* the identity secret is never read (it is not in any proplist), so it cannot reach the output.

Waiting (``wait_for: established``) polls within the ONE session of the run (DESIGN rule 8): each
poll is three prints (active-peers, policy, installed-sa); configuration (peers, identities) is read
once. The deadline is absolute (monotonic clock); a sleep never runs past it, so the run ends within
``wait_timeout`` plus one poll (each read itself is bounded by the API ``timeout``).
"""

from __future__ import annotations

import ipaddress
import re
import time

from ansible_collections.vpclink.routeros.plugins.module_utils.api import RouterError
from ansible_collections.vpclink.routeros.plugins.module_utils.diagnose import diagnose
from ansible_collections.vpclink.routeros.plugins.module_utils.rule_match import MATCHERS

V7 = (7, 0, 0)

PEER_PROPS = ['.id', 'name', 'address', 'local-address', 'exchange-mode', 'passive', 'profile', 'disabled', 'dynamic']
IDENTITY_PROPS = ['.id', 'peer', 'auth-method', 'my-id', 'remote-id', 'disabled', 'dynamic']   # never 'secret'/'password'
POLICY_PROPS = ['.id', 'peer', 'src-address', 'dst-address', 'tunnel', 'action', 'proposal', 'active', 'ph2-state', 'ph2-count',
                'sa-src-address', 'sa-dst-address', 'disabled', 'invalid', 'dynamic', 'template', 'default']
ACTIVE_PEER_PROPS = {6: ['.id', 'local-address', 'remote-address', 'state', 'side', 'uptime', 'last-seen', 'ph2-total', 'responder',
                         'natt-peer', 'rx-bytes', 'tx-bytes', 'rx-packets', 'tx-packets'],
                     7: ['.id', 'id', 'local-address', 'remote-address', 'port', 'state', 'side', 'uptime', 'last-seen', 'ph2-total',
                         'responder', 'natt-peer', 'spii', 'spir', 'rx-bytes', 'tx-bytes', 'rx-packets', 'tx-packets']}
SA_PROPS = ['.id', 'spi', 'src-address', 'dst-address', 'state', 'auth-algorithm', 'enc-algorithm', 'enc-key-size', 'add-lifetime',
            'addtime', 'expires-in', 'current-bytes', 'current-packets', 'seen-traffic']   # never enc-key/auth-key
LOG_PROPS = ['.id', 'time', 'topics', 'message']
# Every matcher: the diagnosis must see what limits an accept rule (protocol, ports, ...) before it trusts it.
NAT_PROPS = ['.id'] + list(MATCHERS)

NOT_CONFIGURED_FIX = ('Configure the tunnel first: /ip/ipsec/profile, proposal, peer, identity and policy (the vpclink.routeros '
                      'ipsec_* modules, or the vpc_tunnel role), then run ipsec_info again.')


def info_argument_spec():
    return dict(
        peer=dict(type='str'),
        wait_for=dict(type='str', choices=['established']),
        wait_timeout=dict(type='int', default=60),
        wait_interval=dict(type='float', default=2.0),
        ping=dict(type='dict', options=dict(
            src_address=dict(type='str', required=True),
            address=dict(type='str', required=True),
            count=dict(type='int', default=3),
        )),
        log_lines=dict(type='int', default=50),
        cloud_log=dict(type='list', elements='str'),
        cloud_side=dict(type='raw'),
    )


def _true(value):
    return value is True or str(value).lower() in ('true', 'yes')


def _host(text):
    """``203.0.113.9/32`` / ``203.0.113.9[4500]`` / ``203.0.113.9`` -> ``203.0.113.9``."""
    text = str(text or '').split('[', 1)[0].split('/', 1)[0].strip()
    return text


def _net(text):
    try:
        return ipaddress.ip_network(str(text), strict=False)
    except ValueError:
        return None


def _ip(text, label):
    try:
        return str(ipaddress.ip_address(str(text).strip()))
    except ValueError:
        raise ValueError(f'{label}: {text!r} is not an IP address') from None


def _runtime(session, version):
    major = 7 if tuple(version) >= V7 else 6
    peers = session.print_('/ip/ipsec/active-peers', proplist=ACTIVE_PEER_PROPS[major])
    policies = [p for p in session.print_('/ip/ipsec/policy', proplist=POLICY_PROPS) if not _true(p.get('template'))]
    sas = session.print_('/ip/ipsec/installed-sa', proplist=SA_PROPS)
    return peers, policies, sas


def _tunnel_state(peer, active, policies, sas):
    host = _host(peer.get('address'))
    mine_active = [row for row in active if _host(row.get('remote-address')) == host]
    mine_pol = [row for row in policies if row.get('peer') == peer.get('name')]
    mine_sa = [row for row in sas if host in (_host(row.get('src-address')), _host(row.get('dst-address')))]
    return mine_active, mine_pol, mine_sa


def _established(active, policies, sas):
    if not any(row.get('state') == 'established' for row in active):
        return False
    enabled = [p for p in policies if not _true(p.get('disabled'))]
    if enabled and not all(p.get('ph2-state') == 'established' for p in enabled):
        return False
    return len([s for s in sas if s.get('state', 'mature') == 'mature']) >= 2


def _ping(session, probe):
    """``/ping`` streams one ``!re`` per probe (and RouterOS adds running totals ``sent``/``received``)."""
    words = [f"=address={probe['address']}", f"=src-address={probe['src_address']}", f"=count={probe.get('count') or 3}"]
    rows = session.command('/ping', words, entry=f"ping {probe['src_address']} -> {probe['address']}")
    sent = received = 0
    for row in rows:
        if 'sent' in row or 'received' in row:
            sent = max(sent, int(row.get('sent') or 0))
            received = max(received, int(row.get('received') or 0))
    if not sent:
        sent = len(rows)
        received = len([r for r in rows if r.get('time') not in (None, '') and not r.get('status')])
    return {'src_address': probe['src_address'], 'address': probe['address'], 'sent': sent, 'received': received,
            'success': received > 0}


_IPV4 = re.compile(r'(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?![\w.]*\d)')
# "... for peer: <name>" / "peer: <name>": RouterOS naming a configured peer (not an ADDR4:/FQDN: identity)
_PEER_NAME = re.compile(r'\bpeer:\s*(?![A-Z0-9_]+:)([^\s,;\]]+)')


def _names(message, name):
    """True when ``name`` stands in ``message`` as a whole name (``vpc`` is not in ``vpc-gz``)."""
    return bool(name) and re.search(r'(?<![\w.-])' + re.escape(name) + r'(?![\w-]|\.\w)', message) is not None


def _log_for(rows, peer, other_hosts, other_names=()):
    """The log rows about ``peer``, each with ``attribution``: how the line names the peer.

    A line belongs to a peer only by what it says (reference routeros-api-ipsec-semantics §3.3): the
    peer's name (``initiator can't find identity for peer: <name>``), its remote address or its
    ``local-address`` -> ``attribution`` ``'name'`` or ``'address'``. A line naming another peer (by
    name, by address, or a ``peer: <name>`` that is not this one) or only addresses that are not this
    peer's is left out. A line naming no peer and no address at all (``got fatal error: ...``,
    ``no suitable proposal found.``) may be about any peer: it is kept with ``attribution`` None, and
    the diagnosis ranks it but never lets it decide alone."""
    host = _host(peer.get('address'))
    own = {h for h in (host, _host(peer.get('local-address'))) if h and h not in ('0.0.0.0', '::')}
    name = str(peer.get('name') or '')
    others = {h for h in other_hosts or () if h} - own
    other_names = {str(n) for n in other_names or () if n and str(n) != name}
    picked = []
    for row in rows:
        message = str(row.get('message', ''))
        addresses = set(_IPV4.findall(message))
        named = {m.group(1) for m in _PEER_NAME.finditer(message)}
        if _names(message, name):
            attribution = 'name'
        elif addresses & own or any(h in message for h in own if ':' in h):
            attribution = 'address'
        elif named or addresses or any(_names(message, n) for n in other_names) or any(h in message for h in others):
            continue            # about another peer (or a stranger): never this peer's evidence
        else:
            attribution = None
        picked.append(dict(row, attribution=attribution))
    return picked


def _diagnosis(result):
    keys = ('class', 'phase', 'title', 'certain', 'evidence', 'fix', 'candidates', 'stage', 'notes')
    return {k: result.get(k) for k in keys}


# Public names for the composite ``tunnels`` module (same readings, same diagnosis shape).
tunnel_state = _tunnel_state
ping = _ping
log_for = _log_for
diagnosis_view = _diagnosis


def ipsec_info(session, params, check_mode=False, diff=False, warn=None):
    """Read (and optionally wait for) the tunnels; see the module docstring. Never writes."""
    router = session.router
    version = session.version_tuple
    vtext = session.version
    errors = []
    interval = params.get('wait_interval') if params.get('wait_interval') is not None else 2.0
    wait_timeout = params.get('wait_timeout') if params.get('wait_timeout') is not None else 60
    if interval <= 0:
        errors.append(f'wait_interval: {interval!r} must be > 0 seconds')
    if wait_timeout < 0:
        errors.append(f'wait_timeout: {wait_timeout!r} must be >= 0 seconds')
    probe = params.get('ping')
    if probe:
        try:
            probe = dict(probe, src_address=_ip(probe['src_address'], 'ping.src_address'), address=_ip(probe['address'], 'ping.address'))
        except ValueError as exc:
            errors.append(str(exc))
        if not 1 <= int(probe.get('count') or 3) <= 100:
            errors.append('ping.count: must be 1..100')
    if errors:
        raise RouterError('router {}: ipsec_info: invalid input, nothing was read: {}'.format(router, '; '.join(errors)),
                          router=router, step='validate', routeros_version=vtext)

    started = time.monotonic()
    reads0 = session.reads
    name = params.get('peer')
    # every peer is read (one print either way): a log line naming another peer must not be attached to this one
    all_peers = session.print_('/ip/ipsec/peer', proplist=PEER_PROPS)
    peers = [p for p in all_peers if not _true(p.get('dynamic')) and (not name or p.get('name') == name)]
    identities = session.print_('/ip/ipsec/identity', proplist=IDENTITY_PROPS)
    result = {'changed': False, 'router': router, 'routeros_version': vtext, 'tunnels': [], 'polls': 0, 'waited': 0.0}

    active, policies, sas = _runtime(session, version)
    result['polls'] = 1
    timed_out = False
    if params.get('wait_for') == 'established' and peers:
        deadline = started + wait_timeout
        while not all(_established(*_tunnel_state(p, active, policies, sas)) for p in peers if not _true(p.get('disabled'))):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            time.sleep(min(interval, remaining))
            active, policies, sas = _runtime(session, version)
            result['polls'] += 1
        result['waited'] = round(time.monotonic() - started, 2)

    ping_result = None
    if probe:
        try:
            ping_result = _ping(session, probe)
        except RouterError as exc:
            # The probe could not run (no /ping, no permission): report it, keep the readings.
            result['ping'] = {'src_address': probe['src_address'], 'address': probe['address'], 'error': exc.msg}
            if warn is not None:
                warn(f'ping could not run, the data path was not probed: {exc.msg}')
        else:
            result['ping'] = ping_result
    nat_rows = session.print_('/ip/firewall/nat', proplist=NAT_PROPS, query={'chain': 'srcnat'}) if probe else None
    log_rows = [r for r in session.print_('/log', proplist=LOG_PROPS) if 'ipsec' in str(r.get('topics', '')).split(',')]
    log_rows = log_rows[-max(int(params.get('log_lines') or 0), 0):] if params.get('log_lines') else []
    result['log'] = [{'time': r.get('time'), 'topics': r.get('topics'), 'message': r.get('message')} for r in log_rows]
    secrets = []

    hosts = {_host(p.get('address')) for p in all_peers}
    peer_names = {str(p.get('name')) for p in all_peers if p.get('name')}
    for peer in peers:
        mine_active, mine_pol, mine_sa = _tunnel_state(peer, active, policies, sas)
        tunnel_ping = None
        if ping_result is not None:
            src, dst = ipaddress.ip_address(ping_result['src_address']), ipaddress.ip_address(ping_result['address'])
            for pol in mine_pol:
                snet, dnet = _net(pol.get('src-address')), _net(pol.get('dst-address'))
                if snet is not None and dnet is not None and src in snet and dst in dnet:
                    tunnel_ping = ping_result
        state = {'active_peers': mine_active, 'policies': mine_pol, 'installed_sa': mine_sa, 'peers': [peer],
                 'identities': [i for i in identities if i.get('peer') == peer.get('name')]}
        if tunnel_ping is not None:
            state['ping'] = {'sent': tunnel_ping['sent'], 'received': tunnel_ping['received']}
            state['nat'] = nat_rows
        lines = _log_for(log_rows, peer, hosts - {_host(peer.get('address'))}, peer_names - {str(peer.get('name'))})
        outcome = diagnose(state=state, router_log=lines, cloud_log=params.get('cloud_log'), comparison=params.get('cloud_side'),
                           secrets=secrets)
        phase1 = mine_active[0] if mine_active else None
        tunnel = {
            'peer': peer.get('name'), 'address': peer.get('address'), 'disabled': _true(peer.get('disabled')),
            'healthy': outcome.get('healthy') is True,
            'phase1': {'state': phase1.get('state') if phase1 else None, 'established': bool(phase1 and phase1.get('state') == 'established'),
                       'active_peer': phase1},
            'phase2': [{k: p.get(k) for k in ('.id', 'src-address', 'dst-address', 'ph2-state', 'active', 'ph2-count', 'disabled') if k in p}
                       for p in mine_pol],
            'installed_sa': mine_sa,
            'log': [{'time': r.get('time'), 'topics': r.get('topics'), 'message': r.get('message')} for r in lines],
        }
        if tunnel_ping is not None:
            tunnel['ping'] = tunnel_ping
        if not tunnel['healthy']:
            tunnel['diagnosis'] = _diagnosis(outcome)
        result['tunnels'].append(tunnel)

    if not peers:
        what = f'no peer named {name!r}' if name else 'no IPsec peer'
        result['tunnels'].append({'peer': name, 'address': None, 'disabled': False, 'healthy': False, 'phase1': {'state': None, 'established': False,
                                  'active_peer': None}, 'phase2': [], 'installed_sa': [], 'log': result['log'],
                                  'diagnosis': {'class': 'not_configured', 'phase': 'config', 'title': f'{what} is configured',
                                                'certain': True, 'evidence': [f'/ip/ipsec/peer on router {router}: {what}'],
                                                'fix': NOT_CONFIGURED_FIX, 'candidates': [], 'stage': 'config', 'notes': []}})
    if ping_result is not None and peers and not any('ping' in t for t in result['tunnels']) and warn is not None:
        warn(f"ping {ping_result['src_address']} -> {ping_result['address']}: no policy of the reported tunnels covers this pair, "
             'so the probe is not counted for any tunnel')
    result['healthy'] = all(t['healthy'] for t in result['tunnels'])
    result['timed_out'] = timed_out
    result['round_trips'] = session.reads - reads0
    if timed_out:
        down = [t for t in result['tunnels'] if not t['healthy']]
        causes = '; '.join('{}: {} ({})'.format(t['peer'], (t.get('diagnosis') or {}).get('title') or 'not established',
                                                (t.get('diagnosis') or {}).get('class')) for t in down)
        result['failed'] = True
        result['msg'] = (f'router {router}: IPsec tunnel(s) not established within wait_timeout={wait_timeout} s '
                         f'({result["polls"]} polls): {causes}. See tunnels[].diagnosis.fix for the next step.')
    return result
