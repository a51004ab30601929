# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the router's current configuration says about a tunnel before anything is written: the hand-built
tunnel it takes over (``adopt_from``), and the conflicts RouterOS would refuse half-way.

* ``read_sources``: for each tunnel with ``adopt_from: PEER``, that peer (it must point to the same gateway)
  and its policies: two prints, only for such tunnels. They name the profile and proposal the hand-built
  tunnel uses, which the planning prints then include.
* ``assign``: which existing row each of the tunnel's entries takes over. The peer, its identity, its
  policies (by selectors) and the NAT/raw bypass rules with the tunnel's selectors always; the profile and proposal only when no other entry uses them (a shared
  one stays as it is and the tunnel gets its own). Policies of the adopted peer whose selectors the
  inventory does not list are removed with it (the ``tunnels`` module plans their removal).
* ``conflicts``: another peer initiating to the tunnel's gateway (RouterOS refuses a second one:
  "Multiple initiator peers for the same address"; the IPsec manual, Peers: "exchange mode is the only
  unique identifier between the peers", https://help.mikrotik.com/docs/spaces/ROS/pages/11993097/IPsec) and
  another policy with the tunnel's selectors (RouterOS marks the second one invalid, flag I, and traffic
  follows the first). The tunnels need no policy template or group of their own (identities use
  ``generate-policy=no`` and the built-in group), so no such entry can be missing.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.vpclink.routeros.plugins.module_utils.api import RouterError
from ansible_collections.vpclink.routeros.plugins.module_utils.ipsec import PEER, POLICY
from ansible_collections.vpclink.routeros.plugins.module_utils.ownership import is_ours

PEER_PROPS = ['.id', 'name', 'address', 'profile', 'passive', 'exchange-mode', 'comment', 'dynamic']
POLICY_PROPS = ['.id', 'peer', 'src-address', 'dst-address', 'proposal', 'comment', 'template', 'dynamic']


def _true(value):
    return value is True or str(value).lower() in ('true', 'yes')


def _net(text):
    try:
        return ipaddress.ip_network(str(text).strip(), strict=False)
    except ValueError:
        return None


def selectors(row):
    return _net(row.get('src-address')), _net(row.get('dst-address'))


def wanted_pairs(t):
    return {(_net(s), _net(d)) for s, d in t['pairs']}


def exchange_mode(t):
    return 'ike2' if t['ike']['version'] == 2 else t['ike']['exchange_mode']


def read_sources(session, resolved):
    """``{tunnel name: {'peer', 'policies', 'profile', 'proposals'}}`` for every present tunnel with ``adopt_from``.
    Raises (before any write) when the peer does not exist or points elsewhere."""
    sources, errors = {}, []
    for t in resolved:
        name = t.get('adopt_from')
        if t['state'] != 'present' or not name:
            continue
        peers = session.print_(PEER.path, proplist=PEER_PROPS, query={'name': name}, entry=f'peer name={name}')
        if not peers:
            errors.append(f'{t["where"]}: adopt_from: no peer named {name!r} in /ip/ipsec/peer; give the name of the hand-built peer to take over')
            continue
        peer = peers[0]
        if _net(peer.get('address')) != _net(t['peer_address']):
            errors.append(f'{t["where"]}: adopt_from: peer {name!r} ({peer.get(".id")}) points to {peer.get("address")}, not to this tunnel\'s '
                          f'gateway {t["peer_address"]}; adopt_from only takes over a tunnel to the same gateway. Fix the name or peer_address')
            continue
        policies = session.print_(POLICY.path, proplist=POLICY_PROPS, query={'peer': name}, entry=f'policies of peer {name}')
        policies = [p for p in policies if not (_true(p.get('template')) or _true(p.get('dynamic')))]
        sources[t['name']] = {'name': name, 'peer': peer, 'policies': policies, 'profile': peer.get('profile') or 'default',
                              'proposals': sorted({p.get('proposal') or 'default' for p in policies})}
    if errors:
        raise RouterError(f'router {session.router}: cannot adopt, nothing was changed:\n' + '\n'.join(errors), router=session.router,
                          step='adopt', errors=errors)
    return sources


def extra_selections(resolved, sources):
    """The ``?`` selections the planning prints add, per menu key: the rows that decide ownership and conflicts."""
    present = [t for t in resolved if t['state'] == 'present']
    names = [t['name'] for t in resolved]
    extra = {
        'profile': [{'name': s['profile']} for s in sources.values()],
        'proposal': [{'name': q} for s in sources.values() for q in s['proposals']],
        # users of each tunnel's profile (ownership of a menu without comment), initiators to each gateway (conflict)
        'peer': ([{'profile': n} for n in names] + [{'profile': s['profile']} for s in sources.values()]
                 + [{'address': f'{t["peer_address"]}/32'} for t in present]),
        'identity': [{'peer': s['name']} for s in sources.values()],
        'policy': ([{'proposal': n} for n in names] + [{'proposal': q} for s in sources.values() for q in s['proposals']]
                   + [{'peer': s['name']} for s in sources.values()]
                   + [{'src-address': a, 'dst-address': b} for t in present for a, b in t['pairs']]),
    }
    return extra


def _users(rows, prop, value):
    return [r for r in rows if r.get(prop) == value]


def assign(router, t, entries, rows, source):
    """Point each entry of tunnel ``t`` at the existing row it takes over (``adopt_row``, ``adopt``); give the
    profile and proposal entries the rows that use them (their ownership). Returns problems (text)."""
    problems = []
    peers, policies = rows.get('peer', []), rows.get('policy', [])
    for key, entry in entries:
        if key == 'profile':
            entry['users'] = _users(peers, 'profile', entry['key_values']['name'])
        elif key == 'proposal':
            entry['users'] = _users(policies, 'proposal', entry['key_values']['name'])
    if source is None:
        return problems
    src = source['name']
    taken = {'peer': source['peer'],
             'identity': next((r for r in rows.get('identity', []) if r.get('peer') == src), None),
             'profile': _sole(rows.get('profile', []), source['profile'], _users(peers, 'profile', source['profile']), [source['peer']]),
             'proposal': (_sole(rows.get('proposal', []), source['proposals'][0], _users(policies, 'proposal', source['proposals'][0]),
                                source['policies']) if len(source['proposals']) == 1 else None)}
    for key, entry in entries:
        if key in ('nat', 'raw'):
            entry['adopt'] = True      # the guide's bypass rules for the same selectors belong to the tunnel taken over
            continue
        row = taken.get(key)
        if key == 'policy':
            pair = (_net(entry['key_values']['src-address']), _net(entry['key_values']['dst-address']))
            row = next((p for p in source['policies'] if selectors(p) == pair), None)
        if row is None:
            continue
        # the planning print's row (every compared property), not the narrower one read_sources printed
        row = next((r for r in rows.get(key, []) if r.get('.id') == row.get('.id')), row)
        own_key = [r for r in rows.get(key, []) if r is not row and _same_key(key, r, entry, t)]
        if own_key:
            problems.append(f'router {router}: {t["where"]}: adopt_from: {key} {_label(entry)} already exists '
                            f'({own_key[0].get(".id")}) besides the one to take over ({row.get(".id")}); RouterOS keeps one name per entry. '
                            'Remove one of them, or adopt: true to take over the one with the tunnel\'s key instead')
            continue
        entry['adopt_row'], entry['adopt'] = row, True
    return problems


def _sole(rows, name, users, adopted):
    """The row named ``name`` when every entry using it is being adopted (else it stays, shared)."""
    if name in (None, 'default'):
        return None
    ids = {a.get('.id') for a in adopted}
    if any(u.get('.id') not in ids for u in users):
        return None
    return next((r for r in rows if r.get('name') == name), None)


def _same_key(key, row, entry, t):
    if key in ('profile', 'proposal', 'peer'):
        return row.get('name') == t['name']
    if key == 'identity':
        return row.get('peer') == t['name']
    if key == 'policy':
        pair = (_net(entry['key_values']['src-address']), _net(entry['key_values']['dst-address']))
        return row.get('peer') == t['name'] and selectors(row) == pair
    return False


def _label(entry):
    return ' '.join(f'{k}={v}' for k, v in entry['key_values'].items())


def conflicts(session, resolved, rows, sources):
    """Problems the router's configuration already shows (text per conflict); nothing is written when there is one."""
    problems = []
    router = session.router
    removed = {t['name'] for t in resolved if t['state'] == 'absent'}
    for t in resolved:
        if t['state'] != 'present':
            continue
        source = (sources.get(t['name']) or {}).get('name')
        mine = (t['name'], source)
        gateway = _net(t['peer_address'])
        for peer in rows.get('peer', []):
            if peer.get('name') in mine or _net(peer.get('address')) != gateway or _true(peer.get('passive')) or _true(peer.get('dynamic')):
                continue
            if (peer.get('exchange-mode') or 'main') != exchange_mode(t) or (is_ours(peer) and peer.get('name') in removed):
                continue
            problems.append(
                f'router {router}, /ip/ipsec/peer, {t["where"]}: peer {peer.get("name")!r} ({peer.get(".id")}) already initiates to '
                f'{t["peer_address"]} with exchange-mode {exchange_mode(t)}; RouterOS refuses a second one ("Multiple initiator peers for '
                f'the same address"). Nothing was changed on this router. To move that tunnel under the name {t["name"]!r} set '
                f'adopt_from: {peer.get("name")} on the tunnel; otherwise remove that peer or make it passive')
        pairs = wanted_pairs(t)
        for policy in rows.get('policy', []):
            if policy.get('peer') in mine or _true(policy.get('template')) or _true(policy.get('dynamic')):
                continue
            if selectors(policy) not in pairs or (is_ours(policy) and policy.get('peer') in removed):
                continue
            problems.append(
                f'router {router}, /ip/ipsec/policy, {t["where"]}: policy {policy.get(".id")} (peer {policy.get("peer")!r}) already has the '
                f'selectors {policy.get("src-address")} -> {policy.get("dst-address")}; RouterOS marks a second policy with them invalid '
                f'and traffic follows the first. Nothing was changed on this router. To take that tunnel over set adopt_from: '
                f'{policy.get("peer")} on the tunnel; otherwise remove that policy or change local_subnets/remote_subnets')
    return problems
