# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Could a firewall or NAT rule catch a flow? The one answer that NAT/raw placement (``firewall.ChainPlacement``)
and the tunnel diagnosis (``diagnose``) both use.

A flow is the traffic between two networks (an IPsec policy's selectors). A rule "could catch" it when the rule
is enabled, its action is one of the actions the caller cares about (for srcnat: the ones that rewrite the
source), and none of its matchers PROVES that it matches no packet of the flow. The proofs:

* ``src-address``/``dst-address`` (address, prefix or ``a-b`` range) that does not overlap the flow's network,
  or a negated ``!X`` whose ``X`` covers the whole network;
* ``ipsec-policy=out,none`` when the flow goes into an outgoing IPsec policy: the rule then matches only packets
  that do NOT, which is how RouterOS's default masquerade exempts tunnel traffic (MikroTik IPsec manual, "NAT and
  Fasttrack Bypass": https://help.mikrotik.com/docs/spaces/ROS/pages/11993097/IPsec).

Everything else a rule may match on is unknown here and taken to match: address lists (their content is not
read), in/out interfaces and interface lists, protocols and ports (a masquerade restricted to tcp still breaks tcp
through the tunnel), marks, address types. A ``jump`` sends the packet through the rules of its ``jump-target``
chain and, when none of them ends its way, back to the rule after the jump (MikroTik firewall filter manual,
actions ``jump`` and ``return``: https://help.mikrotik.com/docs/spaces/ROS/pages/48660574/Filter). So a jump
could catch when a rule of the target chain could; when the caller did not read that chain, it could.
"""

from __future__ import annotations

import ipaddress

# Actions that rewrite the source address (MikroTik NAT manual: https://help.mikrotik.com/docs/spaces/ROS/pages/3211299/NAT).
SRCNAT_TRANSLATING = ('masquerade', 'src-nat', 'netmap', 'same', 'endpoint-independent-nat')

# What a rule does and its bookkeeping: not matchers.
NOT_MATCHERS = frozenset(('.id', '.nextid', 'chain', 'action', 'comment', 'disabled', 'dynamic', 'invalid', 'builtin', 'default',
                          'bytes', 'packets', 'log', 'log-prefix', 'jump-target', 'to-addresses', 'to-ports', 'address-list',
                          'address-list-timeout', 'reject-with', 'place-before'))

# The matchers of /ip/firewall/nat, filter and raw (MikroTik NAT and Filter manuals, "Properties"), printed for every
# rule a placement or a diagnosis looks at: a matcher left out of the print would look like "no matcher", and a
# rule that accepts only some packets would look as if it accepted all of them.
MATCHERS = ('chain', 'action', 'jump-target', 'disabled', 'dynamic', 'comment',
            'src-address', 'dst-address', 'src-address-list', 'dst-address-list', 'src-address-type', 'dst-address-type',
            'in-interface', 'in-interface-list', 'out-interface', 'out-interface-list', 'in-bridge-port', 'in-bridge-port-list',
            'out-bridge-port', 'out-bridge-port-list', 'protocol', 'src-port', 'dst-port', 'port', 'ipsec-policy',
            'connection-mark', 'packet-mark', 'routing-mark', 'connection-state', 'connection-nat-state', 'connection-type',
            'connection-bytes', 'connection-limit', 'connection-rate', 'content', 'dscp', 'dst-limit', 'fragment', 'hotspot',
            'icmp-options', 'ingress-priority', 'ipv4-options', 'layer7-protocol', 'limit', 'nth', 'packet-size',
            'per-connection-classifier', 'priority', 'psd', 'random', 'src-mac-address', 'tcp-flags', 'tcp-mss', 'time',
            'tos', 'ttl')

_ADDRESSES = ('src-address', 'dst-address')


def _truthy(value):
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ('true', 'yes')


class Flow:
    """Traffic from network ``src`` to network ``dst`` (CIDR or address text; None or unreadable = unknown).

    ``into_policy``: the packets go into an outgoing IPsec policy (tunnel traffic in the srcnat chain)."""

    def __init__(self, src, dst, into_policy=False):
        self.nets = {'src-address': _network(src), 'dst-address': _network(dst)}
        self.into_policy = into_policy

    @property
    def known(self):
        return all(net is not None for net in self.nets.values())


def _network(text):
    if text in (None, ''):
        return None
    try:
        return ipaddress.ip_network(str(text).strip(), strict=False)
    except ValueError:
        return None


def _span(text):
    """``'10.0.0.0/8'`` / ``'10.0.0.1'`` / ``'10.0.0.1-10.0.0.9'`` -> (IP version, first, last) as integers."""
    text = str(text).strip()
    if '-' in text:
        low, _sep, high = text.partition('-')
        first, last = ipaddress.ip_address(low.strip()), ipaddress.ip_address(high.strip())
        return first.version, int(first), int(last)
    net = ipaddress.ip_network(text, strict=False)
    return net.version, int(net.network_address), int(net.broadcast_address)


def _address_relation(rule_value, net):
    """-> (could match some address of ``net``, matches every address of ``net``) for a ``[!]`` address matcher.

    An unset matcher matches everything; an unreadable one or an unknown network could match, and is not known
    to match everything."""
    if rule_value in (None, ''):
        return True, True
    text = str(rule_value).strip()
    negate = text.startswith('!')
    try:
        version, first, last = _span(text.lstrip('!'))
    except ValueError:
        return True, False
    if net is None:
        return True, False
    if version != net.version:
        return negate, negate        # an IPv4 matcher never matches IPv6 traffic; its negation always does
    low, high = int(net.network_address), int(net.broadcast_address)
    overlaps = first <= high and low <= last
    covers = first <= low and high <= last
    return (not covers, not overlaps) if negate else (overlaps, covers)


def address_could_match(rule_value, cidr):
    """Could a rule's address matcher (``[!]`` address, prefix or range) match SOME address of ``cidr``?"""
    return _address_relation(rule_value, _network(cidr))[0]


def _ipsec_policy(row):
    return str(row.get('ipsec-policy') or '').replace(' ', '')


def _unknown(row, flow):
    """``name=value`` of every matcher whose effect on ``flow`` this module cannot know."""
    out = []
    for name, value in row.items():
        if name in NOT_MATCHERS or name in _ADDRESSES or value in (None, ''):
            continue
        if name == 'ipsec-policy' and flow.into_policy and _ipsec_policy(row) == 'out,ipsec':
            continue                 # tunnel traffic is exactly what out,ipsec matches
        out.append(f'{name}={value}')
    return out


def could_catch(row, flow, actions, chains=None, _path=()):
    """Why ``row`` could catch packets of ``flow`` with one of ``actions``, or None when it cannot.

    ``chains``: ``{chain name: rows in order}`` of every chain the caller read, to follow ``jump`` rules. A jump
    into a chain that is not there (or back into a chain already on the way) is taken to catch."""
    if _truthy(row.get('disabled', False)):
        return None
    action = str(row.get('action') or 'accept')
    if action != 'jump' and action not in actions:
        return None
    if not all(_address_relation(row.get(name), flow.nets[name])[0] for name in _ADDRESSES):
        return None
    if flow.into_policy and _ipsec_policy(row) == 'out,none':
        return None
    what = 'action={} src-address={} dst-address={}'.format(action, row.get('src-address') or 'any', row.get('dst-address') or 'any')
    unknown = _unknown(row, flow)
    if unknown:
        what += ' ({} taken to match)'.format(', '.join(unknown))
    if action != 'jump':
        return what
    target = row.get('jump-target')
    if not target or chains is None or target not in chains or target in _path:
        return f'{what} jump-target={target or "?"} (the rules of that chain were not read: taken to catch)'
    for inner in chains[target]:
        why = could_catch(inner, flow, actions, chains, _path + (row.get('chain'), target))
        if why is not None:
            return f'{what} jump-target={target}, whose rule {inner.get(".id", "?")} {why}'
    return None


def takes_every_packet(row, flow):
    """Is ``row`` enabled and known to match every packet of ``flow`` (no matcher this module cannot judge)?"""
    if _truthy(row.get('disabled', False)):
        return False
    if not all(_address_relation(row.get(name), flow.nets[name])[1] for name in _ADDRESSES):
        return False
    return not _unknown(row, flow)


def chains_of(rows):
    """``{chain: rows in print order}``."""
    chains = {}
    for row in rows:
        chains.setdefault(row.get('chain'), []).append(row)
    return chains


def first_in_the_way(rows, flow, actions, chains=None):
    """Walk ``rows`` (one chain, in order) as a packet of ``flow`` does: ``(rule, reason)`` of the first rule that
    could catch it, or None when none could before an ``accept`` (or ``return``) rule that takes every packet of
    the flow ends the chain for it."""
    for row in rows:
        why = could_catch(row, flow, actions, chains)
        if why is not None:
            return row, why
        if str(row.get('action') or 'accept') in ('accept', 'return') and takes_every_packet(row, flow):
            return None
    return None
