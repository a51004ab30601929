# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller-side action of vpclink.routeros.fleet_tunnels: the router work of every host of the batch in one task.

This file only gathers what Ansible knows (each host's variables, the play's batch, tags and failure policy) and hands
it to ``module_utils/fleet.py``; the report is written by ``report_files`` as the fleet_report module writes it.
"""

from __future__ import annotations

import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.yaml import yaml_load
from ansible.plugins.action import ActionBase

from ansible_collections.vpclink.routeros.plugins.module_utils import fleet
from ansible_collections.vpclink.routeros.plugins.module_utils.report import group_warnings
from ansible_collections.vpclink.routeros.plugins.module_utils.report_files import report_files

# The role's own argument spec (one source: what ansible-core validates per host for the role's entry points, and what
# ansible-doc shows), read from this collection's copy of the role.
ROLE_SPEC = os.path.join(os.path.dirname(__file__), '..', '..', 'roles', 'vpc_tunnel', 'meta', 'argument_specs.yml')


def role_options():
    with open(ROLE_SPEC, encoding='utf-8') as handle:
        return yaml_load(handle)['argument_specs']['main']['options']


def needs_templating(value, templar):
    """Whether ``value`` holds anything the templar would change: a string that may be a template, or a value that is not
    plain data (e.g. a vaulted string). Plain inventory data (a router's tunnels) is then taken as it is: templating it would
    only copy it, at a cost that grows with the fleet (about 2 ms a router for a tunnel list)."""
    if isinstance(value, dict):
        return any(needs_templating(k, templar) or needs_templating(v, templar) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(needs_templating(v, templar) for v in value)
    if isinstance(value, str):
        return templar.is_possibly_template(value)
    return not (value is None or isinstance(value, (bool, int, float)))


def plain(value):
    """``value`` as plain Python data, as a module receives its arguments (JSON): the tags Ansible keeps on inventory
    values (where each came from) dropped. The argument validation deep-copies what it checks, and copying tagged values
    costs ten times more."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    for kind in (bool, str, int, float):
        if isinstance(value, kind):
            return kind(value)
    return value


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False   # talks to each router's API itself, from the controller
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        validation = ArgumentSpecValidator(fleet.argument_spec()).validate(dict(self._task.args))
        if validation.error_messages:
            raise AnsibleActionFail('Invalid arguments for vpclink.routeros.fleet_tunnels: ' + '; '.join(validation.error_messages))
        params = validation.validated_parameters
        if params['concurrency'] < 1:
            raise AnsibleActionFail(f"concurrency: {params['concurrency']} given; at least 1 router at a time is needed")
        entry = params['entry']
        batch = list(task_vars.get('ansible_play_batch') or [])
        hosts_all = list(task_vars.get('ansible_play_hosts_all') or batch)
        hosts_active = list(task_vars.get('ansible_play_hosts') or batch)
        hostvars = task_vars['hostvars']
        # Another host's variables exactly as its own task would see them: the call ansible-core makes for delegate_to
        # (vars/manager.py VariableManager.get_delegated_vars_and_hostname -> get_vars(play, host, task, include_hostvars)),
        # so role defaults, role params, play vars, host and group vars, task vars and extra vars resolve as they do for
        # the host's own tasks. HostVars keeps the inventory and the variable manager of this run.
        manager, inventory = hostvars._variable_manager, hostvars._inventory
        play = self._task.get_play()

        def host_settings(name, keys=fleet.SETTINGS):
            host_vars = manager.get_vars(play=play, host=inventory.get_host(name), task=self._task, include_hostvars=True,
                                         _hosts=hosts_active, _hosts_all=hosts_all)
            templar = self._templar.copy_with_new_env(available_variables=host_vars)
            settings = {}
            for key in keys:
                var = fleet.PREFIX + key
                if var not in host_vars:
                    if key in fleet.OPTIONAL:
                        continue
                    raise fleet.InputError(f'{var} is not defined')
                value = host_vars[var]
                settings[key] = plain(templar.template(value) if needs_templating(value, templar) else value)
            return settings

        validator = fleet.settings_validator(role_options())
        routers = []
        for index, name in enumerate(batch):
            settings = {}
            try:
                settings = host_settings(name, fleet.SETTINGS + (fleet.REPORT_SETTINGS if index == 0 else ()))
                fleet.validate_settings(settings, validator)
                routers.append(fleet.Router(name, settings))
            except fleet.InputError as exc:
                # the settings it has stay with it: their secrets are masked, and the first router's report settings
                # (where the report goes) hold even when another of its variables is wrong
                routers.append(fleet.Router(name, settings, error=str(exc)))
            except Exception as exc:  # pylint: disable=broad-except  # this router's variables; the others go on
                routers.append(fleet.Router(name, error=f'the variables of this router could not be templated: {exc}'))
        for router in routers:
            router.secrets |= fleet.secrets_of(router.settings)

        first = routers[0].settings if routers else {}
        state = first.get('state', 'present')
        run_phases = fleet.phases(entry, state, task_vars.get('ansible_run_tags'), task_vars.get('ansible_skip_tags'))
        write_report = 'report' in run_phases and fleet.flag(first.get('write_report', True))
        fleet.run_batch(routers, entry, run_phases, check_mode=bool(self._task.check_mode), diff=bool(self._task.diff),
                        concurrency=params['concurrency'], max_fail_percentage=self._max_fail_percentage(play),
                        any_errors_fatal=bool(getattr(play, 'any_errors_fatal', False)), collect_warnings=write_report)

        records = {r.name: r.record for r in routers if r.record is not None}
        secrets = set()
        for router in routers:
            secrets |= router.secrets
        result['routers'] = records
        result['changed'] = any(rec['changed'] for rec in records.values())
        result['failing'] = [name for name, rec in records.items() if rec.get('fail')]
        diffs = fleet.diffs(routers)
        if diffs and self._task.diff:
            result['diff'] = diffs
        batch_records = [rec for rec in records.values() if rec.get('recorded')]
        if write_report and batch_records:
            # the summary (and the warnings, once per cause) after the last batch, and after any batch with a failure (it may
            # be the last one max_fail_percentage lets run)
            result['show_summary'] = (hosts_all[-1] in batch) or fleet.batch_failed(batch_records)
            self._report(result, task_vars, hosts_all, hosts_active, records, secrets, first, host_settings)
        elif not write_report:
            # without the report each router's warnings are shown by the task, once per cause
            warnings = group_warnings(list(records.values()), secrets=secrets)
            if warnings:
                result['warnings'] = warnings
        # every router's record, result and diffs are masked with that router's secrets (fleet.record, fleet.diffs) and
        # the report and its warnings with every secret of the batch: masking the whole result again with all of them
        # would cost seconds for a large batch (each text against every secret) and hide nothing more
        return result

    def _max_fail_percentage(self, play):
        value = getattr(play, 'max_fail_percentage', None)
        if isinstance(value, str):
            value = self._templar.template(value)
        try:
            return None if value is None else float(value)
        except (TypeError, ValueError):
            return None

    def _report(self, result, task_vars, hosts_all, hosts_active, records, secrets, first, host_settings):
        """The fleet report of every host of the play: this batch's records, the records earlier batches registered (the
        run_once result is registered for every host of its batch: plugins/strategy/__init__.py _process_pending_results
        with get_task_hosts), not_run / failed for the others."""
        # the registered variable's name: ansible-core 2.19 keeps `register` as the name, 2.21 as {name: projection}
        # (playbook/task.py _validate_register); the role registers the whole result under one name
        register = self._task.register
        if isinstance(register, dict):
            register = next(iter(register), None)
        hostvars = task_vars['hostvars']
        # the registered results live in the variable manager's set_fact/register cache (vars/manager.py
        # set_nonpersistent_facts); reading it directly avoids a full get_vars per host of earlier batches. Without it
        # (another ansible-core), the host's raw variables give the same value, slower.
        cache = getattr(hostvars._variable_manager, '_nonpersistent_fact_cache', None)
        recorded = {name: rec for name, rec in records.items() if rec.get('recorded')}
        for host in hosts_all:
            if host in records or not register:
                continue
            earlier = (cache.get(host) or {}).get(register) if cache is not None else hostvars.raw_get(host).get(register)
            rec = ((earlier or {}).get('routers') or {}).get(host) if isinstance(earlier, dict) else None
            if rec and rec.get('recorded'):
                recorded[host] = rec

        def tunnel_names(host):
            try:
                return [t['name'] for t in fleet.listed(host_settings(host, ('tunnels',)).get('tunnels'))]
            except Exception:  # pylint: disable=broad-except  # a host whose variables cannot be read is listed without tunnels
                return []

        routers = fleet.fleet_records(hosts_all, hosts_active, recorded, tunnel_names)
        dest = first.get('report_dir') or 'reports'
        playbook = task_vars.get('ansible_play_name') or ''
        try:
            written = report_files(routers, dest, playbook, secrets=sorted(secrets))
        except (ValueError, OSError) as exc:
            result.update(failed=True, msg=f'fleet report: cannot write it into {dest}: {exc}')
            return
        result.update(files=written['files'], totals=written['totals'], summary=written['summary'], dest=written['dest'],
                      report_changed=written['changed'])
        warnings = group_warnings(routers, secrets=secrets) if result['show_summary'] else []
        if warnings:
            result['warnings'] = warnings
