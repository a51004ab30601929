#!/usr/bin/python
# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ipsec_identity
short_description: Manage the IPsec identity of one peer on RouterOS
version_added: 0.1.0
author:
  - vpclink developers (@vpclink)
description:
  - 'Creates, updates in place or removes the entry of C(/ip/ipsec/identity) that belongs to O(peer) (one identity per peer).'
  - 'Rotating O(secret) updates the same entry; it never creates a second identity.'
  - 'O(secret) and O(password) never appear in results, diffs, warnings or errors.'
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
  - 'Menu C(/ip/ipsec/identity). Key: O(peer).'
  - 'In check mode a missing reference is a warning, because an earlier task of the same play would create it in a real run.'
seealso:
  - module: vpclink.routeros.ipsec_profile
  - module: vpclink.routeros.ipsec_proposal
  - module: vpclink.routeros.ipsec_peer
  - module: vpclink.routeros.ipsec_policy
options:
  peer:
    description:
      - 'Name of the peer (M(vpclink.routeros.ipsec_peer)); the stable key of the entry: one identity per peer.'
    type: str
    required: true
  auth_method:
    description:
      - 'Authentication method.'
      - 'Allowed: V(digital-signature), V(eap), V(eap-radius), V(pre-shared-key), V(pre-shared-key-xauth), V(rsa-key),
        V(rsa-signature-hybrid).'
    type: str
  secret:
    description:
      - 'Pre-shared key. Never shown in results, diffs or errors; see O(update_secret).'
    type: str
  generate_policy:
    description:
      - 'Generate policies dynamically from the peer''s proposal.'
      - 'Allowed: V(no), V(port-override), V(port-strict).'
    type: str
  my_id:
    description:
      - 'Local identity: V(auto), V(dn), or V(address:...), V(fqdn:...), V(user-fqdn:...), V(key-id:...).'
    type: str
  remote_id:
    description:
      - 'Expected remote identity: as O(my_id), plus V(ignore).'
    type: str
  match_by:
    description:
      - 'How the remote identity is matched.'
      - 'Allowed: V(remote-id), V(certificate).'
    type: str
  mode_config:
    description:
      - 'Mode config name, V(none) or V(request-only).'
    type: str
  policy_template_group:
    description:
      - 'Policy template group for generated policies.'
    type: str
  notrack_chain:
    description:
      - 'Raw firewall chain for notrack rules.'
    type: str
  certificate:
    description:
      - 'Local certificate name (certificate authentication).'
    type: str
  remote_certificate:
    description:
      - 'Remote certificate name (certificate authentication).'
    type: str
  eap_methods:
    description:
      - 'EAP methods (a set).'
      - 'Allowed: V(eap-mschapv2), V(eap-peap), V(eap-tls), V(eap-ttls).'
    type: list
    elements: str
  auth_username:
    description:
      - 'XAuth or EAP user name (RouterOS property C(username); renamed because O(username) is the API user).'
    type: str
  auth_password:
    description:
      - 'XAuth or EAP password (RouterOS property C(password); renamed because O(password) is the API password).'
      - 'Never shown; see O(update_secret).'
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
      - 'What to do with secrets (O(secret), O(auth_password)) when the router does not show them (API user without the C(sensitive)
        policy).'
      - 'When the router shows a secret it is always compared, and written only when it differs.'
      - 'V(always) writes a hidden secret on every run (the task then reports a change); V(on_create) writes it only when the entry is
        created.'
    type: str
    choices: [always, on_create]
    default: always
"""

EXAMPLES = r"""
- name: Pre-shared key for the peer
  vpclink.routeros.ipsec_identity:
    hostname: 192.0.2.1
    username: ansible
    password: "{{ routeros_password }}"
    peer: to_tencent
    auth_method: pre-shared-key
    secret: "{{ vault_psk_to_tencent }}"
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
  sample: ["/ip/ipsec/identity/set =.id=*1A =lifetime=8h"]
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
  sample: /ip/ipsec/identity
secret_notes:
  description: Why a secret the router hides was written (see O(update_secret)).
  returned: when a hidden secret was written
  type: dict
"""

from ansible_collections.vpclink.routeros.plugins.module_utils.runner import run_module  # noqa: E402 (Ansible modules document before importing)


def main():
    run_module('ipsec_identity')


if __name__ == '__main__':
    main()
