# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Per-menu knowledge of ``/ip/firewall/nat`` (the NAT bypass accept rule) and ``/ip/firewall/raw``
(the FastTrack bypass): their specs and where our rule must stand in its chain.

Both bypasses are MikroTik's own recipe (IPsec manual, "NAT and Fasttrack Bypass":
https://help.mikrotik.com/docs/spaces/ROS/pages/11993097/IPsec). Whether another rule could catch the tunnel
traffic before ours is decided by ``rule_match.could_catch``, the same function the diagnosis uses. Placement
asks it about every rule above ours: a rule that could catch is a reason to move, even when a rule above it
would accept the traffic first (one move is cheap, a wrong "no move" breaks the tunnel).
"""

from __future__ import annotations

from ansible_collections.vpclink.routeros.plugins.module_utils.menu import Field, MenuSpec
from ansible_collections.vpclink.routeros.plugins.module_utils.rule_match import MATCHERS, SRCNAT_TRANSLATING, Flow, chains_of, could_catch

# Actions of the NAT and raw tables (MikroTik NAT manual https://help.mikrotik.com/docs/spaces/ROS/pages/3211299/NAT
# and Firewall RAW manual https://help.mikrotik.com/docs/x/LoCkBw).
NAT_ACTIONS = ('accept', 'add-dst-to-address-list', 'add-src-to-address-list', 'dst-nat', 'endpoint-independent-nat', 'jump',
               'log', 'masquerade', 'netmap', 'passthrough', 'redirect', 'return', 'same', 'socksify', 'src-nat')
RAW_ACTIONS = ('accept', 'add-dst-to-address-list', 'add-src-to-address-list', 'drop', 'jump', 'log', 'notrack', 'passthrough', 'return')
# In raw prerouting an earlier accept ends the chain before our notrack (a jump counts when its chain may accept).
# A drop is never a reason to move: placing notrack above a drop could weaken the user's filtering.
RAW_CATCHING = ('accept',)


class ChainPlacement:
    """``placement`` of an ordered firewall menu (see ``MenuSpec``): which rules of ``chain`` could catch
    traffic from ``src-address`` to ``dst-address`` before our rule does.

    ``into_policy``: the traffic goes into an outgoing IPsec policy when the chain sees it (srcnat)."""

    matchers = MATCHERS

    def __init__(self, chain, catching_actions, into_policy=False):
        self.chain = chain
        self.catching_actions = tuple(catching_actions)
        self.into_policy = into_policy

    def catches(self, row, desired, rows):
        """Reason text when ``row`` could catch the traffic first, else None. ``rows``: every rule read (a
        ``jump`` is followed into the chains among them)."""
        flow = Flow(desired.get('src-address'), desired.get('dst-address'), into_policy=self.into_policy)
        return could_catch(row, flow, self.catching_actions, chains_of(rows))


NAT_PLACEMENT = ChainPlacement('srcnat', SRCNAT_TRANSLATING, into_policy=True)
RAW_PLACEMENT = ChainPlacement('prerouting', RAW_CATCHING)

_SRC = ['Local (LAN) network, e.g. V(192.168.1.0/24); part of the key. A plain address means /32.',
        'A prefix with host bits set is rejected.']
_DST = ['Remote (VPC) network, e.g. V(10.0.0.0/16); part of the key.']

# Our rule is found by this key: chain=srcnat, src-address, dst-address, action=accept.
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
    """The NAT bypass rule, and with ``fasttrack_bypass`` the two raw notrack rules, in one session.

    Dependency order: the NAT rule is created before the raw rules and removed after them."""
    from ansible_collections.vpclink.routeros.plugins.module_utils.menu import reconcile

    base = {k: params.get(k) for k in ('src_address', 'dst_address', 'comment', 'disabled', 'state', 'adopt')}
    jobs = [(NAT, base)]
    if params.get('fasttrack_bypass'):
        raw = {k: params.get(k) for k in ('comment', 'state', 'adopt')}
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
