#!/usr/bin/python
# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: tencent_vpn_connection_info
short_description: Read the VPN connections of a Tencent Cloud VPN gateway
version_added: 0.2.0
author:
  - vpclink developers (@vpclink)
description:
  - 'Reads the VPN gateway O(vpn_gateway_id) and its VPN connections (all of them, or the one of
     O(customer_gateway_address)) through the Tencent Cloud VPC API with the official SDK. Never changes anything.'
extends_documentation_fragment:
  - vpclink.routeros.tencent
attributes:
  check_mode:
    description: Reads only; the same in check mode.
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: none
  platform:
    description: Runs on the controller and talks to the Tencent Cloud API.
    support: full
    platforms: Tencent Cloud
seealso:
  - module: vpclink.routeros.tencent_vpn_connection
options:
  vpn_gateway_id:
    description: Id of the VPN gateway, for example V(vpngw-f49l6u0z).
    type: str
    required: true
  customer_gateway_address:
    description: Only the connection to this customer gateway (public IPv4 address of the router).
    type: str
"""

EXAMPLES = r"""
- name: Read the cloud end of branch1's tunnel
  vpclink.routeros.tencent_vpn_connection_info:
    region: ap-guangzhou
    vpn_gateway_id: vpngw-f49l6u0z
    customer_gateway_address: 203.0.113.21
  register: cloud_end

- name: Show its state and whether it is connected
  ansible.builtin.debug:
    msg: "{{ cloud_end.connections[0].State }} / {{ cloud_end.connections[0].NetStatus }}"
  when: cloud_end.connections | length > 0
"""

RETURN = r"""
vpn_gateway:
  description: The VPN gateway as DescribeVpnGateways returns it.
  returned: success
  type: dict
customer_gateway:
  description: The customer gateway of O(customer_gateway_address), or null when it does not exist or was not asked for.
  returned: success
  type: dict
connections:
  description: The VPN connections as DescribeVpnConnections returns them, C(PreShareKey) masked.
  returned: success
  type: list
  elements: dict
managed_connection_ids:
  description: Ids of the RV(connections) that carry the collection's tag C(vpclink.routeros=managed) (created by it).
  returned: success
  type: list
  elements: str
retries:
  description: Calls retried because the API throttled them (C(RequestLimitExceeded)).
  returned: success
  type: int
error:
  description: The failed call; C(action), C(code), C(message) (Tencent's) and C(request_id).
  returned: when a Tencent Cloud call failed
  type: dict
"""

from ansible_collections.vpclink.routeros.plugins.module_utils import tencent_vpn  # noqa: E402 (Ansible modules document before importing)
from ansible_collections.vpclink.routeros.plugins.module_utils.tencent_module import run_module  # noqa: E402


def main():
    run_module(tencent_vpn.info_argument_spec(), lambda params, check_mode, diff: tencent_vpn.run_info(params))


if __name__ == '__main__':
    main()
