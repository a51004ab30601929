"""Network namespaces linked by veth pairs, alive only while a ``Topology`` is open.

Every address lives inside a namespace this code created; nothing is added to the host's own
network stack. ``Topology.close()`` (also on any failure while building) deletes what was made,
in reverse order; deleting a namespace destroys the veth ends and addresses inside it.
"""

import contextlib
import ipaddress
import os
import re
import signal
import subprocess

_NAME = re.compile(r'^[a-z0-9][a-z0-9-]{0,30}$')
_OURS = re.compile(r'^vl(\d+)-')                 # the prefix every Topology gives its namespaces
_IFNAME = re.compile(r'^[a-z][a-z0-9]{0,14}$')   # Linux IFNAMSIZ is 16 with the NUL


class NetnsError(RuntimeError):
    """An `ip` command failed; the message carries the command and its stderr."""


def ip(*args, netns=None, check=True):
    """Run `ip ARGS` (inside ``netns`` when given) -> stdout."""
    cmd = ['ip', *(['-n', netns] if netns else []), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise NetnsError(f'`{" ".join(cmd)}` failed: {proc.stderr.strip() or proc.returncode}')
    return proc.stdout


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale():
    """Delete namespaces a killed run of this code left behind (named vl<pid>-..., that pid gone), and end the
    processes (its charons) still inside them. Returns the names removed."""
    removed = []
    for line in ip('netns', 'list', check=False).splitlines():
        name = line.split()[0] if line.split() else ''
        match = _OURS.match(name)
        if not match or _alive(int(match.group(1))):
            continue
        for pid in ip('netns', 'pids', name, check=False).split():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid), signal.SIGKILL)
        ip('netns', 'delete', name, check=False)
        removed.append(name)
    return removed


class Topology:
    """Namespaces and links for one run. Names get a per-process prefix so runs never collide.

    Use as a context manager::

        with Topology('corpus') as topo:
            router = topo.namespace('router')
            cloud = topo.namespace('cloud')
            topo.link(router, 'wan0', '198.51.100.7/24', cloud, 'wan0', '198.51.100.9/24')
            topo.add_address(router, 'lo', '10.20.1.1/32')
    """

    def __init__(self, tag):
        if not _NAME.match(tag):
            raise ValueError(f'topology tag {tag!r}: use lower-case letters, digits and -, at most 31 characters')
        self.prefix = f'vl{os.getpid()}-{tag}'
        self.namespaces = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def namespace(self, role):
        """Create the namespace for ``role`` with its loopback up -> its name."""
        if not _NAME.match(role):
            raise ValueError(f'namespace role {role!r}: use lower-case letters, digits and -')
        name = f'{self.prefix}-{role}'
        ip('netns', 'add', name)
        self.namespaces.append(name)
        ip('link', 'set', 'lo', 'up', netns=name)
        # IPv4 only: IPv6 link-local addresses would appear a moment after a link comes up, and charon
        # reacts to every address change (MOBIKE updates), which is noise that depends on timing.
        subprocess.run(['ip', 'netns', 'exec', name, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1',
                        'net.ipv6.conf.default.disable_ipv6=1'], capture_output=True, check=False)
        return name

    def link(self, ns_a, if_a, addr_a, ns_b, if_b, addr_b):
        """A veth pair between two of our namespaces, each end up with its address (CIDR)."""
        for ns in (ns_a, ns_b):
            self._own(ns)
        for ifname in (if_a, if_b):
            if not _IFNAME.match(ifname):
                raise ValueError(f'interface name {ifname!r}: a letter, then letters or digits, at most 15 characters')
        # Created directly inside the two namespaces: the host never sees either end.
        ip('link', 'add', if_a, 'netns', ns_a, 'type', 'veth', 'peer', 'name', if_b, 'netns', ns_b)
        for ns, ifname, addr in ((ns_a, if_a, addr_a), (ns_b, if_b, addr_b)):
            self.add_address(ns, ifname, addr)
            ip('link', 'set', ifname, 'up', netns=ns)

    def bridge(self, ns, name):
        """A bridge inside ``ns``: the shared segment every lab end's WAN is attached to."""
        self._own(ns)
        ip('link', 'add', name, 'type', 'bridge', netns=ns)
        ip('link', 'set', name, 'up', netns=ns)

    def attach(self, ns, ifname, cidr, bridge_ns, bridge, port):
        """A veth pair from ``ns`` (``ifname``, with ``cidr``) to a port of ``bridge`` in ``bridge_ns`` (no address)."""
        for name in (ns, bridge_ns):
            self._own(name)
        ip('link', 'add', ifname, 'netns', ns, 'type', 'veth', 'peer', 'name', port, 'netns', bridge_ns)
        ip('link', 'set', port, 'master', bridge, 'up', netns=bridge_ns)
        self.add_address(ns, ifname, cidr)
        ip('link', 'set', ifname, 'up', netns=ns)

    def route(self, ns, destination, ifname, via=None):
        """A route in ``ns``: through ``via``, or straight out of ``ifname`` (the destination is on its link)."""
        self._own(ns)
        ip('route', 'add', destination, *(('via', via) if via else ()), 'dev', ifname, *(() if via else ('scope', 'link')), netns=ns)

    def run(self, ns, argv):
        """Run ``argv`` inside ``ns`` -> CompletedProcess (text, never raises for the exit status)."""
        return subprocess.run(self.exec_argv(ns, argv), capture_output=True, text=True, check=False)

    def add_address(self, ns, ifname, cidr):
        self._own(ns)
        ipaddress.ip_interface(cidr)   # ValueError names the bad value before `ip` is called
        ip('address', 'add', cidr, 'dev', ifname, netns=ns)

    def add_route(self, ns, destination, via):
        self._own(ns)
        ip('route', 'add', destination, 'via', via, netns=ns)

    def set_link(self, ns, ifname, up):
        self._own(ns)
        ip('link', 'set', ifname, 'up' if up else 'down', netns=ns)

    def exec_argv(self, ns, argv):
        """The argv that runs ``argv`` inside namespace ``ns``."""
        self._own(ns)
        return ['ip', 'netns', 'exec', ns, *argv]

    def close(self):
        """Delete our namespaces, newest first; keep going past errors and report them at the end."""
        errors = []
        while self.namespaces:
            name = self.namespaces.pop()
            try:
                ip('netns', 'delete', name)
            except NetnsError as exc:
                errors.append(str(exc))
        if errors:
            raise NetnsError('; '.join(errors))

    def _own(self, ns):
        if ns not in self.namespaces:
            raise ValueError(f'namespace {ns!r} was not created by this topology')
