# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``ipsec_info``: read the runtime state of the IPsec tunnels, optionally wait and probe, diagnose; and the
reads and the wait that the ``tunnels`` module's verify shares with it.

Read-only: only ``print`` and ``/ping`` are sent (never a configuration write), ``changed`` is always false. The one
exception is asked for by name: ``rekey`` flushes the installed SAs (a runtime action, never in check mode) to prove
the tunnels survive a CHILD SA rekey.

Sources (MikroTik, https://help.mikrotik.com/docs/display/ROS/IPsec and the CLI reference of ``/ip/ipsec``):

* phase 1: ``/ip/ipsec/active-peers`` (6.49 lacks ``id``, ``spii``, ``spir``, ``port``: the proplist is
  chosen per version), matched to a peer by ``remote-address``;
* phase 2: ``/ip/ipsec/policy`` runtime fields ``active``, ``ph2-state``, ``ph2-count``;
* SAs: ``/ip/ipsec/installed-sa`` without the key material (``enc-key``/``auth-key`` never read);
* log: ``/log`` rows whose ``topics`` contain ``ipsec``; ``time`` is returned as RouterOS prints it
  (v7 ``YYYY-MM-DD HH:MM:SS`` or ``HH:MM:SS`` today, v6 ``mmm/dd HH:MM:SS`` or ``HH:MM:SS``);
* the identity secret is never read (it is not in any proplist), so it cannot reach the output.

Whether a tunnel is up is decided by ``health.tunnel_health`` alone.

Waiting (``wait_until_up``) polls within the ONE session of the run: each poll is three prints
(active-peers, policy, installed-sa); configuration (peers, identities) is read once. The first waits are
short (a tunnel often comes up within a second), then they grow to the interval; the deadline is absolute
(monotonic clock) and a sleep never runs past it, so a wait ends within its timeout plus one poll (each read
itself is bounded by the API ``timeout``).
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import time

from ansible_collections.vpclink.routeros.plugins.module_utils.api import RouterError
from ansible_collections.vpclink.routeros.plugins.module_utils.diagnose import diagnose
from ansible_collections.vpclink.routeros.plugins.module_utils.health import UP, host, phase1_row, rows_of, tunnel_health
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

# Poll back-off: 0.25 s, 0.5 s, 1 s, then the interval (never longer than the interval).
FIRST_WAITS = (0.25, 0.5, 1.0)
# Indirection so tests can drive the wait with the lab's ManualClock.
monotonic = time.monotonic
sleep = time.sleep


def _probe_options():
    return dict(
        src_address=dict(type='str', required=True),
        address=dict(type='str', required=True),
        count=dict(type='int', default=3),
    )


def info_argument_spec():
    return dict(
        peer=dict(type='str'),
        peers=dict(type='list', elements='str'),
        wait_for=dict(type='str', choices=['established']),
        wait_timeout=dict(type='int', default=60),
        wait_interval=dict(type='float', default=2.0),
        ping=dict(type='dict', options=_probe_options()),
        pings=dict(type='list', elements='dict', options=_probe_options()),
        log_lines=dict(type='int', default=50),
        collect_warnings=dict(type='bool', default=False),
        cloud_log=dict(type='list', elements='str'),
        cloud_side=dict(type='raw'),
        rekey=dict(type='bool', default=False),
    )


def _true(value):
    return value is True or str(value).lower() in ('true', 'yes')


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


# ---------------------------------------------------------------------------------------------
# Runtime reads and the one wait (ipsec_info's wait_for and the tunnels module's verify)
# ---------------------------------------------------------------------------------------------

def read_runtime(session, policy_rows=None):
    """One poll: ``(active-peers rows, policy rows without templates, installed-sa rows)``. ``policy_rows``: policy
    rows already printed with their runtime fields (the tunnels module's planning print), used instead of a print."""
    major = 7 if tuple(session.version_tuple) >= V7 else 6
    active = session.print_('/ip/ipsec/active-peers', proplist=ACTIVE_PEER_PROPS[major])
    if policy_rows is None:
        policy_rows = session.print_('/ip/ipsec/policy', proplist=POLICY_PROPS)
    policies = [p for p in policy_rows if not _true(p.get('template'))]
    sas = session.print_('/ip/ipsec/installed-sa', proplist=SA_PROPS)
    return active, policies, sas


def poll_wait(polls, interval):
    """Seconds to wait after poll number ``polls`` (1-based): 0.25, 0.5, 1, then ``interval``; never above ``interval``."""
    return min(interval, FIRST_WAITS[polls - 1] if polls <= len(FIRST_WAITS) else interval)


def is_up(peer, rows):
    """Phase 1, every selector pair and its SAs are up for ``peer`` (``{'name', 'address'}``) in ``rows``."""
    return tunnel_health(*rows_of(peer, *rows))['status'] == UP


def _without(rows, spis):
    """``rows`` without the installed SAs whose SPI is in ``spis`` (the SAs a rekey replaced)."""
    if not spis:
        return rows
    active, policies, sas = rows
    return active, policies, [sa for sa in sas if sa.get('spi') not in spis]


def wait_until_up(session, peers, timeouts, interval, policy_rows=None, replaced=frozenset()):
    """Read the runtime rows, then read again until every peer in ``timeouts`` is up (``is_up``) or its own
    timeout has passed. ``peers``: ``{key: {'name', 'address'}}``; ``timeouts``: ``{key: seconds from the first
    read}`` for the peers to wait for (empty: one read). Between reads it sleeps ``poll_wait(polls, interval)``,
    never past the nearest deadline of a peer still waited for. ``replaced``: SPIs of SAs a forced rekey replaced;
    they are left out of every read, so a peer is up again only on new SAs.

    Returns ``(rows, polls, waited)``: the last ``read_runtime`` rows, the number of reads, the seconds spent."""
    started = monotonic()
    rows = _without(read_runtime(session, policy_rows), replaced)
    polls = 1
    while True:
        elapsed = monotonic() - started
        waiting = [key for key, limit in timeouts.items() if elapsed < limit and not is_up(peers[key], rows)]
        if not waiting:
            return rows, polls, round(monotonic() - started, 2)
        remaining = min(timeouts[key] for key in waiting) - elapsed
        sleep(max(0.0, min(poll_wait(polls, interval), remaining)))
        rows = _without(read_runtime(session), replaced)
        polls += 1


# ---------------------------------------------------------------------------------------------
# The forced CHILD SA rekey (ipsec_info's rekey and the tunnels module's verify.rekey)
# ---------------------------------------------------------------------------------------------

# RouterOS's own way to make phase 2 negotiate again: ``/ip ipsec installed-sa flush`` removes the installed SAs
# and the IKE SA stays, so the new CHILD SAs are negotiated inside it (IKEv2 CREATE_CHILD_SA, RFC 7296 section
# 1.3; IKEv1 Quick Mode). The flush cannot be limited to one peer: its only argument, ``sa-type``, picks AH or ESP
# SAs (MikroTik, https://help.mikrotik.com/docs/spaces/ROS/pages/11993097/IPsec, "Installed SA"; the older manual
# https://wiki.mikrotik.com/wiki/Manual:IP/IPsec, "Flushing installed SA"). So every tunnel of the router rekeys.
REKEY_COMMAND = '/ip/ipsec/installed-sa/flush'
REKEY_PASSED, REKEY_FAILED, REKEY_NOT_RUN = 'passed', 'failed', 'not_run'


def rekey_and_wait(session, peers, rekey, timeouts, interval, rows, probes=()):
    """After the first wait: when a peer of ``rekey`` (keys of ``peers``) is up in ``rows``, flush the router's
    installed SAs once, send one packet of each of ``probes`` (pings as ``_ping`` takes them) and wait
    (``wait_until_up``, the flushed SAs left out) until every peer that was up is up again on new SAs, or its timeout
    (``timeouts``, seconds from the flush) has passed. Peers that were not up are not waited for again.

    The packets: RouterOS's IKE daemon starts a negotiation when traffic meets a policy that has no SAs (or when the
    peer starts one); such a policy drops the packet and asks for SAs (MikroTik IPsec manual,
    https://help.mikrotik.com/docs/spaces/ROS/pages/11993097/IPsec, "Internet Key Exchange Protocol (IKE)" and Policies
    ``level=require``). A tunnel that carries no traffic could otherwise wait for its next packet; the probe's own
    answer is not counted (the first packet is dropped by design), the probes proper run after the wait.

    Returns ``(rows, polls, waited, rekeyed)``: the rows to report from (``rows`` as given when nothing was
    flushed), the reads and seconds of the second wait, and the keys of ``rekey`` whose SAs were flushed."""
    was_up = [key for key in peers if key in timeouts and is_up(peers[key], rows)]
    rekeyed = [key for key in rekey if key in was_up]
    if not rekeyed:
        return rows, 0, 0.0, []
    replaced = frozenset(sa.get('spi') for sa in rows[2] if sa.get('spi'))
    session.command(REKEY_COMMAND, [], entry='installed-sa flush (forced CHILD SA rekey)')
    for probe in probes:
        # a probe that cannot run (no permission) is reported by the probe proper, after the wait
        with contextlib.suppress(RouterError):
            _ping(session, dict(probe, count=1))
    rows, polls, waited = wait_until_up(session, peers, {key: timeouts[key] for key in was_up}, interval, replaced=replaced)
    return rows, polls, waited, rekeyed


def rekey_result(verdict, forced):
    """What a tunnel that asked for a rekey reports, from its ``health.tunnel_health`` verdict after the rekey:
    ``(outcome, reason)``. ``outcome``: ``passed`` (flushed and up again on new SAs), ``failed`` (flushed and not up
    again; the reason then says it was up until the flush) or ``not_run`` (not flushed: not up before, or check mode)."""
    if not forced:
        return REKEY_NOT_RUN, verdict['reason']
    if verdict['status'] == UP:
        return REKEY_PASSED, verdict['reason']
    return REKEY_FAILED, 'up until the forced CHILD SA rekey (installed-sa flush), then: ' + verdict['reason']


def ipsec_log(session):
    """The ``/log`` rows whose topics include ``ipsec``, oldest first."""
    return [r for r in session.print_('/log', proplist=LOG_PROPS) if 'ipsec' in str(r.get('topics', '')).split(',')]


def srcnat_rules(session):
    return session.print_('/ip/firewall/nat', proplist=NAT_PROPS, query={'chain': 'srcnat'})


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

    A line belongs to a peer only by what it says (RouterOS log lines carry no peer field): the
    peer's name (``initiator can't find identity for peer: <name>``), its remote address or its
    ``local-address`` -> ``attribution`` ``'name'`` or ``'address'``. A line naming another peer (by
    name, by address, or a ``peer: <name>`` that is not this one) or only addresses that are not this
    peer's is left out. A line naming no peer and no address at all (``got fatal error: ...``,
    ``no suitable proposal found.``) may be about any peer: it is kept with ``attribution`` None, and
    the diagnosis ranks it but never lets it decide alone."""
    own = {h for h in (host(peer.get('address')), host(peer.get('local-address'))) if h and h not in ('0.0.0.0', '::')}
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
    keys = ('class', 'phase', 'title', 'certain', 'evidence', 'fix', 'candidates', 'stage', 'notes', 'settle')
    return {k: result.get(k) for k in keys}


def _log_view(row):
    return {'time': row.get('time'), 'topics': row.get('topics'), 'message': row.get('message')}


# Public names for the composite ``tunnels`` module (same readings, same diagnosis shape).
ping = _ping
log_for = _log_for
diagnosis_view = _diagnosis


# ---------------------------------------------------------------------------------------------
# ipsec_info, stage by stage: check the input, read the configuration, wait, probe, read the log,
# report each tunnel, conclude.
# ---------------------------------------------------------------------------------------------

def _checked_probe(probe, label, errors):
    try:
        probe = dict(probe, src_address=_ip(probe['src_address'], f'{label}.src_address'), address=_ip(probe['address'], f'{label}.address'))
    except ValueError as exc:
        errors.append(str(exc))
    if not 1 <= int(probe.get('count') or 3) <= 100:
        errors.append(f'{label}.count: must be 1..100')
    return probe


def _checked_input(session, params):
    """-> ``(interval, wait_timeout, probes)``; a RouterError naming every bad field before anything is read."""
    errors = []
    interval = params.get('wait_interval') if params.get('wait_interval') is not None else 2.0
    wait_timeout = params.get('wait_timeout') if params.get('wait_timeout') is not None else 60
    if interval <= 0:
        errors.append(f'wait_interval: {interval!r} must be > 0 seconds')
    if wait_timeout < 0:
        errors.append(f'wait_timeout: {wait_timeout!r} must be >= 0 seconds')
    probes = [_checked_probe(params['ping'], 'ping', errors)] if params.get('ping') else []
    probes += [_checked_probe(p, f'pings[{i}]', errors) for i, p in enumerate(params.get('pings') or ())]
    if errors:
        raise RouterError('router {}: ipsec_info: invalid input, nothing was read: {}'.format(session.router, '; '.join(errors)),
                          router=session.router, step='validate', routeros_version=session.version)
    return interval, wait_timeout, probes


def _read_config(session, names):
    """-> ``(every peer, the reported peers, identities)``; ``names``: the peers to report (None: every one). Every
    peer is read (one print either way): a log line naming another peer must not be attached to this one."""
    all_peers = session.print_('/ip/ipsec/peer', proplist=PEER_PROPS)
    peers = [p for p in all_peers if not _true(p.get('dynamic')) and (names is None or p.get('name') in names)]
    return all_peers, peers, session.print_('/ip/ipsec/identity', proplist=IDENTITY_PROPS)


def _probes(session, params, probes, result, warn):
    """Run every probe; ``result['ping']`` is the one of ``ping``, ``result['pings']`` those of ``pings``. -> the
    results that ran (a probe that could not run is reported, and counts for no tunnel)."""
    ran = []
    for i, probe in enumerate(probes):
        one = {}
        outcome = _probe(session, probe, one, warn)
        if params.get('ping') and i == 0:
            result['ping'] = one['ping']
        else:
            result.setdefault('pings', []).append(one['ping'])
        if outcome is not None:
            ran.append(outcome)
    return ran


def _probe(session, probe, result, warn):
    """Run the ping into ``result['ping']``; -> the ping result, or None when ``/ping`` could not run."""
    try:
        result['ping'] = _ping(session, probe)
    except RouterError as exc:
        # The probe could not run (no /ping, no permission): report it, keep the readings.
        result['ping'] = {'src_address': probe['src_address'], 'address': probe['address'], 'error': exc.msg}
        if warn is not None:
            warn(f'ping could not run, the data path was not probed: {exc.msg}')
        return None
    return result['ping']


def _ping_for(ping_results, policies):
    """The first of ``ping_results`` that one of ``policies`` covers (source and destination), else None."""
    for ping_result in ping_results:
        src, dst = ipaddress.ip_address(ping_result['src_address']), ipaddress.ip_address(ping_result['address'])
        for pol in policies:
            snet, dnet = _net(pol.get('src-address')), _net(pol.get('dst-address'))
            if snet is not None and dnet is not None and src in snet and dst in dnet:
                return ping_result
    return None


def _report_tunnel(peer, seen, params):
    """One reported tunnel: its rows, ``health.tunnel_health`` and, when it is not healthy, the diagnosis.
    ``seen``: what the run read (``rows``, ``identities``, ``ping``, ``nat``, ``log``, ``all_peers``)."""
    mine_active, mine_pol, mine_sa = rows_of(peer, *seen['rows'])
    tunnel_ping = _ping_for(seen['pings'], mine_pol)
    verdict = tunnel_health(mine_active, mine_pol, mine_sa, tunnel_ping)
    others = [p for p in seen['all_peers'] if p.get('name') != peer.get('name')]
    lines = _log_for(seen['log'], peer, {host(p.get('address')) for p in others} - {host(peer.get('address'))},
                     {str(p.get('name')) for p in others if p.get('name')})
    phase1 = phase1_row(mine_active)
    tunnel = {
        'peer': peer.get('name'), 'address': peer.get('address'), 'disabled': _true(peer.get('disabled')),
        'healthy': verdict['healthy'], 'status': verdict['status'], 'down_selectors': verdict['down_selectors'],
        'reason': verdict['reason'], 'sas': verdict['sas'],
        'phase1': {'state': verdict['phase1']['state'], 'established': verdict['phase1']['established'], 'active_peer': phase1},
        'phase2': [{k: p.get(k) for k in ('.id', 'src-address', 'dst-address', 'ph2-state', 'active', 'ph2-count', 'disabled') if k in p}
                   for p in mine_pol],
        'installed_sa': mine_sa,
        'log': [_log_view(r) for r in lines],
    }
    if tunnel_ping is not None:
        tunnel['ping'] = tunnel_ping
    if params.get('rekey'):
        tunnel['rekey'], tunnel['reason'] = rekey_result(verdict, peer.get('name') in seen['rekeyed'])
    if not verdict['healthy']:
        state = {'active_peers': mine_active, 'policies': mine_pol, 'installed_sa': mine_sa, 'peers': [peer],
                 'identities': [i for i in seen['identities'] if i.get('peer') == peer.get('name')], 'rekey': tunnel.get('rekey')}
        if tunnel_ping is not None:
            state['ping'] = {'sent': tunnel_ping['sent'], 'received': tunnel_ping['received']}
            state['nat'] = seen['nat']
        outcome = diagnose(state=state, router_log=lines, cloud_log=params.get('cloud_log'), comparison=params.get('cloud_side'),
                           secrets=[])
        tunnel['diagnosis'] = _diagnosis(outcome)
    return tunnel


def _wanted_names(params):
    """The peers to report: ``peer`` and/or ``peers``; None for every peer."""
    if params.get('peer') is None and params.get('peers') is None:
        return None
    return ([params['peer']] if params.get('peer') is not None else []) + list(params.get('peers') or ())


def _not_configured(router, name, log):
    what = f'no peer named {name!r}' if name else 'no IPsec peer'
    return {'peer': name, 'address': None, 'disabled': False, 'healthy': False, 'status': 'down', 'down_selectors': [],
            'reason': f'{what} is configured', 'sas': {'mature': 0, 'needed': 0},
            'phase1': {'state': None, 'established': False, 'active_peer': None}, 'phase2': [], 'installed_sa': [], 'log': log,
            'diagnosis': {'class': 'not_configured', 'phase': 'config', 'title': f'{what} is configured', 'certain': True,
                          'evidence': [f'/ip/ipsec/peer on router {router}: {what}'], 'fix': NOT_CONFIGURED_FIX, 'candidates': [],
                          'stage': 'config', 'notes': []}}


def _conclude(result, waited_for, wait_timeout):
    """``healthy``, ``timed_out`` and, when the wait gave up, ``failed`` with the cause of each tunnel not up."""
    result['healthy'] = all(t['healthy'] for t in result['tunnels'])
    result['timed_out'] = waited_for and any(t['status'] != UP for t in result['tunnels'] if not t['disabled'])
    if not result['timed_out']:
        return
    causes = '; '.join('{}: {} ({}; {})'.format(t['peer'], (t.get('diagnosis') or {}).get('title') or 'not established',
                                                (t.get('diagnosis') or {}).get('class'), t['reason'])
                       for t in result['tunnels'] if not t['healthy'])
    result['failed'] = True
    result['msg'] = (f"router {result['router']}: IPsec tunnel(s) not established within wait_timeout={wait_timeout} s "
                     f"({result['polls']} polls): {causes}. See tunnels[].diagnosis.fix for the next step.")


def ipsec_info(session, params, check_mode=False, diff=False, warn=None):
    """Read (and optionally wait for) the tunnels; see the module docstring. Never writes."""
    interval, wait_timeout, probes = _checked_input(session, params)
    reads0 = session.reads
    names = _wanted_names(params)
    all_peers, peers, identities = _read_config(session, names)
    # A rekey proves something only about a tunnel that is up: it waits as wait_for=established does.
    waited_for = (params.get('wait_for') == 'established' or bool(params.get('rekey'))) and bool(peers)
    timeouts = {i: wait_timeout for i, p in enumerate(peers) if not _true(p.get('disabled'))} if waited_for else {}
    rows, polls, waited = wait_until_up(session, dict(enumerate(peers)), timeouts, interval)
    rekeyed = []
    if params.get('rekey') and check_mode:
        if warn is not None:
            warn('check mode: the CHILD SA rekey was not forced (installed-sa flush is never sent in check mode)')
    elif params.get('rekey'):
        rows, more_polls, more_waited, rekeyed = rekey_and_wait(session, dict(enumerate(peers)), list(timeouts), timeouts, interval, rows,
                                                                probes)
        polls, waited = polls + more_polls, round(waited + more_waited, 2)
    result = {'changed': False, 'router': session.router, 'routeros_version': session.version, 'tunnels': [], 'polls': polls,
              'waited': waited if waited_for else 0.0}

    ping_results = _probes(session, params, probes, result, warn)
    nat_rows = srcnat_rules(session) if probes else None
    log_lines = int(params.get('log_lines') or 0)
    log_rows = ipsec_log(session)[-log_lines:] if log_lines > 0 else []
    result['log'] = [_log_view(r) for r in log_rows]

    seen = {'rows': rows, 'identities': identities, 'pings': ping_results, 'nat': nat_rows, 'log': log_rows, 'all_peers': all_peers,
            'rekeyed': {peers[i].get('name') for i in rekeyed}}
    result['tunnels'] = [_report_tunnel(peer, seen, params) for peer in peers]
    found = {t['peer'] for t in result['tunnels']}
    result['tunnels'] += [_not_configured(session.router, n, result['log']) for n in (names or ()) if n not in found]
    if not result['tunnels']:
        result['tunnels'] = [_not_configured(session.router, None, result['log'])]
    if peers and warn is not None:
        used = [t['ping'] for t in result['tunnels'] if 'ping' in t]
        for ping_result in ping_results:
            if not any(u is ping_result for u in used):
                warn(f"ping {ping_result['src_address']} -> {ping_result['address']}: no policy of the reported tunnels covers this "
                     'pair, so the probe is not counted for any tunnel')
    _conclude(result, waited_for, wait_timeout)
    result['round_trips'] = session.reads - reads0
    return result
