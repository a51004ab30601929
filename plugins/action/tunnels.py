# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller-side action plugin of vpclink.routeros.tunnels: same engine, same result, no AnsiballZ."""

from __future__ import annotations

from ansible_collections.vpclink.routeros.plugins.action import RouterOSObjectAction


class ActionModule(RouterOSObjectAction):
    MODULE = 'tunnels'
