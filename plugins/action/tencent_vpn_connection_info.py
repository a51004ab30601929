# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller-side action plugin of vpclink.routeros.tencent_vpn_connection_info."""

from __future__ import annotations

from ansible_collections.vpclink.routeros.plugins.action.tencent_vpn_connection import TencentAction
from ansible_collections.vpclink.routeros.plugins.module_utils import tencent_vpn


class ActionModule(TencentAction):
    MODULE = 'tencent_vpn_connection_info'
    SPEC = staticmethod(tencent_vpn.info_argument_spec)

    def run_engine(self, params):
        return tencent_vpn.run_info(params)
