#!/usr/bin/python
# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: tunnels
short_description: Build, verify, diagnose and remove one router's IPsec site-to-site tunnels in one API session
version_added: 0.1.0
author:
  - vpclink developers (@vpclink)
description:
  - 'Does ONE router''s whole tunnel set to cloud VPC VPN gateways over ONE API session (one login): the unit of work of the
    role C(vpclink.routeros.vpc_tunnel).'
  - 'Per present tunnel it manages a phase 1 profile, a phase 2 proposal and a peer named C(name), the identity of that
    peer, one policy per (local, remote) subnet pair, and with C(nat_bypass) one C(/ip/firewall/nat) accept rule per
    pair placed above any rule that could catch the traffic (comment C(vpclink:<name>)); with C(fasttrack_bypass) two
    C(/ip/firewall/raw) notrack rules per pair.'
  - 'The IKE and ESP parameters default field by field to the cloud preset''s recommended values; explicit values are always
    written, RouterOS defaults (for example the default proposal''s C(pfs-group=modp1024)) are never relied on.'
  - 'O(mode=preflight) never contacts the router: it validates the input, resolves the presets, checks what the cloud accepts
    and what no RouterOS version can do, warns about weak choices and NAT identity hygiene, and when C(cloud_side)
    is given compares both ends field by field, failing with one line per mismatch. It returns the resolved parameters and
    the cloud-side settings in the cloud''s own vocabulary (C(cloud_sheet)).'
  - 'O(mode=apply) does the same checks (and fails before connecting), then in one session reads the RouterOS version once,
    checks every value against that version, reads each menu once, writes only what differs (one C(add) or C(set) per object,
    a C(move) only when a NAT rule above would catch the traffic) in dependency order, and waits until every verified tunnel
    is established (phase 1 established, every policy C(ph2-state=established), two SAs per policy), then the optional ping.'
  - 'A tunnel with C(state=absent) is removed in reverse dependency order: exactly the keyed entries (profile,
    proposal, peer named after it, its identity, every policy of that peer, the firewall rules with its comment). Policies
    and firewall rules of a present tunnel whose subnet pair was dropped are removed too. Entries are never removed and
    re-created to change a value; default, dynamic, built-in and unrelated entries are never touched.'
  - 'When a verified tunnel is not healthy, the result has a C(diagnosis) (class, phase, evidence, fix, candidates, certain) and,
    with O(fail_on_unhealthy), the task fails naming each unhealthy tunnel with its cause and fix. This happens after the
    changes were made: they are not rolled back.'
  - 'The pre-shared key never appears in results, diffs, warnings or errors.'
extends_documentation_fragment:
  - vpclink.routeros.api
  - vpclink.routeros.api.actiongroup_api
attributes:
  check_mode:
    description: A check run reads the router and reports exactly what a real run would change, without writing and without waiting.
    support: full
  diff_mode:
    description: Per object before and after (a list of diffs), secrets masked.
    support: full
  platform:
    description: Runs on the controller and talks to the router's API.
    support: full
    platforms: RouterOS
options:
  tunnels:
    description:
      - 'The router''s tunnels, a list of dicts. Every key is validated; an unknown key is an error naming the tunnel and the key.'
      - 'V(name) (required): RouterOS name of the profile, proposal and peer; letters, digits, V(-), V(_), V(.).'
      - 'V(cloud): V(tencent) (default), V(alibaba), V(aws), V(azure) or V(huawei); selects the preset and the cloud vocabulary.'
      - 'V(peer_address): IPv4 address of the cloud VPN gateway (required for V(state=present)).'
      - 'V(local_subnets), V(remote_subnets): lists of CIDRs (required for V(state=present)); one policy per (local, remote) pair.'
      - 'V(psk): the pre-shared key (required for V(state=present)); not empty, no surrounding whitespace; never output.'
      - 'V(ike): dict with V(version) (1 or 2), V(exchange_mode) (V(main) or V(aggressive), IKEv1 only), V(encryption)
        (string or list of RouterOS profile names such as V(aes-256)), V(hash), V(dh_group) (string or list), V(prf) (optional,
        RouterOS 7), V(lifetime) (RouterOS duration or seconds).'
      - 'V(esp): dict with V(encryption) (string or list, for example V(aes-256-cbc)), V(auth) (string or list), V(pfs_group)
        (V(none) allowed), V(lifetime).'
      - 'V(local_id): V(auto) (default), V(address:IP), V(fqdn:NAME) or a bare IP (= V(address:IP)). V(remote_id): the same, plus V(ignore).'
      - 'V(public_address): the router''s public (NAT) address, for the NAT identity check and the cloud sheet.'
      - 'V(cloud_side): the cloud''s actual settings exactly as its API returns them (Tencent
        V({IKEOptionsSpecification, IPSECOptionsSpecification, SecurityPolicyDatabaseSet, ...})); compared field by field.'
      - 'V(nat_bypass) (default V(true)): a NAT accept rule per pair. V(fasttrack_bypass) (default V(false)): raw notrack rules per
        pair, both directions.'
      - 'V(verify): dict with V(enabled) (default V(true)), V(timeout) seconds (default 60), V(interval) seconds (default 2; the
        longest wait between polls: the first waits are 0.25 s, 0.5 s and 1 s), V(ping) (optional dict V(src_address), V(address),
        V(count) default 3).'
      - 'V(state): V(present) (default) or V(absent).'
      - 'Duplicate names, two present tunnels with the same V(peer_address) and overlapping selectors across tunnels are errors.'
    type: list
    elements: dict
    required: true
  mode:
    description:
      - 'V(preflight): validate, resolve and compare without any connection to the router.'
      - 'V(apply): preflight, then apply and verify in one session.'
    type: str
    choices: [preflight, apply]
    default: apply
  update_secret:
    description:
      - 'When the router hides the identity secret (API user without the C(sensitive) policy): V(always) writes it on every run,
        V(on_create) only when the identity is created. When the router shows it, it is compared and written only when it differs.'
    type: str
    choices: [always, on_create]
    default: always
  fail_on_unhealthy:
    description:
      - 'Fail the task when a verified tunnel is not healthy, naming each with its diagnosis. The changes already made are kept.'
    type: bool
    default: true
  sheet_file:
    description:
      - 'Write the cloud sheet (the settings each tunnel''s cloud side needs, in the cloud''s own vocabulary: C(tunnels[].cloud_sheet)
        of every present tunnel) to this file, as YAML with a comment header; never the PSK.'
      - 'The file is written where this code runs: through the action plugin (the normal case) that is the controller; when the
        module itself runs (the fallback) it is the host the module runs on, which is the controller with C(connection=local).'
      - 'Missing directories are created (mode C(0755)); the file (mode C(0644)) is written only when its content differs, so a
        re-run reports no change. It is written after a passing preflight, before any router contact, in both modes; a failing
        preflight writes nothing.'
      - 'In check mode the file is not written; C(sheet_changed) says whether it would be. With diff mode the file''s before
        and after are part of the diff.'
    type: path
  sheet_router:
    description:
      - 'The router name written into the cloud sheet (its C(router) key and header). Default: O(hostname).'
      - 'The role passes C(inventory_hostname).'
    type: str
notes:
  - 'Cost per router and run: one login; the version read; one print per menu (profile, proposal, peer, identity, policy, NAT,
    and raw only when a tunnel uses C(fasttrack_bypass) or is absent); the writes; then the verify polls.'
  - 'Turning C(fasttrack_bypass) off does not remove existing raw rules; remove the tunnel (V(state=absent)) to remove them.'
seealso:
  - module: vpclink.routeros.ipsec_info
  - module: vpclink.routeros.nat_accept_top
"""

EXAMPLES = r"""
- name: Preflight (no router contact), compare with the cloud's settings
  vpclink.routeros.tunnels:
    hostname: 192.0.2.1
    username: ansible
    password: "{{ routeros_password }}"
    mode: preflight
    tunnels:
      - name: to_tencent
        peer_address: 119.91.254.122
        local_subnets: [192.168.1.0/24]
        remote_subnets: [10.100.1.0/24]
        psk: "{{ vault_psk }}"
        public_address: 113.87.48.200
        local_id: address:113.87.48.200
        cloud_side: "{{ tencent_connection }}"
    sheet_file: "{{ playbook_dir }}/cloud-sheets/{{ inventory_hostname }}.yml"
    sheet_router: "{{ inventory_hostname }}"

- name: Apply and verify
  vpclink.routeros.tunnels:
    hostname: 192.0.2.1
    username: ansible
    password: "{{ routeros_password }}"
    tunnels:
      - name: to_tencent
        peer_address: 119.91.254.122
        local_subnets: [192.168.1.0/24]
        remote_subnets: [10.100.1.0/24]
        psk: "{{ vault_psk }}"
        verify: {timeout: 60, ping: {src_address: 192.168.1.1, address: 10.100.1.6}}
"""

RETURN = r"""
changed:
  description: Whether anything was (or, in check mode, would be) written, on the router or to O(sheet_file).
  returned: always
  type: bool
router:
  description: C(hostname:port) of the router.
  returned: O(mode=apply)
  type: str
routeros_version:
  description: RouterOS version read once from C(/system/resource).
  returned: O(mode=apply)
  type: str
tunnels:
  description:
    - 'Per tunnel: C(name), C(state), C(changed), C(objects) (list of C(menu), C(key), C(action) created|updated|deleted|moved|unchanged,
      C(id), C(changed_properties)), C(healthy), C(status) (V(up), V(partial) or V(down), decided as by ipsec_info),
      C(down_selectors) (the selector pairs without phase 2, C(SRC -> DST)), C(reason), C(phase1) (C(state), C(uptime), C(natt),
      C(remote_address)), C(phase2) (list of C(src), C(dst), C(ph2_state)), C(sas) (C(count), C(mature), C(needed),
      C(algorithms); no keys), C(ping) (C(sent), C(received)) when asked,
      C(diagnosis) when not healthy, C(warnings), C(cloud_sheet) and C(parameters) (resolved, without the PSK).'
  returned: always
  type: list
  elements: dict
mismatches:
  description: Field-by-field differences with C(cloud_side) (tunnel, field, router_value, cloud_value, severity, error_class, message).
  returned: always
  type: list
  elements: dict
commands:
  description: The API commands sent (or that would be sent in check mode), secrets masked.
  returned: O(mode=apply)
  type: list
  elements: str
round_trips:
  description: API sentences sent after the login (0 in O(mode=preflight)).
  returned: always
  type: int
logins:
  description: Logins made (1 in O(mode=apply), 0 in O(mode=preflight)).
  returned: always
  type: int
polls:
  description:
    - 'Verify polls made (each reads active-peers, policies and installed SAs). The waits between polls are 0.25 s, 0.5 s, 1 s,
      then the smallest C(verify.interval) of the verified tunnels (never longer than that interval), up to C(verify.timeout).'
  returned: when a tunnel was verified
  type: int
sheet_file:
  description: Absolute path of the cloud sheet file written (or, in check mode, that would be written).
  returned: when O(sheet_file) is given and the preflight passed
  type: str
sheet_changed:
  description: Whether the cloud sheet file was (or, in check mode, would be) created or rewritten; counts in C(changed).
  returned: when O(sheet_file) is given and the preflight passed
  type: bool
"""

from ansible_collections.vpclink.routeros.plugins.module_utils.runner import run_module  # noqa: E402 (Ansible modules document before importing)


def main():
    run_module('tunnels')


if __name__ == '__main__':
    main()
