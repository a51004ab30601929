"""Two charons, "router" and "cloud", each in its namespace, linked by one veth pair (their WAN).

Each end's ``local_address`` sits on its WAN interface; the first host of each of its ``local_ts`` sits on
its loopback as the LAN host a ping starts from or goes to. Everything lives in namespaces the pair creates
and is gone when it closes, also when building it failed half way.
"""

import contextlib
import ipaddress
import os
import shutil
import subprocess
import tempfile

from emulator.strongswan.charon import Charon
from emulator.strongswan.netns import Topology, remove_stale

SIDES = ('router', 'cloud')


def lan_host(cidr):
    """The first host of a CIDR: the address a LAN host has in the lab."""
    return str(next(ipaddress.ip_network(cidr).hosts()))


class TunnelPair:
    def __init__(self, tag, specs, daemons=None, wan_prefix=24, keep_workdir=False):
        """``specs``: {'router': EndSpec, 'cloud': EndSpec}; ``daemons``: {side: DaemonSettings} (optional)."""
        self.tag = tag
        self.specs = specs
        self.daemons = daemons or {}
        self.wan_prefix = wan_prefix
        self.keep_workdir = keep_workdir
        self.topology = None
        self.workdir = None
        self.netns = {}
        self.charons = {}

    def __enter__(self):
        remove_stale()
        self.workdir = tempfile.mkdtemp(prefix=f'realike-{self.tag}-')
        self.topology = Topology(self.tag)
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def _build(self):
        for side in SIDES:
            self.netns[side] = self.topology.namespace(side)
        router, cloud = self.specs['router'], self.specs['cloud']
        self.topology.link(self.netns['router'], 'wan0', f'{router.local_address}/{self.wan_prefix}',
                           self.netns['cloud'], 'wan0', f'{cloud.local_address}/{self.wan_prefix}')
        for side in SIDES:
            for cidr in self.specs[side].local_ts:
                net = ipaddress.ip_network(cidr)
                self.topology.add_address(self.netns[side], 'lo', f'{lan_host(cidr)}/{net.prefixlen}')
        for side in SIDES:
            workdir = os.path.join(self.workdir, side)
            os.makedirs(workdir)
            self.charons[side] = Charon(self.topology, self.netns[side], workdir, self.daemons.get(side)).start()
            self.charons[side].load(self.specs[side])

    def ping(self, side, count=2, timeout=2):
        """Ping from ``side``'s first LAN host to the other side's first LAN host -> packets received."""
        other = 'cloud' if side == 'router' else 'router'
        src, dst = lan_host(self.specs[side].local_ts[0]), lan_host(self.specs[other].local_ts[0])
        proc = subprocess.run(self.topology.exec_argv(self.netns[side], ['ping', '-n', '-q', '-c', str(count), '-W', str(timeout), '-I', src, dst]),
                              capture_output=True, text=True, check=False)
        for line in proc.stdout.splitlines():
            if 'received' in line:
                return int(line.split(',')[1].split()[0])
        return 0

    def close(self):
        """Stop the charons, delete the namespaces, remove the work directory; every step runs even if one fails."""
        errors = []
        for charon in self.charons.values():
            try:
                charon.stop()
            except Exception as exc:  # noqa: BLE001 - keep cleaning up, report at the end
                errors.append(f'stopping charon in {charon.netns}: {exc}')
        self.charons = {}
        if self.topology:
            try:
                self.topology.close()
            except Exception as exc:  # noqa: BLE001
                errors.append(str(exc))
            self.topology = None
        if self.workdir and not self.keep_workdir:
            with contextlib.suppress(OSError):
                shutil.rmtree(self.workdir)
        if errors:
            raise RuntimeError('cleaning up the tunnel pair: ' + '; '.join(errors))
