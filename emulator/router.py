"""One emulated RouterOS router: menus, validation, print/queries, error texts, counters.

Interface (the contract of ``emulator/__init__.py``)::

    router = Router(spec, clock=None)      # spec: lab.RouterSpec (name, version, username, password,
                                           #   wan_address, public_address, lan_subnets, config)
    router.name, router.version            # version string, e.g. '7.16.2' / '6.49.17'
    router.check_login(username, password) -> users.Account | None   # None: refused (see users.py)
    router.note_login(ok, username=None, address=None)   # counts, and logs like RouterOS when a name is given
    router.execute(command, attrs, queries, policies=None) -> [(reply_word, {attr: value}), ..., ('!done', {...})]
                                           # policies: the logged-in user's group (users.py); None = every right
    router.counters                        # {'logins', 'login_failures', 'sentences': {command: n}, 'writes'}
    router.dump() -> dict; router.load(data); router.reset()   # reset = the lab file's initial state
    router.log(topics, message)            # append a /log row (used by the runtime/IKE model)
    router.table(path) -> table.Table      # raw access for the runtime model and tests
    router.rows(path) -> [dict]            # what an API print of ``path`` returns (no query, all properties)

Runtime hook (for the IKE / data-plane model of the next issue)
---------------------------------------------------------------
``router.runtime`` is an object consulted whenever print needs something that is not configuration.
The default ``QuiescentRuntime`` describes a router on which nothing has negotiated yet; a real model
subclasses it (or duck-types the same methods) and is installed with ``router.set_runtime(obj)``
(the lab's model is ``emulator.runtime.TunnelRuntime``):

* ``fields(path, entry) -> dict``   runtime properties merged into a configured row at print time
  (policy ``active``/``ph2-state``/``ph2-count``/``sa-src-address``..., ``/system/resource`` uptime,
  ``/ip/ipsec/statistics`` counters).  ``entry`` is a ``table.Entry`` (or None for singletons).
* ``rows(path) -> list[dict]``      whole rows of runtime-only menus (``/ip/ipsec/active-peers``,
  ``/ip/ipsec/installed-sa``); each dict uses printed values and carries its own ``.id``.
* ``command(path, verb, attrs) -> list | None``  runtime verbs (``kill-connections``, ``flush``,
  active-peers ``remove``); return extra reply attrs for ``!done`` or None.
* ``on_config_change(path)``        called after every successful write to a configuration menu
  (also for seeding and ``load``), so the model can start or tear down negotiations.
* ``on_tick()``                     optional; called before every command, to advance with the clock.
* ``ping(attrs) -> replies``        ``/ping`` over the API: ``!re`` per probe then ``!done`` (may raise Trap).

Choices where public sources disagree or are silent are documented next to the code that makes them; in
short: unknown v6 menus answer one trap ``no such command prefix``; bad ids are ``no such item``
(v6) / ``no such item (4)`` (v7) without category; built-ins refuse removal with
``failure: can not remove default entry``; duplicates and in-use entries use RouterOS's generic
``failure: ...`` pattern; secrets are printed in clear to users with the
``sensitive`` policy, as ``*****`` to others (users.py).
"""

import time

from emulator import rosvalues, users
from emulator.errors import ARGUMENT_VALUE, MultiTrap, Trap
from emulator.menus import build_menus
from emulator.menus.ipsec import STATISTICS
from emulator.menus.system import resource_facts
from emulator.query import QueryError
from emulator.query import select as query_select
from emulator.table import Table, format_id, parse_id

WRITE_VERBS = frozenset({'add', 'set', 'remove', 'move', 'unset', 'enable', 'disable', 'comment', 'reset',
                         'reset-counters', 'reset-counters-all', 'kill-connections', 'flush'})

# print options accepted (and ignored) over the API, as a real router does.
PRINT_OPTIONS = frozenset({'.proplist', 'count-only', 'detail', 'brief', 'terse', 'without-paging', 'show-ids',
                           'show-sensitive', 'stats', 'all', 'dynamic', 'static', 'value-list', 'as-value', 'interval',
                           'follow', 'follow-only', 'append', 'from', 'group-by'})

# Seeding applies spec.config in dependency order (referenced entries first), whatever order the lab file uses.
SEED_ORDER = ('/interface', '/ip/address', '/ip/ipsec/profile', '/ip/ipsec/proposal', '/ip/ipsec/policy/group',
              '/ip/ipsec/mode-config', '/ip/ipsec/peer', '/ip/ipsec/identity', '/ip/ipsec/policy')


class QuiescentRuntime:
    """Runtime provider of a router on which no IKE negotiation has happened (see module docstring)."""

    POLICY_IDLE = {'active': 'false', 'ph2-state': 'no-phase2', 'ph2-count': '0'}
    STATISTICS = STATISTICS

    def __init__(self, router):
        self.router = router
        # /ip/ipsec/statistics (IPsec manual, Statistics: the kernel's xfrm drop counters, one per reason); a runtime
        # counts what it observes, everything else stays 0
        self.stats = {name: 0 for name in self.STATISTICS}

    def fields(self, path, entry):
        if path == '/ip/ipsec/policy':
            if entry is not None and entry.values.get('template') == 'true':
                return {}
            return dict(self.POLICY_IDLE)
        if path == '/ip/ipsec/statistics':
            return {name: str(self.stats[name]) for name in self.STATISTICS}
        if path == '/system/resource':
            return {'uptime': rosvalues.render_duration(int(self.router.uptime())), 'cpu-load': '0', 'free-memory': '939524096'}
        return {}

    def rows(self, path):
        return []

    def command(self, path, verb, attrs):
        return None

    def on_config_change(self, path):
        return None

    def ping(self, attrs):
        """``/ping``: own addresses answer, everything else times out (no tunnel can exist here)."""
        from emulator.runtime import ping  # pylint: disable=import-outside-toplevel  # runtime imports this module
        return ping(self.router, attrs, None)


class Router:
    def __init__(self, spec, clock=None):
        self.spec = spec
        self.name = spec.name
        self.version = str(spec.version)
        self.vt = rosvalues.version_tuple(self.version)
        self.v7 = self.vt[0] >= 7
        self.clock = clock
        self.menus = build_menus(self.version)
        self._dirs = set()
        for path in self.menus:
            parts = path.strip('/').split('/')
            for i in range(1, len(parts) + 1):
                self._dirs.add('/' + '/'.join(parts[:i]))
        self.runtime = QuiescentRuntime(self)
        self.accounts = getattr(spec, 'accounts', None) or users.accounts(self.vt, spec.username, spec.password)
        self.counters = self._fresh_counters()
        self.tables = {}
        self._seeding = False
        self._boot = 0.0
        self.reset()

    # ------------------------------------------------------------------ time
    def _now(self):
        if self.clock is not None and hasattr(self.clock, 'now'):
            return float(self.clock.now())
        return time.monotonic()

    def _wall(self):
        clock = self.clock
        for attr in ('wall', 'wall_time', 'time'):
            fn = getattr(clock, attr, None) if clock is not None else None
            if callable(fn):
                return float(fn())
            if isinstance(fn, (int, float)):
                return float(fn)
        return time.time()

    def uptime(self):
        return max(0.0, self._now() - self._boot)

    # ------------------------------------------------------------------ state
    @staticmethod
    def _fresh_counters():
        return {'logins': 0, 'login_failures': 0, 'sentences': {}, 'writes': 0}

    def set_runtime(self, runtime):
        self.runtime = runtime

    def reset_counters(self):
        self.counters = self._fresh_counters()

    def table(self, path):
        return self.tables[path]

    def reset(self, counters=False):
        """Back to the lab file's initial state: built-ins, seeded interfaces/addresses, spec.config.

        Counters are accounting, not state: they survive unless ``counters=True`` (see ``reset_counters``).
        """
        if counters:
            self.counters = self._fresh_counters()
        self._boot = self._now()
        self.tables = {}
        for path, menu in self.menus.items():
            table = Table(menu.first_id)
            for builtin in menu.builtins:
                values = {k: v for k, v in builtin.items() if k != '.id'}
                num = parse_id(builtin['.id']) if '.id' in builtin else None
                table.insert(values, builtin=True, num=num)
            if menu.singleton and not menu.builtins:
                table.insert({f.name: f.default for f in menu.fields if f.default is not None and not f.runtime}, builtin=True, num=0)
            self.tables[path] = table
        self._seeding = True
        try:
            self._seed()
        finally:
            self._seeding = False
        self._notify(None)

    def _seed(self):
        spec = self.spec
        ident = self.tables['/system/identity']
        ident.entries[0].values['name'] = spec.name
        facts = resource_facts(self.version)
        self.tables['/system/resource'].entries[0].values.update(facts)
        lan_subnets = list(getattr(spec, 'lan_subnets', None) or [])
        ifaces = self.tables['/interface']
        for num, (name, kind) in enumerate((('ether1', 'ether'), ('ether2', 'ether'), ('bridge', 'bridge')), start=1):
            values = {'name': name, 'type': kind, 'mtu': '1500' if kind == 'ether' else 'auto', 'actual-mtu': '1500',
                      'mac-address': f'02:00:00:00:00:{num:02X}', 'running': 'true', 'dynamic': 'false', 'disabled': 'false',
                      'slave': 'true' if name == 'ether2' else 'false'}
            if kind == 'ether':
                values['default-name'] = name
            ifaces.insert(values, builtin=True)
        wan = getattr(spec, 'wan_address', None)
        if wan:
            self._add('/ip/address', {'address': str(wan), 'interface': 'ether1'})
        for subnet in lan_subnets:
            import ipaddress  # pylint: disable=import-outside-toplevel
            net = ipaddress.ip_network(str(subnet), strict=False)
            host = next(net.hosts()) if net.num_addresses > 2 else net.network_address
            self._add('/ip/address', {'address': f'{host}/{net.prefixlen}', 'interface': 'bridge'})
        config = dict(getattr(spec, 'config', None) or {})
        order = [p for p in SEED_ORDER if p in config] + [p for p in config if p not in SEED_ORDER]
        for path in order:
            norm = '/' + str(path).strip('/').replace(' ', '/')
            if norm not in self.menus:
                raise ValueError(f'router {self.name}: config menu {path} is not modelled')
            for item in config[path] or []:
                attrs = {str(k): _api_text(v) for k, v in dict(item).items()}
                try:
                    if self.menus[norm].singleton:
                        self._set(self.menus[norm], attrs)
                    else:
                        self._add(norm, attrs)
                except Trap as exc:
                    raise ValueError(f'router {self.name}: config {path} {item!r}: {exc.message}') from None

    def dump(self):
        return {
            'name': self.name,
            'version': self.version,
            'tables': {path: table.dump() for path, table in self.tables.items()},
        }

    def load(self, data):
        tables = data.get('tables', {})
        for path, menu in self.menus.items():
            if path in tables:
                self.tables[path] = Table.from_dump(tables[path], menu.first_id)
        self._notify(None)

    # ------------------------------------------------------------------ login and log
    def check_login(self, username, password=None, proof=None):
        """The account that may log in over the API with these credentials, else None (users.py).

        ``proof(stored_password) -> bool`` replaces ``password`` for the pre-6.43 challenge login."""
        return self.accounts.api_login(username, proof or (lambda stored: stored == password))

    def note_login(self, ok, username=None, address=None):
        """Count a login; with a user name, log it the way RouterOS does (topics system,info,account)."""
        if ok:
            self.counters['logins'] += 1
        else:
            self.counters['login_failures'] += 1
        if username is not None:
            where = f' from {address}' if address else ''
            if ok:
                self.log('system,info,account', f'user {username} logged in{where} via api')
            else:
                self.log('system,error,critical', f'login failure for user {username}{where} via api')

    def log(self, topics, message, at=None):
        """Append a /log row. Time: v7 'YYYY-MM-DD HH:MM:SS', v6 'HH:MM:SS' (as public v6/v7 log prints show; the API form is not documented: chosen).
        ``at`` (epoch seconds) stamps an event that happened earlier than now (the runtime catching up)."""
        stamp = time.gmtime(self._wall() if at is None else at)
        text = time.strftime('%Y-%m-%d %H:%M:%S' if self.v7 else '%H:%M:%S', stamp)
        table = self.tables['/log']
        table.insert({'time': text, 'topics': topics, 'message': message})
        if len(table.entries) > 1000:   # bounded buffer like RouterOS's memory log (default 1000 lines)
            del table.entries[0]

    # ------------------------------------------------------------------ execute
    def execute(self, command, attrs, queries, policies=None):
        attrs = dict(attrs or {})
        queries = list(queries or [])
        sentences = self.counters['sentences']
        sentences[command] = sentences.get(command, 0) + 1
        tick = getattr(self.runtime, 'on_tick', None)
        if tick is not None:
            tick()
        try:
            if command.strip().rstrip('/') == '/ping':
                users.require(policies, 'test')
                return self.runtime.ping(attrs)     # a streaming tool, not a menu (runtime.ping)
            menu, verb = self._route(command)
            users.require(policies, 'write' if verb in WRITE_VERBS else 'read')
            if verb in WRITE_VERBS:
                self.counters['writes'] += 1
            done = self._dispatch(menu, verb, attrs, queries, policies)
        except MultiTrap as exc:
            return [('!trap', t.words()) for t in exc.traps] + [('!done', {})]
        except Trap as exc:
            return [('!trap', exc.words()), ('!done', {})]
        return done

    def _route(self, command):
        parts = [p for p in command.strip().split('/') if p]
        if not command.startswith('/') or not parts:
            raise Trap('no such command', None)
        path = '/' + '/'.join(parts[:-1])
        if path in self.menus:
            menu = self.menus[path]
            if parts[-1] not in menu.verbs:
                raise Trap('no such command')
            return menu, parts[-1]
        for i in range(len(parts)):
            prefix = '/' + '/'.join(parts[:i + 1])
            if prefix not in self._dirs:
                if i == len(parts) - 1:
                    # a known directory with an unknown command word, e.g. /ip/ipsec/print
                    raise Trap('no such command')
                if self.v7:
                    # as API users report for v7.4-7.14: two traps, librouteros raises MultiTrapError.
                    raise MultiTrap(Trap(f'no such command or directory ({parts[i]})'), Trap('no such command prefix'))
                # v6: other clients only ever surfaced this one text; one trap chosen.
                raise Trap('no such command prefix')
        raise Trap('no such command')

    def _dispatch(self, menu, verb, attrs, queries, policies=None):
        if verb in ('print', 'getall'):
            return self._print(menu, attrs, queries, policies)
        if menu.runtime_rows and verb not in ('get',):
            extra = self.runtime.command(menu.path, verb, attrs)
            return [('!done', extra or {})]
        if verb == 'get':
            return self._get(menu, attrs, policies)
        if verb == 'add':
            entry = self._add(menu.path, attrs)
            return [('!done', {'ret': entry.id_text})]
        if verb == 'set':
            self._set(menu, attrs)
        elif verb == 'remove':
            self._remove(menu, attrs)
        elif verb == 'move':
            self._move(menu, attrs)
        elif verb in ('enable', 'disable'):
            self._set(menu, {**self._ids_only(attrs), 'disabled': 'yes' if verb == 'disable' else 'no'}, allow_extra=False)
        elif verb == 'comment':
            self._set(menu, {**self._ids_only(attrs), 'comment': attrs.get('comment', '')}, allow_extra=False)
        elif verb in ('unset', 'reset'):
            self._unset(menu, attrs, verb)
        elif verb in ('reset-counters', 'reset-counters-all'):
            targets = self._targets(menu, attrs) if verb == 'reset-counters' else list(self.tables[menu.path])
            for entry in targets:
                for name in ('bytes', 'packets'):
                    if name in entry.values:
                        entry.values[name] = '0'
        self._notify(menu.path)
        return [('!done', {})]

    @staticmethod
    def _ids_only(attrs):
        return {k: v for k, v in attrs.items() if k in ('.id', 'numbers')}

    def _notify(self, path):
        if not self._seeding:
            self.runtime.on_config_change(path)

    # ------------------------------------------------------------------ errors
    def _unknown_parameter(self, name):
        # v7 names the argument; v6 (napalm-ros reports on 6.33-6.49) does not.
        return Trap(f'unknown parameter {name}' if self.v7 else 'unknown parameter')

    def _no_such_item(self):
        # text per version (as API clients report it); the category varies between client mocks, none is sent.
        return Trap('no such item (4)' if self.v7 else 'no such item')

    @staticmethod
    def _missing(name):
        return Trap(f'missing value(s) of argument(s) {name}', ARGUMENT_VALUE)

    # ------------------------------------------------------------------ values
    def _parse_value(self, menu, name, text):
        fld = menu.field(name)
        try:
            return fld.type.parse(text, self)
        except rosvalues.OutOfRange as exc:
            raise Trap(f'value of {name} out of range ({exc.lo}..{exc.hi})', ARGUMENT_VALUE) from None
        except ValueError:
            if isinstance(fld.type, (rosvalues.Enum, rosvalues.MultiEnum, rosvalues.Ref, rosvalues.Bool,
                                     rosvalues.Protocol, rosvalues.Identifier, rosvalues.IpsecPolicyMatcher)):
                raise Trap(f'input does not match any value of {name}', ARGUMENT_VALUE) from None
            raise Trap(f'invalid value for argument {name}', ARGUMENT_VALUE) from None

    def _store(self, menu, values, name, parsed):
        """Store a parsed value; hidden defaults and empty comments are dropped (RouterOS does not print them)."""
        fld = menu.field(name)
        if (not fld.show_default and fld.default is not None and fld.type.equal(parsed, fld.default)) or \
                (name == 'comment' and parsed == ''):
            values.pop(name, None)
        else:
            values[name] = parsed

    def _check_args(self, menu, attrs, extra=()):
        for name in attrs:
            if name in extra:
                continue
            fld = menu.field(name)
            if fld is None or fld.ro or fld.runtime:
                raise self._unknown_parameter(name)

    # ------------------------------------------------------------------ add
    def _add(self, path, attrs):
        menu = self.menus[path]
        table = self.tables[path]
        extra = ('place-before', 'copy-from') if menu.ordered else ('copy-from',)
        self._check_args(menu, attrs, extra)
        values = {}
        if 'copy-from' in attrs:
            source = self._resolve(menu, attrs['copy-from'])[0]
            values = {k: v for k, v in source.values.items() if not menu.field(k) or not menu.field(k).ro}
            if menu.key:
                values.pop(menu.key, None)
        for fld in menu.fields:
            if fld.default is not None and fld.name not in values and (fld.show_default or fld.ro) and not fld.runtime:
                if fld.ro and fld.name == menu.builtin_flag:
                    values[fld.name] = 'false'
                elif fld.show_default:
                    values[fld.name] = fld.default
        for name, text in attrs.items():
            if name in extra:
                continue
            self._store(menu, values, name, self._parse_value(menu, name, text))
        if menu.key and menu.key not in values and menu.auto_name:
            num = 1
            while table.find_by(menu.key, f'{menu.auto_name}{num}') is not None:
                num += 1
            values[menu.key] = f'{menu.auto_name}{num}'
        for fld in menu.fields:
            if fld.mandatory and fld.name not in values:
                raise self._missing(fld.name)
        if menu.key and table.find_by(menu.key, values[menu.key]) is not None:
            raise self._duplicate(menu)
        if menu.validate:
            menu.validate(self, menu, values, None)
        before = None
        if 'place-before' in attrs:
            before = self._resolve(menu, attrs['place-before'])[0]
        entry = table.insert(values, before=before)
        self._notify(path)
        return entry

    @staticmethod
    def _duplicate(menu):
        # the IPsec text is not documented; RouterOS's generic "failure: already have ..." pattern,
        # in the form verified for interfaces ("already have interface with such name"), is used for every menu.
        return Trap(f'failure: already have {menu.kind} with such name', ARGUMENT_VALUE)

    # ------------------------------------------------------------------ ids
    def _resolve(self, menu, text):
        """``*HEX``, names (named menus), console positional numbers, comma lists -> entries (as ``remove``/``move`` accept them)."""
        table = self.tables[menu.path]
        out = []
        for token in str(text).split(','):
            token = token.strip()
            entry = None
            num = parse_id(token)
            if num is not None:
                entry = table.get(num)
            elif token.isdigit():
                pos = int(token)
                entry = table.entries[pos] if pos < len(table.entries) else None
            elif menu.key:
                entry = table.find_by(menu.key, token)
            if entry is None:
                raise self._no_such_item()
            if entry not in out:
                out.append(entry)
        return out

    def _targets(self, menu, attrs, required=True):
        if menu.singleton:
            return [self.tables[menu.path].entries[0]]
        ref = attrs.get('.id', attrs.get('numbers'))
        if ref is None or ref == '':
            if required:
                raise self._missing('numbers')
            return []
        return self._resolve(menu, ref)

    # ------------------------------------------------------------------ set / unset / remove / move
    def _set(self, menu, attrs, allow_extra=True):
        targets = self._targets(menu, attrs)
        changes = {k: v for k, v in attrs.items() if k not in ('.id', 'numbers')}
        self._check_args(menu, changes)
        parsed = {name: self._parse_value(menu, name, text) for name, text in changes.items()}
        table = self.tables[menu.path]
        for entry in targets:
            values = dict(entry.values)
            for name, value in parsed.items():
                self._store(menu, values, name, value)
            if menu.key and values.get(menu.key) != entry.values.get(menu.key):
                if entry.builtin and not menu.singleton:
                    raise Trap('failure: can not change name of default entry', ARGUMENT_VALUE)
                clash = table.find_by(menu.key, values[menu.key])
                if clash is not None and clash is not entry:
                    raise self._duplicate(menu)
            if menu.validate:
                menu.validate(self, menu, values, entry)
            old_key = entry.values.get(menu.key) if menu.key else None
            entry.values = values
            if menu.key and old_key != values.get(menu.key):
                self._rename_references(menu.path, old_key, values[menu.key])

    def _rename_references(self, path, old, new):
        """References are by internal id in RouterOS, so a rename shows up in every referencing row."""
        for other_path, other in self.menus.items():
            for fld in other.fields:
                if isinstance(fld.type, rosvalues.Ref) and path in (fld.type.menu,) + fld.type.extra_menus:
                    for entry in self.tables[other_path]:
                        if entry.values.get(fld.name) == old:
                            entry.values[fld.name] = new

    def _unset(self, menu, attrs, verb):
        targets = self._targets(menu, attrs)
        name = attrs.get('value-name')
        for key in attrs:
            if key not in ('.id', 'numbers', 'value-name'):
                raise self._unknown_parameter(key)
        if name is None and verb == 'unset':
            raise self._missing('value-name')
        names = [n.strip() for n in name.split(',')] if name else \
            [f.name for f in menu.fields if not f.ro and not f.runtime and f.name != menu.key]
        for item in names:
            fld = menu.field(item)
            if fld is None or fld.ro or fld.runtime or (verb == 'unset' and (fld.mandatory or not fld.unsettable)):
                raise Trap('input does not match any value of value-name', ARGUMENT_VALUE)
        for entry in targets:
            for item in names:
                fld = menu.field(item)
                if fld.default is not None and fld.show_default:
                    entry.values[item] = fld.default
                else:
                    entry.values.pop(item, None)

    def _remove(self, menu, attrs):
        for key in attrs:
            if key not in ('.id', 'numbers'):
                raise self._unknown_parameter(key)
        targets = self._targets(menu, attrs)
        for entry in targets:
            if entry.builtin:
                # the text is not documented; MikroTik's "Command Line Interface" manual says default entries "cannot be
                # removed manually", so refuse with RouterOS's "failure:" style.
                raise Trap('failure: can not remove default entry', ARGUMENT_VALUE)
            if menu.in_use:
                reason = menu.in_use(self, menu, entry, targets)
                if reason:
                    raise Trap(reason, ARGUMENT_VALUE)
        table = self.tables[menu.path]
        for entry in targets:
            table.remove(entry)

    def _move(self, menu, attrs):
        for key in attrs:
            if key not in ('.id', 'numbers', 'destination'):
                raise self._unknown_parameter(key)
        targets = self._targets(menu, attrs)
        destination = None
        if attrs.get('destination', '') != '':
            destination = self._resolve(menu, attrs['destination'])[0]
        self.tables[menu.path].move(targets, destination)

    # ------------------------------------------------------------------ print / get
    def rows(self, path):
        """All rows of ``path`` as an API print shows them (every property, in table order)."""
        menu = self.menus[path]
        if menu.runtime_rows:
            return [dict(r) for r in self.runtime.rows(path)]
        rows = []
        for entry in self.tables[path]:
            row = {} if menu.singleton else {'.id': entry.id_text}
            for fld in menu.fields:
                if fld.name in entry.values and not fld.runtime:
                    row[fld.name] = entry.values[fld.name]
            if menu.builtin_flag and menu.field(menu.builtin_flag):
                if entry.builtin:
                    row[menu.builtin_flag] = 'true'
                elif menu.flag_false_shown:
                    row[menu.builtin_flag] = 'false'
                else:
                    row.pop(menu.builtin_flag, None)
            row.update(self.runtime.fields(path, entry))
            rows.append(row)
        if menu.derive:
            rows = menu.derive(self, menu, rows)
        return rows

    def _typer(self, menu):
        def typer(name):
            fld = menu.field(name)
            if fld is not None:
                return fld.type
            if name == '.id':
                return _ID_TYPE
            return None
        return typer

    def _print(self, menu, attrs, queries, policies=None):
        for key in attrs:
            if key not in PRINT_OPTIONS:
                raise self._unknown_parameter(key)
        try:
            hidden = {f.name: f.default for f in menu.fields if not f.show_default and f.default is not None}
            rows = query_select(users.hide_sensitive(menu, self.rows(menu.path), policies), queries, self._typer(menu), hidden)
        except QueryError:
            raise Trap('invalid query', ARGUMENT_VALUE) from None
        if 'count-only' in attrs:
            return [('!done', {'ret': str(len(rows))})]
        proplist = attrs.get('.proplist')
        if proplist is not None and proplist != '':
            wanted = [p for p in proplist.split(',') if p]
            rows = [{p: row[p] for p in wanted if p in row} for row in rows]
        return [('!re', row) for row in rows] + [('!done', {})]

    def _get(self, menu, attrs, policies=None):
        for key in attrs:
            if key not in ('.id', 'number', 'numbers', 'value-name'):
                raise self._unknown_parameter(key)
        rows = users.hide_sensitive(menu, self.rows(menu.path), policies)
        if menu.singleton:
            row = rows[0]
        else:
            ref = attrs.get('number', attrs.get('numbers', attrs.get('.id')))
            if ref is None:
                raise self._missing('number')
            entry = self._resolve(menu, ref)[0]
            row = next(r for r in rows if r.get('.id') == entry.id_text)
        name = attrs.get('value-name')
        if name is None:
            raise self._missing('value-name')
        if name not in row and menu.field(name) is None and name != '.id':
            raise Trap('input does not match any value of value-name', ARGUMENT_VALUE)
        return [('!done', {'ret': row.get(name, '')})]


class _IdType(rosvalues.RosType):
    def key(self, stored):
        num = parse_id(stored)
        return num if num is not None else stored


_ID_TYPE = _IdType()


def _api_text(value):
    """Lab-file YAML values to API text (True -> yes, 3 -> '3', lists -> comma list)."""
    if isinstance(value, bool):
        return 'yes' if value else 'no'
    if isinstance(value, (list, tuple)):
        return ','.join(_api_text(v) for v in value)
    return str(value)


__all__ = ['Router', 'QuiescentRuntime', 'WRITE_VERBS', 'format_id']
