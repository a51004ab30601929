"""RouterOS API words and sentences on the wire (MikroTik "API" manual, https://help.mikrotik.com/docs/spaces/ROS/pages/47579160/API).

A word is a length prefix (1-5 bytes, big-endian) followed by that many bytes; a sentence is
words terminated by a zero-length word. Lengths are encoded minimally; all five forms are decoded.
A first byte >= 0xF8 is a reserved control byte and the peer cannot continue (the manual reserves it).
Text is UTF-8 with ``surrogateescape``, so arbitrary bytes survive a decode/encode round trip.
"""

ENCODING = 'utf-8'
ERRORS = 'surrogateescape'


class WireError(Exception):
    """The byte stream cannot be parsed any further; the connection must be closed."""


def encode_length(length):
    if length < 0:
        raise ValueError(f'negative word length {length}')
    if length < 0x80:
        return bytes((length,))
    if length < 0x4000:
        return (length | 0x8000).to_bytes(2, 'big')
    if length < 0x200000:
        return (length | 0xC00000).to_bytes(3, 'big')
    if length < 0x10000000:
        return (length | 0xE0000000).to_bytes(4, 'big')
    if length <= 0xFFFFFFFF:
        return b'\xf0' + length.to_bytes(4, 'big')
    raise ValueError(f'word length {length} does not fit the 5-byte form')


def length_size(first):
    """Total prefix size (1-5) for a prefix whose first byte is ``first``; ``WireError`` for control bytes."""
    if first < 0x80:
        return 1
    if first < 0xC0:
        return 2
    if first < 0xE0:
        return 3
    if first < 0xF0:
        return 4
    if first < 0xF8:
        return 5
    raise WireError(f'unknown control byte 0x{first:02X}')


def decode_length(prefix):
    """Decode a complete length prefix (as returned by ``encode_length``)."""
    size = length_size(prefix[0])
    if len(prefix) != size:
        raise WireError(f'length prefix {bytes(prefix).hex()} should be {size} bytes')
    if size == 1:
        return prefix[0]
    if size == 5:
        return int.from_bytes(prefix[1:], 'big')
    masks = {2: 0x3FFF, 3: 0x1FFFFF, 4: 0xFFFFFFF}
    return int.from_bytes(prefix, 'big') & masks[size]


def encode_word(word):
    data = word.encode(ENCODING, ERRORS) if isinstance(word, str) else bytes(word)
    return encode_length(len(data)) + data


def encode_sentence(words):
    return b''.join(encode_word(w) for w in words) + b'\x00'


def encode_reply(reply, attrs=None, tag=None):
    """``('!re', {'name': 'x'}, tag)`` -> bytes; ``.tag`` only when the request had one."""
    words = [reply]
    if tag:
        words.append(f'.tag={tag}')
    for key, value in (attrs or {}).items():
        words.append(f'={key}={value}')
    return encode_sentence(words)


class Decoder:
    """Incremental decoder: ``feed(bytes)`` returns the sentences completed so far (lists of str).

    Empty sentences are returned as ``[]``; the caller decides to ignore them (the manual: empty sentences are ignored).
    """

    def __init__(self):
        self._buffer = bytearray()
        self._words = []

    def feed(self, data):
        self._buffer += data
        sentences = []
        while True:
            word = self._take_word()
            if word is None:
                return sentences
            if word == b'':
                sentences.append(self._words)
                self._words = []
            else:
                self._words.append(word.decode(ENCODING, ERRORS))

    def _take_word(self):
        buf = self._buffer
        if not buf:
            return None
        size = length_size(buf[0])
        if len(buf) < size:
            return None
        length = decode_length(buf[:size])
        if len(buf) < size + length:
            return None
        word = bytes(buf[size:size + length])
        del buf[:size + length]
        return word


async def read_word(reader, max_length=None):
    """Read one word from an ``asyncio.StreamReader``; raises ``asyncio.IncompleteReadError`` at EOF."""
    first = await reader.readexactly(1)
    size = length_size(first[0])
    prefix = first + (await reader.readexactly(size - 1) if size > 1 else b'')
    length = decode_length(prefix)
    if max_length is not None and length > max_length:
        raise WireError(f'word of {length} bytes exceeds the limit of {max_length}')
    return await reader.readexactly(length) if length else b''


async def read_sentence(reader, max_words=None, max_length=None):
    """Read words until the zero-length word; returns a list of str (``[]`` for an empty sentence)."""
    words = []
    while True:
        word = await read_word(reader, max_length)
        if not word:
            return words
        words.append(word.decode(ENCODING, ERRORS))
        if max_words is not None and len(words) > max_words:
            raise WireError(f'sentence of more than {max_words} words')
