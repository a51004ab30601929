# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller-side action plugin of vpclink.routeros.tencent_vpn_connection_info."""

from __future__ import annotations

from ansible_collections.vpclink.routeros.plugins.action.tencent_vpn_connection import TencentAction


class ActionModule(TencentAction):
    MODULE = 'tencent_vpn_connection_info'
