# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:

    # Must match plugins/module_utils/tencent_vpn.py gateway_argument_spec() exactly.
    DOCUMENTATION = r'''
options:
  secret_id:
    description:
      - SecretId of the Tencent Cloud API key.
      - Defaults to the environment variable E(TENCENTCLOUD_SECRET_ID).
    type: str
  secret_key:
    description:
      - SecretKey of the API key. Never shown in results, diffs or errors.
      - Defaults to the environment variable E(TENCENTCLOUD_SECRET_KEY).
    type: str
  region:
    description:
      - Region of the VPN gateway, for example V(ap-guangzhou).
      - Defaults to the environment variable E(TENCENTCLOUD_REGION).
    type: str
  endpoint:
    description:
      - The API endpoint, as V(host[:port]) (HTTPS) or a URL V(http://host:port) / V(https://host:port).
      - For private endpoints and test labs. Default V(vpc.tencentcloudapi.com).
    type: str
  vpn_gateway_id:
    description: Id of the VPN gateway, for example V(vpngw-f49l6u0z).
    type: str
    required: true
attributes:
  platform:
    description: Runs on the controller and talks to the Tencent Cloud API.
    support: full
    platforms: Tencent Cloud
requirements:
  - tencentcloud-sdk-python-common and tencentcloud-sdk-python-vpc on the controller
notes:
  - 'Runs on the controller (an action plugin of the same name); the module file is the fallback.'
  - 'Throttled calls (C(RequestLimitExceeded)) are retried with exponential back-off, up to 5 times; RV(retries) counts them.'
  - 'A failed call is reported as the API action, Tencent''s error code and message, the request id and the next step.'
'''
