# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller-side action plugin of vpclink.routeros.fleet_report: the report is written where the playbook
runs, by the same ``report_files.run()`` as the module file, without a connection or an AnsiballZ payload."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase

from ansible_collections.vpclink.routeros.plugins.module_utils.report import argument_spec
from ansible_collections.vpclink.routeros.plugins.module_utils.report_files import run


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False   # writes local files only
    _supports_check_mode = True    # the report is the run's output: written in check mode too
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        validation = ArgumentSpecValidator(argument_spec()).validate(dict(self._task.args))
        no_log_values = set(validation._no_log_values)
        if validation.error_messages:
            msg = remove_values('; '.join(validation.error_messages), no_log_values)
            raise AnsibleActionFail(f'Invalid arguments for vpclink.routeros.fleet_report: {msg}')
        params = validation.validated_parameters
        playbook = params.get('playbook') or (task_vars or {}).get('ansible_play_name') or ''
        result.update(run(params, playbook))
        return remove_values(result, no_log_values)
