# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fleet report: one record per router of the play -> one report dict -> three files.

Stages, one function each:

1. ``build_report(routers, playbook, secrets=(), generated=None)`` -- validate the per-router records,
   turn every tunnel into the report's shape, mask secrets, count the totals. The shape is part of
   the collection's interface (CI jobs and dashboards read it)::

    {"generated": "2026-12-02T07:00:00+00:00",          # ISO-8601, UTC
     "playbook": "site.yml",
     "routers": [{"name": "r1", "status": "ok" | "failed" | "unreachable" | "not_run", "message": "...",
                  "tunnels": [{"name": "to_vpc", "state": "up" | "partial" | "down" | "not_verified" | "absent",
                               "cause": "...", "fix": "...", "uptime": "1h2m3s" | null, "sas": 2 | null,
                               "ping": {"sent": 3, "received": 3} | null, "bytes": 1234 | null,
                               "down_pairs": ["10.0.1.0/24 -> 172.16.0.0/24"], "adopted": ["/ip/ipsec/peer vpc-gz"]}]}],
     "totals": {"routers": {"total", "ok", "failed", "unreachable", "not_run"},
                "tunnels": {"total", "up", "partial", "down", "not_verified", "absent"}}}

   ``bytes`` (the traffic the tunnel's SAs carried, when the reading has it), ``down_pairs`` (the
   selector pairs whose phase 2 is not established, for a ``partial`` tunnel; empty otherwise) and
   ``adopted`` (the entries this run took over with ``adopt``/``adopt_from``; empty otherwise) are
   always present, so every tunnel has the same keys.
2. Render: ``render_json`` here, ``report_html.render_html`` and ``report_junit.render_junit``.
3. Write: ``report_files.write_report(report, dest)``, the three files, each replaced atomically.

A record is what the role collects per host: ``{'name', 'status', 'message', 'tunnels'}`` (and
``error_kind``, as a failed module returns it: a ``failed`` record whose ``error_kind`` says the API was
never reached, ``api.UNREACHABLE_KINDS``, is reported ``unreachable``), where each
tunnel is either already in the report's shape or a tunnel view as the ``tunnels`` module
(``name``, ``state``, ``healthy``, ``phase1.uptime``, ``sas.count``, ``ping``, ``diagnosis``) or
``ipsec_info`` (``peer``, ``healthy``, ``status``, ``phase1.active_peer``, ``installed_sa``, ``ping``,
``diagnosis``) return it, so the role passes the registered result as it is. What "healthy" means is
decided by those modules; this file only maps their verdict: healthy -> ``up``, unhealthy -> ``down``
(``partial`` when their ``status`` says some selector pairs are up),
no verdict (check mode, ``verify.enabled: false``) -> ``not_verified``, never ``down``.
"""

from __future__ import annotations

import datetime
import json
import re

from ansible_collections.vpclink.routeros.plugins.module_utils.api import UNREACHABLE_KINDS
from ansible_collections.vpclink.routeros.plugins.module_utils.masking import mask, ordered
from ansible_collections.vpclink.routeros.plugins.module_utils.values import parse_duration

ROUTER_STATUSES = ('ok', 'failed', 'unreachable', 'not_run')
TUNNEL_STATES = ('up', 'partial', 'down', 'not_verified', 'absent')
# States that need someone's attention: the HTML page's "needs attention" filter.
ATTENTION = ('failed', 'unreachable', 'not_run', 'partial', 'down', 'not_verified')
# Worst first: the order in which the HTML page sorts its rows by default.
SEVERITY = ('unreachable', 'failed', 'down', 'partial', 'not_run', 'not_verified', 'absent', 'up', 'ok')
# The play's summary lists every tunnel up to this many lines, beyond it only those that need attention.
SUMMARY_LINES = 100


def argument_spec():
    """Options of ``vpclink.routeros.fleet_report`` (module file and action plugin)."""
    return dict(
        routers=dict(type='list', elements='dict', required=True),
        dest=dict(type='path', default='reports'),
        playbook=dict(type='str'),
        secrets=dict(type='list', elements='str', no_log=True, default=[]),
    )


# ---------------------------------------------------------------------------------------------
# 1. Build
# ---------------------------------------------------------------------------------------------

def _text(value):
    return '' if value is None else str(value)


def _mapping(value):
    return value if isinstance(value, dict) else {}


def _shown(value):
    """A bad value as an error message shows it: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + '...'


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def tunnel_state(view, where):
    """The report state of one tunnel: an explicit report state (``state``, or ``health`` as a string or
    ``{'state': ...}``) wins; else the module's verdict ``healthy``. The tunnels module's ``state: present``
    is the desired state, not a reading, so it defers to ``healthy``."""
    state = view.get('state')
    if state is not None and state not in TUNNEL_STATES + ('present',):
        raise ValueError(f'{where}.state: {_shown(state)} is not a tunnel state; allowed: {", ".join(TUNNEL_STATES)} '
                         '(or present, with healthy true/false/absent)')
    if state in TUNNEL_STATES:
        return state
    health = view.get('health')
    health = health.get('state') if isinstance(health, dict) else health
    if health in TUNNEL_STATES:
        return health
    healthy = view.get('healthy')
    if healthy is True:
        return 'up'
    if healthy is False:
        # health.tunnel_health's status, as both modules return it: some selector pairs up, others not
        return 'partial' if view.get('status') == 'partial' else 'down'
    return 'not_verified'


def _down_pairs(view):
    """Selector pairs whose phase 2 is not established: given as ``down_pairs``, or read from ``phase2``."""
    given = view.get('down_pairs')
    if given is not None:
        return [_text(p) if not isinstance(p, dict) else '{} -> {}'.format(p.get('src'), p.get('dst')) for p in given]
    pairs = []
    for p in view.get('phase2') or ():
        p = _mapping(p)
        if (p.get('ph2_state') or p.get('ph2-state')) != 'established':
            pairs.append('{} -> {}'.format(p.get('src') or p.get('src-address'), p.get('dst') or p.get('dst-address')))
    return pairs


def _uptime(view):
    if 'uptime' in view:
        return view['uptime']
    phase1 = _mapping(view.get('phase1'))
    return phase1.get('uptime') if 'uptime' in phase1 else _mapping(phase1.get('active_peer')).get('uptime')


def _sas(view):
    sas = view.get('sas')
    if isinstance(sas, dict):
        return _int_or_none(sas.get('count'))
    if sas is not None:
        return _int_or_none(sas)
    installed = view.get('installed_sa')
    return len(installed) if isinstance(installed, list) else None


def _bytes(view):
    """Bytes the tunnel carried: given as ``bytes``, else the sum of its SAs' ``current-bytes``, else phase 1's rx+tx."""
    if 'bytes' in view:
        return _int_or_none(view['bytes'])
    installed = view.get('installed_sa')
    if isinstance(installed, list) and installed:
        counts = [_int_or_none(_mapping(s).get('current-bytes')) for s in installed]
        return sum(counts) if None not in counts else None
    peer = _mapping(_mapping(view.get('phase1')).get('active_peer'))
    rx, tx = _int_or_none(peer.get('rx-bytes')), _int_or_none(peer.get('tx-bytes'))
    return rx + tx if rx is not None and tx is not None else None


def _ping(view, secrets):
    ping = view.get('ping')
    if not isinstance(ping, dict):
        return None
    out = {'sent': _int_or_none(ping.get('sent')) or 0, 'received': _int_or_none(ping.get('received')) or 0}
    if ping.get('error'):
        out['error'] = mask(ping['error'], secrets, settings=True)
    return out


def _cause(view, state, down_pairs):
    if view.get('cause') is not None:
        return _text(view['cause'])
    if state in ('up', 'absent', 'not_verified'):
        return ''
    diagnosis = _mapping(view.get('diagnosis'))
    title = diagnosis.get('title') or 'not established'
    if diagnosis.get('class'):
        title = '{} ({}, {})'.format(title, diagnosis['class'], 'certain' if diagnosis.get('certain') else 'probable')
    if state == 'partial' and down_pairs:
        return 'phase 2 not established for {}: {}'.format(', '.join(down_pairs), title)
    return title


def _fix(view, secrets):
    fix = _text(view['fix'] if 'fix' in view else _mapping(view.get('diagnosis')).get('fix'))
    # The fixes are the diagnosis catalogue's own text ("set ... secret= (the identity of this peer)"), so the
    # secret=... pattern masking would garble them: only known secret values are masked.
    return mask(fix, secrets)


def _tunnel_entry(view, where, router_status, secrets):
    if not isinstance(view, dict):
        raise ValueError(f'{where}: {_shown(view)} is not a tunnel (a dict with at least a name)')
    name = view.get('name') if view.get('name') is not None else view.get('peer')
    if name in (None, ''):
        raise ValueError(f'{where}.name: missing; every tunnel needs a name (or peer, as ipsec_info returns it)')
    state = tunnel_state(view, where)
    if router_status in ('unreachable', 'not_run') and state != 'absent':
        # nothing was read from this router in this run, whatever an older reading said
        return {'name': mask(name, secrets, settings=True), 'state': 'not_verified',
                'cause': 'router {}: not verified'.format('unreachable' if router_status == 'unreachable' else 'not run'),
                'fix': '', 'uptime': None, 'sas': None, 'ping': None, 'bytes': None, 'down_pairs': [], 'adopted': []}
    down_pairs = _down_pairs(view) if state == 'partial' else []
    uptime = _uptime(view)
    return {'name': mask(name, secrets, settings=True), 'state': state,
            'cause': mask(_cause(view, state, down_pairs), secrets, settings=True), 'fix': _fix(view, secrets),
            'uptime': None if uptime in (None, '') else mask(uptime, secrets, settings=True), 'sas': _sas(view),
            'ping': _ping(view, secrets), 'bytes': _bytes(view), 'down_pairs': [mask(p, secrets, settings=True) for p in down_pairs],
            'adopted': [mask(str(entry), secrets, settings=True) for entry in view.get('adopted') or []]}


def _router_entry(record, where, secrets):
    if not isinstance(record, dict):
        raise ValueError(f'{where}: {_shown(record)} is not a router record (a dict with name, status, message, tunnels)')
    name = record.get('name')
    if name in (None, ''):
        raise ValueError(f'{where}.name: missing; every router record needs the router name (inventory_hostname)')
    status = record.get('status')
    if status not in ROUTER_STATUSES:
        raise ValueError(f'{where}.status: {_shown(status)} is not a router status; allowed: {", ".join(ROUTER_STATUSES)}')
    if status == 'failed' and record.get('error_kind') in UNREACHABLE_KINDS:
        status = 'unreachable'
    tunnels = record.get('tunnels') or []
    if not isinstance(tunnels, list):
        raise ValueError(f'{where}.tunnels: {_shown(tunnels)} is not a list of tunnels')
    entries = [_tunnel_entry(t, f'{where}.tunnels[{i}]', status, secrets) for i, t in enumerate(tunnels)]
    message = _text(record.get('message'))
    not_up = [t['name'] for t in entries if t['state'] in ('down', 'partial')]
    if status == 'ok' and not_up:
        # A router with a tunnel down has failed, whether or not the play was told to stop for it.
        status = 'failed'
        message = message or '{} tunnel(s) not up: {}'.format(len(not_up), ', '.join(not_up))
    return {'name': mask(name, secrets, settings=True), 'status': status, 'message': mask(message, secrets, settings=True), 'tunnels': entries}


def totals(routers):
    """Counts per router status and per tunnel state, each with its ``total``."""
    out = {'routers': dict({'total': len(routers)}, **{s: 0 for s in ROUTER_STATUSES}),
           'tunnels': dict({'total': 0}, **{s: 0 for s in TUNNEL_STATES})}
    for router in routers:
        out['routers'][router['status']] += 1
        for tunnel in router['tunnels']:
            out['tunnels']['total'] += 1
            out['tunnels'][tunnel['state']] += 1
    return out


# What differs between two routers' copies of one warning: the tunnel it names and addresses (with prefix or port).
_WHERE = re.compile(r"^tunnel '[^']*': ")
_ADDRESS = re.compile(r'\b\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?(?::\d+)?\b')
# How many router names one grouped warning lists before it says how many more.
WARNING_NAMES = 20


def group_warnings(routers, secrets=()):
    """The warnings of the routers' records (``warnings``: a list of texts each), one per cause: texts that differ only
    in the tunnel they name and in addresses are one cause. -> a list of texts, each naming its routers and quoting the
    first router's text, in the order the causes first appear."""
    secrets = ordered(secrets)
    causes = {}
    for record in routers if isinstance(routers, list) else ():
        if not isinstance(record, dict):
            continue
        for text in record.get('warnings') or ():
            key = _ADDRESS.sub('<address>', _WHERE.sub('', str(text)))
            first, names = causes.setdefault(key, (str(text), []))
            if record.get('name') not in names:
                names.append(record.get('name'))
    out = []
    for first, names in causes.values():
        shown = ', '.join(str(n) for n in names[:WARNING_NAMES]) + (f' and {len(names) - WARNING_NAMES} more' if len(names) > WARNING_NAMES else '')
        out.append(mask(f'{len(names)} router(s) ({shown}): {first}', secrets, settings=True))
    return out


def now_iso():
    # timezone.utc, not datetime.UTC: module_utils also run in the module fallback on targets older than Python 3.11
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()  # noqa: UP017


def build_report(routers, playbook, secrets=(), generated=None):
    """The report dict of a run (see the module docstring). Raises ``ValueError`` naming the record and
    field for bad input. ``secrets``: values (PSKs, passwords) replaced by ``********`` wherever they
    appear; ``secret=...``-style values in messages and causes are masked as well."""
    if not isinstance(routers, list):
        raise ValueError(f'routers: {type(routers).__name__} given; a list of router records is needed')
    secrets = ordered(secrets)
    try:
        entries = [_router_entry(r, f'routers[{i}]', secrets) for i, r in enumerate(routers)]
    except ValueError as exc:   # the bad value is quoted: it may be a secret in the wrong place
        raise ValueError(mask(str(exc), secrets, settings=True)) from None
    return {'generated': generated or now_iso(), 'playbook': mask(playbook, secrets, settings=True), 'routers': entries, 'totals': totals(entries)}


# ---------------------------------------------------------------------------------------------
# Helpers the renderers share
# ---------------------------------------------------------------------------------------------

def label(state):
    """``not_verified`` -> ``not verified``: how a state or status is shown to people."""
    return state.replace('_', ' ')


def uptime_ms(uptime):
    """Uptime as RouterOS prints it -> milliseconds, for sorting; None when absent or unreadable."""
    try:
        return parse_duration(uptime) if uptime is not None else None
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------
# 2. Render (JSON; HTML and JUnit have their own files)
# ---------------------------------------------------------------------------------------------

def render_json(report):
    return json.dumps(report, indent=2, sort_keys=False, ensure_ascii=False) + '\n'


def _ping_text(ping):
    return '-' if not ping else '{}/{}'.format(ping['received'], ping['sent'])


def _summary_rows(router):
    """``(severity, line)`` per tunnel of a router (one line for a router without tunnels), then its message."""
    rows = []
    told = router['status'] != 'ok' and router['message']
    if not router['tunnels'] and not told:
        rows.append((SEVERITY.index(router['status']), '{}: {}'.format(router['name'], label(router['status']))))
    for tunnel in router['tunnels']:
        cause = tunnel['cause']   # a partial tunnel's cause names the pairs that are down
        adopted = ' adopted: {} entries'.format(len(tunnel['adopted'])) if tunnel['adopted'] else ''
        rows.append((min(SEVERITY.index(router['status']), SEVERITY.index(tunnel['state'])), '{} / {}: {} uptime={} SAs={} ping={}{}{}'.format(
            router['name'], tunnel['name'], label(tunnel['state']), tunnel['uptime'] or '-', '-' if tunnel['sas'] is None else tunnel['sas'],
            _ping_text(tunnel['ping']), (' cause: ' + cause) if cause else '', adopted)))
    if told:
        rows.append((SEVERITY.index(router['status']), '{}: {}: {}'.format(router['name'], label(router['status']),
                                                                           router['message'].splitlines()[0])))
    return rows


def summary_lines(report, limit=SUMMARY_LINES):
    """The end-of-run summary for the play output: the totals, then one line per tunnel (and the message of each
    router that is not ok), worst first. Beyond ``limit`` lines only those that need attention are listed (the
    report files hold every row)."""
    t = report['totals']
    router_counts = ', '.join('{} {}'.format(t['routers'][s], label(s)) for s in ROUTER_STATUSES if t['routers'][s]) or 'none'
    tunnel_counts = ', '.join('{} {}'.format(t['tunnels'][s], label(s)) for s in TUNNEL_STATES if t['tunnels'][s]) or 'none'
    lines = ['routers: {} ({})'.format(t['routers']['total'], router_counts),
             'tunnels: {} ({})'.format(t['tunnels']['total'], tunnel_counts)]
    rows = sorted((row for router in report['routers'] for row in _summary_rows(router)), key=lambda row: row[0])
    if len(rows) > limit:
        shown = [row for row in rows if SEVERITY[row[0]] in ATTENTION][:limit]
        rows = shown + [(0, f'... {len(rows) - len(shown)} more lines (tunnels up or removed, or beyond {limit}): see the report files')]
    return lines + [text for _severity, text in rows]
