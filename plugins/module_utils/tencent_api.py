# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Calling Tencent Cloud's VPC API (version 2017-03-12) through the official SDK, with Tencent's errors
turned into messages that name the action, the error code, Tencent's message and the next step.

* ``credentials(params)``: secret_id / secret_key / region, falling back to ``TENCENTCLOUD_SECRET_ID``,
  ``TENCENTCLOUD_SECRET_KEY`` and ``TENCENTCLOUD_REGION`` as Tencent's own tools (tccli, Terraform) do.
* ``VpcApi.call(action, params)``: one action; throttling (``RequestLimitExceeded``) is retried with
  exponential back-off, as the SDK's own retryer does for that code; any other error raises ``TencentError``.

Error codes: https://cloud.tencent.com/document/api/1024/34258 (common) and
https://cloud.tencent.com/document/api/215/4924 (VPC).
"""

from __future__ import annotations

import os
import time
import traceback

from ansible_collections.vpclink.routeros.plugins.module_utils.masking import mask

try:
    from tencentcloud.common import credential
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.vpc.v20170312 import vpc_client
except ImportError:
    HAS_TENCENT_SDK = False
    TENCENT_SDK_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_TENCENT_SDK = True
    TENCENT_SDK_IMPORT_ERROR = None

DEFAULT_ENDPOINT = 'vpc.tencentcloudapi.com'
ENV = {'secret_id': 'TENCENTCLOUD_SECRET_ID', 'secret_key': 'TENCENTCLOUD_SECRET_KEY', 'region': 'TENCENTCLOUD_REGION'}
THROTTLED = ('RequestLimitExceeded', 'RequestLimitExceeded.UinLimitExceeded', 'RequestLimitExceeded.GlobalRegionUinLimitExceeded',
             'RequestLimitExceeded.IPLimitExceeded')
RETRIES = 5             # throttled attempts retried before giving up
BACKOFF = 0.5           # seconds before the first retry; doubled each time
BACKOFF_MAX = 8.0

# error code (or its prefix before the first dot) -> the next step for the user
NEXT_STEPS = {
    'AuthFailure.SignatureFailure': 'check that secret_key (or TENCENTCLOUD_SECRET_KEY) is the key of secret_id',
    'AuthFailure.SecretIdNotFound': 'check secret_id (or TENCENTCLOUD_SECRET_ID): the key must exist and be enabled in the '
                                    'CAM console, without spaces around it',
    'AuthFailure.SignatureExpire': "synchronise the controller's clock (NTP): the request time is more than 5 minutes off",
    'AuthFailure.UnauthorizedOperation': 'grant this API action (vpc:<action>) to the CAM user or role of secret_id',
    'AuthFailure': 'check secret_id, secret_key and the CAM policy of the key',
    'RequestLimitExceeded': 'the API throttled every retry; run fewer hosts at once (serial/forks) or retry later',
    'LimitExceeded': 'the quota is used up: remove unused resources or ask Tencent Cloud for a higher quota',
    'InvalidVpnGatewayId': 'check vpn_gateway_id and region: the gateway must exist in that region of this account',
    'ResourceNotFound': 'check the id and the region; the resource may have been deleted',
    'ResourceInUse': 'remove what still uses the resource first',
    'UnsupportedOperation.VpnConnInvalidState': 'wait until the VPN connection is AVAILABLE, then run again',
    'UnsupportedOperation.DeleteVpnConnInvalidState': 'wait until the VPN connection is AVAILABLE, then run again',
    'InvalidParameterValue': 'correct the value the message names',
    'InvalidParameter': 'correct the parameter the message names',
    'MissingParameter': 'give the parameter the message names',
    'UnsupportedRegion': 'check region (or TENCENTCLOUD_REGION), e.g. ap-guangzhou',
    'ClientNetworkError': 'check endpoint and the network path to it',
    'ServerNetworkError': 'check endpoint: it did not answer like the Tencent Cloud API',
    'WaitTimeout': 'the gateway is still applying the change; run again later, and check the connection in the console',
}


class TencentError(Exception):
    """A failed call: ``action``, Tencent's ``code`` and ``message``, the ``request_id``; ``msg`` says all and the next step."""

    def __init__(self, action, code, message, request_id=None, secrets=()):
        self.action = action
        self.code = code
        self.message = mask(str(message), secrets, settings=True)
        self.request_id = request_id
        rid = f' (RequestId {request_id})' if request_id else ''
        self.msg = f'Tencent Cloud {action} failed: {code}: {self.message}{rid}. Next step: {next_step(code, action)}.'
        super().__init__(self.msg)

    def details(self):
        return {'error': {'action': self.action, 'code': self.code, 'message': self.message, 'request_id': self.request_id}}


def next_step(code, action):
    code = str(code or '')
    for key in (code, code.split('.', maxsplit=1)[0]):
        if key in NEXT_STEPS:
            return NEXT_STEPS[key].replace('<action>', action)
    return f'look up {code} in the Tencent Cloud API error codes of {action}'


def credentials(params):
    """secret_id, secret_key, region from the options or the environment; a missing one is named."""
    values = {}
    for option, variable in ENV.items():
        values[option] = params.get(option) or os.environ.get(variable) or None
    missing = [f'{option} (or {ENV[option]})' for option, value in values.items() if not value]
    if missing:
        raise ValueError(f'missing {", ".join(missing)}: give the option or set the environment variable')
    return values


def split_endpoint(endpoint):
    """``host[:port]`` or a URL -> (scheme, host[:port]); a bare host means https."""
    text = (endpoint or DEFAULT_ENDPOINT).strip()
    scheme, sep, rest = text.partition('://')
    if not sep:
        scheme, rest = 'https', text
    scheme = scheme.lower()
    host = rest.split('/', 1)[0]
    if scheme not in ('http', 'https') or not host or any(c.isspace() for c in host):
        raise ValueError(f'endpoint: {endpoint!r} is not valid; give host[:port] (https) or http(s)://host[:port]')
    return scheme, host


class VpcApi:
    """One region of one account through the SDK's VpcClient; counts the throttled retries."""

    def __init__(self, params, sleep=time.sleep):
        creds = credentials(params)
        scheme, host = split_endpoint(params.get('endpoint'))
        self.secrets = (creds['secret_key'],)
        profile = ClientProfile(httpProfile=HttpProfile(protocol=scheme, endpoint=host, reqTimeout=30))
        self.client = vpc_client.VpcClient(credential.Credential(creds['secret_id'], creds['secret_key']), creds['region'], profile)
        self.region = creds['region']
        self.sleep = sleep
        self.retries = 0

    def add_secret(self, value):
        if value:
            self.secrets += (value,)

    def call(self, action, params):
        """The ``Response`` of one action (without RequestId); raises ``TencentError``."""
        delay = BACKOFF
        for attempt in range(RETRIES + 1):
            try:
                response = self.client.call_json(action, params)
            except TencentCloudSDKException as exc:
                code = exc.get_code()
                if code in THROTTLED and attempt < RETRIES:
                    self.retries += 1
                    self.sleep(delay)
                    delay = min(delay * 2, BACKOFF_MAX)
                    continue
                raise TencentError(action, code, exc.get_message(), exc.get_request_id(), self.secrets) from None
            body = dict(response.get('Response') or {})
            body.pop('RequestId', None)
            return body
        raise AssertionError('unreachable: the last attempt returns or raises')
