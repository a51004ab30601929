#!/usr/bin/python
# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: fleet_tunnels
short_description: The IPsec tunnels of every router of the batch, from one controller task (the role's engine)
version_added: 0.1.0
author:
  - vpclink developers (@vpclink)
description:
  - 'Does the router work of the role C(vpclink.routeros.vpc_tunnel) for every host of the batch (C(ansible_play_batch))
    from ONE task on the controller: use it with C(run_once: true). Ansible costs about one task of controller time per host
    and per task (skipped tasks included); here the routers are handled in a bounded thread pool instead.'
  - 'For each host it reads that host''s role variables exactly as the host''s own task would see them (role defaults, role
    params, play, group and host vars, extra vars): C(vpc_tunnel_api), C(vpc_tunnel_tunnels), C(vpc_tunnel_state),
    C(vpc_tunnel_update_secret), C(vpc_tunnel_backup_dir), C(vpc_tunnel_backup_secrets), C(vpc_tunnel_rollback_on_failure),
    C(vpc_tunnel_sheet_dir), C(vpc_tunnel_write_sheet), C(vpc_tunnel_show_sheet), C(vpc_tunnel_verify_wait),
    C(vpc_tunnel_fail_on_unhealthy), C(vpc_tunnel_write_report), C(vpc_tunnel_report_dir), C(vpc_tunnel_cloud_api),
    C(vpc_tunnel_cloud_apply) (see the role''s options).
    Each router''s values are checked against the options of M(vpclink.routeros.tunnels) (or M(vpclink.routeros.ipsec_info)
    to verify): bad input is that router''s failure, naming the field, before anything is written.'
  - 'Phases, as the role''s tags select them (C(--tags), C(--skip-tags)): C(preflight) for every router of the batch first (no
    router contact; the cloud sheet is written); a preflight failure stops the batch before any write when the play''s
    C(max_fail_percentage) or C(any_errors_fatal) would stop it (the routers that passed are then reported V(not_run)),
    otherwise the others go on. Then, per router, ONE API session: C(apply) (apply, verify and diagnose, as
    M(vpclink.routeros.tunnels) O(vpclink.routeros.tunnels#module:mode=apply)) or the removal; or, when nothing is applied,
    the read-only C(verify) (as M(vpclink.routeros.ipsec_info): each tunnel''s C(verify.ping), C(vpc_tunnel_verify_wait));
    C(report): the fleet report files of every host of the play and the summary, as M(vpclink.routeros.fleet_report)
    writes them.'
  - 'Every router''s outcome is its own record in RV(routers): an exception, a refused connection or a trap on one router
    never hides another router''s outcome. The task itself fails only when its own options are wrong; fail each router with
    its record (C(failed_when) on RV(routers[inventory_hostname].fail)), as the role does.'
attributes:
  check_mode:
    description: Plans every router without a write; tunnels are V(not_verified). The report files are written in check mode too.
    support: full
  diff_mode:
    description: A list of diffs, each header naming its router and entry; secrets masked.
    support: full
  platform:
    description: Runs on the controller and connects to each router's API from there.
    support: full
    platforms: posix
notes:
  - 'Each router''s variables are read as for C(delegate_to) (ansible-core''s C(VariableManager.get_vars) for that host and this
    task), so a host''s role variables must not depend on facts set by earlier tasks of other hosts.'
  - 'With C(vpc_tunnel_cloud_api) the Tencent end of each router''s tunnels is read before its preflight, or with
    C(vpc_tunnel_cloud_apply) created or updated after the preflight and before the router (then read back) and removed after
    the router, in the same order as the role''s per-host cloud tasks did it (module_utils/cloud_steps.py, the Tencent modules''
    engine).'
seealso:
  - module: vpclink.routeros.tunnels
  - module: vpclink.routeros.ipsec_info
  - module: vpclink.routeros.fleet_report
options:
  entry:
    description:
      - 'The role''s entry point: V(main) (preflight, then apply or remove per C(vpc_tunnel_state), and verify), V(preflight)
        (no router contact, no report), V(verify_only) (read-only verification and report) or V(absent) (remove every listed
        tunnel).'
    type: str
    default: main
    choices: [main, preflight, verify_only, absent]
  concurrency:
    description:
      - How many routers are worked on at the same time (threads in the controller; each holds one API session).
    type: int
    default: 50
"""

EXAMPLES = r"""
- name: The tunnels of every router of the batch (one task)
  vpclink.routeros.fleet_tunnels:
    concurrency: 50
  run_once: true
  register: fleet

- name: Each router with its own verdict
  ansible.builtin.debug:
    msg: "{{ fleet.routers[inventory_hostname].lines }}"
  failed_when: fleet.routers[inventory_hostname].fail
  changed_when: fleet.routers[inventory_hostname].changed
"""

RETURN = r"""
changed:
  description: Whether any router (or its cloud sheet) changed.
  returned: always
  type: bool
failing:
  description:
    - The routers of the batch that fail (C(routers[name].fail)), by inventory name, in batch order. C(playbooks/verify.yml)
      fails only these hosts, in a second play, so healthy routers cost no per-host task.
  returned: always
  type: list
  elements: str
  sample: [r7]
routers:
  description:
    - One record per router of the batch, by inventory name, in the shape M(vpclink.routeros.fleet_report) takes, and what the
      play shows and decides for the router.
  returned: always
  type: dict
  sample:
    r1:
      name: r1
      status: ok
      message: ''
      error_kind: ''
      tunnels: [{name: to_vpc, healthy: true}]
      warnings: []
      lines: ['r1 / to_vpc: UP phase1=established uptime=5m SAs=2 ping=-']
      fail: false
      changed: false
      recorded: true
      preflight: {changed: false, logins: 0}
      result: {changed: false, tunnels: []}
  contains:
    status:
      description: V(ok), V(failed) (V(unreachable) in the report when C(error_kind) says the API was never reached) or V(not_run).
      type: str
    message:
      description: What failed, naming the step (empty when nothing failed).
      type: str
    error_kind:
      description: The C(error_kind) of the step that failed (V(unreachable), V(tls), V(timeout), V(login), V(trap), V(input), ...).
      type: str
    tunnels:
      description: The tunnels as M(vpclink.routeros.tunnels) or M(vpclink.routeros.ipsec_info) returned them (by name only when nothing was read).
      type: list
      elements: dict
    warnings:
      description: This router's warnings (shown once per cause for the play).
      type: list
      elements: str
    lines:
      description: What the play shows for this router (the cloud sheet, one line per tunnel, then the cause and fix of what is not up, or what failed).
      type: list
      elements: str
    fail:
      description: Whether the router fails (it failed, or a tunnel is not up and C(vpc_tunnel_fail_on_unhealthy)).
      type: bool
    changed:
      description: Whether this router (or its cloud sheet) changed.
      type: bool
    recorded:
      description: Whether the record is an outcome the fleet report shows (a preflight that passed alone is not).
      type: bool
    preflight:
      description: The result of the router's preflight (as M(vpclink.routeros.tunnels) O(vpclink.routeros.tunnels#module:mode=preflight) returns it).
      type: dict
    result:
      description: The result of the router's apply, removal or read-only verification.
      type: dict
diff:
  description: Every router's diffs (the cloud sheet's and the entries'), each header naming its router.
  returned: with C(--diff), when something differs
  type: list
  elements: dict
files:
  description: Absolute path of each report file written (C(json), C(html), C(xml)).
  returned: when the report was written
  type: dict
totals:
  description: The report's totals (see M(vpclink.routeros.fleet_report)).
  returned: when the report was written
  type: dict
summary:
  description: The end-of-run summary lines (see M(vpclink.routeros.fleet_report)).
  returned: when the report was written
  type: list
  elements: str
show_summary:
  description: Whether the play shows the summary now (after the last batch, or after a batch with a failure).
  returned: when the report was written
  type: bool
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402 (Ansible modules document before importing)

from ansible_collections.vpclink.routeros.plugins.module_utils.fleet import argument_spec  # noqa: E402


def main():
    # Only the action plugin can read the other hosts' variables: there is no fallback that runs on a target.
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    module.fail_json(msg='vpclink.routeros.fleet_tunnels runs in the controller (its action plugin); it cannot run as a module on a host')


if __name__ == '__main__':
    main()
