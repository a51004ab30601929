# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Is a tunnel up? The one answer, from the router's runtime rows; every caller (ipsec_info, the ``tunnels``
module's verify, the diagnosis) uses it.

Pure functions: no network. The rows are as the API prints them (keys with dashes):

* phase 1: ``/ip/ipsec/active-peers`` (``state=established`` when up);
* phase 2: the runtime fields of ``/ip/ipsec/policy``, one policy per selector pair; ``ph2-state=established``
  means "appropriate SAs are in place" (MikroTik, https://help.mikrotik.com/docs/display/ROS/IPsec, policy);
* SAs: ``/ip/ipsec/installed-sa``. An SA carries one direction, so each selector pair needs a pair of SAs, one
  inbound and one outbound (RFC 4301 section 4.1). The rows do not say which policy they serve, so the tunnel
  needs two mature SAs per selector pair.

A tunnel is ``up`` when phase 1 is established, every selector pair has phase 2 and the SAs are all there;
``partial`` when phase 1 is up and some but not all of that holds (some selector pairs carry traffic, the
others do not); ``down`` otherwise. It is healthy only when it is up and, when a ping was run for it, the
ping was answered.
"""

from __future__ import annotations

UP = 'up'
PARTIAL = 'partial'
DOWN = 'down'
SAS_PER_PAIR = 2


def _true(value):
    return value is True or str(value).strip().lower() in ('true', 'yes')


def host(text):
    """The address part of what RouterOS prints: ``203.0.113.9/32``, ``203.0.113.9[4500]``, ``203.0.113.9:4500``
    (IPv4 with a port) -> ``203.0.113.9``; IPv6 addresses keep their colons."""
    text = str(text or '').split('[', 1)[0].split('/', 1)[0].strip()
    if text.count(':') == 1:
        text = text.split(':', 1)[0]
    return text


def rows_of(peer, active, policies, sas):
    """The runtime rows that belong to ``peer`` (``{'name', 'address'}``): its active-peers rows (by remote
    address), its policies (by ``peer`` name) and the SAs between the router and its address."""
    address = host(peer.get('address'))
    return ([row for row in active if host(row.get('remote-address')) == address],
            [row for row in policies if row.get('peer') == peer.get('name')],
            [row for row in sas if address in (host(row.get('src-address')), host(row.get('dst-address')))])


def _pairs(policies):
    """The tunnel's selector pairs: its policies that encrypt (a policy with ``action=none`` or ``discard`` is
    no pair of the tunnel). A disabled policy is a pair that cannot be up."""
    out = []
    for policy in policies:
        if policy.get('action', 'encrypt') != 'encrypt':
            continue
        disabled = _true(policy.get('disabled'))
        out.append({'src': policy.get('src-address'), 'dst': policy.get('dst-address'), 'ph2_state': policy.get('ph2-state'),
                    'disabled': disabled, 'up': not disabled and policy.get('ph2-state') == 'established'})
    return out


def phase1_row(active):
    """The peer's active-peers row that speaks for phase 1: the established one, else the first, else None."""
    return next((r for r in active if r.get('state') == 'established'), active[0] if active else None)


def _phase1(active):
    row = phase1_row(active)
    return {'state': row.get('state') if row else None, 'established': bool(row and row.get('state') == 'established')}


def _ping(ping):
    """A ping result (``{'sent', 'received'}``, or a yes/no) -> ``{'sent', 'received', 'answered'}``; None stays None."""
    if ping is None:
        return None
    if not isinstance(ping, dict):
        return {'sent': None, 'received': None, 'answered': _true(ping)}
    received = int(ping.get('received') or 0)
    return {'sent': int(ping.get('sent') or 0), 'received': received, 'answered': received > 0}


def _reason(phase1, pairs, down, sas, ping):
    if not phase1['established']:
        return 'phase 1 is not established (active-peers state: {})'.format(phase1['state'] or 'no row')
    if not pairs:
        return 'no IPsec policy (selector pair) with action=encrypt for this peer'
    if down:
        return 'phase 2 is up for {} of {} selector pairs; down: {}'.format(len(pairs) - len(down), len(pairs), ', '.join(down))
    if sas['mature'] < sas['needed']:
        return '{} mature SAs installed, {} needed (two per selector pair)'.format(sas['mature'], sas['needed'])
    if ping is not None and not ping['answered']:
        return 'the ping through the tunnel got no answer'
    return ''


def tunnel_health(active, policies, sas, ping=None):
    """Decide one tunnel's health from its own runtime rows (see ``rows_of``) and, when one was run for it,
    the ping (``{'sent', 'received'}`` or a bool).

    Returns ``{'status': 'up' | 'partial' | 'down', 'healthy': bool, 'phase1': {'state', 'established'},
    'selectors': [{'src', 'dst', 'ph2_state', 'disabled', 'up'}], 'down_selectors': ['SRC -> DST', ...],
    'sas': {'mature', 'needed'}, 'ping': {'sent', 'received', 'answered'} | None, 'reason': str}``."""
    phase1 = _phase1(list(active))
    pairs = _pairs(policies)
    down = [f"{p['src']} -> {p['dst']}" for p in pairs if not p['up']]
    mature = len([s for s in sas if s.get('state', 'mature') == 'mature'])
    sa_counts = {'mature': mature, 'needed': SAS_PER_PAIR * len(pairs)}
    probe = _ping(ping)
    if not phase1['established'] or len(down) == len(pairs):
        status = DOWN
    elif down or mature < sa_counts['needed']:
        status = PARTIAL
    else:
        status = UP
    return {'status': status, 'healthy': status == UP and (probe is None or probe['answered']), 'phase1': phase1,
            'selectors': pairs, 'down_selectors': down, 'sas': sa_counts, 'ping': probe,
            'reason': _reason(phase1, pairs, down, sa_counts, probe)}
