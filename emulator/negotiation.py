"""The IKE/IPsec negotiation model: a router's IPsec configuration against the lab's cloud gateways.

Pure and deterministic: no sockets, no Router internals, no clock of its own, no randomness (SPIs
come from a hash of the inputs). The router runtime passes in a ``RouterConfig`` (its IPsec menus
as RouterOS prints them over the API) and gets back one ``PeerOutcome`` per peer: the active-peers
row, per-policy ph2-state and installed SAs, the failure class and phase, and the log lines of both
sides. Writing the cloud lines into ``Cloud.log`` is the caller's job (``Cloud.record``).

Semantics chosen (public sources leave these open):
* The ROUTER INITIATES. Every enabled, non-passive peer with an identity and an enabled encrypt
  policy starts phase 1 at once. The cloud's negotiation type does
  not change the outcome of a router-initiated exchange: ``passive`` never initiates, ``flowTrigger``
  initiates only on VPC traffic (which this model does not see), ``active`` initiates too, but when a
  router answers the two attempts converge on the router's. An active connection that no router
  answers keeps retransmitting: ``unanswered_initiations``.
* A passive router peer only answers. It is evaluated when the cloud at its address has an ``active`` connection
  for the router's public address and the router is not behind NAT (the cloud initiates; the real-IKE lab shows the
  tunnel come up then, tests/realike): with the same checks; when they pass, the peer is established as the
  responder (``side='responder'``, RouterOS's ``new ike2 SA (R)``). A failed answer is not modelled (no public log
  shows RouterOS's responder-side wording of each class): the peer stays not evaluated, ``reason='passive'``, with
  no SAs, as it ends in the real-IKE lab. Otherwise nobody initiates (``reason='passive'``).
* Checks run in this order and the first failure wins: reachability, IKE version, exchange mode,
  phase-1 proposal, PSK, identities; then per policy: traffic selectors, ESP proposal, PFS.
* ``state`` is the furthest active-peers state the exchange reached (the ``state`` values of
  ``/ip/ipsec/active-peers``, MikroTik "IPsec" manual, Active Peers); ``row`` says
  whether the active-peers row persists. A failure answered by the cloud deletes the half-open SA
  (row gone, it reappears on each retry); an unanswered one stays in
  ``message-1-sent``. Error notifies in reply to message 1 leave ``message-1-sent``;
  failures at authentication leave ``message-3-sent`` (IKEv2 IKE_AUTH request; the lab uses the same
  name for IKEv1 main mode message 5, since the v7 enum has no message-5 state).
* IKEv2 PFS: the first CHILD_SA is made in IKE_AUTH without DH, so a PFS mismatch establishes and
  fails at the first rekey (RFC 7296 section 1.3.1): ``PolicyOutcome.rekey_failure``.
"""

import dataclasses
import hashlib
import ipaddress
import re

from emulator import ikelog
from emulator.cloud import cloud_at

FAILURE_CLASSES = ('psk', 'ike_version', 'exchange_mode', 'identity', 'no_response', 'customer_gateway',
                   'phase1_proposal', 'phase2_proposal', 'pfs', 'traffic_selectors')

# ---- RouterOS -> Tencent names (Tencent Cloud "Creating a VPN Tunnel", https://www.tencentcloud.com/document/product/1037/39635) ----
IKE_ENC = {'aes-128': 'AES-CBC-128', 'aes-192': 'AES-CBC-192', 'aes-256': 'AES-CBC-256', '3des': '3DES-CBC', 'des': 'DES-CBC'}
IKE_HASH = {'md5': 'MD5', 'sha1': 'SHA', 'sha256': 'SHA-256', 'sha512': 'SHA-512'}       # no SHA-384 at Tencent
DH_GROUP = {'modp768': 'GROUP1', 'modp1024': 'GROUP2', 'modp1536': 'GROUP5', 'modp2048': 'GROUP14', 'modp3072': 'GROUP15',
            'modp4096': 'GROUP16', 'ecp256': 'GROUP19', 'ecp384': 'GROUP20', 'ecp521': 'GROUP21'}   # GROUP24: not on RouterOS
PFS_GROUP = {'none': 'NULL', **{ros: 'DH-' + group for ros, group in DH_GROUP.items()}}
ESP_ENC = {'aes-128-cbc': 'AES-CBC-128', 'aes-192-cbc': 'AES-CBC-192', 'aes-256-cbc': 'AES-CBC-256', '3des': '3DES-CBC',
           'des': 'DES-CBC', 'null': 'NULL', 'aes-128-gcm': 'AES128GCM128', 'aes-192-gcm': 'AES192GCM128',
           'aes-256-gcm': 'AES256GCM128'}                                                # SM4: not on RouterOS
ESP_AUTH = {'md5': 'MD5', 'sha1': 'SHA1', 'sha256': 'SHA-256', 'sha512': 'SHA-512'}       # SHA-384, SM3: not on RouterOS ESP

# ---- strongSwan proposal names, for the cloud's "received/configured proposals" lines ---------
SWAN_ENC = {'aes-128': 'AES_CBC_128', 'aes-192': 'AES_CBC_192', 'aes-256': 'AES_CBC_256', '3des': '3DES_CBC', 'des': 'DES_CBC',
            'aes-128-cbc': 'AES_CBC_128', 'aes-192-cbc': 'AES_CBC_192', 'aes-256-cbc': 'AES_CBC_256', 'null': 'NULL',
            'aes-128-ctr': 'AES_CTR_128', 'aes-192-ctr': 'AES_CTR_192', 'aes-256-ctr': 'AES_CTR_256',
            'aes-128-gcm': 'AES_GCM_16_128', 'aes-192-gcm': 'AES_GCM_16_192', 'aes-256-gcm': 'AES_GCM_16_256',
            'camellia-128': 'CAMELLIA_CBC_128', 'camellia-192': 'CAMELLIA_CBC_192', 'camellia-256': 'CAMELLIA_CBC_256',
            'blowfish': 'BLOWFISH_CBC', 'twofish': 'TWOFISH_CBC', 'chacha20poly1305': 'CHACHA20_POLY1305',
            'SM4': 'SM4_CBC'}
SWAN_INTEG = {'md5': 'HMAC_MD5_96', 'sha1': 'HMAC_SHA1_96', 'sha256': 'HMAC_SHA2_256_128', 'sha384': 'HMAC_SHA2_384_192',
              'sha512': 'HMAC_SHA2_512_256', 'null': 'NULL', 'SHA-384': 'HMAC_SHA2_384_192', 'SM3': 'HMAC_SM3'}
SWAN_PRF = {'md5': 'PRF_HMAC_MD5', 'sha1': 'PRF_HMAC_SHA1', 'sha256': 'PRF_HMAC_SHA2_256', 'sha384': 'PRF_HMAC_SHA2_384',
            'sha512': 'PRF_HMAC_SHA2_512'}
SWAN_DH = {'modp768': 'MODP_768', 'modp1024': 'MODP_1024', 'modp1536': 'MODP_1536', 'modp2048': 'MODP_2048',
           'modp3072': 'MODP_3072', 'modp4096': 'MODP_4096', 'modp6144': 'MODP_6144', 'modp8192': 'MODP_8192',
           'ecp256': 'ECP_256', 'ecp384': 'ECP_384', 'ecp521': 'ECP_521', 'x25519': 'CURVE_25519',
           'GROUP24': 'MODP_2048_256'}

# ---- installed-sa algorithm names (IPsec manual, Installed SAs) --------------------------------
SA_ENC = {'aes-128-cbc': ('aes-cbc', 128), 'aes-192-cbc': ('aes-cbc', 192), 'aes-256-cbc': ('aes-cbc', 256),
          'aes-128-gcm': ('aes-gcm', 128), 'aes-192-gcm': ('aes-gcm', 192), 'aes-256-gcm': ('aes-gcm', 256),
          '3des': ('3des', 192), 'des': ('des', 64), 'null': ('null', 0)}

# ---- RouterOS defaults for omitted properties (IPsec manual, per menu) -------------------------
PROFILE_DEFAULTS = {'hash-algorithm': 'sha1', 'prf-algorithm': 'auto', 'enc-algorithm': 'aes-128,3des',
                    'dh-group': 'modp2048,modp1024', 'lifetime': '1d', 'proposal-check': 'obey', 'nat-traversal': 'true'}
# sources disagree: the v6 built-in profile prints enc-algorithm=aes-128; chosen per version
PROFILE_DEFAULTS_V6 = {**PROFILE_DEFAULTS, 'enc-algorithm': 'aes-128'}
PEER_DEFAULTS = {'exchange-mode': 'main', 'passive': 'false', 'profile': 'default', 'port': '500', 'disabled': 'false'}
IDENTITY_DEFAULTS = {'auth-method': 'pre-shared-key', 'secret': '', 'my-id': 'auto', 'remote-id': 'auto', 'disabled': 'false'}
PROPOSAL_DEFAULTS = {'auth-algorithms': 'sha1', 'enc-algorithms': 'aes-256-cbc,aes-192-cbc,aes-128-cbc', 'lifetime': '30m',
                     'pfs-group': 'modp1024', 'disabled': 'false'}
POLICY_DEFAULTS = {'action': 'encrypt', 'tunnel': 'false', 'proposal': 'default', 'protocol': 'all', 'src-port': 'any',
                   'dst-port': 'any', 'ipsec-protocols': 'esp', 'level': 'require', 'disabled': 'false',
                   'template': 'false', 'src-address': '::/0', 'dst-address': '::/0'}


# ---- the interface ------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class RouterConfig:
    """What the negotiation needs from one router. Menus are lists of dicts as RouterOS prints them
    over the API (property names and values as printed; omitted = RouterOS default)."""
    name: str
    version: str                    # '7.16', '6.49.10', ...
    wan_address: str                # the router's own WAN address, with or without prefix
    public_address: str | None = None   # as the world sees it; None or equal to WAN = not behind NAT
    profiles: tuple = ()
    peers: tuple = ()
    identities: tuple = ()
    proposals: tuple = ()
    policies: tuple = ()

    @property
    def wan_ip(self):
        return str(ipaddress.ip_interface(self.wan_address).ip)

    @property
    def public_ip(self):
        return str(ipaddress.ip_interface(self.public_address).ip) if self.public_address else self.wan_ip

    @property
    def behind_nat(self):
        return self.public_ip != self.wan_ip

    @property
    def major(self):
        return int(str(self.version).split('.', maxsplit=1)[0])


@dataclasses.dataclass(frozen=True)
class Failure:
    klass: str          # one of FAILURE_CLASSES
    phase: int          # 1 or 2
    detail: str | None = None   # a hint for the lab's own tests, never shown in a log line


@dataclasses.dataclass(frozen=True)
class Phase1:
    enc_algorithm: str      # RouterOS names: 'aes-128'
    hash_algorithm: str     # 'sha1'
    dh_group: str           # 'modp1024'
    prf_algorithm: str | None   # IKEv2 only
    lifetime: int           # seconds (the router's profile lifetime)


@dataclasses.dataclass(frozen=True)
class SaOutcome:
    """One installed-sa row (IPsec manual, Installed SAs)."""
    direction: str          # 'in' | 'out'
    spi: int
    src_address: str
    src_port: int
    dst_address: str
    dst_port: int
    auth_algorithm: str     # none | md5 | sha1 | sha256 | sha512
    enc_algorithm: str      # aes-cbc | aes-gcm | 3des | des | null
    enc_key_size: int
    soft_lifetime: int      # seconds: add-lifetime=<soft>/<hard>
    hard_lifetime: int


@dataclasses.dataclass(frozen=True)
class PolicyOutcome:
    index: int              # position in RouterConfig.policies
    policy_id: str | None   # the policy's '.id' when given
    src_address: str
    dst_address: str
    ph2_state: str          # 'established' | 'no-phase2'
    failure: Failure | None = None
    sas: tuple = ()         # two SaOutcome when established: in, out
    rekey_failure: Failure | None = None   # IKEv2 PFS: established now, fails at the first rekey
    rekey_router_lines: tuple = ()
    rekey_cloud_lines: tuple = ()

    @property
    def established(self):
        return self.ph2_state == 'established'


@dataclasses.dataclass(frozen=True)
class PeerOutcome:
    router: str
    peer: str
    evaluated: bool                 # False: disabled, passive, no identity, no policy, no single address
    reason: str | None = None       # why not evaluated
    cloud: str | None = None        # the cloud contacted (None: nothing answers at the address)
    connection: str | None = None
    row: bool = False               # an active-peers row exists
    state: str | None = None        # active-peers state (furthest reached)
    side: str = 'initiator'
    natt: bool = False              # natt-peer flag
    local_address: str | None = None
    local_port: int = 500
    remote_address: str | None = None
    remote_port: int = 500
    remote_id: str | None = None    # the cloud's ID, once authenticated
    phase1: Phase1 | None = None
    spii: str = ikelog.ZERO_SPI
    spir: str = ikelog.ZERO_SPI
    policies: tuple = ()
    failure: Failure | None = None  # the phase-1 failure, else the first failing policy's
    router_lines: tuple = ()        # ((topics, message), ...)
    cloud_lines: tuple = ()         # (message, ...) for the cloud's log
    notes: tuple = ()               # facts for the data-plane model, e.g. ESP blocked by NAT

    @property
    def established(self):
        return self.state == 'established' and self.row

    @property
    def ph2_total(self):
        return sum(1 for p in self.policies if p.established)


# ---- value helpers ----------------------------------------------------------------------------
_UNITS = {'w': 604800, 'd': 86400, 'h': 3600, 'm': 60, 's': 1}


def seconds(text):
    """RouterOS duration -> seconds: '1d', '30m', '1h30m', '8s', '3600', '01:00:00'."""
    text = str(text).strip()
    if text.isdigit():
        return int(text)
    if ':' in text:
        parts = [int(p) for p in text.split(':')]
        return sum(v * m for v, m in zip(reversed(parts), (1, 60, 3600), strict=False))
    total, pos = 0, 0
    for match in re.finditer(r'(\d+)([wdhms])', text):
        if match.start() != pos:
            raise ValueError(f'not a RouterOS duration: {text!r}')
        total += int(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos != len(text) or not text:
        raise ValueError(f'not a RouterOS duration: {text!r}')
    return total


def truthy(value):
    if isinstance(value, bool):
        return value
    return str(value).lower() in ('true', 'yes')


def values(text):
    """A printed multi-value property -> list, in printed order."""
    return [v for v in str(text).split(',') if v]


def single_host(address):
    """A peer address that names one host ('1.2.3.4', '1.2.3.4/32') -> '1.2.3.4'; else None."""
    try:
        net = ipaddress.ip_network(str(address), strict=False)
    except ValueError:
        return None
    return str(net.network_address) if net.num_addresses == 1 else None


def canonical_cidr(text):
    try:
        return str(ipaddress.ip_network(str(text), strict=False))
    except ValueError:
        return str(text)


def with_defaults(defaults, entry):
    return {**defaults, **{k: v for k, v in entry.items() if v is not None}}


def named(entries, name, defaults, builtin_default=True):
    for entry in entries:
        if entry.get('name') == name:
            return with_defaults(defaults, entry)
    if name == 'default' and builtin_default:
        return dict(defaults, name='default')
    return None


class _Seed:
    """Deterministic numbers from the inputs (no randomness anywhere)."""

    def __init__(self, *parts):
        self.base = '|'.join(str(p) for p in parts)

    def hex(self, label, length=16):
        return hashlib.sha256(f'{self.base}|{label}'.encode()).hexdigest()[:length]

    def number(self, label, low, high):
        return low + int(self.hex(label, 12), 16) % (high - low)


# ---- the checks, one per step ---------------------------------------------------------------
def check_reachability(remote, router, clouds):
    """Returns (cloud, connection, failure): no cloud at the address (no answer), or a cloud without a
    connection for this customer gateway address (an error notify)."""
    cloud = cloud_at(clouds, remote)
    if cloud is None:
        return None, None, Failure('no_response', 1, 'nothing answers at the peer address')
    conn = cloud.connection_for(router.public_ip)
    if conn is None:
        return cloud, None, Failure('customer_gateway', 1, f'no connection for customer gateway {router.public_ip}')
    return cloud, conn, None


def check_ike_version(peer, conn):
    router_v2 = peer['exchange-mode'] == 'ike2'
    if router_v2 != (conn.ike.version == 'IKEV2'):
        return Failure('ike_version', 1, f"exchange-mode={peer['exchange-mode']} vs {conn.ike.version}")
    return None


def check_exchange_mode(peer, conn):
    mode = peer['exchange-mode']
    if mode == 'ike2':
        return None
    if {'main': 'MAIN', 'aggressive': 'AGGRESSIVE'}.get(mode) != conn.ike.exchange_mode:
        return Failure('exchange_mode', 1, f'exchange-mode={mode} vs {conn.ike.exchange_mode}')
    return None


def check_phase1_proposal(profile, conn):
    """Returns (Phase1 or None, failure): the cloud's single values must be in the profile's sets."""
    pick = {}
    for prop, table, cloud_value in (('enc-algorithm', IKE_ENC, conn.ike.encryption),
                                     ('hash-algorithm', IKE_HASH, conn.ike.integrity),
                                     ('dh-group', DH_GROUP, conn.ike.dh_group)):
        offered = values(profile[prop])
        match = [v for v in offered if table.get(v) == cloud_value]
        if not match:
            return None, Failure('phase1_proposal', 1, f'{prop}={profile[prop]} vs {cloud_value}')
        pick[prop] = match[0]
    prf = profile.get('prf-algorithm', 'auto')
    phase1 = Phase1(enc_algorithm=pick['enc-algorithm'], hash_algorithm=pick['hash-algorithm'], dh_group=pick['dh-group'],
                    prf_algorithm=pick['hash-algorithm'] if prf == 'auto' else prf, lifetime=seconds(profile['lifetime']))
    return phase1, None


def check_psk(identity, conn):
    if identity['auth-method'] != 'pre-shared-key':
        # the lab's clouds authenticate by PSK only; another method fails authentication (chosen)
        return Failure('psk', 1, f"auth-method={identity['auth-method']}")
    if str(identity['secret']) != conn.psk:
        return Failure('psk', 1, 'secrets differ')
    return None


def _parse_id(text, own_address):
    """RouterOS my-id / remote-id -> (type, value); auto = the given own address."""
    text = str(text)
    if text == 'auto':
        return ('ADDRESS', own_address)
    kind, value = text.split(':', 1) if ':' in text else (text, '')
    return ({'address': 'ADDRESS', 'fqdn': 'FQDN', 'user-fqdn': 'USER_FQDN', 'key-id': 'KEY_ID'}.get(kind, kind.upper()), value)


def router_sent_id(identity, router):
    # my-id=auto sends the router's own (WAN) address; behind NAT that is the private one (IPsec manual, Identities: my-id)
    return _parse_id(identity['my-id'], router.wan_ip)


def check_identities(identity, router, cloud, conn):
    """Both directions: what the router sends vs the cloud's remote_identity, then what the
    router expects (remote-id; auto = the peer's address) vs the cloud's local_identity."""
    sent = router_sent_id(identity, router)
    expected = (conn.ike.remote_identity.type, conn.ike.remote_identity.value)
    if sent != expected:
        return Failure('identity', 1, 'my-id')
    if identity['remote-id'] != 'ignore':
        wanted = _parse_id(identity['remote-id'], cloud.public_address)
        if wanted != (conn.ike.local_identity.type, conn.ike.local_identity.value):
            return Failure('identity', 1, 'remote-id')
    return None


def check_selectors(policy, conn):
    """The policy's src/dst must mirror one SPD mapping exactly (Tencent's SPD: local CIDR -> remote CIDRs); all protocols, any port."""
    pair = (canonical_cidr(policy['dst-address']), canonical_cidr(policy['src-address']))
    if pair not in conn.mappings():
        return Failure('traffic_selectors', 2, f"{policy['src-address']} -> {policy['dst-address']} not an SPD mapping")
    if policy['protocol'] != 'all' or policy['src-port'] != 'any' or policy['dst-port'] != 'any':
        return Failure('traffic_selectors', 2, 'protocol/port selectors narrower than the SPD')
    return None


def check_esp(policy, proposal, conn):
    """Returns ((enc, auth) RouterOS names, failure). The cloud does ESP tunnel mode only (chosen:
    transport mode or AH fail as a phase-2 proposal)."""
    if not truthy(policy['tunnel']) or policy['ipsec-protocols'] != 'esp':
        return None, Failure('phase2_proposal', 2, None)
    enc = [v for v in values(proposal['enc-algorithms']) if ESP_ENC.get(v) == conn.ipsec.encryption]
    if not enc:
        return None, Failure('phase2_proposal', 2, 'ENCRYPTION_ALGORITHM')
    if enc[0].endswith('-gcm'):
        return (enc[0], 'none'), None           # AEAD: no separate integrity
    auth = [v for v in values(proposal['auth-algorithms']) if ESP_AUTH.get(v) == conn.ipsec.integrity]
    if not auth:
        return None, Failure('phase2_proposal', 2, 'INTEGRITY_ALGORITHM')
    return (enc[0], auth[0]), None


def check_pfs(proposal, conn):
    if PFS_GROUP.get(proposal['pfs-group']) != conn.ipsec.pfs:
        return Failure('pfs', 2, f"pfs-group={proposal['pfs-group']} vs {conn.ipsec.pfs}")
    return None


# ---- proposal texts for the cloud's lines ---------------------------------------------------
def _ike_received(profile, version):
    encs = [SWAN_ENC.get(v, v.upper()) for v in values(profile['enc-algorithm'])]
    hashes = values(profile['hash-algorithm'])
    dhs = [SWAN_DH.get(v, v.upper()) for v in values(profile['dh-group'])]
    if version == 2:
        # one IKEv2 proposal carrying every transform
        return 'IKE:' + '/'.join(encs + [SWAN_INTEG[h] for h in hashes] + [SWAN_PRF[h] for h in hashes] + dhs)
    return ', '.join(f'IKE:{e}/{SWAN_INTEG[h]}/{SWAN_PRF[h]}/{d}' for e in encs for h in hashes for d in dhs)


def _ike_configured(conn):
    enc = {v: k for k, v in IKE_ENC.items()}.get(conn.ike.encryption)
    integ = {v: k for k, v in IKE_HASH.items()}.get(conn.ike.integrity)
    dh = {v: k for k, v in DH_GROUP.items()}.get(conn.ike.dh_group)
    parts = (SWAN_ENC.get(enc, SWAN_ENC.get(conn.ike.encryption, conn.ike.encryption)),
             SWAN_INTEG.get(integ, conn.ike.integrity), SWAN_PRF.get(integ, conn.ike.integrity),
             SWAN_DH.get(dh, SWAN_DH.get(conn.ike.dh_group, conn.ike.dh_group)))
    return 'IKE:' + '/'.join(parts)


def _esp_received(proposal, version, rekey=False):
    encs = [SWAN_ENC.get(v, v.upper()) for v in values(proposal['enc-algorithms'])]
    auths = [SWAN_INTEG.get(v, v.upper()) for v in values(proposal['auth-algorithms'])]
    pfs = proposal['pfs-group']
    dh = [] if pfs == 'none' or (version == 2 and not rekey) else [SWAN_DH.get(pfs, pfs.upper())]
    if version == 2:
        return 'ESP:' + '/'.join(encs + auths + dh + ['NO_EXT_SEQ'])
    return ', '.join('ESP:' + '/'.join([e, a] + dh + ['NO_EXT_SEQ']) for e in encs for a in auths)


def _esp_configured(conn, version, rekey=False):
    enc = {v: k for k, v in ESP_ENC.items()}.get(conn.ipsec.encryption)
    integ = {v: k for k, v in ESP_AUTH.items()}.get(conn.ipsec.integrity)
    parts = [SWAN_ENC.get(enc, SWAN_ENC.get(conn.ipsec.encryption, conn.ipsec.encryption))]
    if not conn.ipsec.encryption.endswith('GCM128'):
        parts.append(SWAN_INTEG.get(integ, SWAN_INTEG.get(conn.ipsec.integrity, conn.ipsec.integrity)))
    if conn.ipsec.pfs != 'NULL' and (version == 1 or rekey):
        group = conn.ipsec.pfs[len('DH-'):]
        ros = {v: k for k, v in DH_GROUP.items()}.get(group)
        parts.append(SWAN_DH.get(ros, SWAN_DH.get(group, group)))
    return 'ESP:' + '/'.join(parts + ['NO_EXT_SEQ'])


# ---- the model ----------------------------------------------------------------------------------
# furthest active-peers state per phase-1 failure (module doc); (state, row persists)
_STUCK = {'no_response': ('message-1-sent', True), 'customer_gateway': ('message-1-sent', False),
          'phase1_proposal': ('message-1-sent', False), 'psk': ('message-3-sent', False)}


def _stuck(failure, version, mode):
    if failure.klass == 'ike_version':
        return ('message-1-sent', version == 1)          # IKEv1 into an IKEv2-only gateway: unanswered
    if failure.klass == 'exchange_mode':
        return ('message-1-sent', False) if mode == 'aggressive' else ('message-3-sent', False)
    if failure.klass == 'identity':
        if failure.detail == 'remote-id':
            return ('message-4-received', False)
        return ('message-1-sent', False) if mode == 'aggressive' else ('message-3-sent', False)
    return _STUCK[failure.klass]


def _not_evaluated(router, peer_name, reason, lines=()):
    return PeerOutcome(router=router.name, peer=peer_name, evaluated=False, reason=reason, router_lines=tuple(lines))


def negotiate(router, peer_name, clouds, now):
    """Negotiate one router peer with the lab's clouds; see the module doc for the semantics."""
    raw_peer = next((p for p in router.peers if p.get('name') == peer_name), None)
    if raw_peer is None:
        raise KeyError(f'router {router.name}: no peer {peer_name!r}')
    peer = with_defaults(PEER_DEFAULTS, raw_peer)
    if truthy(peer['disabled']):
        return _not_evaluated(router, peer_name, 'disabled')
    answering = truthy(peer['passive'])
    if answering and not _cloud_initiates(router, peer, clouds):
        return _not_evaluated(router, peer_name, 'passive')
    identity = next((with_defaults(IDENTITY_DEFAULTS, i) for i in router.identities
                     if i.get('peer') == peer_name and not truthy(i.get('disabled', 'false'))), None)
    if identity is None:
        return _not_evaluated(router, peer_name, 'no-identity', [ikelog.missing_identity(peer_name)])
    policies = [(n, with_defaults(POLICY_DEFAULTS, p)) for n, p in enumerate(router.policies) if p.get('peer') == peer_name]
    policies = [(n, p) for n, p in policies
                if not truthy(p['disabled']) and p['action'] == 'encrypt' and not truthy(p['template'])]
    if not policies:
        return _not_evaluated(router, peer_name, 'no-policy')
    remote = single_host(peer.get('address', '0.0.0.0/0'))
    if remote is None:
        return _not_evaluated(router, peer_name, 'no-single-address')

    profile_defaults = PROFILE_DEFAULTS_V6 if router.major < 7 else PROFILE_DEFAULTS
    profile = named(router.profiles, peer['profile'], profile_defaults) or dict(profile_defaults)
    version = 2 if peer['exchange-mode'] == 'ike2' else 1
    mode = peer['exchange-mode']

    cloud, conn, failure = check_reachability(remote, router, clouds)
    if failure is None and str(peer['port']) != '500':
        failure = Failure('no_response', 1, f"port={peer['port']}")     # the gateway listens on 500 only
    failure = failure or check_ike_version(peer, conn) or check_exchange_mode(peer, conn)
    phase1 = None
    if failure is None:
        phase1, failure = check_phase1_proposal(profile, conn)
    failure = failure or check_psk(identity, conn) or check_identities(identity, router, cloud, conn)

    # NAT-T: IKEv2 always, IKEv1 when the profile allows it (profile nat-traversal, RFC 3947)
    natt = router.behind_nat and (version == 2 or truthy(profile['nat-traversal']))
    notes = ('behind NAT without NAT-T: ESP cannot cross the NAT',) if router.behind_nat and not natt else ()
    seed = _Seed(router.name, peer_name, cloud.name if cloud else remote, conn.name if conn else '-', now)
    spii, spir = seed.hex('spii'), seed.hex('spir')
    ctx = ikelog.Ctx(version=version, mode=mode, local=router.wan_ip, public=router.public_ip, remote=remote, natt=natt,
                     conn=conn.name if conn else '-', unique=seed.number('unique', 1, 1000), mid=seed.number('mid', 10 ** 9, 4 * 10 ** 9),
                     spii=spii, spir=spir, router_id=router_sent_id(identity, router),
                     cloud_id=(conn.ike.local_identity.type, conn.ike.local_identity.value) if conn else ('ADDRESS', remote),
                     ike_received=_ike_received(profile, version), ike_configured=_ike_configured(conn) if conn else '')
    if answering:
        if failure is not None or any(o.failure for o in _policy_outcomes(router, policies, conn, ctx, seed)):
            return _not_evaluated(router, peer_name, 'passive')
        ctx = dataclasses.replace(ctx, initiator=False)
    base = {'router': router.name, 'peer': peer_name, 'evaluated': True, 'cloud': cloud.name if cloud else None,
            'connection': conn.name if conn else None, 'local_address': router.wan_ip, 'remote_address': remote,
            'notes': notes}
    if failure is not None:
        state, row = _stuck(failure, version, mode)
        lines = ikelog.phase1_failure(failure.klass, ctx, failure.detail)
        late = state != 'message-1-sent'
        port = ctx.port if late else 500
        outcome_policies = tuple(PolicyOutcome(index=n, policy_id=p.get('.id'), src_address=p['src-address'],
                                               dst_address=p['dst-address'], ph2_state='no-phase2') for n, p in policies)
        return PeerOutcome(**base, row=row, state=state, natt=natt and late, local_port=port, remote_port=port,
                           spii=spii, spir=spir if late else ikelog.ZERO_SPI, policies=outcome_policies, failure=failure,
                           router_lines=tuple(lines.router), cloud_lines=tuple(lines.cloud))

    lines = ikelog.phase1_success(ctx)
    outcomes = []
    for unique, (n, policy) in enumerate(policies, start=1):
        outcome, child_lines = _negotiate_policy(router, n, policy, conn, ctx, seed, unique)
        outcomes.append(outcome)
        lines.extend(child_lines)
    first = next((o.failure for o in outcomes if o.failure), None)
    if answering:
        base['side'] = 'responder'
    return PeerOutcome(**base, row=True, state='established', natt=natt, local_port=ctx.port, remote_port=ctx.port,
                       remote_id=ctx.cloud_id[1], phase1=phase1, spii=spii, spir=spir, policies=tuple(outcomes), failure=first,
                       router_lines=tuple(lines.router), cloud_lines=tuple(lines.cloud))


def _cloud_initiates(router, peer, clouds):
    """Whether the cloud at a passive peer's address initiates toward this router: an ``active`` connection for the
    router's public address, which the cloud can reach (not behind NAT: nothing opened the NAT)."""
    remote = single_host(peer.get('address', '0.0.0.0/0'))
    cloud = cloud_at(clouds, remote) if remote else None
    conn = cloud.connection_for(router.public_ip) if cloud else None
    return conn is not None and conn.negotiation == 'active' and not router.behind_nat


def _policy_outcomes(router, policies, conn, ctx, seed):
    return [_negotiate_policy(router, n, p, conn, ctx, seed, unique)[0] for unique, (n, p) in enumerate(policies, start=1)]


def _negotiate_policy(router, index, policy, conn, ctx, seed, unique):
    proposal = named(router.proposals, policy['proposal'], PROPOSAL_DEFAULTS) or dict(PROPOSAL_DEFAULTS)
    child = ikelog.Child(lan=canonical_cidr(policy['src-address']), vpc=canonical_cidr(policy['dst-address']),
                         spi_in=seed.number(f'esp-in-{index}', 0x100, 0xffffffff),
                         spi_out=seed.number(f'esp-out-{index}', 0x100, 0xffffffff), unique=unique,
                         esp_received=_esp_received(proposal, ctx.version), esp_configured=_esp_configured(conn, ctx.version))
    common = {'index': index, 'policy_id': policy.get('.id'), 'src_address': policy['src-address'],
              'dst_address': policy['dst-address']}
    failure = check_selectors(policy, conn)
    algorithms = None
    if failure is None:
        algorithms, failure = check_esp(policy, proposal, conn)
    pfs = failure is None and check_pfs(proposal, conn)
    if failure is None and pfs and ctx.version == 1:
        failure = pfs
    if failure is not None:
        lines = ikelog.phase2_failure(failure.klass, ctx, child, failure.detail)
        return PolicyOutcome(**common, ph2_state='no-phase2', failure=failure), lines

    enc, auth = algorithms
    sa_enc, key_size = SA_ENC.get(enc, (enc, 0))
    hard = seconds(proposal['lifetime'])
    soft = hard * 4 // 5            # RouterOS installed-sa prints show add-lifetime=24m/30m, 19h12m/1d: 80 %
    p = ctx.port
    sas = (SaOutcome('in', child.spi_in, ctx.remote, p, ctx.local, p, auth, sa_enc, key_size, soft, hard),
           SaOutcome('out', child.spi_out, ctx.local, p, ctx.remote, p, auth, sa_enc, key_size, soft, hard))
    rekey = {}
    if pfs:     # IKEv2 only here: up now, the CREATE_CHILD_SA rekey will be refused
        rekey_child = dataclasses.replace(child, esp_received=_esp_received(proposal, 2, rekey=True),
                                          esp_configured=_esp_configured(conn, 2, rekey=True))
        rekey_lines = ikelog.phase2_failure('pfs', ctx, rekey_child, None)
        rekey = {'rekey_failure': pfs, 'rekey_router_lines': tuple(rekey_lines.router),
                 'rekey_cloud_lines': tuple(rekey_lines.cloud)}
    return PolicyOutcome(**common, ph2_state='established', sas=sas, **rekey), ikelog.phase2_success(ctx, child)


def negotiate_router(router, clouds, now):
    """Every peer of the router, in menu order."""
    return [negotiate(router, p['name'], clouds, now) for p in router.peers if p.get('name')]


def unanswered_initiations(clouds, routers):
    """Cloud connections with negotiation ``active`` that no router answers: {cloud: [(connection, lines)]}.

    A router answers when its public address is the customer gateway and it has an enabled peer for
    the cloud's address; a passive peer behind NAT cannot be reached (nothing opened the NAT)."""
    result = {}
    for cloud in clouds:
        for conn in cloud.connections:
            if conn.negotiation != 'active':
                continue
            answered = False
            for router in routers:
                if router.public_ip != conn.customer_gateway:
                    continue
                for raw in router.peers:
                    peer = with_defaults(PEER_DEFAULTS, raw)
                    if single_host(peer.get('address', '')) != cloud.public_address or truthy(peer['disabled']):
                        continue
                    if not (router.behind_nat and truthy(peer['passive'])):
                        answered = True
            if not answered:
                result.setdefault(cloud.name, []).append((conn.name, ikelog.cloud_retransmits(conn.ike.version)))
    return result
