#!/usr/bin/python
# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ipsec_policy
short_description: Manage one IPsec policy on RouterOS
version_added: 0.1.0
author:
  - vpclink developers (@vpclink)
description:
  - 'Creates, updates in place or removes one entry of C(/ip/ipsec/policy), found by O(peer), O(src_address) and O(dst_address).'
  - 'A peer may have several policies.'
  - 'The built-in template policy and dynamic policies are never changed or removed.'
  - 'Only the options you give are compared and written; RouterOS keeps its own defaults for the rest.'
  - 'Values are compared after normalisation: V(1d) equals V(24h), multi-value options are sets, V(yes) equals V(true), prefixes are canonical.'
  - 'An entry is updated in place with one C(set) of only the changed properties; it is never removed and re-created.'
  - 'Entries flagged C(default), C(dynamic) or C(builtin) are never changed or removed; two entries with the same key are an error naming both C(.id).'
  - 'Values this RouterOS version does not support and missing references fail before anything is written.'
extends_documentation_fragment:
  - vpclink.routeros.api
  - vpclink.routeros.api.actiongroup_api
attributes:
  check_mode:
    description: A check run computes the same plan as a real run and reports exactly what it would change, without writing.
    support: full
  diff_mode:
    description: Per-entry before and after, with secrets masked.
    support: full
  platform:
    description: Runs on the controller and talks to the router's API.
    support: full
    platforms: RouterOS
notes:
  - 'Menu C(/ip/ipsec/policy). Key: O(peer), O(src_address) and O(dst_address).'
  - 'In check mode a missing reference is a warning, because an earlier task of the same play would create it in a real run.'
seealso:
  - module: vpclink.routeros.ipsec_profile
  - module: vpclink.routeros.ipsec_proposal
  - module: vpclink.routeros.ipsec_peer
  - module: vpclink.routeros.ipsec_identity
options:
  peer:
    description:
      - 'Name of the peer (M(vpclink.routeros.ipsec_peer)); part of the stable key.'
    type: str
    required: true
  src_address:
    description:
      - 'Local network, e.g. V(192.168.1.0/24); part of the key. A plain address means /32.'
      - 'A prefix with host bits set (V(192.168.1.5/24)) is rejected.'
    type: str
    required: true
  dst_address:
    description:
      - 'Remote (VPC) network, e.g. V(10.0.0.0/16); part of the key.'
    type: str
    required: true
  action:
    description:
      - 'What to do with matching traffic.'
      - 'Allowed: V(encrypt), V(discard), V(none).'
    type: str
  level:
    description:
      - 'SA level.'
      - 'Allowed: V(require), V(use), V(unique).'
    type: str
  ipsec_protocols:
    description:
      - 'IPsec protocols (a set).'
      - 'Allowed: V(esp), V(ah).'
    type: list
    elements: str
  tunnel:
    description:
      - 'Tunnel mode (site-to-site needs V(true)).'
    type: bool
  proposal:
    description:
      - 'Name of the phase 2 proposal (M(vpclink.routeros.ipsec_proposal)); it must exist.'
    type: str
  protocol:
    description:
      - 'IP protocol to match, V(all) or a name or number.'
    type: str
  src_port:
    description:
      - 'Source port, V(any) or a number.'
    type: str
  dst_port:
    description:
      - 'Destination port, V(any) or a number.'
    type: str
  comment:
    description:
      - 'Comment on the entry.'
    type: str
  disabled:
    description:
      - 'Whether the entry is disabled.'
    type: bool
  state:
    description:
      - 'V(present) creates or updates the entry found by its key; V(absent) removes only that entry.'
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Encrypt LAN to VPC traffic through the peer
  vpclink.routeros.ipsec_policy:
    hostname: 192.0.2.1
    username: ansible
    password: "{{ routeros_password }}"
    peer: to_tencent
    src_address: 192.168.1.0/24
    dst_address: 10.0.0.0/16
    tunnel: true
    action: encrypt
    proposal: to_tencent
"""

RETURN = r"""
changed:
  description: Whether the entry was (or, in check mode, would be) created, updated or removed.
  returned: always
  type: bool
action:
  description: What happened to the entry.
  returned: success
  type: str
  choices: [created, updated, deleted, unchanged]
  sample: updated
id:
  description: RouterOS C(.id) of the entry; V(null) when nothing matched, or for a create in check mode.
  returned: success
  type: str
  sample: '*1A'
entry:
  description: The entry after the run (RouterOS property names, only known values), secrets masked as C(********).
  returned: success
  type: dict
  sample: {".id": "*1A", "name": "to_tencent"}
commands:
  description: The API commands sent (or that would be sent in check mode), secrets masked.
  returned: success
  type: list
  elements: str
  sample: ["/ip/ipsec/policy/set =.id=*1A =lifetime=8h"]
changed_properties:
  description: RouterOS names of the properties written.
  returned: when changed and O(state=present)
  type: list
  elements: str
  sample: [lifetime]
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
  sample: /ip/ipsec/policy
"""

from ansible_collections.vpclink.routeros.plugins.module_utils.runner import run_module  # noqa: E402 (Ansible modules document before importing)


def main():
    run_module('ipsec_policy')


if __name__ == '__main__':
    main()
