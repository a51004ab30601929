# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The connection layer: one librouteros session per module run, and clear error messages.

Public:

* ``api_argument_spec()`` -- the shared options; mirrors ``doc_fragments/api.py`` exactly.
* ``connect(params, warn=None)`` -- open, TLS-wrap, log in, return a ``Session``.
* ``Session`` -- ``version``/``version_tuple`` (read once), ``print_``, ``add``, ``set_``, ``remove``, ``close``.
* ``RouterError`` -- every foreseeable failure, with a message naming router, menu, entry,
  RouterOS's own text and the next step. The connection password never appears. Its ``details`` carry
  ``error_kind`` (one of ``ERROR_KINDS``), so a caller (the fleet report) tells an unreachable router
  from one that failed after it answered without reading the message.
* ``HAS_LIBROUTEROS`` / ``LIBROUTEROS_IMPORT_ERROR`` for ``missing_required_lib('librouteros')``.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
import ssl

from ansible_collections.vpclink.routeros.plugins.module_utils.masking import mask

try:
    import librouteros
    from librouteros.connections import SocketTransport
    from librouteros.exceptions import ConnectionClosed, FatalError, LibRouterosError, MultiTrapError, ProtocolError, TrapError
    from librouteros.login import plain as _plain_login
except ImportError as _exc:  # the import sanity test and hosts without the library
    librouteros = None
    LIBROUTEROS_IMPORT_ERROR = _exc
    HAS_LIBROUTEROS = False

    class LibRouterosError(Exception):
        pass

    class ConnectionClosed(LibRouterosError):
        pass

    class ProtocolError(LibRouterosError):
        pass

    class FatalError(ProtocolError):
        pass

    class TrapError(ProtocolError):
        def __init__(self, message='', category=None):
            super(TrapError, self).__init__(message)
            self.message = message
            self.category = category

    class MultiTrapError(ProtocolError):
        def __init__(self, *traps):
            super(MultiTrapError, self).__init__(', '.join(t.message for t in traps))
            self.traps = traps
else:
    LIBROUTEROS_IMPORT_ERROR = None
    HAS_LIBROUTEROS = True


class _WireSecretFilter(logging.Filter):
    """librouteros logs every API word at DEBUG, ``=password=`` and ``=secret=`` included: mask their values, so a
    user who turns on debug logging (root logger at DEBUG) does not write the password and PSKs to a log."""

    def __init__(self):
        super(_WireSecretFilter, self).__init__()
        self.values = set()   # the password and secrets of the sessions of this process (memory only)

    def filter(self, record):
        text = record.getMessage()
        masked = mask(text, self.values, settings=True)
        if masked != text:
            record.msg, record.args = masked, ()
        return True


def _guard_wire_log(*values):
    logger = logging.getLogger('librouteros')
    guard = next((f for f in logger.filters if isinstance(f, _WireSecretFilter)), None)
    if guard is None:
        guard = _WireSecretFilter()
        logger.addFilter(guard)
    guard.values.update(str(v) for v in values if v)


# What kind of failure a RouterError is (its ``error_kind``): ``unreachable`` (refused, no route, name not resolved, no
# answer to the TCP connect), ``tls`` (handshake or certificate), ``timeout`` (the connection opened but the login got no
# reply), ``login`` (login refused or closed by the router), ``trap`` (RouterOS refused a command), ``stalled`` (no reply
# in a logged-in session), ``closed`` (the router ended the session), ``input`` (a value the connection cannot carry).
# The first three mean the API could not be reached (UNREACHABLE_KINDS); the others happened after it answered.
ERROR_KINDS = ('unreachable', 'tls', 'timeout', 'login', 'trap', 'stalled', 'closed', 'input')
UNREACHABLE_KINDS = ('unreachable', 'tls', 'timeout')

PLAIN_PORT = 8728
TLS_PORT = 8729

# !trap categories (MikroTik API manual, https://help.mikrotik.com/docs/spaces/ROS/pages/47579160/API).
_TRAP_HINTS = {
    0: 'the item or command does not exist on this router',
    1: 'RouterOS rejected an argument value',
    2: 'the command was interrupted',
    3: 'a scripting failure',
    4: 'a general failure',
    5: 'an API failure',
}


def api_argument_spec():
    """The connection options shared by every module (doc fragment ``vpclink.routeros.api``)."""
    return dict(
        hostname=dict(type='str', required=True),
        username=dict(type='str', required=True),
        password=dict(type='str', required=True, no_log=True),
        port=dict(type='int'),
        tls=dict(type='bool', default=False, aliases=['ssl']),
        validate_certs=dict(type='bool', default=True),
        validate_cert_hostname=dict(type='bool', default=True),
        ca_path=dict(type='path'),
        timeout=dict(type='int', default=10),
        encoding=dict(type='str', default='ASCII'),
    )


class RouterError(Exception):
    """A foreseeable failure. ``str()`` is the full, user-facing message; ``details`` go into the result."""

    def __init__(self, msg, **details):
        super(RouterError, self).__init__(msg)
        self.msg = msg
        self.details = {k: v for k, v in details.items() if v is not None}


def _is_loopback(hostname):
    if hostname in ('localhost', 'localhost.localdomain'):
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def _trap_text(exc):
    """RouterOS's own words for a trap (several traps are joined, as librouteros does)."""
    if isinstance(exc, MultiTrapError):
        return ', '.join(_trap_text(t) for t in exc.traps)
    return str(getattr(exc, 'message', None) or exc).replace('\r\n', ', ')


def _category(exc):
    if isinstance(exc, MultiTrapError):
        exc = exc.traps[0] if exc.traps else exc
    try:
        return int(getattr(exc, 'category', None))
    except (TypeError, ValueError):
        return None


def _ssl_context(params):
    ctx = ssl.create_default_context(cafile=params.get('ca_path')) if params.get('ca_path') else ssl.create_default_context()
    if not params.get('validate_certs', True):
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    elif not params.get('validate_cert_hostname', True):
        ctx.check_hostname = False
    return ctx


class Session:
    """One logged-in API connection to one router. Every call goes through ``_call``, which turns
    librouteros and socket failures into ``RouterError`` naming router, menu, entry and next step."""

    def __init__(self, api, hostname, port, tls, timeout, secrets=()):
        self.api = api
        self.hostname = hostname
        self.port = port
        self.tls = tls
        self.timeout = timeout
        self.router = f'{hostname}:{port}'
        self._secrets = [s for s in secrets if s]
        self._version = None
        self.writes = 0
        self.reads = 0

    # -- errors -------------------------------------------------------------
    def scrub(self, text):
        """The text with this session's password and secrets masked: they never reach a message."""
        return mask(str(text), self._secrets)

    def add_secret(self, value):
        if value:
            self._secrets.append(str(value))
            _guard_wire_log(value)

    def _fail(self, exc, menu, verb, entry):
        where = 'router {}, {} {}{}'.format(self.router, menu, verb, (f' of {entry}') if entry else '')
        if isinstance(exc, (TrapError, MultiTrapError)):
            text = _trap_text(exc)
            cat = _category(exc)
            step = _trap_next_step(text, cat, verb)
            msg = '{}: RouterOS said "{}"{}. {}'.format(
                where, text, (' (category {}: {})'.format(cat, _TRAP_HINTS.get(cat, 'unknown'))) if cat is not None else '', step)
            return RouterError(self.scrub(msg), router=self.router, menu=menu, step=verb, entry=entry,
                               routeros_message=self.scrub(text), trap_category=cat, error_kind='trap')
        kind = 'closed'
        if isinstance(exc, FatalError):
            msg = f'{where}: the router ended the session ("{exc}"). Check the API user\'s session limits and the router log, then retry.'
        elif isinstance(exc, (ConnectionClosed, ConnectionResetError, BrokenPipeError)):
            msg = (f'{where}: the connection was closed by the router in the middle of the command. The router may have rebooted '
                   'or the API service was restarted; check it is reachable and retry.')
        elif isinstance(exc, (socket.timeout, TimeoutError)):
            kind = 'stalled'
            msg = (f'{where}: no reply within {self.timeout} s. The router is overloaded or the connection stalled; '
                   'retry, or raise the timeout option.')
        elif isinstance(exc, UnicodeEncodeError):
            kind = 'input'
            msg = (f'{where}: a value contains characters the API encoding cannot carry. Set the encoding option to UTF-8 '
                   '(RouterOS 7) or use ASCII text.')
        else:
            msg = f'{where}: {type(exc).__name__}: {exc}'
        return RouterError(self.scrub(msg), router=self.router, menu=menu, step=verb, entry=entry, error_kind=kind)

    def _call(self, menu, verb, entry, words):
        try:
            return list(self.api.rawCmd(f'{menu}/{verb}', *words))
        except (LibRouterosError, OSError, UnicodeError) as exc:
            raise self._fail(exc, menu, verb, entry) from None

    # -- reads --------------------------------------------------------------
    def print_(self, menu, proplist=None, query=None, entry=None, words=None):
        """One ``print`` with ``.proplist`` and ``?=k=v`` query words (implicit AND): one round trip.

        ``words``: ready ``?`` query words (e.g. ``?=name=a ?=name=b ?#|``) appended after ``query``."""
        query_words = list(words or [])
        words = []
        if proplist:
            words.append('=.proplist={}'.format(','.join(proplist)))
        for key, value in (query or {}).items():
            words.append(f'?={key}={value}')
        words += query_words
        self.reads += 1
        return self._call(menu, 'print', entry, words)

    def command(self, path, words, entry=None):
        """A read-only command that is not a print (``/ping``): all its ``!re`` rows, one round trip."""
        self.reads += 1
        menu, _sep, verb = path.rpartition('/')
        return self._call(menu, verb, entry, list(words))

    @property
    def version(self):
        """RouterOS version text such as ``7.16.2``, read once per session, not once per menu."""
        if self._version is None:
            rows = self.print_('/system/resource', proplist=['version'])
            raw = str(rows[0].get('version', '')) if rows else ''
            self._version = raw.split(' ', 1)[0]
            if not self._version:
                raise RouterError(f'router {self.router}: /system/resource did not report a version; the API user needs the "read" policy.',
                                  router=self.router, menu='/system/resource', error_kind='trap')
        return self._version

    @property
    def version_tuple(self):
        return version_tuple(self.version)

    # -- writes -------------------------------------------------------------
    def add(self, menu, attrs, entry=None):
        self.writes += 1
        rows = self._call(menu, 'add', entry, [f'={k}={v}' for k, v in attrs.items()])
        for row in rows:
            if 'ret' in row:
                return str(row['ret'])
        return None

    def set_(self, menu, entry_id, attrs, entry=None):
        self.writes += 1
        words = [f'=.id={entry_id}'] + [f'={k}={v}' for k, v in attrs.items()]
        self._call(menu, 'set', entry, words)

    def move(self, menu, entry_id, destination, entry=None):
        """``move =numbers=<id> =destination=<id>``: place ``entry_id`` before ``destination`` (as the console's ``move``)."""
        self.writes += 1
        self._call(menu, 'move', entry, [f'=numbers={entry_id}', f'=destination={destination}'])

    def remove(self, menu, entry_id, entry=None):
        self.writes += 1
        self._call(menu, 'remove', entry, [f'=.id={entry_id}'])

    def close(self):
        # closing a dead socket must never hide the real result
        with contextlib.suppress(Exception):
            self.api.close()


def version_tuple(text):
    """``'7.16.2'`` -> (7, 16, 2); ``'6.49.10 (long-term)'`` -> (6, 49, 10); rc/beta suffixes are ignored."""
    parts = []
    for piece in str(text).split(' ', 1)[0].split('.'):
        digits = ''
        for char in piece:
            if not char.isdigit():
                break
            digits += char
        if not digits:
            break
        parts.append(int(digits))
    while len(parts) < 3:
        parts.append(0)
    return tuple(parts)


# The RouterOS user-group policy each API verb needs (MikroTik User manual, https://help.mikrotik.com/docs/display/ROS/User:
# "read" for what does not alter the configuration, "write" for changes, "test" for ping and other test commands).
POLICY_OF_VERB = {'print': 'read', 'get': 'read', 'ping': 'test', 'add': 'write', 'set': 'write', 'remove': 'write', 'move': 'write',
                  'unset': 'write'}
POLICY_WHY = {'read': 'needed to read the configuration', 'write': 'needed to change the configuration',
              'test': 'needed by /ping, the data-path probe'}


def _trap_next_step(text, category, verb):
    low = text.lower()
    if 'input does not match any value of' in low:
        return 'A referenced name does not exist on the router or a value is not one RouterOS accepts; create the referenced entry first or fix the value.'
    if 'unknown parameter' in low:
        return 'This RouterOS version does not know that property; remove the option or upgrade RouterOS.'
    if 'no such command' in low:
        return 'This menu or command does not exist on this RouterOS version; check the version and installed packages.'
    if 'no such item' in low:
        return 'The entry was removed by someone else in the meantime; run the task again.'
    if 'already have' in low or 'multiple initiator peers' in low:
        return 'An entry with the same identity already exists; change the name or address, or remove the other entry.'
    if 'not enough permissions' in low or 'permission' in low:
        policy = POLICY_OF_VERB.get(verb, 'write')
        return (f'The API user\'s group lacks the "{policy}" policy ({POLICY_WHY[policy]}); add it to the group (/user group set <group> '
                f'policy=...,{policy}) or use a user whose group has it. The README, "The API user", lists the policies each playbook needs.')
    if 'missing value' in low:
        return 'A mandatory property was not given; add it to the task.'
    return 'Fix the value RouterOS complains about and run again.'


_NOT_TLS_HINT = (f' This port does not speak TLS: it is probably the plain API port ({PLAIN_PORT}). Use port {TLS_PORT} (api-ssl) '
                 'or set tls: false.')


def connect(params, warn=None):
    """Open one session from the shared options. ``warn(text)`` receives non-fatal warnings.

    Raises ``RouterError`` with a clear message (router, what failed, the next step) for every foreseeable failure.
    """
    if not HAS_LIBROUTEROS:
        raise RouterError('the Python library librouteros is required on the controller (pip install librouteros)',
                          exception=str(LIBROUTEROS_IMPORT_ERROR))
    _guard_wire_log(params.get('password'))
    hostname = params['hostname']
    username = params['username']
    password = params.get('password') or ''
    tls = bool(params.get('tls'))
    port = params.get('port') or (TLS_PORT if tls else PLAIN_PORT)
    timeout = params.get('timeout') or 10
    encoding = params.get('encoding') or 'ASCII'
    router = f'{hostname}:{port}'
    scrub_list = [password] if password else []

    def fail(msg, **details):
        return RouterError(mask(msg, scrub_list), router=router, step='connect', **details)

    if not tls and warn is not None and not _is_loopback(hostname):
        warn(f'tls is false: the API login sends the password of user {username} to {router} in clear text. '
             'Enable the api-ssl service and set tls: true.')

    # 'connect' (TCP), 'tls' (handshake), 'login': the same exception means different things per stage.
    stage = ['connect']
    ssl_wrapper = _tls_wrapper(params, router, stage, fail) if tls else None
    try:
        'x'.encode(encoding)
    except LookupError:
        raise fail(f'encoding {encoding!r} is not a Python codec; use ASCII or UTF-8.', error_kind='input') from None

    def login(api, user, pwd):
        stage[0] = 'login'
        read_through_buffer(api)
        _plain_login(api, user, pwd)

    try:
        api = librouteros.connect(host=hostname, username=username, password=password, port=port, timeout=timeout,
                                  encoding=encoding, ssl_wrapper=ssl_wrapper, login_method=login)
    except (OSError, UnicodeError, LibRouterosError) as exc:
        where = {'router': router, 'hostname': hostname, 'username': username, 'tls': tls, 'timeout': timeout, 'encoding': encoding,
                 'stage': stage[0]}
        msg, details = _connect_failure(exc, where, scrub_list)
        raise fail(msg, error_kind=_connect_kind(exc, stage[0]), **details) from None
    return Session(api, hostname, port, tls, timeout, secrets=scrub_list)


if HAS_LIBROUTEROS:
    class BufferedTransport(SocketTransport):
        """librouteros's socket transport, reading through a buffer. librouteros reads every API word with two socket reads
        (its length, then the word): a print of a few entries costs hundreds of ``recv`` calls, each one a switch of
        Python's interpreter lock among the threads of a fleet task (measured: 257 ``recv`` per router for a read-only
        check; 50 threads spent more time switching than reading). A buffer takes whatever the router has sent in one
        call. The API is request and reply, so nothing read ahead belongs to anyone else; a timeout still ends the
        session with the socket's own exception."""

        def __init__(self, sock):
            super().__init__(sock)
            self.reader = sock.makefile('rb')

        def read(self, length):
            data = self.reader.read(length)
            if len(data) != length:
                raise ConnectionClosed('Connection unexpectedly closed.')
            return data

        def close(self):
            # the buffered file holds a reference to the socket: the socket closes once both are closed
            self.reader.close()
            super().close()


def read_through_buffer(api):
    """Swap the transport of a librouteros ``Api`` that has read nothing yet (its login method is the place) for
    ``BufferedTransport`` on the same socket."""
    api.protocol.transport = BufferedTransport(api.protocol.transport.sock)


def _tls_wrapper(params, router, stage, fail):
    """The ``ssl_wrapper`` for librouteros: it does not pass ``server_hostname`` itself, so SNI and the
    hostname check need this wrapper. Marks the stage ``tls`` when the handshake starts."""
    try:
        ctx = _ssl_context(params)
    except (OSError, ssl.SSLError) as exc:
        raise fail('cannot load the CA file ca_path={} for {}: {}. Give a readable PEM file with the CA that signed '
                   "the router's certificate.".format(params.get('ca_path'), router, exc), error_kind='input') from None
    server_hostname = params['hostname'] if params.get('validate_certs', True) else None

    def ssl_wrapper(sock):
        stage[0] = 'tls'
        return ctx.wrap_socket(sock, server_hostname=server_hostname)
    return ssl_wrapper


def _connect_failure(exc, where, secrets):
    """What a failed ``librouteros.connect`` means at the stage it failed: ``(message, details)``."""
    router = where['router']
    if isinstance(exc, ssl.SSLError):
        return _tls_failure(exc, router)
    if isinstance(exc, (TrapError, MultiTrapError)):
        text = _trap_text(exc)
        return (f'login to {router} as user {where["username"]!r} failed: RouterOS said "{text}". Check username and password, and '
                "that the user's group has the api policy and may log in from this address.", {'routeros_message': mask(str(text), secrets)})
    if isinstance(exc, ConnectionRefusedError):
        service = 'api-ssl' if where['tls'] else 'api'
        return (f'connection to {router} refused: nothing listens on that port. Check the address, that the {service} service '
                f'is enabled (/ip service), and the port ({PLAIN_PORT} plain, {TLS_PORT} TLS).', {})
    if isinstance(exc, socket.gaierror):
        return f'cannot resolve hostname {where["hostname"]!r}: {exc.strerror}. Check the name or use an IP address.', {}
    if isinstance(exc, TimeoutError):
        return _timeout_failure(where)
    if isinstance(exc, (ConnectionClosed, ConnectionResetError, BrokenPipeError, ProtocolError)):
        return _closed_failure(exc, where, secrets)
    if isinstance(exc, UnicodeError):
        return (f'the username or password for {router} contains characters encoding {where["encoding"]} cannot carry; '
                'set encoding: UTF-8.', {})
    if isinstance(exc, OSError):
        return f'cannot reach {router}: {exc.strerror or exc}. Check the address, routing and firewall.', {}
    return f'cannot connect to {router}: {exc}', {}


def _connect_kind(exc, stage):
    """The ``error_kind`` of a failed ``librouteros.connect`` (see ERROR_KINDS), from the stage it failed at."""
    if stage == 'tls' or isinstance(exc, ssl.SSLError):
        return 'tls'
    if isinstance(exc, UnicodeError):
        return 'input'
    if stage == 'connect':
        return 'unreachable'
    if isinstance(exc, TimeoutError):
        return 'timeout'
    return 'login'


def _tls_failure(exc, router):
    if isinstance(exc, ssl.SSLCertVerificationError):
        reason = getattr(exc, 'verify_message', None) or str(exc)
        return ("TLS certificate verification failed for {}: {}. Give ca_path with the CA that signed the router's "
                'certificate{}; validate_certs: false only for a lab.'.format(
                    router, reason,
                    ', or set validate_cert_hostname: false if the certificate does not name this host'
                    if 'hostname' in reason.lower() or 'ip address mismatch' in reason.lower() else ''),
                {'tls_error': reason})
    reason = getattr(exc, 'reason', None) or str(exc)
    hint = ''
    if 'WRONG_VERSION_NUMBER' in str(exc) or 'record layer' in str(exc).lower() or 'UNEXPECTED_EOF' in str(exc) \
            or 'packet length too long' in str(exc).lower():
        hint = _NOT_TLS_HINT
    return ('TLS handshake with {} failed: {}.{}'.format(router, reason, hint or
            ' Check that api-ssl has a certificate (/ip service set api-ssl certificate=...).'), {'tls_error': str(reason)})


def _timeout_failure(where):
    router, timeout, stage = where['router'], where['timeout'], where['stage']
    if stage == 'tls':
        # A plain API port reads the ClientHello as API words and may wait for more bytes that never
        # come (the ClientHello's random bytes decide), so a silent handshake is the same mistake as a
        # garbled one.
        return (f'TLS handshake with {router} failed: no answer within {timeout} s.{_NOT_TLS_HINT} Otherwise the router '
                'is overloaded; raise the timeout option.', {'tls_error': 'handshake timed out'})
    if stage == 'login':
        hint = (f'the TCP connection opened but the login got no reply within {timeout} s. If this is the api-ssl port ({TLS_PORT}), '
                'set tls: true; otherwise the router is overloaded.') if not where['tls'] else (
            f'the login got no reply within {timeout} s; the router is overloaded or the session stalled.')
    else:
        hint = (f'no answer within {timeout} s: the host is unreachable or a firewall drops the packets. Check routing and '
                "the router's input firewall chain, or raise the timeout option.")
    return f'connecting to {router} timed out: {hint}', {}


def _closed_failure(exc, where, secrets):
    router, stage = where['router'], where['stage']
    if stage == 'tls':
        return (f'TLS handshake with {router} failed: the router closed the connection ({type(exc).__name__}).{_NOT_TLS_HINT}',
                {'tls_error': type(exc).__name__})
    if not where['tls'] and stage == 'login':
        hint = (f' If this is the api-ssl port ({TLS_PORT}), set tls: true; a TLS port closes a plain-text login. Otherwise the '
                'API service may be restricted to other addresses (/ip service ... address=).')
    else:
        hint = ' The API service may be restricted to other addresses (/ip service ... address=) or the router rebooted.'
    return f'the connection to {router} was closed during {stage} ({mask(str(exc), secrets) or type(exc).__name__}).{hint}', {}
