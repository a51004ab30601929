# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The glue both paths share: the module's ``main()`` (AnsiballZ fallback) and the controller-side
action plugin (the fast path, see docs/architecture.md) both call ``run()``, so they cannot disagree.

* ``run(module_name, params, check_mode, diff)`` -- one session, reconcile, close
  in ``finally``; returns a result dict (``failed``/``msg`` on a foreseeable failure, never raises).
* ``run_module(module_name)`` -- ``main()`` of the module files.
"""

from __future__ import annotations

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.vpclink.routeros.plugins.module_utils import firewall, info, tunnels
from ansible_collections.vpclink.routeros.plugins.module_utils.api import (
    HAS_LIBROUTEROS,
    LIBROUTEROS_IMPORT_ERROR,
    RouterError,
    api_argument_spec,
    connect,
)
from ansible_collections.vpclink.routeros.plugins.module_utils.ipsec import SPECS
from ansible_collections.vpclink.routeros.plugins.module_utils.masking import mask
from ansible_collections.vpclink.routeros.plugins.module_utils.menu import reconcile


def _object_work(module_name):
    def work(session, params, check_mode, diff, warn):
        result = reconcile(session, SPECS[module_name], params, check_mode=check_mode, diff=diff, warn=warn)
        result.pop('warnings', None)   # delivered through warn()
        return result
    return work


# module name -> (its own options, the work done with one session, its sensitive option names (or a
# function params -> secret values, for secrets nested in lists), optional work BEFORE connecting:
# ``before(params, warn, check_mode, diff) -> (stop, result)``; when ``stop`` the run ends without any connection,
# else ``result`` is passed to the work as ``pre=``)
MODULES = {name: (spec.argument_spec, _object_work(name), tuple(f.option for f in spec.sensitive), None) for name, spec in SPECS.items()}
MODULES['nat_accept_top'] = (firewall.nat_argument_spec, firewall.nat_accept_top, (), None)
MODULES['ipsec_info'] = (info.info_argument_spec, info.ipsec_info, (), None)
MODULES['tunnels'] = (tunnels.tunnels_argument_spec, tunnels.tunnels_run, tunnels.tunnel_secrets, tunnels.run_preflight)


def argument_spec(module_name):
    """The full argument spec of a module: shared connection options + the module's own options."""
    spec = api_argument_spec()
    spec.update(MODULES[module_name][0]())
    return spec


def secret_values(module_name, params):
    """The values that must never appear in output: connection password and sensitive fields."""
    values = set()
    if params.get('password'):
        values.add(str(params['password']))
    sensitive = MODULES[module_name][2]
    if callable(sensitive):
        values.update(str(v) for v in sensitive(params) if v)
        return values
    for option in sensitive:
        if params.get(option):
            values.add(str(params[option]))
    return values


def run(module_name, params, check_mode=False, diff=False, connect_fn=None):
    """Run one object module's work with plain, already validated ``params``. Never raises for
    foreseeable failures: returns ``{'failed': True, 'msg': ...}`` instead."""
    warnings = []
    session = None
    before, pre = MODULES[module_name][3], None
    try:
        if before is not None:
            stop, pre = before(params, warnings.append, check_mode=check_mode, diff=diff)
            if stop:
                result = pre
                return _finish_run(module_name, params, result, warnings)
        session = (connect_fn or connect)(params, warn=warnings.append)
        if pre is None:
            result = MODULES[module_name][1](session, params, check_mode, diff, warnings.append)
        else:
            result = MODULES[module_name][1](session, params, check_mode, diff, warnings.append, pre=pre)
    except RouterError as exc:
        result = {'failed': True, 'changed': False, 'msg': exc.msg}
        result.update(exc.details)
    finally:
        if session is not None:
            session.close()
    return _finish_run(module_name, params, result, warnings)


def _finish_run(module_name, params, result, warnings):
    warnings = list(dict.fromkeys(warnings + result.pop('warnings', [])))
    if params.get('collect_warnings'):
        # returned as data, not shown: the caller shows each cause once for many routers (fleet_report does)
        result['collected_warnings'] = warnings
    elif warnings:
        result['warnings'] = warnings
    return mask(result, secret_values(module_name, params))


def run_module(module_name):
    nested_secrets = callable(MODULES[module_name][2])
    # Secrets nested in list elements are not known to the argument spec: do not log the invocation
    # to syslog, and register them as no_log values before any output.
    module = AnsibleModule(argument_spec=argument_spec(module_name), supports_check_mode=True, no_log=nested_secrets)
    if nested_secrets:
        module.no_log_values.update(secret_values(module_name, module.params))
    if not HAS_LIBROUTEROS:
        module.fail_json(msg=missing_required_lib('librouteros'),
                         exception=''.join(traceback.format_exception(None, LIBROUTEROS_IMPORT_ERROR, None)))
    result = run(module_name, module.params, check_mode=module.check_mode, diff=module._diff)
    for text in result.pop('warnings', []):
        module.warn(text)
    if result.pop('failed', False):
        msg = result.pop('msg')
        module.fail_json(msg=msg, **result)
    module.exit_json(**result)
