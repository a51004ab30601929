"""The real-IKE lab (``ike: strongswan``): every cloud gateway and every router with enabled IPsec peers is a
strongSwan charon in its own network namespace, instead of the modelled IKE of runtime.py / negotiation.py.

The network, all in namespaces this module creates (nothing on the host's own stack):

* ``net``: a bridge, the "internet" every WAN is attached to;
* one namespace per cloud: its ``public_address`` on ``wan0``, its VPC ``hosts`` on ``lo``;
* one namespace per router: its ``wan_address`` on ``wan0``, the first host of each LAN on ``lo``; a router behind
  NAT (``public_address`` differs) sits behind its own NAT namespace that masquerades to the public address, which
  needs iptables inside a namespace (checked at start; the error says so when it is missing).

A router's charon is configured from its ``/ip/ipsec`` menus (emulator/strongswan/labends.py) and reloaded through
vici when a write changes them; its runtime menus come from charon's SAs, its ``/log`` from charon's events in
RouterOS's wording (emulator/strongswan/events.py), its ``/ping`` crosses the real tunnel. The cloud's tunnel log is
its charon's own log. charon uses userspace ESP over TUN (kernel-libipsec), which always encapsulates ESP in UDP: the
peers move to port 4500 and report NAT traversal even without NAT.
"""

import contextlib
import ipaddress
import logging
import os
import shutil
import subprocess
import tempfile
import time

from emulator import ikelog, negotiation, rosvalues
from emulator.errors import ARGUMENT_VALUE, Trap
from emulator.router import QuiescentRuntime
from emulator.runtime import IPSEC_PATHS, LabClouds, cloud_log_line, encrypt_policy, ping, ros_timestamp, router_config
from emulator.strongswan import events, host, labends
from emulator.strongswan.charon import Charon
from emulator.strongswan.netns import Topology, remove_stale
from emulator.strongswan.render import DaemonSettings
from emulator.table import format_id, parse_id

LOG = logging.getLogger('emulator.reallab')
# What the cloud's tunnel log is: a gateway with an untouched logging setup. A router's charon names the
# connection on each line, so its events are told apart per peer; its userspace ESP logs at level 2 (libipsec logs an
# ESP packet with an unknown SPI there), for the statistics (events.esp_drop).
CLOUD_LOG = {'default': {'default': '1'}}
ROUTER_LOG = {'events': {'default': '1', 'esp': '2', 'ike_name': 'yes'}}
# strongSwan algorithm names (vici list-sas) -> RouterOS installed-sa names (IPsec manual, Installed SAs)
SA_ENCRYPTION = {'AES_CBC': 'aes-cbc', 'AES_GCM_16': 'aes-gcm', '3DES_CBC': '3des'}
SA_INTEGRITY = {'HMAC_MD5_96': 'md5', 'HMAC_SHA1_96': 'sha1', 'HMAC_SHA2_256_128': 'sha256', 'HMAC_SHA2_384_192': 'sha384',
                'HMAC_SHA2_512_256': 'sha512'}


class RealIkeUnavailable(RuntimeError):
    """The real-IKE lab cannot run on this machine or with this lab file; the message says which and why."""


def check_host():
    reasons = host.missing()
    if reasons:
        raise RealIkeUnavailable('--ike strongswan cannot run here: ' + '; '.join(reasons)
                                 + ' (the modelled IKE, the default, needs none of this)')


class RealFabric(LabClouds):
    """What the routers of a real-IKE lab share: the namespaces, the cloud charons and their logs."""

    def __init__(self, clouds, clock, settings=None):     # the clock: real time only (server.py refuses a manual one)
        super().__init__(clouds)
        settings = settings or {}
        self.clock = clock
        self.daemon = {'retransmit_tries': int(settings.get('retransmit_tries', 5)),
                       'retransmit_timeout': float(settings.get('retransmit_timeout', 4.0))}
        self.runtimes = {}
        self.topology = None
        self.workdir = None
        self.netns = {}             # 'cloud:<name>' / 'router:<name>' -> namespace
        self.cloud_charons = {}
        self.cloud_ends = {}        # cloud name -> {swanctl connection name: EndSpec loaded into its charon}
        self.initiated = {}         # (cloud name, swanctl connection name) -> monotonic time of the cloud's last initiation
        self.ready = False

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self):
        check_host()
        remove_stale()
        self.workdir = tempfile.mkdtemp(prefix='realike-lab-')
        self.topology = Topology('lab')
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        self.ready = True
        for runtime in self.runtimes.values():
            runtime.dirty = True
            runtime.sync()

    def _internet(self, ns, own):
        """Routes from ``ns`` to every other public address of the lab, and nothing else: like the internet, the WAN
        carries no private (LAN, VPC) address, so those are reached through a tunnel or not at all."""
        publics = {c.public_address for c in self.clouds} | {r.router.spec.public_address for r in self.runtimes.values()}
        for address in sorted(publics - {own}):
            self.topology.route(ns, f'{address}/32', 'wan0')

    def _build(self):
        topo = self.topology
        net = topo.namespace('net')
        topo.bridge(net, 'br0')
        ports = iter(range(1000))
        for index, cloud in enumerate(self.clouds):
            ns = self.netns[f'cloud:{cloud.name}'] = topo.namespace(f'c{index}')
            topo.attach(ns, 'wan0', f'{cloud.public_address}/32', net, 'br0', f'p{next(ports)}')
            self._internet(ns, cloud.public_address)
            for host_ip in cloud.hosts:
                subnet = next(s for s in cloud.vpc_subnets if ipaddress.ip_address(host_ip) in ipaddress.ip_network(s))
                topo.add_address(ns, 'lo', f'{host_ip}/{ipaddress.ip_network(subnet).prefixlen}')
            self.cloud_charons[cloud.name] = self._charon(ns, f'cloud-{index}', CLOUD_LOG, allow_aggressive_psk=True)
            try:
                self._apply_cloud(cloud)
            except labends.Untranslatable as exc:
                raise RealIkeUnavailable(f'lab: {exc}') from None
        for index, runtime in enumerate(self.runtimes.values()):
            spec = runtime.router.spec
            ns = self.netns[f'router:{spec.name}'] = topo.namespace(f'r{index}')
            if spec.public_address != spec.wan_ip:
                self._behind_nat(index, ns, spec, net, f'p{next(ports)}')
            else:
                topo.attach(ns, 'wan0', spec.wan_address, net, 'br0', f'p{next(ports)}')
                self._internet(ns, spec.public_address)
            for cidr in spec.lan_addresses:
                topo.add_address(ns, 'lo', cidr)

    def _behind_nat(self, index, ns, spec, net, port):
        """router wan0 -- lan0 [NAT namespace, masquerade] wan0 -- the bridge, with the public address."""
        if not shutil.which('iptables'):
            raise RealIkeUnavailable(
                f'router {spec.name!r} is behind NAT (wan_address {spec.wan_address}, public_address {spec.public_address}): the '
                'real-IKE lab masquerades in a NAT namespace with iptables, which is not installed here (Debian package '
                'iptables); run this lab with the modelled IKE, or install iptables')
        topo = self.topology
        nat = topo.namespace(f'n{index}')
        wan = ipaddress.ip_interface(spec.wan_address)
        gateway = next(h for h in wan.network.hosts() if h != wan.ip)
        topo.link(ns, 'wan0', spec.wan_address, nat, 'lan0', f'{gateway}/{wan.network.prefixlen}')
        topo.route(ns, 'default', 'wan0', via=str(gateway))
        topo.attach(nat, 'wan0', f'{spec.public_address}/32', net, 'br0', port)
        self._internet(nat, spec.public_address)
        for argv in (['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'],
                     ['iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan0', '-j', 'MASQUERADE']):
            done = topo.run(nat, argv)
            if done.returncode != 0:
                raise RealIkeUnavailable(f'router {spec.name!r} is behind NAT, and `{" ".join(argv)}` fails in its NAT namespace '
                                         f'(the kernel offers no netfilter NAT here?): {done.stderr.strip()}')

    def _charon(self, ns, role, log_levels, allow_aggressive_psk=False):
        workdir = os.path.join(self.workdir, role)
        os.makedirs(workdir)
        settings = DaemonSettings(retransmit_tries=self.daemon['retransmit_tries'], retransmit_timeout=self.daemon['retransmit_timeout'],
                                  allow_aggressive_psk=allow_aggressive_psk, log_levels=log_levels)
        return Charon(self.topology, ns, workdir, settings).start()

    def _apply_cloud(self, cloud):
        """Make the cloud charon's connections those of ``cloud`` now: a changed or deleted connection's SAs are deleted
        and it is unloaded (vici unload-conn), a new or changed one is loaded (load-conn). -> the customer gateways of
        the connections that changed."""
        charon = self.cloud_charons[cloud.name]
        loaded = self.cloud_ends.setdefault(cloud.name, {})
        wanted = {end.name: end for end in (labends.cloud_end(cloud, conn) for conn in cloud.connections)}
        changed = set()
        for name, end in list(loaded.items()):
            if wanted.get(name) != end:
                charon.terminate(ike=name)
                charon.unload(name)
                del loaded[name]
                changed.add(end.remote_address)
        for name, end in wanted.items():
            if name not in loaded:
                charon.load(end)
                loaded[name] = end
                changed.add(end.remote_address)
        return changed

    def router_charon(self, name):
        """Start the charon of router ``name`` (the first time one of its peers initiates)."""
        return self._charon(self.netns[f'router:{name}'], f'router-{name}', ROUTER_LOG)

    def close(self):
        self.ready = False
        for runtime in self.runtimes.values():
            runtime.stop()
        for charon in self.cloud_charons.values():
            with contextlib.suppress(Exception):
                charon.stop()
        self.cloud_charons = {}
        if self.topology is not None:
            with contextlib.suppress(Exception):
                self.topology.close()
            self.topology = None
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    # -- what the control API and LabServer ask of a fabric (besides LabClouds) ---------------------
    def cloud_log(self, name):
        """The cloud charon's own log (charon's timestamp and thread prefix taken off)."""
        self.cloud(name)
        charon = self.cloud_charons.get(name)
        if charon is None:
            return []
        out = []
        with contextlib.suppress(FileNotFoundError), open(charon.log_path('default'), encoding='utf-8', errors='replace') as handle:
            for line in handle:
                parsed = events.parse(line)
                if parsed:
                    out.append(cloud_log_line(parsed[0], parsed[3]))
        return out

    def edit_cloud(self, name, connection, changes):
        """A console edit: validated like the modelled lab, loaded into the cloud's charon, its SAs deleted; the routers
        that use the connection negotiate again."""
        new = self.cloud(name).edit(connection, changes)
        self.invalidate()
        return new

    # -- what the lab's Tencent API (emulator/tencent_api) asks of a fabric ----------------------------
    def now(self):
        return float(self.clock.now())

    def invalidate(self):
        """The clouds' connections changed (a console edit, or CreateVpnConnection / ModifyVpnConnectionAttribute /
        DeleteVpnConnection through the lab's Tencent API): each cloud charon gets them now (``_apply_cloud``), and the
        routers at the customer gateways of changed connections negotiate with that cloud again."""
        if not self.ready:
            return
        for cloud in self.clouds:
            changed = self._apply_cloud(cloud)
            for runtime in self.runtimes.values():
                if runtime.router.spec.public_address in changed:
                    runtime.renegotiate(cloud.public_address)

    def sync(self):
        for runtime in self.runtimes.values():
            runtime.sync()

    @staticmethod
    def unsupported(cloud, connection):
        """Why the real-IKE lab cannot give the cloud ``connection`` to strongSwan (a value with no strongSwan counterpart
        here, labends.Untranslatable), or None: the lab's Tencent API refuses such a connection before storing it."""
        try:
            labends.cloud_end(cloud, connection)
        except labends.Untranslatable as exc:
            return str(exc)
        return None

    def connection_up(self, cloud_name, connection):
        """Whether the cloud's charon has the connection's IKE SA established with a CHILD SA installed (the API's
        NetStatus AVAILABLE)."""
        charon = self.cloud_charons.get(cloud_name)
        sa = charon.sas().get(labends.conn_name(connection)) if charon is not None else None
        return bool(sa) and sa.get('state') == 'ESTABLISHED' and any(
            c.get('state') == 'INSTALLED' for c in sa.get('child-sas', {}).values())

    def initiate_toward(self, runtime):
        """Cloud connections with NegotiationType ``active`` (labends.initiates) initiate toward the router of
        ``runtime`` when it answers them but does not initiate itself (its peers for the cloud are passive: RouterOS
        only answers a passive peer, IPsec manual, Peers). When the router initiates, its attempt leads, as in the
        modelled IKE: two simultaneous exchanges would leave strongSwan with two IKE SAs. Called on every sync, so an
        active connection initiates again whenever it has no IKE SA (after a failure, or when the router deleted it), at
        most once per retransmit timeout (an initiation shows in vici's list-sas only once charon has started it)."""
        answering, initiating = set(), set()
        for _peer, end, _owners in runtime.ends.values():
            (initiating if end.keep_trying else answering).add(end.remote_address)
        for cloud in self.clouds:
            if cloud.public_address not in answering - initiating:
                continue
            charon = self.cloud_charons[cloud.name]
            ends = self.cloud_ends.get(cloud.name, {})
            busy = set(charon.sas())
            now = time.monotonic()
            for conn in cloud.connections:
                end = ends.get(labends.conn_name(conn.name))
                if (end is None or not labends.initiates(conn) or conn.customer_gateway != runtime.router.spec.public_address
                        or end.name in busy or now - self.initiated.get((cloud.name, end.name), -1e9) < self.daemon['retransmit_timeout']):
                    continue
                self.initiated[(cloud.name, end.name)] = now
                for child in end.child_specs:
                    charon.start_child(child.name)


class RealRuntime(QuiescentRuntime):
    """One router's runtime in the real-IKE lab: its charon, loaded from its /ip/ipsec menus."""

    def __init__(self, router, fabric):
        super().__init__(router)
        self.fabric = fabric
        self.charon = None
        self.ends = {}          # swanctl connection name -> (peer name, EndSpec, {child name: policy .id}); passive: keep_trying False
        self.skipped = {}       # peer name -> why it does not initiate (or why the real lab cannot run it)
        self.follower = None
        self.dirty = True
        fabric.runtimes[router.name] = self

    # -- configuration -----------------------------------------------------------------------------
    def on_config_change(self, path):
        if path is None or path.startswith(IPSEC_PATHS):
            self.dirty = True
        self.sync()

    def on_tick(self):
        self.sync()

    def sync(self):
        if not self.fabric.ready:
            return
        if self.dirty:
            self.dirty = False
            self._reconcile()
        self._read_events()
        if self.charon is not None:
            self.fabric.initiate_toward(self)

    def _wanted(self, config):
        wanted, self.skipped = {}, {}
        for peer in config.peers:
            name = peer.get('name')
            if not name:
                continue
            try:
                end, owners = labends.router_end(config, name)
                if owners is None and end == 'passive':    # RouterOS answers a passive peer (IPsec manual, Peers: passive)
                    end, owners = labends.router_end(config, name, responder=True)
            except labends.Untranslatable as exc:
                self.skipped[name] = str(exc)
                LOG.warning('%s', exc)
                continue
            if owners is None:
                self.skipped[name] = end
                if end == 'no-identity':
                    self.router.log(*ikelog.missing_identity(name))
                continue
            wanted[end.name] = (name, end, owners)
        return wanted

    def _reconcile(self):
        config = router_config(self.router)
        wanted = self._wanted(config)
        # RouterOS's IKE daemon listens while any peer is enabled (it answers a peer that initiates), not only when one
        # of its peers initiates
        listening = any(not negotiation.truthy(p.get('disabled', 'false')) for p in config.peers)
        if (wanted or listening) and self.charon is None:
            self.charon = self.fabric.router_charon(self.router.name)
            self.follower = events.LogFollower(self.charon.log_path('events'))
        for conn, item in list(self.ends.items()):
            if conn not in wanted or wanted[conn][1] != item[1]:
                self._read_events()     # what happened under the old configuration is logged with it
                self.charon.terminate(ike=conn)
                self.charon.unload(conn)
                del self.ends[conn]
        for conn, item in wanted.items():
            if conn not in self.ends:
                self.ends[conn] = item
                self.charon.load(item[1])
                self._initiate(conn)

    def _initiate(self, conn):
        """An initiating peer starts its IKE SA and CHILD SAs; a passive one waits for the other end."""
        if self.ends[conn][1].keep_trying:
            self._start_children(conn)

    def _start_children(self, conn):
        """Initiate every CHILD SA of ``conn``: inside its IKE SA when one is up, else with a new one."""
        for child in self.ends[conn][1].child_specs:
            self.charon.start_child(child.name)

    def renegotiate(self, remote=None, conns=None):
        """Delete the IKE SAs (of the peers at ``remote``, or ``conns``) and initiate them again."""
        if self.charon is None:
            return
        for conn, (_peer, end, _owners) in self.ends.items():
            if (conns is None and remote in (None, end.remote_address)) or (conns is not None and conn in conns):
                self.charon.terminate(ike=conn)
                self._initiate(conn)

    def stop(self):
        if self.charon is not None:
            with contextlib.suppress(Exception):
                self.charon.stop()
            self.charon = None

    # -- charon's state ------------------------------------------------------------------------------
    def _sas(self):
        """[(conn, IKE SA dict)] of our connections, as vici lists them."""
        if self.charon is None:
            return []
        return [(conn, sa) for conn, sa in self.charon.sas().items() if conn in self.ends]

    def _read_events(self):
        if self.follower is None:
            return
        lines = self.follower.lines()
        if not lines:
            return
        sas = {sa.get('uniqueid'): sa for _conn, sa in self._sas()}
        for line in lines:
            parsed = events.parse(line)
            counter = events.esp_drop(parsed[1], parsed[3]) if parsed else None
            if counter:
                self.stats[counter] += 1
            if not parsed or parsed[2] not in self.ends:
                continue
            epoch, _group, conn, message = parsed
            unique = events.LINE.match(line)['unique']
            for topics, text in events.router_rows(message, self.ends[conn][1], sas.get(unique, {})):
                self.router.log(topics, text, at=epoch)

    # -- runtime menus ----------------------------------------------------------------------------------
    def rows(self, path):
        self.sync()
        if path == '/ip/ipsec/active-peers':
            return [self._peer_row(sa) for _conn, sa in self._sas() if sa.get('state') in ('CONNECTING', 'ESTABLISHED')]
        if path == '/ip/ipsec/installed-sa':
            return [row for conn, sa in self._sas() for row in self._sa_rows(conn, sa)]
        return []

    def _peer_row(self, sa):
        established = sa.get('state') == 'ESTABLISHED'
        children = [c for c in sa.get('child-sas', {}).values() if c.get('state') == 'INSTALLED']
        half_open = not established and int(sa.get('responder-spi', '0') or '0', 16) == 0
        state = 'established' if established else ('message-1-sent' if half_open else 'message-3-sent')
        port = sa.get('remote-port', '500')
        row = {'.id': format_id(int(sa.get('uniqueid', 0))), 'local-address': sa.get('local-host'),
               'remote-address': sa.get('remote-host'), 'state': state, 'side': 'initiator' if sa.get('initiator') == 'yes' else 'responder',
               'responder': 'false' if sa.get('initiator') == 'yes' else 'true', 'natt-peer': 'true' if port == '4500' else 'false',
               'uptime': rosvalues.render_duration(int(sa.get('established', 0) or 0)), 'ph2-total': str(len(children)),
               'rx-bytes': str(sum(int(c.get('bytes-in', 0)) for c in children)),
               'rx-packets': str(sum(int(c.get('packets-in', 0)) for c in children)),
               'tx-bytes': str(sum(int(c.get('bytes-out', 0)) for c in children)),
               'tx-packets': str(sum(int(c.get('packets-out', 0)) for c in children))}
        if established:
            row['last-seen'] = rosvalues.render_duration(0)
        if self.router.v7:      # 6.49's active-peers has no id, spii, spir (and no port)
            row.update({'port': port, 'spii': sa.get('initiator-spi'), 'spir': sa.get('responder-spi')})
            if established:
                row['id'] = sa.get('remote-id')
        return row

    def _sa_rows(self, conn, sa):
        rows = []
        children = {c.name: c for c in self.ends[conn][1].child_specs}
        ports = self.router.v7 and sa.get('remote-port') == '4500'
        local, remote = sa.get('local-host'), sa.get('remote-host')
        if ports:
            local, remote = f'{local}[{sa.get("local-port")}]', f'{remote}[{sa.get("remote-port")}]'
        for child in sa.get('child-sas', {}).values():
            if child.get('state') != 'INSTALLED':
                continue
            spec = children.get(child.get('name'))
            hard = spec.esp_lifetime if spec else int(child.get('life-time', 0))
            common = {'state': 'mature', 'auth-algorithm': SA_INTEGRITY.get(child.get('integ-alg'), 'none'),
                      'enc-algorithm': SA_ENCRYPTION.get(child.get('encr-alg'), str(child.get('encr-alg', '')).lower()),
                      'enc-key-size': str(child.get('encr-keysize', 0)),
                      'addtime': ros_timestamp(self.router, time.time() - int(child.get('install-time', 0))),
                      'expires-in': rosvalues.render_duration(int(child.get('life-time', 0))),
                      'add-lifetime': f'{rosvalues.render_duration(hard * 9 // 10)}/{rosvalues.render_duration(hard)}',
                      'replay': '128', 'invalid-packets': '0', 'hw-aead': 'false', 'AH': 'false', 'ESP': 'true'}
            for direction, src, dst in (('in', remote, local), ('out', local, remote)):
                packets = int(child.get(f'packets-{direction}', 0))
                rows.append({'.id': format_id(int(child.get('uniqueid', 0)) * 2 - (direction == 'in')),
                             'spi': f'0x{int(child.get(f"spi-{direction}", "0"), 16):X}', 'src-address': src, 'dst-address': dst,
                             **common, 'current-bytes': str(child.get(f'bytes-{direction}', 0)), 'current-packets': str(packets),
                             'seen-traffic': 'true' if packets else 'false'})
        return rows

    def _installed_child(self, policy_id):
        """(IKE SA, CHILD SA) installed for the policy with ``policy_id``, or None."""
        for conn, sa in self._sas():
            owners = self.ends[conn][2]
            for child in sa.get('child-sas', {}).values():
                if child.get('state') == 'INSTALLED' and owners.get(child.get('name')) == policy_id:
                    return sa, child
        return None

    def fields(self, path, entry):
        if path == '/ip/ipsec/statistics':
            self.sync()         # the ESP drops charon logged until now
        if path == '/ip/ipsec/policy' and entry is not None and entry.values.get('template') != 'true':
            self.sync()
            found = self._installed_child(entry.id_text)
            if found is None:
                return dict(self.POLICY_IDLE)
            sa = found[0]
            return {'active': 'true', 'ph2-state': 'established', 'ph2-count': '1',
                    'sa-src-address': sa.get('local-host'), 'sa-dst-address': sa.get('remote-host')}
        return super().fields(path, entry)

    # -- runtime verbs ------------------------------------------------------------------------------------
    def command(self, path, verb, attrs):
        self.sync()
        if path == '/ip/ipsec/active-peers' and verb == 'kill-connections':
            self.renegotiate()
        elif path == '/ip/ipsec/active-peers' and verb == 'remove':
            ref = attrs.get('.id', attrs.get('numbers'))
            if not ref:
                raise Trap('missing value(s) of argument(s) numbers', ARGUMENT_VALUE)
            wanted = {parse_id(t.strip()) for t in ref.split(',')}
            conns = {conn for conn, sa in self._sas() if int(sa.get('uniqueid', 0)) in wanted}
            if len(conns) != len(wanted):
                raise Trap('no such item (4)' if self.router.v7 else 'no such item')
            self.renegotiate(conns=conns)
        elif path == '/ip/ipsec/installed-sa' and verb == 'flush':
            self.flush()
        return None

    def flush(self):
        """RouterOS's flush: the installed SAs go, and phase 2 is negotiated again inside the IKE SA that stays
        (vici: terminate each CHILD SA, then initiate it; charon reuses the IKE SA and runs CREATE_CHILD_SA)."""
        for conn, sa in self._sas():
            for child in sa.get('child-sas', {}).values():
                if child.get('state') == 'INSTALLED':
                    self.charon.terminate(child_id=child.get('uniqueid'))
            if sa.get('state') == 'ESTABLISHED':
                self._start_children(conn)

    # -- data plane -----------------------------------------------------------------------------------------
    def ping(self, attrs):
        return ping(self.router, attrs, self)

    def forward(self, src, dst, size):
        """One real echo request from ``src`` in the router's namespace (through the tunnel when a policy covers it).

        A packet that goes into an encrypt policy (runtime.encrypt_policy, as in the modelled IKE) that has no installed
        SA is dropped and counted in ``out-no-states`` (the lab's own observation: userspace ESP has no policy without
        its SA, so charon never sees such a packet)."""
        ns = self.fabric.netns.get(f'router:{self.router.name}')
        if ns is None:
            return False
        policy = encrypt_policy(self.router, src, dst)
        if policy is not None and self._installed_child(policy.id_text) is None:
            self.stats['out-no-states'] += 1
            return False
        done = subprocess.run(self.fabric.topology.exec_argv(ns, ['ping', '-n', '-q', '-c', '1', '-W', '1', '-s', str(size), '-I', src, dst]),
                              capture_output=True, check=False)
        return done.returncode == 0

    def summary(self):
        self.sync()
        peers = [{'peer': peer, 'connection': conn, 'state': state}
                 for conn, (peer, _end, _owners) in self.ends.items()
                 for state in [next((sa.get('state', '').lower() for c, sa in self._sas() if c == conn), None)]]
        return {'router': self.router.name, 'ike': 'strongswan', 'peers': peers, 'skipped': dict(self.skipped),
                'statistics': {k: v for k, v in self.stats.items() if v}}
