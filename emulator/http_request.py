"""One HTTP/1.1 request read off a lab socket: the control API and the Tencent VPC API both serve plain
HTTP on 127.0.0.1 with ``Connection: close``, one request per connection."""

from __future__ import annotations


class HttpError(ValueError):
    """A request the server answers with ``status`` (a ValueError: a malformed request)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


async def read_request(reader, max_body):
    """``(METHOD, target, headers, body)`` with lower-case header names, or None when the peer sent nothing."""
    line = await reader.readline()
    if not line:
        return None
    try:
        method, target, _version = line.decode('latin-1').split()
    except ValueError:
        raise HttpError(400, f'malformed request line {line[:80]!r}') from None
    headers = {}
    while True:
        line = await reader.readline()
        if line in (b'\r\n', b'\n', b''):
            break
        key, _sep, value = line.decode('latin-1').partition(':')
        headers[key.strip().lower()] = value.strip()
    try:
        length = int(headers.get('content-length', '0'))
    except ValueError:
        raise HttpError(400, 'bad Content-Length') from None
    if length > max_body:
        raise HttpError(413, f'body of {length} bytes is too large')
    body = await reader.readexactly(length) if length else b''
    return method.upper(), target, headers, body
