#!/usr/bin/python
# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: nat_accept_top
short_description: Keep a NAT bypass accept rule for tunnel traffic above every masquerade on RouterOS
version_added: 0.1.0
author:
  - vpclink developers (@vpclink)
description:
  - 'Manages one C(/ip/firewall/nat) rule C(chain=srcnat action=accept src-address=... dst-address=...) so that traffic from the
    LAN to the VPC is not masqueraded before it reaches the IPsec policy (MikroTik IPsec manual, "NAT and Fasttrack Bypass").'
  - 'The rule is found by its key C(chain=srcnat), O(src_address), O(dst_address) and C(action=accept); no other rule is ever
    changed, moved or removed, and you do not have to list the other rules of the chain.'
  - 'On create the rule is added with C(place-before) directly above the first rule of the srcnat chain that could catch the
    traffic first; when nothing could, it is appended.'
  - 'An existing rule is moved (C(move numbers=<ours> destination=<that rule>)) only when a rule above it could catch the traffic
    first; a rule already in a good position is never moved, so a second run writes nothing.'
  - 'A rule "could catch" the traffic when its action translates the source (V(masquerade), V(src-nat), V(netmap), V(same),
    V(endpoint-independent-nat)) or may lead to a translation (V(jump)), it is enabled, and none of its matchers proves it cannot
    match: a C(src-address)/C(dst-address) prefix, address or range that does not overlap the network, a negated C(!X) that
    covers the whole network, or C(ipsec-policy=out,none) (it matches only traffic that goes into no IPsec policy, which is how
    the RouterOS default configuration exempts tunnel traffic). Address lists, interfaces, interface lists, protocols and
    marks are unknown to the module and taken to match.'
  - 'Dynamic rules cannot have a rule placed above them; one that could catch the traffic is reported as a warning.'
  - 'With O(fasttrack_bypass=true), also manages the FastTrack bypass MikroTik recommends: two C(/ip/firewall/raw) rules
    C(chain=prerouting action=notrack), LAN to VPC and VPC to LAN, placed above any raw rule that would accept them first.
    The same ownership rules apply (key: chain, src-address, dst-address, action).'
  - 'Two rules with the same key are an error naming both C(.id).'
extends_documentation_fragment:
  - vpclink.routeros.api
  - vpclink.routeros.api.actiongroup_api
attributes:
  check_mode:
    description: A check run computes the same plan as a real run (create, set, move or remove) and reports it without writing.
    support: full
  diff_mode:
    description: Per-rule before and after, including the rule's position in its chain.
    support: full
  platform:
    description: Runs on the controller and talks to the router's API.
    support: full
    platforms: RouterOS
notes:
  - 'Menu C(/ip/firewall/nat), chain C(srcnat); with O(fasttrack_bypass=true) also C(/ip/firewall/raw), chain C(prerouting).'
  - 'RouterOS keeps NATing connections that existed before the rule; clear them (C(/ip/firewall/connection)) after the first run.'
  - 'The raw notrack bypass is the FastTrack bypass the MikroTik IPsec manual calls the better option (less CPU); it also
    takes that traffic out of connection tracking, so stateful filter rules (connection-state) no longer see it.'
seealso:
  - module: vpclink.routeros.ipsec_policy
  - module: vpclink.routeros.ipsec_info
options:
  src_address:
    description:
      - Local (LAN) network, e.g. V(192.168.1.0/24); part of the key. A plain address means /32.
      - A prefix with host bits set is rejected.
    type: str
    required: true
  dst_address:
    description:
      - Remote (VPC) network, e.g. V(10.0.0.0/16); part of the key.
    type: str
    required: true
  comment:
    description:
      - Comment on the rule (shown in WinBox and C(print)); not part of the key.
    type: str
  disabled:
    description:
      - Whether the rule is disabled.
    type: bool
  fasttrack_bypass:
    description:
      - Also manage the two C(/ip/firewall/raw) C(notrack) rules that keep the tunnel traffic out of FastTrack.
      - With O(state=absent), also remove them (only the ones with this key).
    type: bool
    default: false
  state:
    description:
      - V(present) creates, updates or moves the rule found by its key; V(absent) removes only that rule.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Exempt LAN to VPC traffic from masquerade
  vpclink.routeros.nat_accept_top:
    hostname: 192.0.2.1
    username: ansible
    password: "{{ routeros_password }}"
    src_address: 192.168.1.0/24
    dst_address: 10.0.0.0/16
    comment: vpc tunnel to_tencent

- name: The same, with the FastTrack bypass
  vpclink.routeros.nat_accept_top:
    hostname: 192.0.2.1
    username: ansible
    password: "{{ routeros_password }}"
    src_address: 192.168.1.0/24
    dst_address: 10.0.0.0/16
    fasttrack_bypass: true
"""

RETURN = r"""
changed:
  description: Whether a rule was (or, in check mode, would be) created, updated, moved or removed.
  returned: always
  type: bool
action:
  description: What happened to the NAT rule; V(updated) also when it was both changed and moved.
  returned: success
  type: str
  choices: [created, updated, moved, deleted, unchanged]
  sample: moved
moved:
  description: True when the rule was (or would be) moved.
  returned: when moved
  type: bool
id:
  description: RouterOS C(.id) of the NAT rule; V(null) when nothing matched, or for a create in check mode.
  returned: success
  type: str
  sample: '*5'
entry:
  description: The NAT rule after the run (RouterOS property names).
  returned: success
  type: dict
  sample: {".id": "*5", "chain": "srcnat", "action": "accept", "src-address": "192.168.1.0/24", "dst-address": "10.0.0.0/16"}
placement:
  description:
    - Where the rule stands. C(before) is the C(.id) of the rule it was placed or moved above (V(null) when no move was needed),
      C(reason) what that rule matches, C(position) the 0-based index in the chain after the run.
  returned: when O(state=present)
  type: dict
  sample: {"before": "*1", "reason": "action=masquerade src-address=any dst-address=any (out-interface=ether1 taken to match)",
           "chain": "srcnat", "position": 0}
commands:
  description: The API commands sent (or that would be sent in check mode), NAT rule first (raw rules after; reverse on removal).
  returned: success
  type: list
  elements: str
  sample: ["/ip/firewall/nat/move =numbers=*5 =destination=*1"]
changed_properties:
  description: RouterOS names of the NAT rule properties written.
  returned: when changed and O(state=present)
  type: list
  elements: str
  sample: [comment]
fasttrack_bypass:
  description: The results (same keys as above) for the two raw notrack rules, LAN to VPC first.
  returned: when O(fasttrack_bypass=true)
  type: list
  elements: dict
router:
  description: C(hostname:port) of the router.
  returned: always
  type: str
  sample: 192.0.2.1:8728
routeros_version:
  description: RouterOS version read from C(/system/resource).
  returned: when connected
  type: str
  sample: 7.16.2
menu:
  description: The API menu managed.
  returned: success
  type: str
  sample: /ip/firewall/nat
"""

from ansible_collections.vpclink.routeros.plugins.module_utils.runner import run_module  # noqa: E402 (Ansible modules document before importing)


def main():
    run_module('nat_accept_top')


if __name__ == '__main__':
    main()
