# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""``main()`` of the Tencent module files (the AnsiballZ fallback of their action plugins)."""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.vpclink.routeros.plugins.module_utils.tencent_api import HAS_TENCENT_SDK, TENCENT_SDK_IMPORT_ERROR


def run_module(argument_spec, engine):
    """``engine(params, check_mode, diff) -> result``; failures become ``fail_json``."""
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    if not HAS_TENCENT_SDK:
        module.fail_json(msg=missing_required_lib('tencentcloud-sdk-python-vpc'), exception=TENCENT_SDK_IMPORT_ERROR)
    result = engine(module.params, module.check_mode, module._diff)
    for text in result.pop('warnings', []):
        module.warn(text)
    if result.pop('failed', False):
        module.fail_json(msg=result.pop('msg'), **result)
    module.exit_json(**result)
