"""The router runtime: the pure negotiation model wired into a router's menus, plus ``/ping``.

One ``Fabric`` per lab holds what the routers share (the clouds, the clock, the timing settings);
one ``TunnelRuntime`` per router is installed with ``router.set_runtime`` (contract: router.py).

Time model (everything on the lab clock, so a ``ManualClock`` makes it deterministic):

* A negotiation starts when the configuration that feeds it changes (``on_config_change``), when the
  peer's cloud connection is edited (``Fabric.edit_cloud``), on ``kill-connections`` / active-peers
  ``remove``, and when the router boots. Its inputs (the peer, its identities, its policies, the
  profile and proposals they name, the cloud connection) form a *signature*: a write that does not
  change the signature (a comment, a NAT rule) does not re-negotiate.
* For ``delay`` seconds (``settings.negotiation_delay``, default 1 s) the exchange is in flight: an
  active-peers row ``state=message-1-sent`` with ``spir`` all zero, policies ``no-phase2``
  (what a v7 router shows while its first IKE message waits for an answer).
* Then the ``PeerOutcome`` of negotiation.py shows: established rows, SAs and policy state, or the
  furthest state a failure reached (a row only when ``outcome.row``; see negotiation.py).
  The attempt's router lines go to ``/log``, its cloud lines to the cloud's tunnel log, once.
* A failing phase 1 is retried every ``settings.retry_interval`` seconds (default 30, chosen; 0 =
  never), each retry repeating the in-flight window and the attempt's lines on both sides, like
  RouterOS retrying an initiator peer. A phase-2-only failure is logged once per negotiation
  (chosen: RouterOS retries phase 2 on traffic, which the lab does not model beyond ping).
* IKEv2 with a PFS mismatch establishes, logs the failed CREATE_CHILD_SA at the soft lifetime and
  loses the policy's SAs at the hard lifetime (RFC 7296 section 1.3.1: the DH exchange of a child SA
  comes with CREATE_CHILD_SA, so a PFS mismatch shows only at the first rekey). A flush
  (``/ip/ipsec/installed-sa/flush``) forces that rekey: phase 2 is negotiated again inside the IKE SA
  after the delay, is refused with the same lines, and the policy stays without SAs (what two strongSwan
  peers do, checked by the real-IKE lab: tests/realike).
* An established child SA is re-keyed silently every soft lifetime: new SPIs, new ``addtime``
  (chosen: no log line, no public log shows a text for a successful rekey).

Ping (``/ping`` over the API) is answered in ``ping()``; its semantics are documented there.
"""

import dataclasses
import hashlib
import ipaddress
import time

from emulator import negotiation, rosvalues
from emulator.cloud import cloud_at
from emulator.errors import ARGUMENT_VALUE, Trap
from emulator.router import QuiescentRuntime
from emulator.table import format_id, parse_id

DEFAULT_DELAY = 1.0
DEFAULT_RETRY = 30.0
KEEPALIVE = 8           # seconds between the keepalive/DPD exchanges an established peer counts (chosen)
MAX_CATCHUP = 3         # a clock jump logs at most this many missed retry attempts (bounded log growth)
IPSEC_PATHS = ('/ip/ipsec/', '/ip/address')


def _seed_int(*parts, low=0x100, high=0xffffffff):
    digest = hashlib.sha256('|'.join(str(p) for p in parts).encode()).hexdigest()
    return low + int(digest[:12], 16) % (high - low)


class LabClouds:
    """The clouds of one lab as the control API and LabServer read them, from either fabric (``Fabric`` here, the real-IKE
    ``reallab.RealFabric``)."""

    def __init__(self, clouds):
        self.clouds = list(clouds)

    def cloud(self, name):
        for cloud in self.clouds:
            if cloud.name == name:
                return cloud
        raise KeyError(f'no cloud {name!r} in this lab (clouds: {", ".join(c.name for c in self.clouds) or "none"})')

    def describe_clouds(self):
        return [describe_cloud(c) for c in self.clouds]


def cloud_log_line(epoch, message):
    """One line of a cloud's log as the control API returns it."""
    return {'time': time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(epoch)), 'epoch': epoch, 'message': message}


class Fabric(LabClouds):
    """What the routers of one lab share: clouds, clock, timing; and the cloud-side bookkeeping."""

    def __init__(self, clouds, clock, settings=None):
        super().__init__(clouds)
        settings = settings or {}
        self.clock = clock
        self.delay = float(settings.get('negotiation_delay', DEFAULT_DELAY))
        retry = float(settings.get('retry_interval', DEFAULT_RETRY))
        self.retry = max(retry, self.delay, 0.001) if retry > 0 else 0.0
        self.runtimes = {}
        self._unanswered = set()

    def now(self):
        return float(self.clock.now())

    def wall_at(self, instant):
        """Wall-clock epoch seconds of a monotonic ``instant`` (for log stamps of past events)."""
        return float(self.clock.time()) - (self.now() - instant)

    def invalidate(self):
        """Re-evaluate every router now (a negotiation starts at the moment of the change, not at the next read)."""
        for runtime in self.runtimes.values():
            runtime.dirty = True
            runtime.sync()

    @staticmethod
    def unsupported(_cloud, _connection):
        """The modelled IKE takes every connection the lab's rules accept (the real-IKE lab may not: reallab)."""
        return None

    def connection_up(self, cloud_name, connection):
        """Whether a router has the tunnel with the cloud's ``connection`` established, after the negotiation delay."""
        now = self.now()
        for runtime in self.runtimes.values():
            for run in runtime.runs.values():
                outcome = run.outcome
                if outcome.cloud == cloud_name and outcome.connection == connection and outcome.established \
                        and now >= run.start + self.delay:
                    return True
        return False

    def edit_cloud(self, name, connection, changes):
        """A console edit of one connection (validated by ``Cloud.edit``); affected routers re-negotiate."""
        new = self.cloud(name).edit(connection, changes)
        self.invalidate()
        return new

    def sync(self):
        """Bring every router and the clouds' logs up to the clock (before any cloud-side read)."""
        for runtime in self.runtimes.values():
            runtime.sync()
        self._sync_unanswered()

    def _sync_unanswered(self):
        """Active cloud connections no router answers retransmit and give up (negotiation.unanswered_initiations).
        Logged once per transition into the unanswered state (chosen)."""
        configs = [r.config for r in self.runtimes.values() if r.config is not None]
        result = negotiation.unanswered_initiations(self.clouds, configs)
        current = set()
        for cloud_name, items in result.items():
            cloud = self.cloud(cloud_name)
            for conn_name, lines in items:
                current.add((cloud_name, conn_name))
                if (cloud_name, conn_name) not in self._unanswered:
                    cloud.record(float(self.clock.time()), list(lines))
        self._unanswered = current

    def cloud_log(self, name):
        self.sync()
        cloud = self.cloud(name)
        return [cloud_log_line(stamp, line) for stamp, line in cloud.log]


def ros_timestamp(router, epoch):
    """A date and time as the router prints it (installed-sa ``addtime``): 7.x ``2024-05-01 10:00:00``, 6.49 ``may/01/2024 10:00:00``."""
    wall = time.gmtime(epoch)
    return time.strftime('%Y-%m-%d %H:%M:%S', wall) if router.v7 else time.strftime('%b/%d/%Y %H:%M:%S', wall).lower()


def router_config(router):
    """The router's IPsec menus as the negotiation reads them (``negotiation.RouterConfig``), rows as printed."""
    def entries(path):
        return tuple(dict(e.values, **{'.id': e.id_text}) for e in router.table(path))
    spec = router.spec
    return negotiation.RouterConfig(
        name=router.name, version=router.version, wan_address=spec.wan_address, public_address=getattr(spec, 'public_address', None),
        profiles=entries('/ip/ipsec/profile'), peers=entries('/ip/ipsec/peer'), identities=entries('/ip/ipsec/identity'),
        proposals=entries('/ip/ipsec/proposal'), policies=entries('/ip/ipsec/policy'))


def describe_cloud(cloud):
    """A cloud as JSON; PSKs are masked (secrets never leave, even lab ones)."""
    connections = []
    for conn in cloud.connections:
        raw = conn.raw()
        raw['psk'] = '********'
        connections.append(raw)
    return {'name': cloud.name, 'public_address': cloud.public_address, 'vpc_subnets': list(cloud.vpc_subnets),
            'hosts': list(cloud.hosts), 'connections': connections, 'log_lines': len(cloud.log)}


@dataclasses.dataclass
class PeerRun:
    """One negotiation of one router peer, from ``start`` on."""
    signature: object
    start: float
    outcome: object                     # negotiation.PeerOutcome (seeded with ``start``)
    row_id: int
    attempts_logged: int = 0            # attempts (0, 1, ...) whose lines are in the logs
    ph2_epoch: float | None = None      # a flush restarts phase 2 from here
    ph2_gen: int = 0
    rekey_logged: set = dataclasses.field(default_factory=set)   # (ph2_gen, policy index) of refused rekeys logged
    traffic: dict = dataclasses.field(default_factory=dict)   # policy index -> [packets, bytes] each way

    @property
    def failing(self):
        return self.outcome.evaluated and not self.outcome.established


class TunnelRuntime(QuiescentRuntime):
    """The runtime of one router: active-peers, installed-sa, policy state, statistics, log, ping."""

    def __init__(self, router, fabric):
        super().__init__(router)
        self.fabric = fabric
        self.runs = {}
        self.dirty = True
        self.config = None
        self._next_row = 1
        self._sa_ids = {}
        fabric.runtimes[router.name] = self
        self.sync()         # the router has booted: its peers start negotiating now

    # ------------------------------------------------------------------ inputs
    def _build_config(self):
        return router_config(self.router)

    def _signature(self, config, name):
        def strip(entry):
            return tuple(sorted((k, v) for k, v in entry.items() if k not in ('comment',)))
        peer = next(p for p in config.peers if p.get('name') == name)
        identities = [strip(i) for i in config.identities if i.get('peer') == name]
        policies = [p for p in config.policies if p.get('peer') == name]
        profile = [strip(p) for p in config.profiles if p.get('name') == peer.get('profile', 'default')]
        proposals = [strip(p) for p in config.proposals if p.get('name') in {q.get('proposal', 'default') for q in policies}]
        remote = negotiation.single_host(peer.get('address', ''))
        cloud = cloud_at(self.fabric.clouds, remote) if remote else None
        conn = cloud.connection_for(config.public_ip) if cloud else None
        conn_sig = repr(conn.raw()) if conn else None
        return (strip(peer), tuple(identities), tuple(strip(p) for p in policies), tuple(profile), tuple(proposals),
                cloud is not None, conn_sig, config.wan_ip, config.public_ip)

    # ------------------------------------------------------------------ the state machine
    def on_config_change(self, path):
        if path is None:
            self.runs = {}      # boot, reset or load: every negotiation starts over
            self.dirty = True
        elif path.startswith(IPSEC_PATHS):
            self.dirty = True
        if self.dirty:
            self.sync()         # the change happens now; so does the new negotiation

    def on_tick(self):
        self.sync()

    def sync(self):
        now = self.fabric.now()
        if self.dirty:
            self.dirty = False
            self._reconcile(now)
        for run in list(self.runs.values()):
            self._emit(run, now)

    def _reconcile(self, now):
        config = self.config = self._build_config()
        names = [p['name'] for p in config.peers if p.get('name')]
        for name in names:
            signature = self._signature(config, name)
            run = self.runs.get(name)
            if run is None or run.signature != signature:
                self._start(name, config, signature, now)
        for name in list(self.runs):
            if name not in names:
                del self.runs[name]     # removed peer: its rows go

    def _start(self, name, config, signature, now):
        outcome = negotiation.negotiate(config, name, self.fabric.clouds, now)
        self.runs[name] = PeerRun(signature=signature, start=now, outcome=outcome, row_id=self._next_row)
        self._next_row += 1

    def _restart(self, names):
        if self.config is None:
            self.sync()
        now = self.fabric.now()
        for name in names:
            run = self.runs.get(name)
            if run is not None:
                self._start(name, self.config, run.signature, now)

    def _attempt(self, run, now):
        """(attempt number, its start) of the attempt in progress or last revealed at ``now``."""
        if not run.failing or not self.fabric.retry or run.outcome.failure is None or run.outcome.failure.phase != 1:
            return 0, run.start
        number = int((now - run.start) // self.fabric.retry)
        return number, run.start + number * self.fabric.retry

    def _emit(self, run, now):
        """Write the lines of every attempt revealed by ``now`` that is not logged yet (both sides)."""
        outcome = run.outcome
        delay = self.fabric.delay
        if not outcome.evaluated:
            if run.attempts_logged == 0 and outcome.router_lines:
                self._log(outcome.router_lines, run.start)
            run.attempts_logged = 1
            return
        number, begin = self._attempt(run, now)
        revealed = number + 1 if now >= begin + delay else number
        first = max(run.attempts_logged, revealed - MAX_CATCHUP)
        for attempt in range(first, revealed):
            stamp = run.start + attempt * (self.fabric.retry or 0) + delay
            self._log(outcome.router_lines, stamp)
            self._record(outcome, outcome.cloud_lines, stamp)
        run.attempts_logged = max(run.attempts_logged, revealed)
        if outcome.established:
            for policy in outcome.policies:
                stamp = self._rekey_at(run, policy)
                if stamp is not None and (run.ph2_gen, policy.index) not in run.rekey_logged and now >= stamp:
                    run.rekey_logged.add((run.ph2_gen, policy.index))
                    self._log(policy.rekey_router_lines, stamp)
                    self._record(outcome, policy.rekey_cloud_lines, stamp)

    def _rekey_at(self, run, policy):
        """When the CREATE_CHILD_SA of a policy that fails at rekey (IKEv2 PFS mismatch) is refused, or None.

        The first CHILD SA rekeys at its soft lifetime; a flush (``installed-sa/flush``) deletes the SAs and phase 2 is
        negotiated again inside the IKE SA after the delay, with the same CREATE_CHILD_SA and the same refusal
        (RFC 7296 section 1.3.1: the KE payload comes with CREATE_CHILD_SA, never with IKE_AUTH)."""
        if not policy.rekey_failure:
            return None
        if run.ph2_epoch is not None:
            return run.ph2_epoch + self.fabric.delay
        return run.start + self.fabric.delay + policy.sas[0].soft_lifetime

    def _log(self, lines, instant):
        for topics, message in lines:
            self.router.log(topics, message, at=self.fabric.wall_at(instant))

    def _record(self, outcome, lines, instant):
        if outcome.cloud and lines:
            self.fabric.cloud(outcome.cloud).record(self.fabric.wall_at(instant), list(lines))

    # ------------------------------------------------------------------ views
    def _view(self, run, now):
        """What the peer looks like at ``now``: (row state or None, established?, age in state)."""
        outcome = run.outcome
        if not outcome.evaluated:
            return None, False, 0.0
        number, begin = self._attempt(run, now)
        if now < begin + self.fabric.delay:
            return 'message-1-sent', False, now - begin
        if outcome.established:
            return 'established', True, now - (run.start + self.fabric.delay)
        return (outcome.state if outcome.row else None), False, now - begin - self.fabric.delay

    def _live_policies(self, run, now):
        """[(PolicyOutcome, sa generation start, generation)] of the policies with SAs at ``now``."""
        established, age = self._view(run, now)[1:]
        if not established:
            return []
        up = now - age
        epoch = max(up, (run.ph2_epoch + self.fabric.delay) if run.ph2_epoch is not None else up)
        if now < epoch:
            return []
        live = []
        for policy in run.outcome.policies:
            if not policy.established:
                continue
            soft, hard = policy.sas[0].soft_lifetime, policy.sas[0].hard_lifetime
            if policy.rekey_failure and (now >= up + hard or run.ph2_epoch is not None):
                continue        # IKEv2 PFS mismatch: the rekey failed, the SAs expire; after a flush none come back
            generation = int((now - epoch) // soft) if soft and not policy.rekey_failure else 0
            live.append((policy, epoch + generation * soft, generation))
        return live

    def _stamp(self, instant):
        return ros_timestamp(self.router, self.fabric.wall_at(instant))

    def rows(self, path):
        self.sync()
        now = self.fabric.now()
        if path == '/ip/ipsec/active-peers':
            return [row for run in self.runs.values() for row in [self._peer_row(run, now)] if row]
        if path == '/ip/ipsec/installed-sa':
            return [row for run in self.runs.values() for row in self._sa_rows(run, now)]
        return []

    def _peer_row(self, run, now):
        state, established, age = self._view(run, now)
        if state is None:
            return None
        outcome = run.outcome
        half_open = state == 'message-1-sent'
        port = 500 if half_open else outcome.remote_port
        row = {'.id': format_id(run.row_id), 'local-address': outcome.local_address, 'remote-address': outcome.remote_address,
               'state': state, 'side': outcome.side, 'responder': 'true' if outcome.side == 'responder' else 'false',
               'natt-peer': 'true' if outcome.natt and not half_open else 'false',
               'uptime': rosvalues.render_duration(int(age)), 'ph2-total': str(len(self._live_policies(run, now)))}
        if established:
            keepalives = int(age // KEEPALIVE)
            handshake = 3 + 2 * len(outcome.policies)
            row.update({'last-seen': rosvalues.render_duration(int(age % KEEPALIVE)),
                        'rx-bytes': str(handshake * 220 + keepalives * 92), 'rx-packets': str(handshake + keepalives),
                        'tx-bytes': str(handshake * 236 + keepalives * 92), 'tx-packets': str(handshake + keepalives)})
        else:
            sent = 1 if half_open else 3
            received = 0 if half_open else 2
            row.update({'rx-bytes': str(received * 220), 'rx-packets': str(received), 'tx-bytes': str(sent * 236), 'tx-packets': str(sent)})
            if received:
                row['last-seen'] = rosvalues.render_duration(int(age))
        if self.router.v7:      # 6.49's active-peers has no id, spii, spir (and no port)
            row['port'] = str(port)
            if established and outcome.remote_id:
                row['id'] = outcome.remote_id
            row['spii'] = outcome.spii
            row['spir'] = negotiation.ikelog.ZERO_SPI if half_open else outcome.spir
        return row

    def _sa_rows(self, run, now):
        rows = []
        natt_ports = self.router.v7 and run.outcome.natt
        for policy, since, generation in self._live_policies(run, now):
            moved = run.traffic.get(policy.index, [0, 0])
            for sa in policy.sas:
                spi = sa.spi if generation == 0 and run.ph2_gen == 0 else _seed_int(sa.spi, generation, run.ph2_gen)
                key = (run.row_id, policy.index, sa.direction, spi)
                if key not in self._sa_ids:
                    self._sa_ids[key] = len(self._sa_ids) + 1
                src = f'{sa.src_address}[{sa.src_port}]' if natt_ports else sa.src_address
                dst = f'{sa.dst_address}[{sa.dst_port}]' if natt_ports else sa.dst_address
                packets, size = (moved if generation == 0 else [0, 0])
                rows.append({'.id': format_id(self._sa_ids[key]), 'spi': f'0x{spi:X}', 'src-address': src, 'dst-address': dst,
                             'state': 'mature', 'auth-algorithm': sa.auth_algorithm, 'enc-algorithm': sa.enc_algorithm,
                             'enc-key-size': str(sa.enc_key_size), 'addtime': self._stamp(since),
                             'expires-in': rosvalues.render_duration(max(0, int(since + sa.hard_lifetime - now))),
                             'add-lifetime': f'{rosvalues.render_duration(sa.soft_lifetime)}/{rosvalues.render_duration(sa.hard_lifetime)}',
                             'current-bytes': str(size), 'current-packets': str(packets), 'replay': '128', 'invalid-packets': '0',
                             'seen-traffic': 'true' if packets else 'false', 'hw-aead': 'false', 'AH': 'false', 'ESP': 'true'})
        return rows

    def fields(self, path, entry):
        if path == '/ip/ipsec/policy':
            if entry is None or entry.values.get('template') == 'true':
                return {}
            self.sync()
            found = self._policy_sa(entry.id_text)
            if found is None:
                return dict(self.POLICY_IDLE)
            run, policy = found
            return {'active': 'true', 'ph2-state': 'established', 'ph2-count': '1',
                    'sa-src-address': run.outcome.local_address, 'sa-dst-address': run.outcome.remote_address}
        return super().fields(path, entry)

    def _policy_sa(self, policy_id):
        now = self.fabric.now()
        for run in self.runs.values():
            for live in self._live_policies(run, now):
                if live[0].policy_id == policy_id:
                    return run, live[0]
        return None

    # ------------------------------------------------------------------ runtime verbs
    def command(self, path, verb, attrs):
        self.sync()
        if path == '/ip/ipsec/active-peers' and verb == 'kill-connections':
            self._restart(list(self.runs))      # dropped, then negotiated again after the delay
            return None
        if path == '/ip/ipsec/active-peers' and verb == 'remove':
            ref = attrs.get('.id', attrs.get('numbers'))
            if not ref:
                raise Trap('missing value(s) of argument(s) numbers', ARGUMENT_VALUE)
            wanted = [parse_id(t.strip()) for t in ref.split(',')]
            names = [name for name, run in self.runs.items() if run.row_id in wanted and self._view(run, self.fabric.now())[0]]
            if len(names) != len(wanted):
                raise Trap('no such item (4)' if self.router.v7 else 'no such item')
            self._restart(names)
            return None
        if path == '/ip/ipsec/installed-sa' and verb == 'flush':
            now = self.fabric.now()
            for run in self.runs.values():
                if run.outcome.established:
                    run.ph2_epoch, run.ph2_gen = now, run.ph2_gen + 1
                    run.traffic = {}
            return None
        return None

    # ------------------------------------------------------------------ summary (control API)
    def summary(self):
        self.sync()
        now = self.fabric.now()
        peers = []
        for name, run in self.runs.items():
            state, established, age = self._view(run, now)
            outcome = run.outcome
            live = {p.index for p, since, gen in self._live_policies(run, now)}
            failure = outcome.failure
            peers.append({'peer': name, 'evaluated': outcome.evaluated, 'reason': outcome.reason, 'cloud': outcome.cloud,
                          'connection': outcome.connection, 'state': state, 'established': established, 'age': age,
                          'natt': outcome.natt, 'failure': failure.klass if failure else None,
                          'phase': failure.phase if failure else None, 'notes': list(outcome.notes),
                          'policies': [{'id': p.policy_id, 'src-address': p.src_address, 'dst-address': p.dst_address,
                                        'ph2-state': 'established' if p.index in live else 'no-phase2',
                                        'failure': p.failure.klass if p.failure else (p.rekey_failure.klass if p.rekey_failure else None)}
                                       for p in outcome.policies]})
        return {'router': self.router.name, 'negotiation_delay': self.fabric.delay, 'retry_interval': self.fabric.retry,
                'peers': peers, 'statistics': {k: v for k, v in self.stats.items() if v}}

    # ------------------------------------------------------------------ data plane
    def ping(self, attrs):
        return ping(self.router, attrs, self)

    def forward(self, src, dst, size):
        """Would an echo request from ``src`` (one of our addresses) reach VPC host ``dst`` and come back?

        The packet's way out is ``encrypt_policy`` (policy lookup and srcnat, as RouterOS does it). A packet that goes
        into an encrypt policy needs a mature SA: without one it is dropped and ``out-no-states`` counts it (chosen: the
        xfrm counter for "no state found")."""
        policy = encrypt_policy(self.router, src, dst)
        if policy is None:
            return False
        found = self._policy_sa(policy.id_text)
        if found is None:
            self.stats['out-no-states'] += 1
            return False
        run, outcome_policy = found
        if run.outcome.notes:       # e.g. behind NAT without NAT-T: ESP cannot cross the NAT (RFC 3947)
            return False
        cloud = self.fabric.cloud(run.outcome.cloud)
        if dst not in cloud.hosts:
            return False
        moved = run.traffic.setdefault(outcome_policy.index, [0, 0])
        moved[0] += 1
        moved[1] += size + 28
        return True


def encrypt_policy(router, src, dst):
    """The encrypt policy an ICMP packet from ``src`` (one of the router's addresses) to ``dst`` goes into, or None.

    Order, as Linux/RouterOS does it for locally originated traffic (MikroTik "IPsec" manual, site-to-site example, "NAT bypass",
    https://help.mikrotik.com/docs/display/ROS/IPsec):
    the IPsec policy lookup decides whether the packet is "going into a policy"; srcnat runs (top to
    bottom, first terminal match wins; ``ipsec-policy=out,none`` matches packets NOT going into a
    policy); a masquerade/src-nat changes the source, the policy is looked up again with the new
    source and, for a LAN->VPC policy, no longer matches: the packet leaves unencrypted and the
    private VPC address is unreachable."""
    policy = _policy_for(router, src, dst)
    nat = srcnat_action(router, src, dst, _out_interface(router, dst), into_policy=policy is not None)
    if nat is not None:
        policy = _policy_for(router, nat, dst)
    if policy is None or policy.values.get('action', 'encrypt') != 'encrypt':
        return None
    return policy


def _policy_for(router, src, dst):
    """The first enabled, non-template policy whose selectors cover src -> dst for ICMP (table order, IPsec manual, Policies)."""
    for entry in router.table('/ip/ipsec/policy'):
        values = entry.values
        if values.get('template') == 'true' or values.get('disabled') == 'true':
            continue
        if values.get('protocol', 'all') not in ('all', 'icmp', '1'):
            continue
        if _in(src, values.get('src-address', '::/0')) and _in(dst, values.get('dst-address', '::/0')):
            return entry
    return None


# ---------------------------------------------------------------------------------------- helpers
def _in(address, prefix):
    try:
        net = ipaddress.ip_network(str(prefix), strict=False)
        addr = ipaddress.ip_address(address)
    except ValueError:
        return False
    return net.version == addr.version and addr in net


def _fw_address(address, matcher):
    """Firewall address matcher (MikroTik "NAT"/"Filter" manuals): ``[!]`` address, prefix or ``a-b`` range."""
    text = str(matcher)
    negate = text.startswith('!')
    text = text.lstrip('!')
    addr = ipaddress.ip_address(address)
    if '-' in text:
        low, high = (ipaddress.ip_address(p) for p in text.split('-', 1))
        hit = low.version == addr.version and low <= addr <= high
    else:
        net = ipaddress.ip_network(text, strict=False)
        hit = net.version == addr.version and addr in net
    return hit != negate


def local_addresses(router):
    """[(ip, interface, network)] of the router's enabled /ip/address entries."""
    out = []
    for entry in router.table('/ip/address'):
        if entry.values.get('disabled') == 'true':
            continue
        try:
            iface = ipaddress.ip_interface(entry.values.get('address', ''))
        except ValueError:
            continue
        out.append((str(iface.ip), entry.values.get('interface', ''), iface.network))
    return out


def _out_interface(router, dst):
    """Connected routes first (a LAN or the WAN subnet), else the default route via ether1 (WAN)."""
    addr = ipaddress.ip_address(dst)
    for address in local_addresses(router):
        if addr in address[2]:
            return address[1]
    return 'ether1'


# Interface lists the lab knows (chosen, like defconf): WAN = ether1, LAN = bridge and ether2.
INTERFACE_LISTS = {'WAN': {'ether1'}, 'LAN': {'bridge', 'ether2'}}
# srcnat matchers the lab evaluates; a rule using any other matcher never matches (chosen, conservative)
_IGNORED = {'chain', 'action', 'comment', 'disabled', 'log', 'log-prefix', 'bytes', 'packets', 'invalid', 'dynamic',
            'to-addresses', 'to-ports', 'jump-target', 'address-list-timeout', 'address-list'}
_SOURCE_CHANGING = ('masquerade', 'src-nat', 'netmap', 'same', 'endpoint-independent-nat')


def srcnat_action(router, src, dst, out_iface, into_policy):
    """Walk /ip/firewall/nat chain=srcnat for an ICMP packet src -> dst; None (source kept) or the new source."""
    rules = [entry.values for entry in router.table('/ip/firewall/nat') if entry.values.get('disabled') != 'true']
    verdict = _walk_srcnat(router, rules, 'srcnat', (src, dst, out_iface, into_policy), ())
    return verdict[0] if verdict else None


def _walk_srcnat(router, rules, chain, packet, calling):
    """The rules of ``chain`` in table order, first terminal match wins: ``(new source or None,)`` for a verdict, None
    when the chain ends (or ``return``s) without one, so the calling chain goes on after its ``jump``.

    ``jump`` runs the rules of ``jump-target`` and, without a verdict there, goes on with the next rule; ``return``
    goes back to the calling chain (MikroTik firewall filter manual, actions ``jump`` and ``return``,
    https://help.mikrotik.com/docs/spaces/ROS/pages/48660574/Filter; NAT tables use the same chains,
    https://help.mikrotik.com/docs/spaces/ROS/pages/3211299/NAT). A jump into a chain already on the way is not
    followed (chosen: the lab does not model RouterOS's loop detection)."""
    src, dst, out_iface, into_policy = packet
    for values in rules:
        if values.get('chain') != chain or not _nat_matches(values, src, dst, out_iface, into_policy):
            continue
        action = values.get('action', 'accept')
        if action == 'accept':
            return (None,)
        if action in _SOURCE_CHANGING:
            to = values.get('to-addresses')
            if action == 'src-nat' and to:
                return (to.split('-', 1)[0].split('/', 1)[0],)
            wan = [ip for ip, iface, net in local_addresses(router) if iface == out_iface]
            return (wan[0] if wan else router.spec.wan_ip,)
        if action == 'return':
            return None
        target = values.get('jump-target')
        if action == 'jump' and target and target != chain and target not in calling:
            verdict = _walk_srcnat(router, rules, target, packet, calling + (chain,))
            if verdict:
                return verdict
        # log, passthrough, add-*-to-address-list: not terminal, go on
    return None


def _nat_matches(values, src, dst, out_iface, into_policy):
    for name, value in values.items():
        if name in _IGNORED:
            continue
        if name == 'src-address':
            ok = _fw_address(src, value)
        elif name == 'dst-address':
            ok = _fw_address(dst, value)
        elif name == 'out-interface':
            ok = (value.lstrip('!') == out_iface) != value.startswith('!')
        elif name == 'out-interface-list':
            members = {'all': {out_iface}}.get(value.lstrip('!'), INTERFACE_LISTS.get(value.lstrip('!'), set()))
            ok = (out_iface in members) != value.startswith('!')
        elif name == 'protocol':
            ok = value in ('icmp', '1')
        elif name == 'ipsec-policy':
            direction, kind = (value.split(',') + [''])[:2]
            # defconf's out,none = "not going into a policy" (IPsec manual, NAT bypass); in,* never matches in postrouting
            ok = direction == 'out' and (kind == 'ipsec') == into_policy
        else:
            ok = False      # ports, address lists, marks, in-interface...: an ICMP probe never matches (chosen)
        if not ok:
            return False
    return True


# ------------------------------------------------------------------------------------------- ping
PING_ARGS = frozenset({'address', 'src-address', 'count', 'interval', 'size', 'ttl', 'interface', 'do-not-fragment', 'routing-table',
                       'vrf', 'dscp', 'arp-ping'})
DEFAULT_COUNT = 4               # chosen: RouterOS pings until /cancel when count is omitted; the lab stops after 4
MAX_COUNT = 10000
SRC_NOT_LOCAL = 'failure: src-address is not a local address'   # chosen; no public source gives the text


def _rtt(router, host, seq):
    return 20000 + _seed_int(router.name, host, seq, low=0, high=9000)        # microseconds, deterministic


def _render_rtt(micro, v7):
    millis, rest = divmod(int(micro), 1000)
    if not v7 or rest == 0:
        return f'{millis}ms'
    return f'{millis}ms{rest}us'


def ping(router, attrs, runtime=None):
    """``/ping`` over the API: one ``!re`` per probe, then ``!done`` (no real waiting; lab time does not move).

    Fields per answered probe: seq, host, size, ttl, time, sent, received, packet-loss, min-rtt, avg-rtt,
    max-rtt; a lost probe: seq, host, status=timeout, sent, received, packet-loss (and the rtt summary once
    something was received). ``time`` is ``23ms417us`` on v7 and ``23ms`` on 6.49 (as their consoles print).
    Answers: the router's own addresses (ttl 64, 0ms); a cloud ``hosts`` address only through an
    established policy (``TunnelRuntime.forward``), ttl 62 (the host's 64 less the cloud gateway and the
    router: chosen). Everything else times out: the lab has no other network."""
    for name in attrs:
        if name not in PING_ARGS:
            raise router._unknown_parameter(name)  # pylint: disable=protected-access
    if not attrs.get('address'):
        raise Trap('missing value(s) of argument(s) address', ARGUMENT_VALUE)
    try:
        dst = str(ipaddress.ip_address(attrs['address']))
    except ValueError:
        raise Trap('invalid value for argument address', ARGUMENT_VALUE) from None
    count = _int_arg(attrs, 'count', DEFAULT_COUNT, 1, MAX_COUNT)
    size = _int_arg(attrs, 'size', 56, 14, 65535)
    if 'interval' in attrs:
        try:
            negotiation.seconds(attrs['interval'])
        except ValueError:
            raise Trap('invalid value for argument interval', ARGUMENT_VALUE) from None
    own = local_addresses(router)
    own_ips = {ip for ip, iface, net in own}
    src = attrs.get('src-address')
    if src:
        try:
            src = str(ipaddress.ip_address(src))
        except ValueError:
            raise Trap('invalid value for argument src-address', ARGUMENT_VALUE) from None
        if src not in own_ips:
            raise Trap(SRC_NOT_LOCAL, ARGUMENT_VALUE)
    else:
        out = _out_interface(router, dst)
        src = next((ip for ip, iface, net in own if iface == out), router.spec.wan_ip)
    replies, received, rtts = [], 0, []
    for seq in range(count):
        if dst in own_ips:
            ok, ttl, micro = True, 64, 0
        else:
            ok = runtime is not None and runtime.forward(src, dst, size)
            ttl, micro = 62, _rtt(router, dst, seq)
        row = {'seq': str(seq), 'host': dst}
        if ok:
            received += 1
            rtts.append(micro)
            row.update({'size': str(size), 'ttl': str(ttl), 'time': _render_rtt(micro, router.v7)})
        else:
            row['status'] = 'timeout'
        row.update({'sent': str(seq + 1), 'received': str(received), 'packet-loss': str((seq + 1 - received) * 100 // (seq + 1))})
        if rtts:
            row.update({'min-rtt': _render_rtt(min(rtts), router.v7), 'avg-rtt': _render_rtt(sum(rtts) // len(rtts), router.v7),
                        'max-rtt': _render_rtt(max(rtts), router.v7)})
        replies.append(('!re', row))
    return replies + [('!done', {})]


def _int_arg(attrs, name, default, low, high):
    if name not in attrs:
        return default
    text = str(attrs[name])
    if not text.isdigit():
        raise Trap(f'invalid value for argument {name}', ARGUMENT_VALUE)
    value = int(text)
    if not low <= value <= high:
        raise Trap(f'value of {name} out of range ({low}..{high})', ARGUMENT_VALUE)
    return value
