"""One API connection: login, ``.tag``, ``!fatal``, ``!empty`` (7.18+), ``/quit``, ``/cancel``, faults.

The router model only sees ``execute(command, attrs, queries)`` (contract in ``__init__.py``);
everything that belongs to the connection rather than to the router lives here.
Sentences are handled strictly one at a time (librouteros never multiplexes: it sends a sentence and reads until ``!done``).
"""

import asyncio
import contextlib
import hashlib
import logging
import os

from emulator import wire
from emulator.errors import MultiTrap, Trap

LOG = logging.getLogger('emulator.session')

# "There is a limit on the number and size of sentences that the client can send before it has
# logged in" (MikroTik "API" manual, https://help.mikrotik.com/docs/spaces/ROS/pages/47579160/API); the real limits are not documented, these are generous.
PRELOGIN_MAX_WORDS = 16
PRELOGIN_MAX_LENGTH = 4096

LOGIN_FAILED = 'invalid user name or password (6)'    # post-6.43 login (API manual, Initial login)
LEGACY_LOGIN_FAILED = 'cannot log in'                  # pre-6.43 challenge login
NOT_LOGGED_IN = 'not logged in'                        # any command before /login
QUIT = 'session terminated on request'                 # /quit: !fatal with this text


def parse_sentence(words):
    """Split a request into (command, attrs, queries, tag) -- API manual, Command word / Attribute word / Query word / API attribute word."""
    command, attrs, queries, tag = words[0], {}, [], None
    for word in words[1:]:
        if word.startswith('='):
            key, _sep, value = word[1:].partition('=')
            attrs[key] = value
        elif word.startswith('?'):
            queries.append(word[1:])
        elif word.startswith('.tag='):
            tag = word[5:]
        # other API attribute words and stray words are ignored
    return command, attrs, queries, tag or None


def legacy_response(password, challenge):
    """The pre-6.43 login response: '00' + md5(NUL + password + challenge) (API manual, Initial login, pre-6.43)."""
    return '00' + hashlib.md5(b'\x00' + password.encode('utf-8') + challenge).hexdigest()


def is_print(command):
    return command.rsplit('/', 1)[-1] in ('print', 'getall')


def add_empty(command, replies, version):
    """RouterOS >= 7.18 answers a print with nothing to report with ``!empty`` before ``!done`` (API manual, Reply word)."""
    if version < (7, 18, 0) or not is_print(command):
        return replies
    if any(reply[0] != '!done' for reply in replies) or replies[-1][1]:
        return replies
    return [('!empty', {})] + replies


class Session:
    def __init__(self, node, reader, writer):
        self.node = node
        self.reader = reader
        self.writer = writer
        self.logged_in = False
        self.account = None      # users.Account of the logged-in user: its group's policies apply to every command
        self.challenge = None
        self.stalled = False

    async def run(self):
        self.node.sessions.add(self)
        try:
            while True:
                if self.logged_in:
                    words = await wire.read_sentence(self.reader)
                else:
                    words = await wire.read_sentence(self.reader, PRELOGIN_MAX_WORDS, PRELOGIN_MAX_LENGTH)
                if not words or self.stalled:  # "Empty sentences are ignored" (API manual); a stalled session reads only
                    continue
                if not await self.handle(words):
                    break
        except (asyncio.IncompleteReadError, ConnectionError, wire.WireError, OSError) as exc:
            LOG.debug('%s: connection ends: %s', self.node.name, exc)
        except asyncio.CancelledError:
            pass
        finally:
            self.node.sessions.discard(self)
            self.close()

    def close(self):
        with contextlib.suppress(ConnectionError, OSError, RuntimeError):
            self.writer.close()

    async def handle(self, words):
        """Answer one sentence; False means close the connection."""
        command, attrs, queries, tag = parse_sentence(words)
        fault = self.node.faults.on_sentence(command)
        if fault is not None:
            if fault.kind == 'drop':
                LOG.info('%s: fault drop on %s', self.node.name, command)
                return False
            if fault.kind == 'stall':
                LOG.info('%s: fault stall on %s', self.node.name, command)
                self.stalled = True
                return True
            if fault.kind == 'trap':
                trap = Trap(fault.message, fault.category)
                return await self.send([('!trap', trap.words()), ('!done', {})], tag)
        if not self.logged_in and command != '/login':
            return await self.fatal(NOT_LOGGED_IN)
        if command == '/login':
            replies = self.login(attrs)
        elif command == '/quit':
            return await self.fatal(QUIT)
        elif command == '/cancel':
            # nothing is ever in flight (one sentence at a time), so there is nothing to interrupt (``/cancel`` of a finished tag)
            replies = [('!done', {})]
        elif not command.startswith('/'):
            replies = [('!trap', {'message': 'no such command prefix', 'category': '0'}), ('!done', {})]
        else:
            replies = add_empty(command, self.execute(command, attrs, queries), self.node.version)
        cut = fault is not None and fault.kind == 'close_mid_reply'
        return await self.send(replies, tag, cut=cut)

    def execute(self, command, attrs, queries):
        try:
            replies = list(self.node.router.execute(command, attrs, queries, policies=self.account.policies))
        except Trap as trap:
            replies = [('!trap', trap.words()), ('!done', {})]
        except MultiTrap as multi:
            replies = [('!trap', t.words()) for t in multi.traps] + [('!done', {})]
        except Exception as exc:  # a model bug must reach the test as a trap, not hang the client
            LOG.exception('%s: router failed on %s', self.node.name, command)
            replies = [('!trap', {'message': f'emulator internal error: {type(exc).__name__}: {exc}', 'category': '4'}), ('!done', {})]
        if not replies or replies[-1][0] != '!done':
            replies.append(('!done', {}))
        return replies

    def login(self, attrs):
        name, password, response = attrs.get('name'), attrs.get('password'), attrs.get('response')
        if name is None and password is None and response is None:
            # pre-6.43 challenge: '/login' alone -> '!done =ret=<32 hex>' (API manual, pre-6.43 login)
            self.challenge = os.urandom(16)
            return [('!done', {'ret': self.challenge.hex()})]
        # a user whose group lacks the api policy gets the wrong-password text (users.py)
        if response is not None:
            challenge, self.challenge = self.challenge, None
            account = challenge is not None and self.node.router.check_login(
                name or '', proof=lambda stored: response.lower() == legacy_response(stored, challenge))
            message = LEGACY_LOGIN_FAILED
        else:
            account = self.node.router.check_login(name or '', password or '')
            message = LOGIN_FAILED
        ok = bool(account) and not self.node.faults.login_fail
        self.node.router.note_login(ok)
        if not ok:
            return [('!trap', {'message': message}), ('!done', {})]
        self.logged_in, self.account = True, account
        return [('!done', {})]

    async def fatal(self, reason):
        """``!fatal`` and a bare reason word, then close (API manual, Reply word)."""
        await self.write(wire.encode_sentence(['!fatal', reason]))
        return False

    async def send(self, replies, tag, cut=False):
        delay = self.node.faults.delay
        if delay:
            await asyncio.sleep(delay)
        data = b''.join(wire.encode_reply(reply, attrs, tag) for reply, attrs in replies)
        if cut:
            LOG.info('%s: fault close_mid_reply', self.node.name)
            await self.write(data[:max(1, len(data) // 2)])
            return False
        await self.write(data)
        return True

    async def write(self, data):
        self.writer.write(data)
        await self.writer.drain()
