# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Shared base of the object modules' action plugins (why: docs/scale.md, "Why the modules run as action plugins").

The action plugin runs the very same ``runner.run()`` as the module, in the controller process:
no AnsiballZ payload, no second interpreter. Arguments are validated against the module's own
argument spec (``ArgumentSpecValidator``), so the module file stays the documented contract.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase

from ansible_collections.vpclink.routeros.plugins.module_utils.runner import argument_spec, run, secret_values


class RouterOSObjectAction(ActionBase):
    """Subclasses set ``MODULE`` (e.g. ``'ipsec_peer'``)."""

    MODULE = None
    TRANSFERS_FILES = False
    _requires_connection = False  # talks to the router's API itself; no connection plugin needed
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(RouterOSObjectAction, self).run(tmp, task_vars)
        # module_defaults (incl. group/vpclink.routeros.api) are already merged into the task args by core.
        validator = ArgumentSpecValidator(argument_spec(self.MODULE))
        validation = validator.validate(dict(self._task.args))
        no_log_values = set(validation._no_log_values)
        if validation.error_messages:
            msg = remove_values('; '.join(validation.error_messages), no_log_values)
            raise AnsibleActionFail(f'Invalid arguments for vpclink.routeros.{self.MODULE}: {msg}')
        params = validation.validated_parameters
        outcome = run(self.MODULE, params, check_mode=bool(self._task.check_mode), diff=bool(self._task.diff))
        no_log_values.update(secret_values(self.MODULE, params))
        for warning in validation._warnings:
            outcome.setdefault('warnings', []).append(warning.get('warning') if isinstance(warning, dict) else str(warning))
        for deprecation in validation._deprecations:
            outcome.setdefault('deprecations', []).append(deprecation)
        result.update(remove_values(outcome, no_log_values))
        if not self._task.diff:
            result.pop('diff', None)
        return result
