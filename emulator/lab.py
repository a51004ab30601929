"""Lab files: YAML (or a dict) describing a fleet of routers, parsed into ``LabSpec`` / ``RouterSpec``.

Every error names the router, the field, the value and what is allowed, so a typo in a lab file
is fixed from the message alone. Port ``0`` means "pick a free ephemeral port when the lab starts"
(parallel tests use it); ports actually bound are reported by the server, not written back here.
"""

import dataclasses
import ipaddress
import os
import re

import yaml

from emulator import users
from emulator.cloud import CloudError, parse_clouds
from emulator.tencent_api.account import AccountError, check_accounts, parse_account

ROUTER_KEYS = ('name', 'version', 'api_port', 'api_ssl_port', 'username', 'password',
               'wan_address', 'public_address', 'lan_subnets', 'config', 'tls_names', 'users', 'groups')
DNS_RE = re.compile(r'^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*$')
LAB_KEYS = ('routers', 'clouds', 'settings', 'users', 'groups', 'ike')
# modelled: the IKE model of negotiation.py (default); strongswan: real charons in network namespaces (reallab.py)
IKE_MODES = ('model', 'strongswan')
NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$')
# RouterOS personalities the lab models: 6.49.x (the last RouterOS 6 line) and 7.x
VERSION_RE = re.compile(r'^(6\.49(\.\d+)?|7\.\d+(\.\d+)?)$')


class LabError(ValueError):
    """A lab file that cannot be used; the message says where and what is allowed."""


@dataclasses.dataclass
class RouterSpec:
    name: str
    version: str
    api_port: int = 0
    api_ssl_port: int | None = None
    username: str = 'admin'
    password: str = ''
    wan_address: str = '198.51.100.2/24'
    public_address: str | None = None
    lan_subnets: list = dataclasses.field(default_factory=list)
    config: dict = dataclasses.field(default_factory=dict)
    # lab-wide settings (e.g. negotiation_delay), shared by every router of the lab
    settings: dict = dataclasses.field(default_factory=dict)
    # the SANs of this router's API-SSL certificate; None = the fleet certificate (127.0.0.1, localhost, <name>.lab.invalid)
    tls_names: list | None = None
    # users.Accounts: the lab user (group full) plus the lab file's users; None = the lab user alone
    accounts: object = None

    def __post_init__(self):
        if self.public_address is None:
            self.public_address = self.wan_ip

    @property
    def wan_ip(self):
        """The WAN address without its prefix, e.g. ``10.20.0.2``."""
        return str(ipaddress.ip_interface(self.wan_address).ip)

    @property
    def wan_interface(self):
        return 'ether1'

    @property
    def lan_addresses(self):
        """The router's own address on each LAN (first host), as CIDR: ``192.168.10.1/24``."""
        result = []
        for subnet in self.lan_subnets:
            net = ipaddress.ip_network(subnet)
            result.append(f'{next(net.hosts())}/{net.prefixlen}')
        return result

    @property
    def version_tuple(self):
        return version_tuple(self.version)


@dataclasses.dataclass
class LabSpec:
    routers: list
    clouds: list = dataclasses.field(default_factory=list)
    settings: dict = dataclasses.field(default_factory=dict)
    ike: str = 'model'
    cloud_apis: list = dataclasses.field(default_factory=list)     # ApiAccount of each cloud with an ``api:`` key

    def router(self, name):
        for spec in self.routers:
            if spec.name == name:
                return spec
        raise KeyError(f'no router {name!r} in this lab (routers: {", ".join(r.name for r in self.routers)})')

    @property
    def names(self):
        return [r.name for r in self.routers]


def version_tuple(version):
    """'7.16.2' -> (7, 16, 2); '6.49' -> (6, 49, 0)."""
    parts = [int(p) for p in str(version).split('.')]
    return tuple(parts + [0] * (3 - len(parts)))


def _fail(where, field, value, allowed):
    raise LabError(f'lab: {where}: {field}={value!r} is not valid; {allowed}')


def _port(where, field, value, optional=False):
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
        _fail(where, field, value, 'expected an integer port 1-65535, or 0 for a free ephemeral port')
    return value


def _scalar(value):
    """YAML scalars to RouterOS input text: booleans as yes/no, numbers as decimal, null as ''."""
    if isinstance(value, bool):
        return 'yes' if value else 'no'
    if value is None:
        return ''
    if isinstance(value, (list, tuple)):
        return ','.join(_scalar(v) for v in value)
    return str(value)


def _router(raw, index, settings):
    where = f'router #{index + 1}'
    if not isinstance(raw, dict):
        _fail(where, 'entry', raw, 'expected a mapping with keys ' + ', '.join(ROUTER_KEYS))
    name = raw.get('name')
    if not isinstance(name, str) or not NAME_RE.match(name):
        _fail(where, 'name', name, 'expected letters, digits, "-" or "_" (1-63 characters, usable in a DNS name)')
    where = f'router {name!r}'
    unknown = sorted(set(raw) - set(ROUTER_KEYS))
    if unknown:
        _fail(where, unknown[0], raw[unknown[0]], 'unknown key; allowed keys: ' + ', '.join(ROUTER_KEYS))
    version = str(raw.get('version', ''))
    if not VERSION_RE.match(version):
        _fail(where, 'version', raw.get('version'), 'allowed: 6.49.x or 7.x (e.g. 6.49.17, 7.16.2, 7.19.4)')
    api_port = _port(where, 'api_port', raw.get('api_port', 0))
    api_ssl_port = _port(where, 'api_ssl_port', raw.get('api_ssl_port'), optional=True)
    username = raw.get('username', 'admin')
    if not isinstance(username, str) or not username or any(c in username for c in '= \t\r\n'):
        _fail(where, 'username', username, 'expected a non-empty name without spaces or "="')
    password = raw.get('password', '')
    if not isinstance(password, (str, int)) or isinstance(password, bool):
        _fail(where, 'password', '<hidden>', 'expected a string')
    wan = raw.get('wan_address', '198.51.100.2/24')
    try:
        if not isinstance(wan, str) or '/' not in wan:
            raise ValueError
        wan_if = ipaddress.ip_interface(wan)
    except ValueError:
        _fail(where, 'wan_address', wan, 'expected an interface address with prefix, e.g. 203.0.113.10/24 or 10.20.0.2/24')
    if wan_if.network.num_addresses > 1 and wan_if.ip in (wan_if.network.network_address, wan_if.network.broadcast_address) \
            and wan_if.network.prefixlen < 31:
        _fail(where, 'wan_address', wan, 'the address is the network or broadcast address of its subnet; use a host address')
    public = raw.get('public_address')
    if public is not None:
        try:
            text = str(public)
            public = str(ipaddress.ip_address(text[:-3] if text.endswith('/32') else text))
        except ValueError:
            _fail(where, 'public_address', public, 'expected a single IP address, e.g. 203.0.113.30')
    lans = raw.get('lan_subnets', [])
    if not isinstance(lans, list):
        _fail(where, 'lan_subnets', lans, 'expected a list of subnets, e.g. [192.168.10.0/24]')
    canonical = []
    for subnet in lans:
        try:
            net = ipaddress.ip_network(str(subnet), strict=True)
            next(net.hosts())
        except (ValueError, StopIteration):
            _fail(where, 'lan_subnets', subnet, 'expected a subnet with host bits clear and room for a host, e.g. 192.168.10.0/24')
        canonical.append(str(net))
    tls_names = raw.get('tls_names')
    if tls_names is not None:
        if not isinstance(tls_names, list) or not tls_names:
            _fail(where, 'tls_names', tls_names, 'expected a non-empty list of DNS names or IP addresses, e.g. [hq.lab.invalid]')
        for item in tls_names:
            if not isinstance(item, str) or not (_is_ip(item) or DNS_RE.match(item)):
                _fail(where, 'tls_names', item, 'each name is a DNS name (e.g. hq.lab.invalid) or an IP address (e.g. 127.0.0.1)')
        tls_names = list(dict.fromkeys(tls_names))
    config = raw.get('config', {}) or {}
    if not isinstance(config, dict):
        _fail(where, 'config', config, "expected a mapping of menu path (e.g. '/ip/firewall/nat') to a list of entries")
    menus = {}
    for path, entries in config.items():
        if not isinstance(path, str) or not path.startswith('/') or path.endswith('/') or ' ' in path:
            _fail(where, 'config', path, "menu paths look like '/ip/firewall/nat' (slashes, no spaces, no trailing slash)")
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            _fail(where, f'config[{path!r}]', entries, 'expected a list of entries, each a mapping of RouterOS property names to values')
        menus[path] = [{str(k): _scalar(v) for k, v in entry.items()} for entry in entries]
    return RouterSpec(name=name, version=version, api_port=api_port, api_ssl_port=api_ssl_port,
                      username=username, password=str(password), wan_address=str(wan_if), public_address=public,
                      lan_subnets=canonical, config=menus, settings=settings, tls_names=tls_names)


def _accounts(spec, raw_router, raw_lab):
    """A router's users and groups: the lab-wide ``users``/``groups``, the router's own replacing same names."""
    try:
        return users.accounts(spec.version_tuple, spec.username, spec.password,
                              raw_router.get('users'), raw_router.get('groups'), where=f'router {spec.name!r}',
                              lab_users=raw_lab.get('users'), lab_groups=raw_lab.get('groups'))
    except users.AccountError as exc:
        raise LabError(f'lab: {exc}') from None


def _is_ip(text):
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _settings(raw):
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        _fail('settings', 'settings', raw, 'expected a mapping, e.g. {negotiation_delay: 2}')
    settings = dict(raw)
    for key in ('negotiation_delay', 'retry_interval', 'cloud_api_delay'):
        value = settings.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            _fail('settings', key, value, 'expected a number of seconds >= 0')
    # the real-IKE lab's charons: how often and how soon an unanswered request is sent again (charon.retransmit_*)
    tries = settings.get('retransmit_tries')
    if tries is not None and (isinstance(tries, bool) or not isinstance(tries, int) or tries < 0):
        _fail('settings', 'retransmit_tries', tries, 'expected a whole number >= 0')
    timeout = settings.get('retransmit_timeout')
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0):
        _fail('settings', 'retransmit_timeout', timeout, 'expected a number of seconds > 0')
    return settings


def _split_api_keys(clouds):
    """Each cloud's ``api:`` key (the lab's Tencent API, emulator/tencent_api) apart from the rest of the cloud."""
    rest, accounts = [], []
    for raw in clouds:
        if isinstance(raw, dict) and 'api' in raw:
            raw = dict(raw)
            accounts.append(parse_account(raw.get('name'), raw.pop('api')))
        rest.append(raw)
    check_accounts(accounts)
    return rest, accounts


def load_lab(path_or_dict):
    """Parse and validate a lab (a YAML file path or an already-loaded dict) into a ``LabSpec``."""
    if isinstance(path_or_dict, (str, os.PathLike)):
        try:
            with open(path_or_dict, encoding='utf-8') as handle:
                raw = yaml.safe_load(handle)
        except OSError as exc:
            raise LabError(f'lab: cannot read {os.fspath(path_or_dict)!r}: {exc.strerror}') from None
        except yaml.YAMLError as exc:
            raise LabError(f'lab: {os.fspath(path_or_dict)!r} is not valid YAML: {exc}') from None
    else:
        raw = path_or_dict
    if not isinstance(raw, dict):
        raise LabError(f'lab: expected a mapping with keys {", ".join(LAB_KEYS)}, got {type(raw).__name__}')
    unknown = sorted(set(raw) - set(LAB_KEYS))
    if unknown:
        _fail('lab', unknown[0], raw[unknown[0]], 'unknown top-level key; allowed keys: ' + ', '.join(LAB_KEYS))
    routers_raw = raw.get('routers')
    if not isinstance(routers_raw, list) or not routers_raw:
        _fail('lab', 'routers', routers_raw, 'expected a non-empty list of routers')
    clouds = raw.get('clouds', []) or []
    if not isinstance(clouds, list):
        _fail('lab', 'clouds', clouds, 'expected a list (may be empty)')
    try:
        clouds, apis = _split_api_keys(clouds)
        clouds = parse_clouds(clouds)   # errors name the cloud, the connection and the field
    except (CloudError, AccountError) as exc:
        raise LabError(f'lab: {exc}') from None
    settings = _settings(raw.get('settings'))
    ike = raw.get('ike', 'model')
    if ike not in IKE_MODES:
        _fail('lab', 'ike', ike, 'allowed: ' + ', '.join(IKE_MODES))
    routers = [_router(item, index, settings) for index, item in enumerate(routers_raw)]
    for spec, item in zip(routers, routers_raw, strict=True):
        spec.accounts = _accounts(spec, item, raw)
    names, ports = {}, {}
    for spec in routers:
        if spec.name in names:
            _fail(f'router {spec.name!r}', 'name', spec.name, 'router names must be unique in a lab')
        names[spec.name] = spec
        for field in ('api_port', 'api_ssl_port'):
            port = getattr(spec, field)
            if port:
                if port in ports:
                    _fail(f'router {spec.name!r}', field, port, f'port already used by {ports[port]}; each port may be used once (or use 0)')
                ports[port] = f'router {spec.name!r} {field}'
    return LabSpec(routers=routers, clouds=list(clouds), settings=settings, cloud_apis=apis, ike=ike)
