# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the object modules against the RouterOS lab, through both paths:

* ``module``: the module's ``main()`` with ``patch_module_args`` (the AnsiballZ fallback);
* ``action``: the action plugin's ``run()`` (the controller-side engine call).
"""

import importlib
import json
from unittest import mock

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args

from tests import labkit

ROUTERS = {'v7': '7.16.2', 'v6': '6.49.17'}


@pytest.fixture(scope='module')
def shared_lab():
    with labkit.running_lab([labkit.router(name, version, api_ssl_port=0) for name, version in ROUTERS.items()]) as lab:
        yield lab


@pytest.fixture
def rlab(shared_lab):
    return labkit.fresh(shared_lab, ROUTERS)


def conn(lab, name, **extra):
    params = {'hostname': '127.0.0.1', 'port': lab.port(name), 'username': 'admin', 'password': labkit.PASSWORD, 'timeout': 3}
    params.update(extra)
    return params


def writes(lab, name):
    return lab.counters(name)['writes']


def undocumented(module_name, result):
    """The keys of ``result`` that the module's RETURN does not document (``diff`` is Ansible's own, shown by --diff)."""
    module = importlib.import_module('ansible_collections.vpclink.routeros.plugins.modules.' + module_name)
    return set(result) - set(yaml.safe_load(module.RETURN)) - {'diff'}


def run_module_path(module_name, args, check=False, diff=False, capsys=None):
    module = importlib.import_module('ansible_collections.vpclink.routeros.plugins.modules.' + module_name)
    full = dict(args, _ansible_check_mode=check, _ansible_diff=diff)
    with patch_module_args(full), pytest.raises(SystemExit):
        module.main()
    out = capsys.readouterr().out
    result = json.loads(out)
    result.pop('invocation', None)
    return result


def run_action_path(module_name, args, check=False, diff=False):
    plugin = importlib.import_module('ansible_collections.vpclink.routeros.plugins.action.' + module_name)
    task = mock.MagicMock()
    task.args = dict(args)
    task.check_mode = check
    task.diff = diff
    task.async_val = 0
    action = plugin.ActionModule(task=task, connection=mock.MagicMock(), play_context=mock.MagicMock(), loader=None, templar=None,
                                 shared_loader_obj=None)
    try:
        return action.run(task_vars={})
    except Exception as exc:  # AnsibleActionFail: argument validation
        return {'failed': True, 'msg': str(exc), 'exception_type': type(exc).__name__}


@pytest.fixture(params=['action', 'module'])
def path(request, capsys):
    """``path(module_name, args, check=False, diff=False)`` -> result dict, through one of the two paths."""
    if request.param == 'module':
        def call(module_name, args, check=False, diff=False):
            return run_module_path(module_name, args, check, diff, capsys)
    else:
        def call(module_name, args, check=False, diff=False):
            return run_action_path(module_name, args, check, diff)
    call.kind = request.param
    return call
