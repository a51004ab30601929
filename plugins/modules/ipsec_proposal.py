#!/usr/bin/python
# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ipsec_proposal
short_description: Manage one IPsec phase 2 proposal on RouterOS
version_added: 0.1.0
author:
  - vpclink developers (@vpclink)
description:
  - 'Creates, updates in place or removes one entry of C(/ip/ipsec/proposal), found by O(name).'
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
  - 'Menu C(/ip/ipsec/proposal). Key: O(name).'
  - 'In check mode a missing reference is a warning, because an earlier task of the same play would create it in a real run.'
seealso:
  - module: vpclink.routeros.ipsec_profile
  - module: vpclink.routeros.ipsec_peer
  - module: vpclink.routeros.ipsec_identity
  - module: vpclink.routeros.ipsec_policy
options:
  name:
    description:
      - 'Name of the phase 2 proposal; the stable key of the entry.'
      - 'The built-in V(default) proposal is never changed or removed.'
    type: str
    required: true
  auth_algorithms:
    description:
      - 'Phase 2 authentication algorithms (a set). A list or a comma string. Use V([]) with GCM ciphers.'
      - 'Allowed: V(sha512), V(sha256), V(sha1), V(md5), V(null).'
    type: list
    elements: str
  enc_algorithms:
    description:
      - 'Phase 2 encryption algorithms (a set). A list or a comma string.'
      - 'Allowed on RouterOS 6: V(aes-256-cbc), V(aes-256-ctr), V(aes-256-gcm), V(camellia-256), V(aes-192-cbc), V(aes-192-ctr),
        V(aes-192-gcm), V(camellia-192), V(aes-128-cbc), V(aes-128-ctr), V(aes-128-gcm), V(camellia-128), V(3des), V(blowfish),
        V(twofish), V(des), V(null).'
      - 'Allowed on RouterOS 7: V(chacha20poly1305), V(aes-256-cbc), V(aes-256-ctr), V(aes-256-gcm), V(camellia-256), V(aes-192-cbc),
        V(aes-192-ctr), V(aes-192-gcm), V(camellia-192), V(aes-128-cbc), V(aes-128-ctr), V(aes-128-gcm), V(camellia-128), V(3des),
        V(blowfish), V(twofish), V(des), V(null).'
    type: list
    elements: str
  lifetime:
    description:
      - 'Phase 2 SA lifetime, RouterOS time syntax.'
    type: str
  pfs_group:
    description:
      - 'Perfect forward secrecy group, V(none) to disable.'
      - 'Allowed: V(none), V(ecp256), V(ecp384), V(ecp521), V(modp768), V(modp1024), V(modp1536), V(modp2048), V(modp3072), V(modp4096),
        V(modp6144), V(modp8192).'
    type: str
  comment:
    description:
      - 'Comment on the entry; RouterOS 7.15 or newer.'
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
- name: Phase 2 proposal
  vpclink.routeros.ipsec_proposal:
    hostname: 192.0.2.1
    username: ansible
    password: "{{ routeros_password }}"
    name: to_tencent
    auth_algorithms: md5
    enc_algorithms: aes-128-cbc
    pfs_group: none
    lifetime: 1h
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
  sample: ["/ip/ipsec/proposal/set =.id=*1A =lifetime=8h"]
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
  sample: /ip/ipsec/proposal
"""

from ansible_collections.vpclink.routeros.plugins.module_utils.runner import run_module  # noqa: E402 (Ansible modules document before importing)


def main():
    run_module('ipsec_proposal')


if __name__ == '__main__':
    main()
