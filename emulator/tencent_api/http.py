"""The HTTP endpoint of the lab's Tencent API, on the lab's asyncio loop.

A request is what Tencent's API 3.0 documents (https://www.tencentcloud.com/document/product/215/15758,
"Common Params"): ``POST /`` with a JSON body holding the action's parameters, the common parameters in
headers (X-TC-Action, X-TC-Version, X-TC-Region, X-TC-Timestamp, Authorization). The answer is always
HTTP 200 with ``{"Response": {..., "RequestId"}}`` or ``{"Response": {"Error": {...}, "RequestId"}}``
("Responses", https://www.tencentcloud.com/document/product/215/15760). Content-Type is exactly
``application/json``. The lab serves POST with JSON bodies (what the SDKs send); GET is refused.
One request per connection (``Connection: close``).
"""

import asyncio
import json
import logging
import time
import uuid

from emulator.http_request import read_request
from emulator.tencent_api import errors, signature
from emulator.tencent_api import params as parameters
from emulator.tencent_api.account import REGION_RE
from emulator.tencent_api.faults import ApiFaults

LOG = logging.getLogger('emulator.tencent_api')
SERVICE = 'vpc'
VERSION = '2017-03-12'
MAX_BODY = 1024 * 1024


class CloudApi:
    """The endpoint: signature check, injected faults, then the VPC service's action."""

    def __init__(self, service):
        self.service = service
        self.faults = ApiFaults(service.actions)
        self.server = None
        self.port = None

    async def start(self, host, port):
        self.server = await asyncio.start_server(self._connection, host, port or 0, reuse_address=True)
        self.port = self.server.sockets[0].getsockname()[1]

    def stop(self):
        if self.server is not None:
            self.server.close()
            self.server = None

    async def _connection(self, reader, writer):
        try:
            request = await read_request(reader, MAX_BODY)
            if request is None:
                return
            payload = self.answer(*request)
            data = json.dumps(payload).encode('utf-8')
            head = (f'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n'
                    'Connection: close\r\n\r\n').encode('latin-1')
            writer.write(head + data)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, OSError, ValueError):
            pass
        finally:
            writer.close()

    def answer(self, method, target, headers, body):
        """One request -> the JSON response (never raises for a bad request)."""
        request_id = str(uuid.uuid4())
        try:
            result = self._serve(method, target, headers, body)
        except errors.ApiError as exc:
            return errors.error_body(exc, request_id)
        except Exception as exc:  # a model bug: answered as Tencent's InternalError, the lab keeps serving
            LOG.exception('cloud API request failed')
            return errors.error_body(errors.ApiError('InternalError', f'{type(exc).__name__}: {exc}'), request_id)
        return {'Response': dict(result, RequestId=request_id)}

    def _serve(self, method, target, headers, body):
        service = self.service
        service.settle()
        path, _sep, query = target.partition('?')
        if method != 'POST' or headers.get('content-type', '').split(';')[0].strip() != 'application/json':
            raise errors.ApiError(errors.INVALID_PARAMETER, 'the lab serves POST requests with Content-Type application/json')
        # The signature is checked against the host's clock: clients sign with real time, and the lab's
        # clock may be a manual one standing at a fixed date.
        secret_id = signature.verify(method, path, query, headers, body, service.keys.get, SERVICE, time.time())
        action = headers.get('x-tc-action', '')
        if headers.get('x-tc-version') != VERSION:
            raise errors.ApiError(errors.NO_SUCH_VERSION, f'X-TC-Version={headers.get("x-tc-version")!r}: the VPC API is {VERSION}.')
        if action not in service.actions:
            raise errors.ApiError(errors.INVALID_ACTION, f'The action {action!r} is not served by the lab; '
                                  f'it serves {", ".join(sorted(service.actions))}.')
        service.count(action)
        fault = self.faults.take(action)
        if fault is not None:
            raise fault
        region = headers.get('x-tc-region', '')
        if not region:
            raise errors.ApiError(errors.MISSING_PARAMETER, 'The request is missing the X-TC-Region header.')
        if not REGION_RE.match(region):
            raise errors.ApiError(errors.UNSUPPORTED_REGION, f'X-TC-Region={region!r} is not a region.')
        try:
            params = json.loads(body or b'{}')
        except ValueError:
            raise errors.ApiError(errors.INVALID_PARAMETER, 'the body is not valid JSON') from None
        if not isinstance(params, dict):
            raise errors.ApiError(errors.INVALID_PARAMETER, 'the body must be a JSON object')
        parameters.known(action, params)
        return service.actions[action]((secret_id, region), params)
