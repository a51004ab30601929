# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller-side action plugin of vpclink.routeros.tencent_vpn_connection: the module's engine in-process,
arguments validated against the module's own argument spec, secrets removed from the result."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase

from ansible_collections.vpclink.routeros.plugins.module_utils import tencent_vpn
from ansible_collections.vpclink.routeros.plugins.module_utils.tencent_api import HAS_TENCENT_SDK


class TencentAction(ActionBase):
    """Subclasses set ``MODULE``, ``SPEC`` (argument spec function) and ``RUN`` (engine function)."""

    MODULE = 'tencent_vpn_connection'
    SPEC = staticmethod(tencent_vpn.connection_argument_spec)
    TRANSFERS_FILES = False
    _requires_connection = False  # talks to the cloud's API itself
    _supports_check_mode = True
    _supports_async = False

    def run_engine(self, params):
        return tencent_vpn.run_connection(params, check_mode=bool(self._task.check_mode), diff=bool(self._task.diff))

    def run(self, tmp=None, task_vars=None):
        result = super(TencentAction, self).run(tmp, task_vars)
        validation = ArgumentSpecValidator(self.SPEC()).validate(dict(self._task.args))
        no_log_values = set(validation._no_log_values)
        if validation.error_messages:
            msg = remove_values('; '.join(validation.error_messages), no_log_values)
            raise AnsibleActionFail(f'Invalid arguments for vpclink.routeros.{self.MODULE}: {msg}')
        if not HAS_TENCENT_SDK:
            raise AnsibleActionFail(f'vpclink.routeros.{self.MODULE} needs the Python packages tencentcloud-sdk-python-common and '
                                    'tencentcloud-sdk-python-vpc on the controller (pip install them)')
        params = validation.validated_parameters
        outcome = self.run_engine(params)
        for warning in validation._warnings:
            outcome.setdefault('warnings', []).append(warning.get('warning') if isinstance(warning, dict) else str(warning))
        result.update(remove_values(outcome, no_log_values))
        if not self._task.diff:
            result.pop('diff', None)
        return result


class ActionModule(TencentAction):
    pass
