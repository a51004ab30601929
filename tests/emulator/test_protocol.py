"""The API protocol face of the lab: wire forms, login, .tag, !empty, !fatal (MikroTik "API" manual)."""

import socket

import librouteros
import pytest
from librouteros.exceptions import ConnectionClosed, FatalError, TrapError

from emulator import wire
from emulator.session import legacy_response
from tests.labkit import PASSWORD, connect

LENGTHS = [(0, '00'), (5, '05'), (0x7F, '7f'), (0x80, '8080'), (200, '80c8'), (0x3FFF, 'bfff'), (0x4000, 'c04000'),
           (0x1FFFFF, 'dfffff'), (0x200000, 'e0200000'), (0xFFFFFFF, 'efffffff'), (0x10000000, 'f010000000'),
           (0xFFFFFFFF, 'f0ffffffff')]


@pytest.mark.parametrize(('length', 'encoded'), LENGTHS)
def test_length_forms_round_trip(length, encoded):
    assert wire.encode_length(length).hex() == encoded
    assert wire.decode_length(bytes.fromhex(encoded)) == length
    assert wire.length_size(bytes.fromhex(encoded)[0]) == len(encoded) // 2


@pytest.mark.parametrize('first', [0xF8, 0xFC, 0xFF])
def test_control_bytes_are_rejected(first):
    with pytest.raises(wire.WireError):
        wire.Decoder().feed(bytes((first, 0, 0, 0, 0)))


def test_decoder_is_incremental_and_long_words_survive():
    long_word = '=comment=' + 'x' * 0x4100  # 3-byte length form
    data = wire.encode_sentence(['/ip/address/print', long_word]) + b'\x00' + wire.encode_sentence(['/quit'])
    decoder = wire.Decoder()
    got = []
    for i in range(0, len(data), 7):
        got += decoder.feed(data[i:i + 7])
    assert got == [['/ip/address/print', long_word], [], ['/quit']]


NO_MATCH = '?address=198.18.255.254/32'  # a print that matches nothing


# -- raw socket helpers ----------------------------------------------------------------------------

class Raw:
    """A minimal raw API client: send word lists, read sentences."""

    def __init__(self, port):
        self.sock = socket.create_connection(('127.0.0.1', port), timeout=5)
        self.decoder = wire.Decoder()
        self.pending = []

    def send(self, *words, raw=None):
        self.sock.sendall(raw if raw is not None else wire.encode_sentence(words))

    def read(self):
        while not self.pending:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionClosed('closed')
            self.pending += [s for s in self.decoder.feed(data) if s]
        return self.pending.pop(0)

    def reply(self):
        """Sentences up to and including !done."""
        out = []
        while not out or out[-1][0] != '!done':
            out.append(self.read())
        return out

    def closed(self):
        try:
            return self.sock.recv(1) == b''
        except ConnectionResetError:
            return True

    def login(self, password=PASSWORD):
        self.send('/login', '=name=admin', f'=password={password}')
        return self.reply()

    def close(self):
        self.sock.close()


@pytest.fixture
def raw(lab):
    clients = []

    def open_(name='v7'):
        client = Raw(lab.port(name))
        clients.append(client)
        return client

    yield open_
    for client in clients:
        client.close()


# -- login -----------------------------------------------------------------------------------------

@pytest.mark.parametrize('name', ['v7', 'v718', 'v6'])
def test_plain_login_and_print(lab, name):
    api = connect(lab, name)
    assert isinstance(tuple(api.path('system', 'identity')), tuple)
    api.close()
    assert lab.counters(name)['logins'] == 1


def test_failed_login_is_a_trap(lab):
    with pytest.raises(TrapError) as info:
        connect(lab, 'v7', password='wrong')
    assert info.value.message == 'invalid user name or password (6)'
    assert lab.counters('v7')['login_failures'] == 1


def test_failed_login_raw_reply(raw):
    client = raw()
    assert client.login('nope') == [['!trap', '=message=invalid user name or password (6)'], ['!done']]
    assert client.login() == [['!done']]


def test_command_before_login_is_fatal(lab):
    with pytest.raises(FatalError) as info:
        librouteros.connect('127.0.0.1', 'admin', PASSWORD, port=lab.port('v7'), timeout=5,
                            login_method=lambda api, user, pw: tuple(api('/system/identity/print')))
    assert str(info.value) == 'not logged in'


def test_command_before_login_raw(raw):
    client = raw()
    client.send('/ip/address/print')
    assert client.read() == ['!fatal', 'not logged in']
    assert client.closed()


@pytest.mark.parametrize('name', ['v6', 'v718'])
def test_legacy_token_login(lab, name):
    api = connect(lab, name, legacy=True)
    assert isinstance(tuple(api.path('system', 'identity')), tuple)
    assert lab.counters(name)['logins'] == 1


def test_legacy_login_raw_and_wrong_response(raw):
    client = raw('v6')
    client.send('/login')
    (done,) = client.reply()
    assert done[0] == '!done' and done[1].startswith('=ret=') and len(done[1]) == 5 + 32
    challenge = bytes.fromhex(done[1][5:])
    client.send('/login', '=name=admin', '=response=00' + '0' * 32)
    assert client.reply() == [['!trap', '=message=cannot log in'], ['!done']]
    client.send('/login')
    challenge = bytes.fromhex(client.reply()[0][1][5:])
    client.send('/login', '=name=admin', '=response=' + legacy_response(PASSWORD, challenge))
    assert client.reply() == [['!done']]


def test_five_byte_length_form_is_decoded_by_the_server(raw):
    client = raw()
    words = ['/login', '=name=admin', f'=password={PASSWORD}']
    data = b''.join(b'\xf0' + len(w).to_bytes(4, 'big') + w.encode() for w in words) + b'\x00'
    client.send(raw=data)
    assert client.reply() == [['!done']]


def test_unknown_control_byte_closes(raw):
    client = raw()
    client.send(raw=b'\xf8\x00')
    assert client.closed()


def test_oversized_sentence_before_login_closes(raw):
    client = raw()
    client.send('/login', '=name=' + 'a' * 10000)
    assert client.closed()


def test_empty_sentences_are_ignored(raw):
    client = raw()
    client.send(raw=b'\x00\x00')
    assert client.login() == [['!done']]


# -- tags, !empty, /quit, /cancel --------------------------------------------------------------------

def test_tag_echoed_on_every_reply_only_when_asked(raw):
    client = raw()
    client.send('/login', '=name=admin', f'=password={PASSWORD}', '.tag=7')
    assert client.reply() == [['!done', '.tag=7']]
    client.send('/system/identity/print', '.tag=abc')
    replies = client.reply()
    assert len(replies) >= 2
    assert all(sentence[1] == '.tag=abc' for sentence in replies)
    client.send('/system/identity/print')
    assert not any(word.startswith('.tag') for sentence in client.reply() for word in sentence)
    client.send('/system/identity/print', '.tag=')  # an empty tag is no tag
    assert not any(word.startswith('.tag') for sentence in client.reply() for word in sentence)


def test_tag_on_traps(raw):
    client = raw()
    client.login()
    client.send('/no/such/menu/print', '.tag=9')
    replies = client.reply()
    assert replies[0][0] == '!trap' and replies[0][1] == '.tag=9'
    assert replies[-1] == ['!done', '.tag=9']


def test_empty_print_on_7_18_and_newer(raw, lab):
    client = raw('v718')
    client.login()
    client.send('/ip/address/print', NO_MATCH, '.tag=5')
    assert client.reply() == [['!empty', '.tag=5'], ['!done', '.tag=5']]
    client.send('/ip/address/getall', NO_MATCH)
    assert client.reply() == [['!empty'], ['!done']]
    assert tuple(connect(lab, 'v718').rawCmd('/ip/address/print', NO_MATCH)) == ()


@pytest.mark.parametrize('name', ['v7', 'v6'])
def test_no_empty_before_7_18(raw, lab, name):
    client = raw(name)
    client.login()
    client.send('/ip/address/print', NO_MATCH)
    assert client.reply() == [['!done']]
    assert tuple(connect(lab, name).rawCmd('/ip/address/print', NO_MATCH)) == ()


def test_no_empty_when_print_has_rows(raw):
    client = raw('v718')
    client.login()
    client.send('/system/identity/print')
    replies = client.reply()
    assert replies[0][0] == '!re' and all(s[0] != '!empty' for s in replies)


def test_quit(lab):
    api = connect(lab, 'v7')
    with pytest.raises(FatalError) as info:
        tuple(api('/quit'))
    assert str(info.value) == 'session terminated on request'


def test_quit_raw_and_cancel(raw):
    client = raw()
    client.login()
    client.send('/cancel', '=tag=3', '.tag=4')
    assert client.reply() == [['!done', '.tag=4']]
    client.send('/quit')
    assert client.read() == ['!fatal', 'session terminated on request']
    assert client.closed()


def test_many_connections_to_one_router(lab):
    apis = [connect(lab, 'v7') for _i in range(10)]
    for api in apis:
        assert isinstance(tuple(api.path('system', 'identity')), tuple)
        api.close()
    assert lab.counters('v7')['logins'] == 10
