"""Injectable errors of the lab's Tencent API, set through the lab's control API.

    POST /cloud-api/faults {"code": "RequestLimitExceeded", "count": 2, "action": "CreateVpnConnection"}

The next ``count`` authenticated requests (of ``action`` only, when given) are answered with the
error ``code`` instead of being served. RequestLimitExceeded is the common error code for "the
number of requests exceeds the frequency limit" (https://cloud.tencent.com/document/api/1024/34258);
the official SDKs retry it with back-off.
"""

import dataclasses
import re

from emulator.tencent_api import errors

CODE_RE = re.compile(r'^[A-Z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$')
MESSAGES = {errors.REQUEST_LIMIT_EXCEEDED: 'Your requests exceed the frequency limit of this API. Please reduce the frequency of calls.',
            errors.LIMIT_EXCEEDED: 'The quota of this resource is exceeded.'}


class FaultError(ValueError):
    """A fault description that cannot be used; the message names the field."""


@dataclasses.dataclass
class ApiFault:
    code: str
    remaining: int
    action: str | None = None
    message: str = ''

    def describe(self):
        return dataclasses.asdict(self)


class ApiFaults:
    def __init__(self, actions):
        self.actions = actions
        self.items = []

    def add(self, body):
        if not isinstance(body, dict):
            raise FaultError('a fault is a JSON object: {"code": "RequestLimitExceeded", "count": 1, "action": null}')
        unknown = sorted(set(body) - {'code', 'count', 'action', 'message'})
        if unknown:
            raise FaultError(f'unknown key(s) {", ".join(unknown)}; allowed: code, count, action, message')
        code = body.get('code', errors.REQUEST_LIMIT_EXCEEDED)
        if not isinstance(code, str) or not CODE_RE.match(code):
            raise FaultError(f'code={code!r}: a Tencent error code such as RequestLimitExceeded')
        count = body.get('count', 1)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise FaultError(f'count={count!r}: a whole number >= 1')
        action = body.get('action')
        if action is not None and action not in self.actions:
            raise FaultError(f'action={action!r}: one of {", ".join(sorted(self.actions))}, or null for any action')
        message = body.get('message') or MESSAGES.get(code, f'Injected fault {code}.')
        fault = ApiFault(code=code, remaining=count, action=action, message=str(message))
        self.items.append(fault)
        return fault.describe()

    def clear(self):
        self.items = []

    def list(self):
        return [f.describe() for f in self.items]

    def take(self, action):
        """The error for this request, if a fault is armed for it (each fault fires ``count`` times)."""
        for fault in self.items:
            if fault.remaining > 0 and fault.action in (None, action):
                fault.remaining -= 1
                if fault.remaining == 0:
                    self.items.remove(fault)
                return errors.ApiError(fault.code, fault.message)
        return None
