#!/usr/bin/python
# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: fleet_report
short_description: Write the fleet report of a run (JSON, HTML, JUnit XML) on the controller
version_added: 0.1.0
author:
  - vpclink developers (@vpclink)
description:
  - 'Takes one record per router of the play (O(routers)) and writes three files into O(dest) on the controller:
    C(fleet-report.json) (the report, whose shape is part of the collection''s interface), C(fleet-report.html) (one
    self-contained page: no external asset, it opens from disk; the totals at the top, one row per router and one per
    tunnel with state, uptime, SAs, bytes, ping, cause and fix, sortable by clicking a column header and filterable by
    text and by state) and C(fleet-report.xml) (JUnit XML for CI systems: a testsuite per router, a testcase for the
    router and one per tunnel).'
  - 'The JSON shape: C(generated) (ISO-8601, UTC), C(playbook), C(routers) (list of C(name), C(status), C(message),
    C(tunnels): list of C(name), C(state), C(cause), C(fix), C(uptime), C(sas), C(ping), C(bytes), C(down_pairs), C(adopted)) and
    C(totals) (C(routers): C(total) and a count per status; C(tunnels): C(total) and a count per state).'
  - 'Router status: V(ok), V(failed) (login refused, bad input, a trap, a tunnel down or partly down), V(unreachable) (the
    API could not be reached: connection refused, timeout, TLS handshake failure) or V(not_run) (a stopped batch never
    reached it). A record that says V(ok) but holds a V(down) or V(partial) tunnel is reported V(failed). A V(failed) record
    that carries the C(error_kind) of the module that failed (as M(vpclink.routeros.tunnels) and
    M(vpclink.routeros.ipsec_info) return it) is reported V(unreachable) when that kind says the API was never reached
    (V(unreachable), V(tls), V(timeout)).'
  - 'Tunnel state: V(up), V(partial) (some selector pairs are down; they are listed in C(down_pairs)), V(down),
    V(not_verified) (check mode, verification turned off, or the router was unreachable or not run: never V(down) for
    a tunnel that was not read) or V(absent) (removed as asked).'
  - 'Secrets never reach the files: every value given in O(secrets) is replaced by C(********) wherever it appears,
    and C(secret=...)-style values in messages and causes are masked too. Every value is escaped in the HTML page and the
    XML file.'
  - 'Runs in the controller (an action plugin); use it once per play (C(run_once: true)).'
attributes:
  check_mode:
    description:
      - 'The report files are written in check mode too, with the states the check found (V(not_verified) for tunnels it
        did not verify): they are the run''s output, not managed state.'
    support: full
  diff_mode:
    description: No diff; the report files are the output.
    support: none
  platform:
    description: Runs on the controller and writes the files there.
    support: full
    platforms: posix
notes:
  - 'The files are written on every run (atomically: a reader never sees half a file), with this run''s time in
    C(generated). C(changed) is V(true) only when something other than C(generated) differs from the report already in
    O(dest) (or a file is missing), so a run that finds the fleet as the previous run did reports no change.'
  - 'A relative O(dest) is taken from the current directory of C(ansible-playbook), not from the playbook''s directory,
    so the report never lands inside an installed collection.'
seealso:
  - module: vpclink.routeros.tunnels
  - module: vpclink.routeros.ipsec_info
options:
  routers:
    description:
      - 'One record per router of the play, a dict: V(name) (the router, for example C(inventory_hostname); required),
        V(status) (V(ok), V(failed), V(unreachable) or V(not_run); required), V(message) (what went wrong, if anything)
        and V(tunnels); optionally V(error_kind) (see above) and V(warnings) (the texts the modules collected for this router).'
      - 'The V(warnings) of all records are shown once per cause as the task''s warnings, each naming its routers (texts that
        differ only in the tunnel they name and in addresses are one cause): 50 routers with the same warning give one line.'
      - 'Each tunnel of V(tunnels) is either in the report''s shape (V(name), V(state), V(cause), V(fix), V(uptime), V(sas),
        V(ping), V(bytes), V(down_pairs)) or a tunnel as M(vpclink.routeros.tunnels) or M(vpclink.routeros.ipsec_info)
        return it (the registered result''s C(tunnels)): C(healthy=true) is V(up), C(healthy=false) is V(down), no
        C(healthy) is V(not_verified); the cause and fix come from C(diagnosis).'
      - 'A record with an unknown status or a tunnel with an unknown state is an error naming the record and the field;
        nothing is written then.'
    type: list
    elements: dict
    required: true
  dest:
    description:
      - Directory to write the three files into, created when missing. Relative to the current directory.
    type: path
    default: reports
  playbook:
    description:
      - What ran, shown in the report (for example V(site.yml)). Defaults to the play's name.
    type: str
  secrets:
    description:
      - Values that must never appear in the report (pre-shared keys, API passwords), replaced by C(********).
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Write the fleet report of the play (once, on the controller)
  vpclink.routeros.fleet_report:
    routers: >-
      {{ ansible_play_hosts_all | map('extract', hostvars, 'my_router_record') | select('defined') | list }}
    dest: "{{ vpc_tunnel_report_dir | default('reports') }}"
    playbook: site.yml
  run_once: true

- name: A report from records built by hand
  vpclink.routeros.fleet_report:
    routers:
      - name: branch-01
        status: ok
        tunnels: "{{ branch01_tunnels.tunnels }}"   # registered from vpclink.routeros.tunnels
      - name: branch-02
        status: unreachable
        message: connection to 192.0.2.2:8729 timed out
        tunnels: [{name: to_tencent}]
    dest: /var/tmp/vpn-reports
"""

RETURN = r"""
changed:
  description: Whether anything other than the time of the report differs from the report that was in O(dest).
  returned: always
  type: bool
dest:
  description: Absolute path of the directory written.
  returned: success
  type: str
  sample: /home/ops/vpn/reports
files:
  description: Absolute path of each file written.
  returned: success
  type: dict
  contains:
    json:
      description: C(fleet-report.json).
      type: str
    html:
      description: C(fleet-report.html).
      type: str
    xml:
      description: C(fleet-report.xml) (JUnit).
      type: str
totals:
  description: The report's totals.
  returned: success
  type: dict
  sample:
    routers: {total: 3, ok: 1, failed: 1, unreachable: 1, not_run: 0}
    tunnels: {total: 3, up: 1, partial: 0, down: 1, not_verified: 1, absent: 0}
summary:
  description:
    - The end-of-run summary for the play output, one line each; the totals first, then one line per tunnel and the message
      of each router that is not ok, worst first. Beyond 100 lines only the lines that need attention are listed.
  returned: success
  type: list
  elements: str
  sample:
    - 'routers: 3 (1 ok, 1 failed, 1 unreachable)'
    - 'tunnels: 3 (1 up, 1 down, 1 not verified)'
    - 'r2 / to_vpc: not verified uptime=- SAs=- ping=- cause: router unreachable: not verified'
generated:
  description: When the report was made (ISO-8601, UTC).
  returned: success
  type: str
  sample: '2026-12-02T07:00:00+00:00'
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402 (Ansible modules document before importing)

from ansible_collections.vpclink.routeros.plugins.module_utils.report import argument_spec  # noqa: E402
from ansible_collections.vpclink.routeros.plugins.module_utils.report_files import run  # noqa: E402


def main():
    # The fallback when the action plugin is not used: writes where the module runs.
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    result = run(module.params, module.params.get('playbook') or '')
    if result.pop('failed', False):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
