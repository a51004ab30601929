"""The lab's HTTP JSON control API (stdlib only), served on the fleet's own asyncio loop.

Running on the same loop as the API sessions means router state is never touched from two
threads. One request per connection (``Connection: close``). Endpoints (all JSON):

  GET    /                                   lab summary: routers, control port, CA path, clock
  GET    /routers                            [{name, version, api_port, api_ssl_port, ...}]
  GET    /routers/<name>                     one router's info plus its faults
  GET    /routers/<name>/state               the router's dump()
  PUT    /routers/<name>/state               load(body) -- body is a dump()
  POST   /routers/<name>/reset               back to the lab file's initial state
  GET    /routers/<name>/counters            the router's counters
  DELETE /routers/<name>/counters            zero them (also POST /routers/<name>/counters/reset)
  GET    /counters                           {name: counters} for every router
  DELETE /counters                           zero every router's counters
  GET    /routers/<name>/faults              [{kind, ...}]
  POST   /routers/<name>/faults              body {"kind": "drop", "after": 2, ...}; see faults.py
  DELETE /routers/<name>/faults[/<kind>]     clear all faults, or one kind
  GET    /state                              {name: dump()} for every router
  GET    /clock                              {manual, monotonic, time}
  POST   /clock/advance                      body {"seconds": 30}  (manual clock only, else 409)
  GET    /clouds                             [{name, public_address, vpc_subnets, hosts, connections (psk masked)}]
  GET    /clouds/<name>                      one cloud
  GET    /clouds/<name>/log                  the cloud's tunnel log [{time, epoch, message}]
  PATCH  /clouds/<name>/connections/<conn>   console edit, body in lab-file vocabulary, e.g.
                                             {"ipsec": {"pfs": "DH-GROUP14"}}; affected routers re-negotiate
  GET    /routers/<name>/runtime             the router's negotiation summary (peers, failure class, policies)
  GET    /cloud-api                          the lab's Tencent API: url, accounts (no keys), request counts, resources
  GET    /cloud-api/faults                   the armed faults
  POST   /cloud-api/faults                   body {"code": "RequestLimitExceeded", "count": 2, "action": null}
  DELETE /cloud-api/faults                   clear them (see emulator/tencent_api/faults.py)

Errors: ``{"error": "<message>"}`` with 400 (bad request/body/parameter), 404 (unknown router or
path), 405 (method), 409 (clock is not manual) or 500 (the router model failed).
"""

import asyncio
import json
import logging

from emulator.cloud import CloudError
from emulator.faults import FaultError
from emulator.http_request import HttpError, read_request
from emulator.runtime import describe_cloud
from emulator.server import HOST, UnknownRouter

LOG = logging.getLogger('emulator.control')
MAX_BODY = 64 * 1024 * 1024
REASONS = {200: 'OK', 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict',
           413: 'Payload Too Large', 500: 'Internal Server Error'}


async def start_control(fleet, port=0):
    """Listen on 127.0.0.1:``port`` (0 = free port); returns the ``asyncio.Server``."""
    async def handle(reader, writer):
        await _connection(fleet, reader, writer)
    return await asyncio.start_server(handle, HOST, port, reuse_address=True)


async def _connection(fleet, reader, writer):
    try:
        try:
            request = await read_request(reader, MAX_BODY)
            if request is None:
                return
            method, target, _headers, body = request
            path = target.split('?', 1)[0]
            status, payload = 200, await _dispatch(fleet, method, path, body)
        except HttpError as exc:
            status, payload = exc.status, {'error': exc.message}
        except UnknownRouter as exc:
            status, payload = 404, {'error': str(exc)}
        except (FaultError, CloudError) as exc:
            status, payload = 400, {'error': str(exc)}
        except Exception as exc:  # a model bug is reported to the caller, the lab keeps serving
            LOG.exception('control request failed')
            status, payload = 500, {'error': f'{type(exc).__name__}: {exc}'}
        data = json.dumps(payload, default=str).encode('utf-8')
        head = (f'HTTP/1.1 {status} {REASONS.get(status, "Error")}\r\nContent-Type: application/json\r\n'
                f'Content-Length: {len(data)}\r\nConnection: close\r\n\r\n').encode('latin-1')
        writer.write(head + data)
        await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError, OSError):
        pass
    finally:
        writer.close()


def _json(body):
    if not body:
        return {}
    try:
        return json.loads(body)
    except ValueError as exc:
        raise HttpError(400, f'body is not valid JSON: {exc}') from None


def _object(body, what):
    data = _json(body)
    if not isinstance(data, dict):
        raise HttpError(400, f'{what} must be a JSON object')
    return data


async def _dispatch(fleet, method, path, body):
    parts = [p for p in path.split('/') if p]
    route = tuple(parts)

    def allow(*methods):
        if method not in methods:
            raise HttpError(405, f'{method} not allowed on {path}; use {" or ".join(methods)}')

    if route == ():
        allow('GET')
        return {'routers': len(fleet.nodes), 'control_port': fleet.control_port, 'ca_path': fleet.ca_path, 'settings': fleet.spec.settings,
                'clock': _clock(fleet)}
    if route == ('routers',):
        allow('GET')
        return [node.info() for node in fleet.nodes.values()]
    if route == ('counters',):
        allow('GET', 'DELETE')
        if method == 'DELETE':
            fleet.reset_counters()
            return {'reset': True}
        return fleet.counters()
    if route == ('state',):
        allow('GET')
        return fleet.dump_state()
    if route == ('clock',):
        allow('GET')
        return _clock(fleet)
    if route == ('clock', 'advance'):
        allow('POST')
        seconds = _object(body, 'the body').get('seconds')
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise HttpError(400, f'seconds={seconds!r}: expected a number >= 0')
        if not fleet.clock.manual:
            raise HttpError(409, 'the lab runs on the real clock; start it with a manual clock to advance time')
        fleet.advance(seconds)
        return _clock(fleet)
    if parts and parts[0] == 'cloud-api':
        return _cloud_api_route(fleet, method, tuple(parts[1:]), body, allow, path)
    if parts and parts[0] == 'clouds':
        return _cloud_route(fleet, method, tuple(parts[1:]), body, allow, path)
    if len(parts) >= 2 and parts[0] == 'routers':
        return await _router_route(fleet, method, parts[1], tuple(parts[2:]), body, allow, path)
    raise HttpError(404, f'no such endpoint {path}; see GET / and emulator/README.md')


async def _router_route(fleet, method, name, rest, body, allow, path):
    node = fleet.node(name)
    if rest == ():
        allow('GET')
        return dict(node.info(), faults=node.faults.list())
    if rest == ('state',):
        allow('GET', 'PUT')
        if method == 'PUT':
            node.router.load(_object(body, 'a router state'))
            return {'loaded': name}
        return node.router.dump()
    if rest == ('reset',):
        allow('POST')
        node.router.reset()
        return {'reset': name}
    if rest == ('counters',):
        allow('GET', 'DELETE')
        if method == 'DELETE':
            fleet.reset_counters(name)
            return {'reset': name}
        return fleet.counters(name)
    if rest == ('counters', 'reset'):
        allow('POST')
        fleet.reset_counters(name)
        return {'reset': name}
    if rest == ('faults',):
        allow('GET', 'POST', 'PUT', 'DELETE')
        if method == 'GET':
            return node.faults.list()
        if method == 'DELETE':
            await fleet.clear_faults(name)
            return node.faults.list()
        params = _object(body, 'a fault')
        kind = params.pop('kind', None)
        if not kind:
            raise HttpError(400, 'a fault needs "kind" (refuse, drop, stall, close_mid_reply, trap, login_fail, slow)')
        return await fleet.set_fault(name, kind, **params)
    if rest == ('runtime',):
        allow('GET')
        summary = getattr(node.router.runtime, 'summary', None)
        if summary is None:
            raise HttpError(404, f'router {name} has no negotiation model')
        return summary()
    if len(rest) == 2 and rest[0] == 'faults':
        allow('DELETE')
        await fleet.clear_faults(name, rest[1])
        return node.faults.list()
    raise HttpError(404, f'no such endpoint {path}; see emulator/README.md')


def _cloud_api_route(fleet, method, rest, body, allow, path):
    from emulator.tencent_api.faults import FaultError as ApiFaultError  # pylint: disable=import-outside-toplevel
    api = fleet.cloud_api
    if api is None:
        raise HttpError(404, 'this lab serves no cloud API: no cloud of the lab file has an api: key')
    if rest == ():
        allow('GET')
        return dict(api.service.summary(), url=fleet.cloud_api_url, faults=api.faults.list())
    if rest == ('faults',):
        allow('GET', 'POST', 'DELETE')
        if method == 'POST':
            try:
                api.faults.add(_json(body))
            except ApiFaultError as exc:
                raise HttpError(400, str(exc)) from None
        elif method == 'DELETE':
            api.faults.clear()
        return api.faults.list()
    raise HttpError(404, f'no such endpoint {path}; see emulator/README.md')


def _clock(fleet):
    return {'manual': fleet.clock.manual, 'monotonic': fleet.clock.monotonic(), 'time': fleet.clock.time()}


def _cloud_route(fleet, method, rest, body, allow, path):
    fabric = fleet.fabric

    def cloud(name):
        try:
            return fabric.cloud(name)
        except KeyError as exc:
            raise HttpError(404, exc.args[0]) from None

    if rest == ():
        allow('GET')
        return fabric.describe_clouds()
    if len(rest) == 1:
        allow('GET')
        return describe_cloud(cloud(rest[0]))
    if rest[1:] == ('log',):
        allow('GET')
        cloud(rest[0])
        return fabric.cloud_log(rest[0])
    if len(rest) == 3 and rest[1] == 'connections':
        allow('GET', 'PATCH', 'POST')
        target = cloud(rest[0])
        if method == 'GET':
            conn = describe_cloud(target)['connections']
            found = [c for c in conn if c['name'] == rest[2]]
            if not found:
                raise HttpError(404, f'cloud {rest[0]}: no connection {rest[2]!r}')
            return found[0]
        try:
            target.connection(rest[2])
        except CloudError as exc:
            raise HttpError(404, str(exc)) from None
        fabric.edit_cloud(rest[0], rest[2], _object(body, 'a console edit'))
        return [c for c in describe_cloud(target)['connections'] if c['name'] == rest[2]][0]
    raise HttpError(404, f'no such endpoint {path}; see emulator/README.md')
