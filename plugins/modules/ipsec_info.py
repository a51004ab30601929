#!/usr/bin/python
# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: ipsec_info
short_description: Read, wait for, probe and diagnose IPsec tunnels on RouterOS
version_added: 0.1.0
author:
  - vpclink developers (@vpclink)
description:
  - 'Reads, for one peer (O(peer)) or every peer: phase 1 (C(/ip/ipsec/active-peers)), phase 2 (the runtime state of
    C(/ip/ipsec/policy): C(ph2-state), C(active)), the installed SAs (C(/ip/ipsec/installed-sa), without key material) and the
    recent IPsec lines of C(/log).'
  - 'Never changes the configuration of the router: it sends only C(print), with O(ping) C(/ping) and, with O(rekey) (never in
    check mode), C(/ip/ipsec/installed-sa/flush). C(changed) is always V(false).'
  - 'Per tunnel it returns C(status): V(up) when phase 1 is established, every selector pair (policy) of the peer has phase 2
    and two mature SAs are installed per pair; V(partial) when phase 1 is up but some selector pairs are not (they are named in
    C(down_selectors)); V(down) otherwise. C(healthy) is V(true) only for V(up) and, with O(ping), an answered probe. The
    C(tunnels) module decides the same way.'
  - 'When a tunnel is not healthy, it also returns a C(diagnosis): the failure class, the phase, the evidence lines, the fix,
    the other candidates and whether the diagnosis is certain.'
  - 'With O(wait_for=established) it polls, in the same API session, until every (enabled) reported tunnel is V(up), or until
    O(wait_timeout) has passed; then the task fails with the diagnosis of the tunnels that did not come up.'
  - 'The identity secret is never read, so it cannot appear in the output.'
extends_documentation_fragment:
  - vpclink.routeros.api
  - vpclink.routeros.api.actiongroup_api
attributes:
  check_mode:
    description: Read-only; runs the same in check mode, except that O(rekey) flushes nothing there.
    support: full
  diff_mode:
    description: Nothing is changed, so there is no diff.
    support: none
notes:
  - 'Works on RouterOS 6.49 and 7.x. On 6.49 C(active-peers) has no C(id), C(spii), C(spir) or C(port). C(/log) times are
    returned as the router prints them (the format differs between 6.49 and 7.x).'
  - 'O(timeout) is the API socket timeout of every read; O(wait_timeout) bounds the whole wait.'
  - 'Diagnosis classes are the failure classes of this collection (e.g. V(psk), V(identity), V(phase1_proposal),
    V(phase2_proposal), V(pfs), V(traffic_selectors), V(no_response), V(nat_bypass), V(data_path)), plus
    V(not_configured) when no matching peer exists.'
seealso:
  - module: vpclink.routeros.nat_accept_top
  - module: vpclink.routeros.ipsec_peer
options:
  peer:
    description:
      - Name of the C(/ip/ipsec/peer) to report. Without it (and without O(peers)), every non-dynamic peer is reported.
    type: str
  peers:
    description:
      - Names of the C(/ip/ipsec/peer) entries to report (with O(peer), both are reported); O(wait_for) waits only for
        them. A name the router does not have is reported as not configured.
      - The role's read-only verification passes the inventory's tunnels here, so a hand-built peer that is down neither
        delays nor fails it.
    type: list
    elements: str
  wait_for:
    description:
      - V(established) waits until the reported tunnels are up (phase 1, phase 2 and two mature SAs for every selector pair).
    type: str
    choices: [established]
  wait_timeout:
    description:
      - Seconds to wait with O(wait_for). The task ends within this time plus one poll.
    type: int
    default: 60
  wait_interval:
    description:
      - Seconds between polls with O(wait_for), after shorter first waits (0.25 s, 0.5 s, 1 s; never longer than this).
        Each poll costs three reads (active-peers, policy, installed-sa).
    type: float
    default: 2.0
  ping:
    description:
      - Probe the data path after reading (and waiting) with RouterOS C(/ping) from a LAN address of the router.
      - The result counts for the tunnel whose policy covers O(ping.src_address) to O(ping.address).
    type: dict
    suboptions: &probe
      src_address:
        description: Source address, a LAN address of the router inside the policy's C(src-address).
        type: str
        required: true
      address:
        description: Address of a host in the VPC.
        type: str
        required: true
      count:
        description: Number of echo requests (1..100).
        type: int
        default: 3
  pings:
    description:
      - More probes like O(ping), one per tunnel to probe, all in the same session; each counts for the tunnel whose policy
        covers it. Their results are returned in RV(pings).
    type: list
    elements: dict
    suboptions: *probe   # the same keys as ping (a YAML alias of its suboptions)
  collect_warnings:
    description:
      - Return the warnings in RV(collected_warnings) instead of showing them, so that a play over many routers can show each
        cause once, listing the routers (the role's read-only verification does, in its report phase).
    type: bool
    default: false
  log_lines:
    description:
      - How many of the most recent IPsec C(/log) lines to read (V(0) for none).
    type: int
    default: 50
  cloud_log:
    description:
      - Log lines pasted from the cloud side (Tencent, Alibaba, AWS, strongSwan wording); they often name the cause more
        precisely than RouterOS does.
    type: list
    elements: str
  cloud_side:
    description:
      - The preflight comparison of both ends (the output of the collection's cloud comparison), passed to the diagnosis to
        confirm or rule out classes.
    type: raw
  rekey:
    description:
      - Prove the tunnels survive a CHILD SA rekey. Waits as O(wait_for=established) does; then, when a reported tunnel is up, forces
        the rekey the way an operator does on RouterOS, C(/ip ipsec installed-sa flush) (phase 2 is negotiated again inside the IKE
        SA), and waits up to O(wait_timeout) again until every tunnel that was up is up on new SAs. A tunnel that does not come back
        is not healthy, C(rekey=failed), with the diagnosis of the refused rekey (an IKEv2 PFS group that differs from the
        cloud's shows only here, since the first CHILD SA is built without a key exchange).
      - The flush cannot be limited to one peer (RouterOS's flush only chooses AH or ESP SAs), so every tunnel of the router rekeys.
      - RouterOS negotiates phase 2 again when traffic meets a policy without SAs, or when the peer starts it, so right after the flush
        one echo request of each probe (O(ping), O(pings)) is sent (its answer does not count; the probes proper run after the wait). A
        tunnel that carries no traffic and has no probe may only come back with its next packet.
      - In check mode nothing is flushed (a warning says so) and C(rekey) is V(not_run).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Wait for the tunnel and probe it
  vpclink.routeros.ipsec_info:
    hostname: 192.0.2.1
    username: ansible
    password: "{{ routeros_password }}"
    peer: to_tencent
    wait_for: established
    wait_timeout: 90
    ping:
      src_address: 192.168.1.1
      address: 10.0.0.10
  register: tunnel

- name: Show the diagnosis
  ansible.builtin.debug:
    var: tunnel.tunnels[0].diagnosis
  when: not tunnel.healthy
"""

RETURN = r"""
changed:
  description: Always V(false).
  returned: always
  type: bool
healthy:
  description: True when every reported tunnel is healthy.
  returned: success
  type: bool
tunnels:
  description: One entry per reported peer.
  returned: success
  type: list
  elements: dict
  contains:
    peer:
      description: Peer name.
      type: str
    address:
      description: The peer's remote address.
      type: str
    disabled:
      description: Whether the peer is disabled.
      type: bool
    healthy:
      description: C(status) is V(up) and, with O(ping), the probe answered.
      type: bool
    status:
      description:
        - V(up) (phase 1, phase 2 of every selector pair, two mature SAs per pair), V(partial) (phase 1 up, some selector
          pairs or SAs missing) or V(down).
      type: str
      choices: [up, partial, down]
    down_selectors:
      description: The selector pairs without phase 2, as C(SRC -> DST) (for example C(192.168.1.0/24 -> 10.0.0.0/24)).
      type: list
      elements: str
    reason:
      description: Why the tunnel is not healthy, in one line (empty when it is).
      type: str
    sas:
      description: C(mature) (mature SAs of the peer) and C(needed) (two per selector pair).
      type: dict
    phase1:
      description: C(state), C(established) and the C(active-peers) row (C(active_peer), V(null) when there is none).
      type: dict
    phase2:
      description: The peer's policies with C(ph2-state), C(active), C(ph2-count).
      type: list
      elements: dict
    installed_sa:
      description: SAs whose source or destination is the peer (no key material).
      type: list
      elements: dict
    log:
      description: IPsec log lines that concern this peer (or name no other peer), C(time), C(topics), C(message).
      type: list
      elements: dict
    ping:
      description: C(sent), C(received), C(success) of the probe, when it covers this tunnel.
      type: dict
    rekey:
      description:
        - With O(rekey). V(passed) (flushed and up again on new SAs), V(failed) (flushed and not up again) or V(not_run) (not up
          before the rekey, or check mode).
      type: str
      choices: [passed, failed, not_run]
    diagnosis:
      description:
        - When not healthy. C(class), C(phase), C(title), C(certain), C(evidence) (redacted lines), C(fix),
          C(candidates) (ranked other classes), C(stage), C(notes), and C(settle) when not certain (which line from
          which end, or which compared field, would tell the candidates apart).
      type: dict
log:
  description: The recent IPsec lines of C(/log) (at most O(log_lines)).
  returned: success
  type: list
  elements: dict
ping:
  description: The probe result (C(sent), C(received), C(success)), or C(error) when C(/ping) could not run.
  returned: when O(ping) is given
  type: dict
collected_warnings:
  description: The warnings of the run, not shown (O(collect_warnings=true)).
  returned: when O(collect_warnings=true)
  type: list
  elements: str
pings:
  description: The results of O(pings), in order, each as RV(ping).
  returned: when O(pings) is given
  type: list
  elements: dict
polls:
  description: How many times the runtime state was read.
  returned: success
  type: int
waited:
  description: Seconds spent waiting with O(wait_for).
  returned: success
  type: float
timed_out:
  description: True when O(wait_for) gave up after O(wait_timeout); the task then fails.
  returned: success
  type: bool
round_trips:
  description: API commands sent after the version read.
  returned: success
  type: int
# BEGIN generated by tools/update_docs.py from plugins/module_utils/result_docs.py: edit there and run the tool, not here
router:
  description: 'C(hostname:port) of the router.'
  returned: always
  type: str
  sample: 192.0.2.1:8728
routeros_version:
  description: 'RouterOS version read from C(/system/resource).'
  returned: when connected
  type: str
  sample: 7.16.2
# END generated by tools/update_docs.py
"""

from ansible_collections.vpclink.routeros.plugins.module_utils.runner import run_module  # noqa: E402 (Ansible modules document before importing)


def main():
    run_module('ipsec_info')


if __name__ == '__main__':
    main()
