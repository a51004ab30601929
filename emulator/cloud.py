"""The lab's cloud VPN gateways, in Tencent Cloud's own vocabulary.

A lab file's ``clouds:`` list declares VPN gateways; each has VPN connections ("tunnels") to
customer gateways (the routers' public addresses). Field names are the Terraform/YAML spelling,
values are the cloud API's spelling (Tencent Cloud API 3.0, VPC: IKEOptionsSpecification and
IPSECOptionsSpecification, https://www.tencentcloud.com/document/api/215): ``AES-CBC-128``,
``SHA``, ``GROUP2``, ``DH-GROUP14``, ``NULL``, ``IKEV1``, ``MAIN``, ``active``.

This module only parses, validates, edits and logs. How a connection negotiates with a router is
``negotiation.py``.
"""

import copy
import dataclasses
import ipaddress

# ---- vocabulary (Tencent Cloud API data types) -----------------------------------------------
IKE_VERSIONS = ('IKEV1', 'IKEV2')
EXCHANGE_MODES = ('MAIN', 'AGGRESSIVE')
IDENTITY_TYPES = ('ADDRESS', 'FQDN')
# Terraform also lists the GCM values for IKE; the API text does not. The lab accepts them (a cloud may
# offer them); RouterOS has no GCM IKE cipher (profile enc-algorithm), so they simply never match.
IKE_ENCRYPTIONS = ('3DES-CBC', 'AES-CBC-128', 'AES-CBC-192', 'AES-CBC-256', 'DES-CBC', 'SM4',
                   'AES128GCM128', 'AES192GCM128', 'AES256GCM128')
IKE_INTEGRITIES = ('MD5', 'SHA', 'SHA-256', 'SHA-512')
DH_GROUPS = ('GROUP1', 'GROUP2', 'GROUP5', 'GROUP14', 'GROUP15', 'GROUP16', 'GROUP19', 'GROUP20', 'GROUP21', 'GROUP24')
IPSEC_ENCRYPTIONS = ('3DES-CBC', 'AES-CBC-128', 'AES-CBC-192', 'AES-CBC-256', 'DES-CBC', 'SM4', 'NULL',
                     'AES128GCM128', 'AES192GCM128', 'AES256GCM128')
IPSEC_INTEGRITIES = ('MD5', 'SHA1', 'SHA-256', 'SHA-384', 'SHA-512', 'SM3')
PFS_GROUPS = ('NULL', 'DH-GROUP1', 'DH-GROUP2', 'DH-GROUP5', 'DH-GROUP14', 'DH-GROUP15', 'DH-GROUP16',
              'DH-GROUP19', 'DH-GROUP20', 'DH-GROUP21', 'DH-GROUP24')
NEGOTIATION_TYPES = ('active', 'passive', 'flowTrigger')
IKE_LIFETIME = (60, 604800)
IPSEC_LIFETIME = (180, 604800)
# The words each key of the ike and ipsec blocks allows.
IKE_CHOICES = {'version': IKE_VERSIONS, 'exchange_mode': EXCHANGE_MODES, 'encryption': IKE_ENCRYPTIONS,
               'integrity': IKE_INTEGRITIES, 'dh_group': DH_GROUPS}
IPSEC_CHOICES = {'encryption': IPSEC_ENCRYPTIONS, 'integrity': IPSEC_INTEGRITIES, 'pfs': PFS_GROUPS}

# Defaults when a key is omitted. The cloud API and the Terraform provider give two sets that disagree; the
# lab takes the cloud API's (2025 SDK text), because the lab models the cloud, not a Terraform run:
# IKE 3DES-CBC/SHA/GROUP1, ESP AES-CBC-128/SHA1, PFS NULL, IPsec lifetime 14400, negotiation active.
# The API does not state an IKE-version default: chosen IKEV1 (Terraform's). The API gives no IKE
# lifetime default: chosen 86400 (Terraform's). Identities default to ADDRESS with the gateway's own
# public IP (local) and the customer gateway IP (remote), as the API describes.
DEFAULT_IKE = {'version': 'IKEV1', 'exchange_mode': 'MAIN', 'encryption': '3DES-CBC', 'integrity': 'SHA',
               'dh_group': 'GROUP1', 'lifetime': 86400}
DEFAULT_IPSEC = {'encryption': 'AES-CBC-128', 'integrity': 'SHA1', 'pfs': 'NULL', 'lifetime': 14400}
DEFAULT_NEGOTIATION = 'active'

CLOUD_KEYS = ('name', 'public_address', 'vpc_subnets', 'hosts', 'connections')
CONNECTION_KEYS = ('name', 'customer_gateway', 'psk', 'ike', 'ipsec', 'spd', 'negotiation')
IKE_KEYS = ('version', 'exchange_mode', 'encryption', 'integrity', 'dh_group', 'lifetime', 'local_identity', 'remote_identity')
IPSEC_KEYS = ('encryption', 'integrity', 'pfs', 'lifetime')
IDENTITY_KEYS = ('type', 'value')
SPD_KEYS = ('local', 'remote')


class CloudError(ValueError):
    """A cloud declaration or console edit that cannot be used; the message names the place."""


@dataclasses.dataclass(frozen=True)
class Identity:
    type: str       # ADDRESS | FQDN
    value: str


@dataclasses.dataclass(frozen=True)
class IkeOptions:
    version: str
    exchange_mode: str
    encryption: str
    integrity: str
    dh_group: str
    lifetime: int
    local_identity: Identity
    remote_identity: Identity


@dataclasses.dataclass(frozen=True)
class IpsecOptions:
    encryption: str
    integrity: str
    pfs: str
    lifetime: int


@dataclasses.dataclass(frozen=True)
class SpdEntry:
    local: str                  # a VPC-side CIDR, canonical
    remote: tuple               # customer-side CIDRs, canonical

    def pairs(self):
        return [(self.local, remote) for remote in self.remote]


@dataclasses.dataclass(frozen=True)
class Connection:
    name: str
    customer_gateway: str
    psk: str = dataclasses.field(repr=False)
    ike: IkeOptions
    ipsec: IpsecOptions
    spd: tuple                  # of SpdEntry
    negotiation: str

    def mappings(self):
        """Every (local CIDR, remote CIDR) pair of the SPD, in declaration order."""
        return [pair for entry in self.spd for pair in entry.pairs()]

    def raw(self):
        """The connection as a lab-file dict (with every default filled in)."""
        ike = dataclasses.asdict(self.ike)
        return {'name': self.name, 'customer_gateway': self.customer_gateway, 'psk': self.psk, 'ike': ike,
                'ipsec': dataclasses.asdict(self.ipsec),
                'spd': [{'local': e.local, 'remote': list(e.remote)} for e in self.spd],
                'negotiation': self.negotiation}


@dataclasses.dataclass
class Cloud:
    name: str
    public_address: str
    vpc_subnets: tuple
    hosts: tuple
    connections: list
    log: list = dataclasses.field(default_factory=list)    # [(time, line)], the tunnel log

    def connection_for(self, customer_gateway):
        """The connection whose customer gateway is ``customer_gateway``, or None."""
        for conn in self.connections:
            if conn.customer_gateway == customer_gateway:
                return conn
        return None

    def connection(self, name):
        for conn in self.connections:
            if conn.name == name:
                return conn
        raise CloudError(f'cloud {self.name}: no connection {name!r} (connections: {", ".join(c.name for c in self.connections) or "none"})')

    def record(self, now, lines):
        """Append lines to the cloud's tunnel log, all stamped ``now``."""
        self.log.extend((now, line) for line in lines)

    def edit(self, connection_name, changes):
        """A console edit: update some fields of one connection, validated; all or nothing.

        ``changes`` uses the lab-file vocabulary; nested sections merge, e.g.
        ``{'ike': {'dh_group': 'GROUP14'}, 'psk': 'new'}``. Returns the new ``Connection``.
        """
        old = self.connection(connection_name)
        if not isinstance(changes, dict):
            raise CloudError(f'cloud {self.name}, connection {old.name}: changes: expected a mapping, got {changes!r}')
        raw = old.raw()
        for key, value in changes.items():
            if key in ('ike', 'ipsec') and isinstance(value, dict):
                section = raw[key]
                for sub, subvalue in value.items():
                    if sub.endswith('_identity') and isinstance(subvalue, dict) and isinstance(section.get(sub), dict):
                        section[sub] = {**section[sub], **subvalue}
                    else:
                        section[sub] = subvalue
            else:
                raw[key] = copy.deepcopy(value)
        index = self.connections.index(old)
        new = _parse_connection(self.name, self.public_address, raw, index)
        candidate = list(self.connections)
        candidate[index] = new
        _check_connections(self.name, candidate)
        self.connections[index] = new
        return new


# ---- parsing --------------------------------------------------------------------------------
def _fail(where, field, value, allowed):
    raise CloudError(f'{where}: {field}: {value!r} is not allowed; {allowed}')


def _unknown_keys(where, raw, allowed):
    if not isinstance(raw, dict):
        raise CloudError(f'{where}: expected a mapping, got {raw!r}')
    extra = sorted(set(raw) - set(allowed))
    if extra:
        raise CloudError(f'{where}: unknown key(s) {", ".join(extra)}; allowed: {", ".join(allowed)}')


def _address(where, field, value):
    text = str(value)
    if text.endswith('/32'):
        text = text[:-3]
    try:
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        _fail(where, field, value, 'expected a single IPv4 address, e.g. 198.51.100.20')


def _cidr(where, field, value):
    try:
        return str(ipaddress.IPv4Network(str(value), strict=False))
    except ValueError:
        _fail(where, field, value, 'expected an IPv4 CIDR, e.g. 10.100.1.0/24')


def _choice(where, field, value, allowed):
    # Tencent writes "nothing" as the word NULL (PfsDhGroup NULL = no PFS, EncryptAlgorithm NULL = no ESP
    # cipher), and YAML reads an unquoted NULL as null (https://yaml.org/type/null.html): where NULL is
    # allowed, null means it.
    if value is None and 'NULL' in allowed:
        return 'NULL'
    if value not in allowed:
        _fail(where, field, value, f'allowed: {", ".join(allowed)}')
    return value


def _section(where, raw, name, keys, defaults):
    """The ``name`` block of a connection (``ike``, ``ipsec``) with the defaults for the keys it omits."""
    given = raw.get(name) or {}
    _unknown_keys(f'{where}, {name}', given, keys)
    return {**defaults, **given}


def _choices(where, name, values, vocabulary):
    """Each key of ``vocabulary`` (key -> allowed words) checked in ``values``, the ``name`` block."""
    return {key: _choice(where, f'{name}.{key}', values[key], allowed) for key, allowed in vocabulary.items()}


def _seconds(where, field, value, bounds):
    if isinstance(value, bool) or not isinstance(value, int) or not bounds[0] <= value <= bounds[1]:
        _fail(where, field, value, f'expected whole seconds {bounds[0]}..{bounds[1]}')
    return value


def _identity(where, field, raw, default_value):
    raw = {} if raw is None else raw
    _unknown_keys(f'{where}, {field}', raw, IDENTITY_KEYS)
    kind = _choice(where, f'{field}.type', raw.get('type', 'ADDRESS'), IDENTITY_TYPES)
    if kind == 'ADDRESS':
        value = _address(where, f'{field}.value', raw.get('value', default_value))
    else:
        value = raw.get('value')
        if not isinstance(value, str) or not value or ' ' in value:
            _fail(where, f'{field}.value', value, 'an FQDN identity needs a non-empty string without spaces (never resolved)')
    return Identity(kind, value)


def _parse_connection(cloud_name, public_address, raw, index):
    label = raw.get('name') if isinstance(raw, dict) and raw.get('name') else f'connections[{index}]'
    where = f'cloud {cloud_name}, connection {label}'
    _unknown_keys(where, raw, CONNECTION_KEYS)
    gateway = _address(where, 'customer_gateway', raw.get('customer_gateway'))
    name = str(raw.get('name') or f'{cloud_name}-{gateway}')
    where = f'cloud {cloud_name}, connection {name}'
    psk = raw.get('psk')
    if not isinstance(psk, str) or not psk:
        # the value is a secret: never echo it
        raise CloudError(f'{where}: psk: required, a non-empty string')

    ike_in = _section(where, raw, 'ike', IKE_KEYS, DEFAULT_IKE)
    ike = IkeOptions(
        **_choices(where, 'ike', ike_in, IKE_CHOICES),
        lifetime=_seconds(where, 'ike.lifetime', ike_in['lifetime'], IKE_LIFETIME),
        local_identity=_identity(where, 'ike.local_identity', ike_in.get('local_identity'), public_address),
        remote_identity=_identity(where, 'ike.remote_identity', ike_in.get('remote_identity'), gateway),
    )
    ipsec_in = _section(where, raw, 'ipsec', IPSEC_KEYS, DEFAULT_IPSEC)
    ipsec = IpsecOptions(
        **_choices(where, 'ipsec', ipsec_in, IPSEC_CHOICES),
        lifetime=_seconds(where, 'ipsec.lifetime', ipsec_in['lifetime'], IPSEC_LIFETIME),
    )
    spd_raw = raw.get('spd')
    if not isinstance(spd_raw, list) or not spd_raw:
        _fail(where, 'spd', spd_raw, 'expected a non-empty list of {local: CIDR, remote: [CIDR, ...]}')
    spd = []
    for position, entry in enumerate(spd_raw):
        _unknown_keys(f'{where}, spd[{position}]', entry, SPD_KEYS)
        remotes = entry.get('remote')
        if isinstance(remotes, str):
            remotes = [remotes]
        if not isinstance(remotes, list) or not remotes:
            _fail(where, f'spd[{position}].remote', remotes, 'expected a non-empty list of CIDRs')
        spd.append(SpdEntry(_cidr(where, f'spd[{position}].local', entry.get('local')),
                            tuple(_cidr(where, f'spd[{position}].remote', r) for r in remotes)))
    negotiation = _choice(where, 'negotiation', raw.get('negotiation', DEFAULT_NEGOTIATION), NEGOTIATION_TYPES)
    return Connection(name=name, customer_gateway=gateway, psk=psk, ike=ike, ipsec=ipsec, spd=tuple(spd),
                      negotiation=negotiation)


def _check_connections(cloud_name, connections):
    """Cross-connection rules: unique names and customer gateways; SPD mappings never overlap (Tencent refuses overlapping SPD mappings on one gateway)."""
    seen_names, seen_gateways, mappings = set(), {}, []
    for conn in connections:
        where = f'cloud {cloud_name}, connection {conn.name}'
        if conn.name in seen_names:
            _fail(where, 'name', conn.name, 'connection names must be unique within a cloud')
        seen_names.add(conn.name)
        # Choice: one connection per customer gateway, so a router's public address selects exactly
        # one tunnel (Tencent allows more with disjoint SPDs; the lab keeps lookups unambiguous).
        if conn.customer_gateway in seen_gateways:
            _fail(where, 'customer_gateway', conn.customer_gateway,
                  f'already used by connection {seen_gateways[conn.customer_gateway]}; one connection per customer gateway')
        seen_gateways[conn.customer_gateway] = conn.name
        for local, remote in conn.mappings():
            lnet, rnet = ipaddress.IPv4Network(local), ipaddress.IPv4Network(remote)
            for other, olocal, oremote in mappings:
                if lnet.overlaps(olocal) and rnet.overlaps(oremote):
                    _fail(where, 'spd', f'{local} <-> {remote}',
                          f'overlaps {olocal} <-> {oremote} of connection {other}; mappings within a gateway must not overlap')
            mappings.append((conn.name, lnet, rnet))


def parse_cloud(raw, index=0):
    """One ``clouds:`` entry -> ``Cloud``; raises ``CloudError`` naming cloud, connection, field, value."""
    label = raw.get('name') if isinstance(raw, dict) and raw.get('name') else f'clouds[{index}]'
    _unknown_keys(f'cloud {label}', raw, CLOUD_KEYS)
    name = raw.get('name')
    if not isinstance(name, str) or not name:
        _fail(f'cloud {label}', 'name', name, 'a non-empty name is required')
    where = f'cloud {name}'
    public = _address(where, 'public_address', raw.get('public_address'))
    subnets = raw.get('vpc_subnets') or []
    if not isinstance(subnets, list) or not subnets:
        _fail(where, 'vpc_subnets', subnets, 'expected a non-empty list of CIDRs')
    subnets = tuple(_cidr(where, 'vpc_subnets', s) for s in subnets)
    hosts = []
    for host in raw.get('hosts') or []:
        address = _address(where, 'hosts', host)
        if not any(ipaddress.IPv4Address(address) in ipaddress.IPv4Network(s) for s in subnets):
            _fail(where, 'hosts', host, f'a VPC host must lie in vpc_subnets ({", ".join(subnets)})')
        hosts.append(address)
    conns_raw = raw.get('connections') or []
    if not isinstance(conns_raw, list):
        _fail(where, 'connections', conns_raw, 'expected a list of VPN connections')
    connections = [_parse_connection(name, public, c, i) for i, c in enumerate(conns_raw)]
    _check_connections(name, connections)
    return Cloud(name=name, public_address=public, vpc_subnets=subnets, hosts=tuple(hosts), connections=connections)


def parse_clouds(raw_list):
    """The lab file's ``clouds:`` list -> list of ``Cloud``; names and public addresses are unique."""
    if raw_list is None:
        return []
    if not isinstance(raw_list, list):
        raise CloudError(f'clouds: expected a list, got {raw_list!r}')
    clouds = [parse_cloud(raw, i) for i, raw in enumerate(raw_list)]
    names, addresses = {}, {}
    for cloud in clouds:
        if cloud.name in names:
            _fail(f'cloud {cloud.name}', 'name', cloud.name, 'cloud names must be unique')
        if cloud.public_address in addresses:
            _fail(f'cloud {cloud.name}', 'public_address', cloud.public_address,
                  f'already the address of cloud {addresses[cloud.public_address]}')
        names[cloud.name] = cloud
        addresses[cloud.public_address] = cloud.name
    return clouds


def cloud_at(clouds, address):
    """The cloud whose gateway answers at ``address`` (a public IP), or None."""
    for cloud in clouds:
        if cloud.public_address == address:
            return cloud
    return None
