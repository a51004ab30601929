#!/usr/bin/python
# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ipsec_peer
short_description: Manage one IPsec peer on RouterOS
version_added: 0.1.0
author:
  - vpclink developers (@vpclink)
description:
  - 'Creates, updates in place or removes one entry of C(/ip/ipsec/peer), found by O(name).'
  - 'The referenced O(profile) must exist; create it first with M(vpclink.routeros.ipsec_profile).'
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
  - 'Menu C(/ip/ipsec/peer). Key: O(name).'
  - 'In check mode a missing reference is a warning, because an earlier task of the same play would create it in a real run.'
seealso:
  - module: vpclink.routeros.ipsec_profile
  - module: vpclink.routeros.ipsec_proposal
  - module: vpclink.routeros.ipsec_identity
  - module: vpclink.routeros.ipsec_policy
options:
  name:
    description:
      - 'Name of the peer; the stable key of the entry.'
    type: str
    required: true
  address:
    description:
      - 'Remote gateway address or prefix; a plain address means /32 (IPv4) or /128 (IPv6).'
      - 'RouterOS 7 also accepts a DNS name.'
    type: str
  local_address:
    description:
      - 'Local address to use for IKE.'
    type: str
  passive:
    description:
      - 'Only respond, never initiate.'
    type: bool
  ike_port:
    description:
      - 'Remote IKE port (RouterOS property C(port); renamed because O(port) is the API port).'
    type: int
  profile:
    description:
      - 'Name of the phase 1 profile (M(vpclink.routeros.ipsec_profile)); it must exist.'
    type: str
  exchange_mode:
    description:
      - 'IKE exchange mode.'
      - 'Allowed on RouterOS 6: V(main), V(main-l2tp), V(aggressive), V(base), V(ike2).'
      - 'Allowed on RouterOS 7: V(main), V(aggressive), V(base), V(ike2).'
    type: str
  send_initial_contact:
    description:
      - 'Send the INITIAL-CONTACT notification.'
    type: bool
  ppk_secret:
    description:
      - 'Post-quantum preshared key; RouterOS 7.21 or newer. Never shown; see O(update_secret).'
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
  update_secret:
    description:
      - 'What to do with secrets (O(ppk_secret)) when the router does not show them (API user without the C(sensitive) policy).'
      - 'When the router shows a secret it is always compared, and written only when it differs.'
      - 'V(always) writes a hidden secret on every run (the task then reports a change); V(on_create) writes it only when the entry is
        created.'
    type: str
    choices: [always, on_create]
    default: always
"""

EXAMPLES = r"""
- name: Peer for the cloud VPN gateway
  vpclink.routeros.ipsec_peer:
    hostname: 192.0.2.1
    username: ansible
    password: "{{ routeros_password }}"
    name: to_tencent
    address: 203.0.113.9
    exchange_mode: main
    profile: to_tencent
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
  sample: ["/ip/ipsec/peer/set =.id=*1A =lifetime=8h"]
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
  sample: /ip/ipsec/peer
secret_notes:
  description: Why a secret the router hides was written (see O(update_secret)).
  returned: when a hidden secret was written
  type: dict
"""

from ansible_collections.vpclink.routeros.plugins.module_utils.runner import run_module  # noqa: E402 (Ansible modules document before importing)


def main():
    run_module('ipsec_peer')


if __name__ == '__main__':
    main()
