"""Start a RouterOS lab in-process and talk to it -- the helpers every test suite uses.

    from tests.labkit import router, running_lab, connect

    with running_lab([router('r1', '7.19.4'), router('r2', '6.49.17')]) as lab:
        api = connect(lab, 'r1')                  # librouteros Api, plain login
        api = connect(lab, 'r1', tls=True)        # API-SSL, validated against the lab CA
        lab.set_fault('r2', 'drop', after=1)      # see emulator/faults.py
        status, body = control(lab, 'GET', '/counters')

Every port is 0 (a free port), so tests run in parallel. ``running_lab`` uses a ``ManualClock``
unless given a clock; advance it with ``lab.advance(seconds)``. The ``lab`` and ``lab_factory``
pytest fixtures in tests/conftest.py wrap the same helpers.
"""

import contextlib
import json
import ssl
import urllib.error
import urllib.request

import librouteros
from librouteros.login import plain, token

from emulator.clock import ManualClock
from emulator.server import LabServer

PASSWORD = 'lab-password'


def router(name='r1', version='7.16.2', **fields):
    """One router entry for a lab dict: port 0, user admin, password ``PASSWORD``, plus ``fields``."""
    entry = {'name': name, 'version': version, 'api_port': 0, 'username': 'admin', 'password': PASSWORD}
    entry.update(fields)
    return entry


def lab_dict(routers, clouds=None, **settings):
    """A lab dict from router entries (or a single entry); ``settings`` go to the lab's settings."""
    if isinstance(routers, dict):
        routers = [routers]
    return {'routers': list(routers), 'clouds': list(clouds or []), 'settings': settings}


@contextlib.contextmanager
def running_lab(routers=None, clock=None, **kwargs):
    """Start a lab (router list, lab dict, LabSpec or YAML path) in a background thread; stop it after."""
    if routers is None:
        routers = [router()]
    lab = lab_dict(routers) if isinstance(routers, (list, tuple)) else routers
    server = LabServer(lab, clock=clock or ManualClock(), **kwargs)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def fresh(lab, names):
    """Put routers of a shared lab back to their lab-file state for the next test: config, faults, counters."""
    for name in names:
        lab.reset(name)
        lab.clear_faults(name)
        lab.reset_counters(name)
    return lab


def tls_wrapper(lab, hostname='127.0.0.1', cafile=None):
    """An ``ssl_wrapper`` for librouteros that validates the lab certificate (or ``cafile``) for ``hostname``."""
    context = ssl.create_default_context(cafile=cafile or lab.ca_path)
    return lambda sock: context.wrap_socket(sock, server_hostname=hostname)


def connect(lab, name, *, tls=False, username=None, password=None, timeout=5, legacy=False, hostname='127.0.0.1', cafile=None):
    """A logged-in librouteros ``Api`` to router ``name`` (credentials from the lab file by default)."""
    spec = lab.spec.router(name)
    kwargs = {'port': lab.tls_port(name) if tls else lab.port(name), 'timeout': timeout,
              'login_method': token if legacy else plain}
    if tls:
        kwargs['ssl_wrapper'] = tls_wrapper(lab, hostname, cafile)
    return librouteros.connect('127.0.0.1', username or spec.username, spec.password if password is None else password, **kwargs)


def control(lab, method, path, body=None, timeout=10):
    """Call the lab's HTTP control API; returns ``(status, decoded JSON)`` also for 4xx/5xx."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(lab.control_url + path, data=data, method=method,
                                     headers={'Content-Type': 'application/json'})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
