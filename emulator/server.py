"""The fleet on one asyncio loop: a plain (and optional TLS) listener per router, on 127.0.0.1.

``Fleet`` is the async core (used by the CLI inside ``asyncio.run``); ``LabServer`` runs a fleet
on a background thread for tests and tools. Router state is only ever touched on the loop
thread: ``LabServer`` marshals every call into the loop (``LabServer.call``).
"""

import asyncio
import contextlib
import copy
import functools
import logging
import shutil
import tempfile
import threading

from emulator import tls
from emulator.clock import Clock, ManualClock
from emulator.faults import FaultSet
from emulator.lab import LabError, LabSpec, load_lab
from emulator.session import Session

LOG = logging.getLogger('emulator.server')
HOST = '127.0.0.1'


def _router_class():
    from emulator.router import Router  # imported late: the model is the heaviest part of the lab
    return Router


def _ike(spec, clock):
    """(fabric class, runtime class) of the lab's IKE: the model (runtime.py) or real charons (reallab.py)."""
    # pylint: disable=import-outside-toplevel
    if spec.ike == 'strongswan':
        if isinstance(clock, ManualClock):
            raise LabError('lab: ike=strongswan runs real charons on real time; a manual clock cannot drive them')
        from emulator.reallab import RealFabric, RealRuntime
        return RealFabric, RealRuntime
    from emulator.runtime import Fabric, TunnelRuntime
    return Fabric, TunnelRuntime


class UnknownRouter(KeyError):
    def __str__(self):
        return self.args[0]


class RouterNode:
    """One router of the fleet: its spec, model, faults, listeners and open sessions."""

    def __init__(self, spec, router):
        self.spec = spec
        self.name = spec.name
        self.router = router
        self.faults = FaultSet()
        self.version = spec.version_tuple
        self.port = spec.api_port
        self.tls_port = spec.api_ssl_port
        self.listeners = []
        self.sessions = set()

    def info(self):
        return {'name': self.name, 'version': self.spec.version, 'api_port': self.port,
                'api_ssl_port': self.tls_port, 'username': self.spec.username,
                'hostname': tls.hostname(self.name), 'listening': bool(self.listeners)}


def reset_counters(router):
    """Zero a router's counters in place (``router.reset_counters()`` when the model has one)."""
    if hasattr(router, 'reset_counters'):
        router.reset_counters()
        return
    counters = router.counters
    for key, value in list(counters.items()):
        if isinstance(value, dict):
            value.clear()
        elif isinstance(value, (int, float)):
            counters[key] = 0


class Fleet:
    """All routers of a lab, served from the running event loop."""

    def __init__(self, lab, clock=None, tls_dir=None, router_factory=None):
        self.spec = lab if isinstance(lab, LabSpec) else load_lab(lab)
        self.clock = clock or Clock()
        factory = router_factory or _router_class()
        self.nodes = {}
        for spec in self.spec.routers:
            try:
                router = factory(spec, self.clock)
            except (ValueError, KeyError) as exc:  # the model refuses the lab file's config
                raise LabError(f'lab: router {spec.name!r}: {exc}') from None
            self.nodes[spec.name] = RouterNode(spec, router)
        # the IKE / data-plane model: clouds are copied so two fleets of one LabSpec never share a log
        fabric_class, runtime_class = _ike(self.spec, self.clock)
        self.fabric = fabric_class(copy.deepcopy(self.spec.clouds), self.clock, self.spec.settings)
        for node in self.nodes.values():
            if hasattr(node.router, 'set_runtime') and hasattr(node.router, 'table'):
                node.router.set_runtime(runtime_class(node.router, self.fabric))
        self.tls_dir = tls_dir
        self._own_tls_dir = None
        self.tls_paths = None
        self._ssl = None
        self.control = None
        self.control_port = None
        self.cloud_api = None   # the Tencent API of the clouds with an ``api:`` key (emulator/tencent_api)
        if self.spec.cloud_apis:
            from emulator.tencent_api.http import CloudApi  # pylint: disable=import-outside-toplevel
            from emulator.tencent_api.vpc import VpcService  # pylint: disable=import-outside-toplevel
            self.cloud_api = CloudApi(VpcService(self.fabric, self.spec.cloud_apis, self.spec.settings))

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self, control_port=None, cloud_api_port=0):
        if hasattr(self.fabric, 'start'):
            self.fabric.start()     # the real-IKE lab: namespaces and charons (reallab.RealIkeUnavailable when it cannot)
        if any(node.tls_port is not None for node in self.nodes.values()):
            directory = self.tls_dir
            if directory is None:
                directory = self._own_tls_dir = tempfile.mkdtemp(prefix='routeros-lab-tls-')
            own = {n.name: n.spec.tls_names for n in self.nodes.values() if getattr(n.spec, 'tls_names', None)}
            self.tls_paths = tls.generate(directory, list(self.nodes), router_sans=own)
            self._ssl = {name: tls.server_context(self.tls_paths, name if name in own else None) for name in self.nodes}
        for node in self.nodes.values():
            await self._listen(node)
        if self.cloud_api is not None:
            await self.cloud_api.start(HOST, cloud_api_port)
        if control_port is not None:
            from emulator.control import start_control
            self.control = await start_control(self, control_port)
            self.control_port = self.control.sockets[0].getsockname()[1]

    async def stop(self):
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.cloud_api is not None:
            self.cloud_api.stop()
        for node in self.nodes.values():
            self._unlisten(node)
            for session in list(node.sessions):
                session.close()
        await asyncio.sleep(0)
        if hasattr(self.fabric, 'close'):
            self.fabric.close()
        if self._own_tls_dir:
            shutil.rmtree(self._own_tls_dir, ignore_errors=True)
            self._own_tls_dir = None

    async def _listen(self, node):
        handler = functools.partial(self._serve, node)
        server = await asyncio.start_server(handler, HOST, node.port or 0, reuse_address=True, backlog=64)
        node.port = server.sockets[0].getsockname()[1]
        node.listeners.append(server)
        if node.tls_port is not None:
            server = await asyncio.start_server(handler, HOST, node.tls_port or 0, ssl=self._ssl[node.name], reuse_address=True,
                                                backlog=64)
            node.tls_port = server.sockets[0].getsockname()[1]
            node.listeners.append(server)

    @staticmethod
    def _unlisten(node):
        for server in node.listeners:
            server.close()  # the listening socket closes now; open sessions live on
        node.listeners = []

    async def _serve(self, node, reader, writer):
        await Session(node, reader, writer).run()

    # -- operations (loop thread only) ---------------------------------------------------------
    def node(self, name):
        try:
            return self.nodes[name]
        except KeyError:
            raise UnknownRouter(f'no router {name!r} in this lab') from None

    @property
    def ca_path(self):
        return self.tls_paths['ca'] if self.tls_paths else None

    @property
    def cloud_api_url(self):
        return f'http://{HOST}:{self.cloud_api.port}' if self.cloud_api is not None and self.cloud_api.port else None

    async def set_fault(self, name, kind, **params):
        node = self.node(name)
        result = node.faults.set(kind, **params)
        if node.faults.refuse and node.listeners:
            self._unlisten(node)
        return result

    async def clear_faults(self, name, kind=None):
        node = self.node(name)
        node.faults.clear(kind)
        if not node.faults.refuse and not node.listeners:
            await self._listen(node)  # same ports as before

    def faults(self, name):
        return self.node(name).faults.list()

    def dump_router(self, name):
        return self.node(name).router.dump()

    def load_router(self, name, data):
        self.node(name).router.load(data)

    def reset_router(self, name):
        self.node(name).router.reset()

    def counters(self, name=None):
        if name is not None:
            return copy.deepcopy(self.node(name).router.counters)
        return {n: copy.deepcopy(node.router.counters) for n, node in self.nodes.items()}

    def reset_counters(self, name=None):
        for node in ([self.node(name)] if name is not None else self.nodes.values()):
            reset_counters(node.router)

    def dump_state(self):
        return {name: node.router.dump() for name, node in self.nodes.items()}

    def load_state(self, state):
        """Load ``{router name: dump}``; routers not in this lab are skipped with a warning."""
        for name, data in state.items():
            if name not in self.nodes:
                LOG.warning('state for router %r ignored: not in this lab', name)
                continue
            self.nodes[name].router.load(data)

    def advance(self, seconds):
        return self.clock.advance(seconds)

    def runtime_summary(self, name):
        return self.node(name).router.runtime.summary()


class LabServer:
    """A whole lab on a background thread, for tests and tools.

    >>> with LabServer({'routers': [{'name': 'r1', 'version': '7.16.2', 'password': 'x'}]}) as lab:
    ...     api = librouteros.connect('127.0.0.1', 'admin', 'x', port=lab.port('r1'))

    ``lab`` is a ``LabSpec``, a dict or a YAML path; ports 0 pick free ports. ``control_port=None``
    disables the HTTP control API. Every method is safe to call from any thread.
    """

    def __init__(self, lab, clock=None, control_port=0, tls_dir=None, state=None, router_factory=None, cloud_api_port=0):
        self.fleet = Fleet(lab, clock=clock, tls_dir=tls_dir, router_factory=router_factory)
        self._control_port = control_port
        self._cloud_api_port = cloud_api_port
        self._state = state
        self._loop = None
        self._thread = None
        self._ready = threading.Event()
        self._error = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, timeout=60):
        self._thread = threading.Thread(target=self._run, name='routeros-lab', daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError(f'the lab did not start within {timeout} s')
        if self._error is not None:
            self._thread.join(5)
            raise self._error
        return self

    def _run(self):
        loop = self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            if self._state:
                self.fleet.load_state(self._state)
            loop.run_until_complete(self.fleet.start(self._control_port, self._cloud_api_port))
        except Exception as exc:  # report any startup failure to start()
            self._error = exc
            with contextlib.suppress(Exception):
                loop.run_until_complete(self.fleet.stop())
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self.fleet.stop())
            tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in tasks:
                task.cancel()
            with contextlib.suppress(Exception):
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.close()

    def stop(self):
        if self._thread is None:
            return
        if self._loop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
        self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # -- marshalling -------------------------------------------------------------------------
    def call(self, fn, *args, **kwargs):
        """Run ``fn(*args, **kwargs)`` on the lab's loop (awaiting it if it is a coroutine) and return its result."""
        async def runner():
            result = fn(*args, **kwargs)
            if asyncio.iscoroutine(result):
                result = await result
            return result
        return asyncio.run_coroutine_threadsafe(runner(), self._loop).result(60)

    # -- accessors ---------------------------------------------------------------------------
    @property
    def spec(self):
        return self.fleet.spec

    @property
    def names(self):
        return list(self.fleet.nodes)

    @property
    def clock(self):
        return self.fleet.clock

    def port(self, name):
        return self.fleet.node(name).port

    def tls_port(self, name):
        return self.fleet.node(name).tls_port

    @property
    def ca_path(self):
        return self.fleet.ca_path

    @property
    def cloud_api_url(self):
        """The Tencent API endpoint of the lab's clouds (None when no cloud has an ``api:`` key)."""
        return self.fleet.cloud_api_url

    @property
    def control_url(self):
        return f'http://{HOST}:{self.fleet.control_port}' if self.fleet.control_port else None

    def router(self, name):
        """The router model itself. Read it freely between client calls; change it via ``call()``."""
        return self.fleet.node(name).router

    def info(self, name):
        return self.fleet.node(name).info()

    # -- operations --------------------------------------------------------------------------
    def set_fault(self, name, kind, **params):
        return self.call(self.fleet.set_fault, name, kind, **params)

    def clear_faults(self, name, kind=None):
        return self.call(self.fleet.clear_faults, name, kind)

    def faults(self, name):
        return self.call(self.fleet.faults, name)

    def counters(self, name=None):
        return self.call(self.fleet.counters, name)

    def reset_counters(self, name=None):
        return self.call(self.fleet.reset_counters, name)

    def dump(self, name=None):
        if name is None:
            return self.call(self.fleet.dump_state)
        return self.call(self.fleet.dump_router, name)

    def load(self, name, data):
        return self.call(self.fleet.load_router, name, data)

    def reset(self, name):
        return self.call(self.fleet.reset_router, name)

    def advance(self, seconds):
        return self.call(self.fleet.advance, seconds)

    # -- clouds and the negotiation model -----------------------------------------------------
    def clouds(self):
        """Every cloud as JSON (PSKs masked)."""
        return self.call(self.fleet.fabric.describe_clouds)

    def cloud_log(self, name):
        """The cloud's tunnel log, brought up to the clock: [{time, epoch, message}]."""
        return self.call(self.fleet.fabric.cloud_log, name)

    def cloud_messages(self, name):
        """Just the cloud's log lines (router-independent, for assertions)."""
        return [item['message'] for item in self.cloud_log(name)]

    def edit_cloud(self, name, connection, changes):
        """A console edit of one cloud connection; raises CloudError when invalid; affected routers re-negotiate."""
        return self.call(self.fleet.fabric.edit_cloud, name, connection, changes)

    def runtime(self, name):
        """The router's negotiation summary (see TunnelRuntime.summary)."""
        return self.call(self.fleet.runtime_summary, name)
