"""Fault injection, per router: what a flaky or broken RouterOS looks like to the client.

Kinds (``FaultSet.set(kind, **params)``):

``refuse``           the router's ports stop listening (client: ``ConnectionRefusedError``). Until cleared.
``drop``             after ``after`` sentences (default 0) the next one closes the connection, no reply
                     (client: ``ConnectionClosed``). One-shot by default.
``stall``            after ``after`` sentences, the connection reads but never answers again
                     (client: ``TimeoutError`` at its socket timeout). Persistent by default.
``close_mid_reply``  after ``after`` sentences, the next reply is cut in the middle and the connection
                     closed (client: ``ConnectionClosed``). One-shot by default.
``trap``             the command ``command`` (required, e.g. '/ip/ipsec/peer/add') is not executed and
                     answers ``!trap =message=<message> [=category=<n>]`` + ``!done`` (client: ``TrapError``).
                     Persistent by default.
``login_fail``       every login fails with RouterOS's own text (client: ``TrapError``). Until cleared.
``slow``             every reply is delayed by ``delay`` seconds (real time).  Until cleared.

Common parameters: ``after`` (sentences to let through first, counted per router from the moment
the fault is set, over all its connections, counting only sentences whose command matches
``command`` when that is given), ``once`` (remove the fault after it fires), ``command`` (only this
command word triggers it). Sentences include ``/login``.
"""

KINDS = ('refuse', 'drop', 'stall', 'close_mid_reply', 'trap', 'login_fail', 'slow')
# kinds that act on one sentence, in the order they are checked
SENTENCE_KINDS = ('drop', 'close_mid_reply', 'stall', 'trap')
ONE_SHOT = {'drop': True, 'close_mid_reply': True}
PARAMS = {
    'refuse': (),
    'drop': ('after', 'once', 'command'),
    'stall': ('after', 'once', 'command'),
    'close_mid_reply': ('after', 'once', 'command'),
    'trap': ('after', 'once', 'command', 'message', 'category'),
    'login_fail': (),
    'slow': ('delay',),
}


class FaultError(ValueError):
    """A fault that cannot be set: unknown kind or bad parameter."""


class Fault:
    def __init__(self, kind, after=0, once=None, command=None, message=None, category=None, delay=0.0):
        self.kind = kind
        self.after = after
        self.once = ONE_SHOT.get(kind, False) if once is None else once
        self.command = command
        self.message = message
        self.category = category
        self.delay = delay
        self.seen = 0      # matching sentences since the fault was set
        self.fired = 0     # times it acted

    def matches(self, command):
        return self.command is None or self.command == command

    def as_dict(self):
        out = {'kind': self.kind}
        for key in PARAMS[self.kind]:
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        out['fired'] = self.fired
        return out


def _check(kind, params):
    if kind not in KINDS:
        raise FaultError(f'unknown fault kind {kind!r}; allowed: {", ".join(KINDS)}')
    unknown = sorted(set(params) - set(PARAMS[kind]))
    if unknown:
        allowed = ', '.join(PARAMS[kind]) or 'none'
        raise FaultError(f'fault {kind!r} has no parameter {unknown[0]!r}; allowed: {allowed}')
    after = params.get('after', 0)
    if isinstance(after, bool) or not isinstance(after, int) or after < 0:
        raise FaultError(f'fault {kind!r}: after={after!r} must be an integer >= 0')
    once = params.get('once')
    if once is not None and not isinstance(once, bool):
        raise FaultError(f'fault {kind!r}: once={once!r} must be true or false')
    command = params.get('command')
    if command is not None and (not isinstance(command, str) or not command.startswith('/')):
        raise FaultError(f"fault {kind!r}: command={command!r} must be a command word such as '/ip/ipsec/peer/add'")
    if kind == 'trap':
        if not command:
            raise FaultError("fault 'trap' needs command, e.g. '/ip/ipsec/peer/add'")
        message = params.get('message', 'failure: emulated fault')
        if not isinstance(message, str) or not message:
            raise FaultError(f"fault 'trap': message={message!r} must be a non-empty string")
        params['message'] = message
        category = params.get('category')
        if category is not None and (isinstance(category, bool) or not isinstance(category, int) or not 0 <= category <= 7):
            raise FaultError(f"fault 'trap': category={category!r} must be an integer 0-7 (the API's !trap categories)")
    if kind == 'slow':
        delay = params.get('delay', 1.0)
        if isinstance(delay, bool) or not isinstance(delay, (int, float)) or not 0 <= delay <= 3600:
            raise FaultError(f"fault 'slow': delay={delay!r} must be a number of seconds between 0 and 3600")
        params['delay'] = float(delay)
    return params


class FaultSet:
    """The faults set on one router. Only touched from the lab's event loop thread."""

    def __init__(self, on_change=None):
        self._faults = {}
        self._on_change = on_change

    def set(self, kind, **params):
        params = _check(kind, dict(params))
        self._faults[kind] = Fault(kind, **params)
        self._changed()
        return self._faults[kind].as_dict()

    def clear(self, kind=None):
        if kind is None:
            self._faults.clear()
        elif kind not in KINDS:
            raise FaultError(f'unknown fault kind {kind!r}; allowed: {", ".join(KINDS)}')
        else:
            self._faults.pop(kind, None)
        self._changed()

    def list(self):
        return [f.as_dict() for f in self._faults.values()]

    def _changed(self):
        if self._on_change is not None:
            self._on_change(self)

    @property
    def refuse(self):
        return 'refuse' in self._faults

    @property
    def login_fail(self):
        return 'login_fail' in self._faults

    @property
    def delay(self):
        fault = self._faults.get('slow')
        return fault.delay if fault else 0.0

    def on_sentence(self, command):
        """Count one received sentence; return the ``Fault`` that acts on it, or None."""
        acting = None
        for kind in SENTENCE_KINDS:
            fault = self._faults.get(kind)
            if fault is None or not fault.matches(command):
                continue
            fault.seen += 1
            if acting is None and fault.seen > fault.after:
                acting = fault
        if acting is not None:
            acting.fired += 1
            if acting.once:
                del self._faults[acting.kind]
        return acting
