# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Per-menu knowledge of ``/ip/firewall/nat`` (the NAT bypass accept rule) and ``/ip/firewall/raw``
(the FastTrack bypass), and the reasoning "could this rule catch the tunnel traffic first?".

Reference routeros-api-ipsec-semantics.md §4 (properties, ``!`` negation, ranges, ``ipsec-policy``,
``place-before``/``move``) and cloud-side-and-diagnosis.md §8 (NAT and FastTrack bypass).

"Could catch" is deliberately conservative: a rule catches unless one of its matchers PROVES it
cannot match any packet from ``src-address`` to ``dst-address``. Proofs used:

* ``src-address``/``dst-address`` (prefix, address or ``a-b`` range) that does not overlap our
  network; ``!X`` that covers our whole network (then the negation excludes every packet);
* ``ipsec-policy=out,none`` on a srcnat rule: it matches only packets that do NOT go into an IPsec
  policy, and the tunnel traffic does (§8: this is the defconf masquerade, MikroTik's own
  alternative to the accept rule). Our rule is still managed, but such a rule never forces a move;
* actions that neither translate nor end the chain (``passthrough``, ``log``, ``add-*-to-address-list``)
  and ``accept`` (an accept above us lets the traffic through un-NATed, which is what we want).

Anything unknown counts as "could match": address lists (their content is not read), interfaces,
interface lists, marks, protocols and ports (a masquerade restricted to tcp still breaks tcp
through the tunnel), address types. ``jump`` counts as catching, because the target chain may
masquerade.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.vpclink.routeros.plugins.module_utils.menu import Field, MenuSpec

# §4.1 action enum; the ones that rewrite the source address (or may, via another chain).
SRCNAT_TRANSLATING = ('masquerade', 'src-nat', 'netmap', 'same', 'endpoint-independent-nat', 'jump')
NAT_ACTIONS = ('accept', 'add-dst-to-address-list', 'add-src-to-address-list', 'dst-nat', 'endpoint-independent-nat', 'jump',
               'log', 'masquerade', 'netmap', 'passthrough', 'redirect', 'return', 'same', 'socksify', 'src-nat')
# In raw prerouting an earlier accept (or a jump that may accept) ends the chain before our notrack.
# A drop is never a reason to move: placing notrack above a drop could weaken the user's filtering.
RAW_CATCHING = ('accept', 'jump')
RAW_ACTIONS = ('accept', 'add-dst-to-address-list', 'add-src-to-address-list', 'drop', 'jump', 'log', 'notrack', 'passthrough', 'return')

# Matchers whose effect the module cannot know (taken to match).
UNKNOWN_MATCHERS = ('src-address-list', 'dst-address-list', 'out-interface', 'out-interface-list', 'in-interface', 'in-interface-list',
                    'protocol')
# Matchers read from every rule of the chain (one print, DESIGN rule 8).
MATCHERS = ('chain', 'action', 'src-address', 'dst-address', 'src-address-list', 'dst-address-list', 'ipsec-policy',
            'out-interface', 'out-interface-list', 'in-interface', 'in-interface-list', 'protocol', 'disabled', 'dynamic', 'comment')


def _span(text):
    """``'10.0.0.0/8'`` / ``'10.0.0.1'`` / ``'10.0.0.1-10.0.0.9'`` -> (first, last) integers and IP version."""
    text = str(text).strip()
    if '-' in text:
        low, _sep, high = text.partition('-')
        first, last = ipaddress.ip_address(low.strip()), ipaddress.ip_address(high.strip())
        return first.version, int(first), int(last)
    net = ipaddress.ip_network(text, strict=False)
    return net.version, int(net.network_address), int(net.broadcast_address)


def address_could_match(rule_value, our_cidr):
    """Could a rule's address matcher (``[!]`` address, prefix or range) match SOME address of ``our_cidr``?

    Unparseable values count as "could match" (conservative)."""
    if rule_value in (None, ''):
        return True
    text = str(rule_value).strip()
    negate = text.startswith('!')
    try:
        version, first, last = _span(text.lstrip('!'))
        ours = ipaddress.ip_network(our_cidr, strict=False)
    except ValueError:
        return True
    if version != ours.version:
        return negate        # an IPv4 matcher never matches IPv6 traffic; its negation always does
    low, high = int(ours.network_address), int(ours.broadcast_address)
    overlaps = first <= high and low <= last
    covers = first <= low and high <= last
    return not covers if negate else overlaps


class ChainPlacement:
    """``placement`` of an ordered firewall menu (see ``MenuSpec``): which rules of ``chain`` catch
    traffic from ``src-address`` to ``dst-address`` before our rule does."""

    matchers = MATCHERS

    def __init__(self, chain, catching_actions, ipsec_out_none_skips=False):
        self.chain = chain
        self.catching_actions = tuple(catching_actions)
        self.ipsec_out_none_skips = ipsec_out_none_skips

    def catches(self, row, desired, version):
        """Reason text when ``row`` could catch the traffic first, else None."""
        action = str(row.get('action') or 'accept')
        if action not in self.catching_actions:
            return None
        src, dst = desired.get('src-address'), desired.get('dst-address')
        if not address_could_match(row.get('src-address'), src) or not address_could_match(row.get('dst-address'), dst):
            return None
        policy = str(row.get('ipsec-policy') or '').replace(' ', '')
        if self.ipsec_out_none_skips and policy == 'out,none':
            # §8: tunnel traffic is matched by an outgoing IPsec policy, so out,none never matches it.
            return None
        unknown = [f'{name}={row[name]}' for name in UNKNOWN_MATCHERS if row.get(name)]
        what = 'action={} src-address={} dst-address={}'.format(action, row.get('src-address') or 'any', row.get('dst-address') or 'any')
        if unknown:
            what += ' ({} taken to match)'.format(', '.join(unknown))
        return what


NAT_PLACEMENT = ChainPlacement('srcnat', SRCNAT_TRANSLATING, ipsec_out_none_skips=True)
RAW_PLACEMENT = ChainPlacement('prerouting', RAW_CATCHING)

_SRC = ['Local (LAN) network, e.g. V(192.168.1.0/24); part of the key. A plain address means /32.',
        'A prefix with host bits set is rejected.']
_DST = ['Remote (VPC) network, e.g. V(10.0.0.0/16); part of the key.']

# DESIGN rule 3: NAT accept rule key = chain=srcnat + src-address + dst-address + action=accept.
NAT = MenuSpec('NAT rule', '/ip/firewall/nat', keys=('chain', 'src-address', 'dst-address', 'action'), query_keys=('chain',),
               flags=('dynamic', 'builtin'), has_update_secret=False, placement=NAT_PLACEMENT, fields=[
    Field('chain', 'str', fixed='srcnat'),
    Field('action', 'choice', NAT_ACTIONS, default='accept', fixed='accept'),
    Field('src-address', 'cidr', description=_SRC),
    Field('dst-address', 'cidr', description=_DST),
    Field('comment', 'str', default='', description=['Comment on the rule (shown in WinBox and C(print)); not part of the key.']),
    Field('disabled', 'bool', default=False, description=['Whether the rule is disabled.']),
])


def raw_spec(direction):
    """The FastTrack bypass notrack rule for one direction (``out``: LAN -> VPC, ``in``: VPC -> LAN)."""
    return MenuSpec(f'raw notrack rule ({direction})', '/ip/firewall/raw', keys=('chain', 'src-address', 'dst-address', 'action'),
                    query_keys=('chain',), flags=('dynamic', 'builtin'), has_update_secret=False, placement=RAW_PLACEMENT, fields=[
        Field('chain', 'str', fixed='prerouting'),
        Field('action', 'choice', RAW_ACTIONS, default='accept', fixed='notrack'),
        Field('src-address', 'cidr'),
        Field('dst-address', 'cidr'),
        Field('comment', 'str', default=''),
    ])


# Descriptions of nat_accept_top's options that are not NAT fields (tools/update_docs.py writes them into its DOCUMENTATION).
NAT_OPTION_DESCRIPTIONS = {
    'fasttrack_bypass': ['Also manage the two C(/ip/firewall/raw) C(notrack) rules that keep the tunnel traffic out of FastTrack.',
                         'With O(state=absent), also remove them (only the ones with this key).'],
    'state': ['V(present) creates, updates or moves the rule found by its key; V(absent) removes only that rule.'],
}


def nat_argument_spec():
    spec = NAT.argument_spec()
    spec['fasttrack_bypass'] = dict(type='bool', default=False)
    return spec


def nat_accept_top(session, params, check_mode=False, diff=False, warn=None):
    """The NAT bypass rule, and with ``fasttrack_bypass`` the two raw notrack rules (§8), in one session.

    Dependency order (DESIGN rule 6): create NAT rule then raw rules; remove in reverse."""
    from ansible_collections.vpclink.routeros.plugins.module_utils.menu import reconcile

    base = {k: params.get(k) for k in ('src_address', 'dst_address', 'comment', 'disabled', 'state')}
    jobs = [(NAT, base)]
    if params.get('fasttrack_bypass'):
        raw = {k: params.get(k) for k in ('comment', 'state')}
        jobs.append((raw_spec('out'), dict(raw, src_address=params.get('src_address'), dst_address=params.get('dst_address'))))
        jobs.append((raw_spec('in'), dict(raw, src_address=params.get('dst_address'), dst_address=params.get('src_address'))))
    if (params.get('state') or 'present') == 'absent':
        jobs.reverse()
    results = [(spec, reconcile(session, spec, job, check_mode=check_mode, diff=diff, warn=warn)) for spec, job in jobs]
    main = dict(next(r for s, r in results if s is NAT))
    extra = [r for s, r in results if s is not NAT]
    if extra:
        main['fasttrack_bypass'] = [{k: v for k, v in r.items() if k not in ('diff', 'warnings', 'router', 'routeros_version')} for r in extra]
        main['changed'] = any(r['changed'] for s, r in results)
        main['commands'] = [c for s, r in results for c in r['commands']]
        if diff:
            main['diff'] = [r['diff'] for s, r in results]
    main.pop('warnings', None)   # already delivered through warn()
    return main
