# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The buffered transport every session reads through: the same API words as librouteros's own transport, whatever
pieces the router sends them in, a few socket reads per reply instead of two per word, and a closed connection still
reported as closed."""

import socket
import threading

import pytest
from librouteros.exceptions import ConnectionClosed
from librouteros.protocol import ApiProtocol, encode_sentence

from ansible_collections.vpclink.routeros.plugins.module_utils.api import BufferedTransport

REPLY = [['!re', f'=.id=*{i:X}', f'=name=peer-{i}', '=address=198.51.100.1/32', '=disabled=false'] for i in range(40)] + [['!done']]


class CountingSocket(socket.socket):
    """A socket that counts how often it is read."""

    reads = 0

    def recv_into(self, *args, **kwargs):
        type(self).reads += 1
        return super().recv_into(*args, **kwargs)

    def recv(self, *args, **kwargs):
        type(self).reads += 1
        return super().recv(*args, **kwargs)


@pytest.fixture
def pair():
    ours, router = socket.socketpair()
    counted = CountingSocket(fileno=ours.detach())
    CountingSocket.reads = 0
    yield counted, router
    counted.close()
    router.close()


def send_in_pieces(sock, data, size):
    for start in range(0, len(data), size):
        sock.sendall(data[start:start + size])


@pytest.mark.parametrize('piece', [1, 7, 4096])
def test_every_word_of_a_reply_whatever_pieces_it_arrives_in(pair, piece):
    ours, router = pair
    data = b''.join(encode_sentence(*sentence, encoding='ASCII') for sentence in REPLY)
    sender = threading.Thread(target=send_in_pieces, args=(router, data, piece))
    sender.start()
    protocol = ApiProtocol(transport=BufferedTransport(ours), encoding='ASCII')
    got = [protocol.readSentence() for _sentence in REPLY]
    sender.join()
    assert got == [(s[0], tuple(s[1:])) for s in REPLY]


def test_a_reply_sent_at_once_is_read_in_a_few_socket_reads(pair):
    ours, router = pair
    router.sendall(b''.join(encode_sentence(*sentence, encoding='ASCII') for sentence in REPLY))
    protocol = ApiProtocol(transport=BufferedTransport(ours), encoding='ASCII')
    for _sentence in REPLY:
        protocol.readSentence()
    words = sum(len(s) for s in REPLY)
    # librouteros's own transport reads the socket twice per word (its length, then the word)
    assert CountingSocket.reads <= 3 < 2 * words


def test_a_connection_closed_in_the_middle_of_a_word_is_reported_closed(pair):
    ours, router = pair
    router.sendall(encode_sentence('!re', '=name=peer-1', encoding='ASCII')[:6])
    router.close()
    protocol = ApiProtocol(transport=BufferedTransport(ours), encoding='ASCII')
    with pytest.raises(ConnectionClosed):
        protocol.readSentence()


def test_closing_the_transport_closes_the_connection(pair):
    ours, router = pair
    BufferedTransport(ours).close()
    router.settimeout(5)
    assert router.recv(1) == b''   # the router sees the end of the session
