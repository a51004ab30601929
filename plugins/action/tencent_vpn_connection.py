# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller-side action plugin of vpclink.routeros.tencent_vpn_connection: the module's engine in-process,
arguments validated against the module's own argument spec, secrets removed from the result."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.vpclink.routeros.plugins.module_utils import tencent_vpn


class TencentAction(ActionBase):
    """Subclasses set ``MODULE``; the arguments, the engine and the masking are ``tencent_vpn.run_task``'s."""

    MODULE = 'tencent_vpn_connection'
    TRANSFERS_FILES = False
    _requires_connection = False  # talks to the cloud's API itself
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(TencentAction, self).run(tmp, task_vars)
        try:
            outcome = tencent_vpn.run_task(self.MODULE, self._task.args, check_mode=bool(self._task.check_mode),
                                           diff=bool(self._task.diff))
        except tencent_vpn.ArgumentsError as exc:
            raise AnsibleActionFail(str(exc)) from None
        result.update(outcome)
        if not self._task.diff:
            result.pop('diff', None)
        return result


class ActionModule(TencentAction):
    pass
