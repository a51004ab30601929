"""A neutral description of one end of a site-to-site tunnel, validated before anything starts.

The vocabulary is strongSwan's algorithm keywords (https://docs.strongswan.org/docs/5.9/config/IKEv2CipherSuites.html),
the one both RouterOS names (aes-256, sha256, modp2048) and cloud names (AES-CBC-256, SHA-256, GROUP14) translate to
one-to-one. A bad value raises ``SpecError`` naming the end, the field, the value and what is allowed; the
pre-shared key is never part of a message or a repr.
"""

import ipaddress
import re
from dataclasses import dataclass, field

ENCRYPTION = ('aes128', 'aes192', 'aes256', '3des', 'aes128gcm16', 'aes256gcm16')
AEAD = ('aes128gcm16', 'aes256gcm16')           # carry their own integrity: ESP only here
INTEGRITY = ('md5', 'sha1', 'sha256', 'sha384', 'sha512')
DH_GROUPS = ('modp768', 'modp1024', 'modp1536', 'modp2048', 'modp3072', 'modp4096', 'ecp256', 'ecp384', 'ecp521', 'curve25519')
EXCHANGE_MODES = ('main', 'aggressive')
IDENTITY_KINDS = ('address', 'fqdn', 'any')     # any: accept whatever the peer sends (RouterOS remote-id=ignore)
_FQDN = re.compile(r'^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$')
_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$')


class SpecError(ValueError):
    """A field of an end's description is not allowed; the message says which and what is."""


@dataclass(frozen=True)
class Identity:
    kind: str      # 'address' (ID_IPV4_ADDR), 'fqdn' (ID_FQDN, a plain string, never resolved) or 'any'
    value: str


@dataclass(frozen=True)
class Proposal:
    encryption: str
    integrity: str | None        # None only with an AEAD cipher (ESP)
    dh_group: str | None         # IKE: the key exchange; ESP: the PFS group, None = no PFS


@dataclass(frozen=True)
class ChildSpec:
    """One CHILD SA of an end (RouterOS: one policy; a cloud: one SPD mapping)."""
    name: str
    local_ts: tuple[str, ...]
    remote_ts: tuple[str, ...]
    esp_proposal: Proposal | tuple[Proposal, ...]     # several: offered in this order
    esp_lifetime: int = 3600


@dataclass(frozen=True)
class EndSpec:
    """One end: ``local_*`` is this end, ``remote_*`` what it expects of the other one."""
    name: str
    ike_version: int                         # 1 or 2
    local_address: str
    remote_address: str
    local_id: Identity
    remote_id: Identity
    psk: str = field(repr=False)
    ike_proposal: Proposal | tuple[Proposal, ...]     # several: offered in this order
    esp_proposal: Proposal | tuple[Proposal, ...]
    local_ts: tuple[str, ...]                # CIDRs this end protects
    remote_ts: tuple[str, ...]               # CIDRs behind the other end
    exchange_mode: str = 'main'              # IKEv1 only
    ike_lifetime: int = 86400                # seconds
    esp_lifetime: int = 3600                 # seconds
    force_encap: bool = False                # NAT-T: ESP in UDP even without NAT (libipsec does it anyway)
    dpd_delay: int = 0                       # seconds between liveness checks, 0 = off
    # IKEv1: checks without an answer before the peer is dead (IKEv2: charon's retransmission settings decide)
    dpd_max_failures: int = 5
    # Several CHILD SAs, each with its own selectors and proposals; empty = one child named like the end, made of
    # local_ts, remote_ts, esp_proposal and esp_lifetime.
    children: tuple[ChildSpec, ...] = ()
    # initiator: start over when the peer does not answer, for ever (swanctl keyingtries = 0), as RouterOS keeps
    # initiating a peer; False = give up after the retransmits (charon's default, one try)
    keep_trying: bool = False

    def __post_init__(self):
        validate(self)

    @property
    def child_specs(self):
        return self.children or (ChildSpec(self.name, self.local_ts, self.remote_ts, self.esp_proposal, self.esp_lifetime),)


def proposals(value):
    """A proposal field (one Proposal or several) as a tuple."""
    return value if isinstance(value, tuple) else (value,)


def _fail(spec, field_name, value, allowed):
    raise SpecError(f'end {spec.name}: {field_name}: {value!r} is not allowed; allowed: {allowed}')


def _one_of(spec, field_name, value, allowed):
    if value not in allowed:
        _fail(spec, field_name, value, ', '.join(str(a) for a in allowed))


def _identity(spec, field_name, ident):
    if not isinstance(ident, Identity):
        _fail(spec, field_name, ident, 'an Identity(kind, value)')
    _one_of(spec, f'{field_name}.kind', ident.kind, IDENTITY_KINDS)
    if ident.kind == 'address':
        try:
            ipaddress.ip_address(ident.value)
        except ValueError:
            _fail(spec, f'{field_name}.value', ident.value, 'an IP address')
    elif ident.kind == 'fqdn' and not _FQDN.match(ident.value or ''):
        _fail(spec, f'{field_name}.value', ident.value, 'a host name (letters, digits, dots, hyphens)')


def _proposals(spec, field_name, value, esp):
    if isinstance(value, tuple) and not value:
        _fail(spec, field_name, value, 'a Proposal or a non-empty tuple of them')
    for prop in proposals(value):
        _proposal(spec, field_name, prop, esp)


def _proposal(spec, field_name, prop, esp):
    if not isinstance(prop, Proposal):
        _fail(spec, field_name, prop, 'a Proposal(encryption, integrity, dh_group)')
    _one_of(spec, f'{field_name}.encryption', prop.encryption, ENCRYPTION if esp else tuple(e for e in ENCRYPTION if e not in AEAD))
    if prop.encryption in AEAD:
        _one_of(spec, f'{field_name}.integrity', prop.integrity, (None,))
    else:
        _one_of(spec, f'{field_name}.integrity', prop.integrity, INTEGRITY)
    _one_of(spec, f'{field_name}.dh_group', prop.dh_group, DH_GROUPS + ((None,) if esp else ()))


def _cidrs(spec, field_name, cidrs):
    if not cidrs or isinstance(cidrs, str):
        _fail(spec, field_name, cidrs, 'a non-empty tuple of CIDRs')
    for cidr in cidrs:
        try:
            ipaddress.ip_network(cidr)
        except ValueError:
            _fail(spec, field_name, cidr, 'a CIDR with no host bits set, e.g. 10.1.2.0/24')


def validate(spec):
    if not _NAME.match(spec.name or ''):
        raise SpecError(f'end name {spec.name!r} is not allowed; allowed: letters, digits, _ and -, at most 63 characters')
    _one_of(spec, 'ike_version', spec.ike_version, (1, 2))
    _one_of(spec, 'exchange_mode', spec.exchange_mode, EXCHANGE_MODES)
    if spec.ike_version == 2 and spec.exchange_mode != 'main':
        _fail(spec, 'exchange_mode', spec.exchange_mode, "'main' with IKEv2 (aggressive mode is IKEv1 only)")
    for name in ('local_address', 'remote_address'):
        try:
            ipaddress.ip_address(getattr(spec, name))
        except ValueError:
            _fail(spec, name, getattr(spec, name), 'an IP address')
    _identity(spec, 'local_id', spec.local_id)
    _identity(spec, 'remote_id', spec.remote_id)
    if not isinstance(spec.psk, str) or not spec.psk:
        raise SpecError(f'end {spec.name}: psk: must be a non-empty string (value not shown)')
    _proposals(spec, 'ike_proposal', spec.ike_proposal, esp=False)
    _proposals(spec, 'esp_proposal', spec.esp_proposal, esp=True)
    _cidrs(spec, 'local_ts', spec.local_ts)
    _cidrs(spec, 'remote_ts', spec.remote_ts)
    for index, child in enumerate(spec.children):
        where = f'children[{index}]'
        if not isinstance(child, ChildSpec) or not _NAME.match(child.name or ''):
            _fail(spec, f'{where}.name', getattr(child, 'name', child), 'letters, digits, _ and -, at most 63 characters')
        _proposals(spec, f'{where}.esp_proposal', child.esp_proposal, esp=True)
        _cidrs(spec, f'{where}.local_ts', child.local_ts)
        _cidrs(spec, f'{where}.remote_ts', child.remote_ts)
        if not isinstance(child.esp_lifetime, int) or isinstance(child.esp_lifetime, bool) or child.esp_lifetime < 60:
            _fail(spec, f'{where}.esp_lifetime', child.esp_lifetime, 'whole seconds >= 60')
    for name, low in (('ike_lifetime', 60), ('esp_lifetime', 60), ('dpd_delay', 0), ('dpd_max_failures', 1)):
        value = getattr(spec, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            _fail(spec, name, value, f'whole seconds >= {low}')
