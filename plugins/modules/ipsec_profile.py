#!/usr/bin/python
# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ipsec_profile
short_description: Manage one IPsec phase 1 profile on RouterOS
version_added: 0.1.0
author:
  - vpclink developers (@vpclink)
description:
  - 'Creates, updates in place or removes one entry of C(/ip/ipsec/profile), found by O(name).'
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
  - 'Menu C(/ip/ipsec/profile). Key: O(name).'
  - 'In check mode a missing reference is a warning, because an earlier task of the same play would create it in a real run.'
seealso:
  - module: vpclink.routeros.ipsec_proposal
  - module: vpclink.routeros.ipsec_peer
  - module: vpclink.routeros.ipsec_identity
  - module: vpclink.routeros.ipsec_policy
options:
  name:
    description:
      - 'Name of the phase 1 profile; the stable key of the entry.'
      - 'The built-in V(default) profile is never changed or removed.'
    type: str
    required: true
  hash_algorithm:
    description:
      - 'Phase 1 hash (integrity) algorithm.'
      - 'Allowed on RouterOS 6: V(md5), V(sha1), V(sha256), V(sha512).'
      - 'Allowed on RouterOS 7: V(md5), V(sha1), V(sha256), V(sha384), V(sha512).'
    type: str
  prf_algorithm:
    description:
      - 'IKEv2 pseudo-random function; RouterOS 7 only.'
      - 'Allowed: V(auto), V(sha1), V(sha256), V(sha384), V(sha512).'
    type: str
  enc_algorithm:
    description:
      - 'Phase 1 encryption algorithms (a set: order does not matter). A list or a comma string.'
      - 'Allowed on RouterOS 6: V(aes-256), V(aes-192), V(aes-128), V(camellia-256), V(camellia-192), V(camellia-128), V(blowfish),
        V(3des), V(des).'
      - 'Allowed on RouterOS 7: V(aes-256), V(aes-192), V(aes-128), V(3des), V(des).'
    type: list
    elements: str
  dh_group:
    description:
      - 'Diffie-Hellman groups (a set). A list or a comma string.'
      - 'Allowed on RouterOS 6: V(ecp521), V(ecp384), V(ecp256), V(modp8192), V(modp6144), V(modp4096), V(modp3072), V(modp2048),
        V(modp1536), V(modp1024), V(ec2n185), V(ec2n155), V(modp768).'
      - 'Allowed on RouterOS 7: V(x25519), V(ecp256), V(ecp384), V(ecp521), V(modp8192), V(modp6144), V(modp4096), V(modp3072),
        V(modp2048), V(modp1536), V(modp1024), V(modp768).'
    type: list
    elements: str
  lifetime:
    description:
      - 'Phase 1 SA lifetime, RouterOS time syntax (V(1d) equals V(24h) and V(86400s)).'
    type: str
  lifebytes:
    description:
      - 'Phase 1 lifetime in bytes, V(0) for none.'
    type: int
  proposal_check:
    description:
      - 'How the responder checks the initiator lifetime and PFS.'
      - 'Allowed: V(claim), V(exact), V(obey), V(strict).'
    type: str
  nat_traversal:
    description:
      - 'Use NAT-T (UDP 4500) when NAT is detected.'
    type: bool
  dpd_interval:
    description:
      - 'Dead peer detection interval (V(0s)..V(1h)), or V(disable-dpd).'
    type: str
  dpd_maximum_failures:
    description:
      - 'Dead peer detection failures before the peer is declared dead (1..100).'
    type: int
  ppk:
    description:
      - 'Post-quantum preshared key mode; RouterOS 7.21 or newer.'
      - 'Allowed: V(no), V(psk), V(psk-ike-initial), V(qkd).'
    type: str
  state:
    description:
      - 'V(present) creates or updates the entry found by its key; V(absent) removes only that entry.'
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: Phase 1 profile for the Tencent Cloud VPN gateway
  vpclink.routeros.ipsec_profile:
    hostname: 192.0.2.1
    username: ansible
    password: "{{ routeros_password }}"
    tls: true
    name: to_tencent
    hash_algorithm: sha1
    enc_algorithm: [aes-128]
    dh_group: modp1024
    lifetime: 24h

- name: Same, with the connection options set once for the play
  module_defaults:
    group/vpclink.routeros.api:
      hostname: "{{ ansible_host }}"
      username: ansible
      password: "{{ routeros_password }}"
  vpclink.routeros.ipsec_profile:
    name: to_tencent
    state: absent
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
  sample: ["/ip/ipsec/profile/set =.id=*1A =lifetime=8h"]
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
  sample: /ip/ipsec/profile
"""

from ansible_collections.vpclink.routeros.plugins.module_utils.runner import run_module  # noqa: E402 (Ansible modules document before importing)


def main():
    run_module('ipsec_profile')


if __name__ == '__main__':
    main()
