"""The RouterOS lab: a fleet of emulated RouterOS routers speaking the real binary API.

Written from MikroTik's public documentation and public RouterOS output, separately from the collection: it
never imports ``plugins/`` (and ``plugins/`` never imports it), so a wrong belief on one side shows up as a
failing test instead of agreeing with itself (docs/architecture.md, house rules).

Layers (each file has one purpose):

* ``wire``     -- word and sentence encoding (all five length forms).
* ``session``  -- one API connection: login, ``.tag``, ``!fatal``, ``!empty`` (7.18+), faults.
* ``server``   -- asyncio listeners, one plain (and optional TLS) port per router, one process for the fleet.
* ``control``  -- the HTTP JSON control API for tests.
* ``lab``      -- lab file (YAML) parsing into ``RouterSpec`` / ``LabSpec``.
* ``router``   -- one router's data model: menus, validation, print/queries, counters.
* ``errors``   -- ``Trap``: RouterOS's own error texts.
* ``users``    -- users, groups and policies: who may log in over the API, what each command needs, hidden secrets.
* ``clock``    -- real or manual clock, so runtime state is deterministic in tests.
* ``cloud``    -- cloud VPN gateways (Tencent vocabulary): parsing, console edits, tunnel log.
* ``negotiation`` / ``ikelog`` -- the pure IKE/IPsec negotiation model and its log line catalogue.
* ``runtime``  -- the model wired into each router: active-peers, installed-sa, policy state, /log, /ping.

Contract between ``session`` and ``router``::

    router = Router(spec, clock)
    router.check_login(username, password) -> users.Account | None   (None: refused)
    router.execute(command, attrs, queries, policies=None) -> list[tuple[str, dict[str, str]]]
        command  e.g. '/ip/ipsec/peer/print'
        attrs    '=k=v' words as a dict (API attributes such as '.tag' removed by the session)
        queries  the '?' words, in order, without the leading '?'
        policies the logged-in account's policies (a trap when one is missing); None = every right
        returns  reply sentences in order, always ending with ('!done', {...}); a trap is
                 ('!trap', {'message': ..., 'category': '1'}) followed by the '!done'.
                 The session adds '.tag' and '!empty'; the router never does.
"""
