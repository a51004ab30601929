"""Typed RouterOS values: parse what a client writes, render what RouterOS prints, compare in queries.

Every type turns API input text into one canonical *stored* string (exactly what ``print`` shows) and
can compare a query operand with a stored value by meaning, not by text (the API manual's queries compare values):
``yes``/``true`` are one boolean, ``1d`` == ``24h`` == ``86400s``, numbers compare numerically.

A type raises ``ValueError`` for bad input; the menu layer turns that into RouterOS's trap text
(``input does not match any value of <arg>`` or ``value of <arg> out of range (lo..hi)``).
"""

import ipaddress
import re

TRUE_WORDS = ('yes', 'true')
FALSE_WORDS = ('no', 'false')


def version_tuple(version):
    """'7.16.2' -> (7, 16, 2); '6.49' -> (6, 49, 0); tolerant of suffixes like '7.18beta2'."""
    parts = []
    for piece in str(version).split('.'):
        digits = re.match(r'\d+', piece)
        parts.append(int(digits.group(0)) if digits else 0)
    while len(parts) < 3:
        parts.append(0)
    return tuple(parts[:3])


class OutOfRange(ValueError):
    """Numeric input outside the allowed range; carries the range for the trap text."""

    def __init__(self, lo, hi):
        super().__init__(f'{lo}..{hi}')
        self.lo = lo
        self.hi = hi


# --------------------------------------------------------------------------------------------- durations

_UNITS = (('w', 604800), ('d', 86400), ('h', 3600), ('m', 60), ('s', 1))
_UNIT_SECONDS = dict(_UNITS)
_UNIT_SECONDS['ms'] = 0.001


def parse_duration(text):
    """RouterOS time interval -> seconds (float when sub-second).

    Accepts ``1d``, ``24h``, ``1h30m``, ``86400`` (bare number = seconds), ``1w2d``, ``00:30:00``, ``1d 02:00:00``.
    """
    text = str(text).strip().lower()
    if not text:
        raise ValueError(text)
    if re.fullmatch(r'\d+(\.\d+)?', text):
        return _num(text)
    clock = re.fullmatch(r'(?:(\d+)d\s*)?(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)', text)
    if clock:
        days, hours, minutes, seconds = clock.groups()
        return int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + _num(seconds)
    total = 0
    pos = 0
    for match in re.finditer(r'(\d+(?:\.\d+)?)(ms|w|d|h|m|s)', text):
        if match.start() != pos:
            raise ValueError(text)
        total += _num(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    if pos != len(text) or pos == 0:
        raise ValueError(text)
    return total


def _num(text):
    value = float(text)
    return int(value) if value == int(value) else value


def render_duration(seconds):
    """Seconds -> RouterOS print form: 86400 -> '1d', 5400 -> '1h30m', 0 -> '0s', 691200 -> '1w1d'."""
    whole = int(seconds)
    millis = int(round((seconds - whole) * 1000))
    if whole == 0 and millis == 0:
        return '0s'
    out = []
    for unit, size in _UNITS:
        count, whole = divmod(whole, size)
        if count:
            out.append(f'{count}{unit}')
    if millis:
        out.append(f'{millis}ms')
    return ''.join(out)


# --------------------------------------------------------------------------------------------- types


class RosType:
    """Base type: free text, compared as text."""

    name = 'string'

    def parse(self, text, ctx=None):
        return str(text)

    def key(self, stored):
        """Comparison key of a stored value (for ``?=``, ``?<``, ``?>``)."""
        return stored

    def query_key(self, text, ctx=None):
        """Comparison key of a query operand; falls back to the raw text when it does not parse."""
        try:
            return self.key(self.parse(text, ctx))
        except ValueError:
            return text

    def equal(self, a, b):
        return self.key(a) == self.key(b)


class Str(RosType):
    def __init__(self, max_len=None):
        self.max_len = max_len

    def parse(self, text, ctx=None):
        text = str(text)
        if self.max_len is not None and len(text) > self.max_len:
            raise ValueError(text)
        return text


class Bool(RosType):
    name = 'bool'

    def parse(self, text, ctx=None):
        low = str(text).strip().lower()
        if low in TRUE_WORDS:
            return 'true'
        if low in FALSE_WORDS:
            return 'false'
        raise ValueError(text)


class Int(RosType):
    name = 'int'

    def __init__(self, lo=0, hi=4294967295):
        self.lo = lo
        self.hi = hi

    def parse(self, text, ctx=None):
        text = str(text).strip()
        try:
            value = int(text, 0) if text.lower().startswith('0x') else int(text)
        except ValueError:
            raise ValueError(text) from None
        if not self.lo <= value <= self.hi:
            raise OutOfRange(self.lo, self.hi)
        return str(value)

    def key(self, stored):
        try:
            return int(stored)
        except ValueError:
            return stored


class Duration(RosType):
    """Time interval, optionally with literal alternatives such as ``disable-dpd``."""

    name = 'time'

    def __init__(self, lo=0, hi=None, specials=()):
        self.lo = lo
        self.hi = hi
        self.specials = tuple(specials)

    def parse(self, text, ctx=None):
        text = str(text).strip()
        if text in self.specials:
            return text
        seconds = parse_duration(text)
        if seconds < self.lo or (self.hi is not None and seconds > self.hi):
            raise OutOfRange(render_duration(self.lo), render_duration(self.hi) if self.hi is not None else '')
        return render_duration(seconds)

    def key(self, stored):
        if stored in self.specials:
            return stored
        try:
            return parse_duration(stored)
        except ValueError:
            return stored


class Enum(RosType):
    name = 'enum'

    def __init__(self, *values):
        self.values = tuple(values)

    def parse(self, text, ctx=None):
        text = str(text).strip()
        if text not in self.values:
            raise ValueError(text)
        return text


class MultiEnum(RosType):
    """Comma list of enum members; stored in canonical order (the order RouterOS prints), duplicates refused.

    ``allow_empty`` admits the empty list (proposal ``auth-algorithms=""`` for GCM, IPsec manual, Proposals).
    """

    name = 'multi-enum'

    def __init__(self, *values, allow_empty=False):
        self.values = tuple(values)
        self.allow_empty = allow_empty

    def parse(self, text, ctx=None):
        text = str(text).strip()
        if not text:
            if self.allow_empty:
                return ''
            raise ValueError(text)
        members = [m.strip() for m in text.split(',')]
        if len(set(members)) != len(members) or any(m not in self.values for m in members):
            raise ValueError(text)
        return ','.join(v for v in self.values if v in members)

    def key(self, stored):
        return frozenset(m for m in stored.split(',') if m)


def _network_key(stored):
    """Prefixes and addresses compare as networks (``10.0.0.1`` is ``10.0.0.1/32``); anything else, a DNS name, as written."""
    try:
        return ipaddress.ip_network(stored, strict=False)
    except ValueError:
        return stored


class Prefix(RosType):
    """IPv4/IPv6 prefix; a bare address gets /32 or /128; host bits are cleared (RouterOS does this on print)."""

    name = 'prefix'

    def __init__(self, allow_v6=True):
        self.allow_v6 = allow_v6

    def parse(self, text, ctx=None):
        text = str(text).strip()
        try:
            net = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ValueError(text) from None
        if net.version == 6 and not self.allow_v6:
            raise ValueError(text)
        return str(net)

    def key(self, stored):
        return _network_key(stored)


class Address(RosType):
    """A single IPv4/IPv6 address."""

    name = 'address'

    def parse(self, text, ctx=None):
        text = str(text).strip()
        try:
            return str(ipaddress.ip_address(text))
        except ValueError:
            raise ValueError(text) from None

    def key(self, stored):
        try:
            return ipaddress.ip_address(stored)
        except ValueError:
            return stored


class Interface(RosType):
    """``/ip/address`` address: host address with prefix length, kept as written (``192.168.1.1/24``)."""

    name = 'ip-interface'

    def parse(self, text, ctx=None):
        text = str(text).strip()
        if '/' not in text:
            text += '/32'
        try:
            iface = ipaddress.ip_interface(text)
        except ValueError:
            raise ValueError(text) from None
        return str(iface)


class PeerAddress(RosType):
    """Peer ``address``: IPv4/IPv6 prefix or a DNS name (v7 ``alt{prefix6,prefix4,dns}``, IPsec manual, Peers)."""

    name = 'peer-address'

    def __init__(self, allow_dns=True):
        self.allow_dns = allow_dns

    def parse(self, text, ctx=None):
        text = str(text).strip()
        try:
            return str(ipaddress.ip_network(text, strict=False))
        except ValueError:
            pass
        if self.allow_dns and re.fullmatch(r'[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?', text) and not re.fullmatch(r'[\d.]+', text):
            return text
        raise ValueError(text)

    def key(self, stored):
        return _network_key(stored)


class FirewallAddress(RosType):
    """Firewall address matcher: ``[!]`` + address, prefix or ``a-b`` range (MikroTik "NAT"/"Filter" manuals, properties)."""

    name = 'fw-address'

    def parse(self, text, ctx=None):
        text = str(text).strip()
        neg = ''
        if text.startswith('!'):
            neg, text = '!', text[1:]
        if '-' in text:
            lo, _sep, hi = text.partition('-')
            try:
                first, last = ipaddress.ip_address(lo), ipaddress.ip_address(hi)
            except ValueError:
                raise ValueError(text) from None
            if first.version != last.version or first > last:
                raise ValueError(text)
            return f'{neg}{first}-{last}'
        try:
            net = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ValueError(text) from None
        if net.version == 4 and net.prefixlen == 32 and '/' not in text:
            return neg + str(net.network_address)
        if net.prefixlen == net.max_prefixlen:
            return neg + str(net.network_address)
        return neg + str(net)


class PortSpec(RosType):
    """Policy port: ``any`` or 0..65535."""

    name = 'port'

    def parse(self, text, ctx=None):
        text = str(text).strip()
        if text == 'any':
            return text
        return Int(0, 65535).parse(text)

    def key(self, stored):
        return stored if stored == 'any' else int(stored)


class PortList(RosType):
    """Firewall port matcher: ``[!]`` comma list of ports or ranges (``80,443,8000-8080``)."""

    name = 'port-list'

    def parse(self, text, ctx=None):
        text = str(text).strip()
        neg = ''
        if text.startswith('!'):
            neg, text = '!', text[1:]
        out = []
        for part in text.split(','):
            lo, _sep, hi = part.partition('-')
            for num in (lo, hi) if hi else (lo,):
                if not num.isdigit() or not 0 <= int(num) <= 65535:
                    raise ValueError(text)
            out.append(f'{int(lo)}-{int(hi)}' if hi else str(int(lo)))
        return neg + ','.join(out)


class Protocol(RosType):
    """IP protocol: ``all``, a known name or a number 0..255 (policy and firewall)."""

    NAMES = ('all', 'dccp', 'ddp', 'egp', 'encap', 'etherip', 'ggp', 'gre', 'hmp', 'icmp', 'icmpv6', 'idpr-cmtp',
             'igmp', 'ipencap', 'ipip', 'ipsec-ah', 'ipsec-esp', 'ipv6-encap', 'ipv6-frag', 'ipv6-nonxt', 'ipv6-opts',
             'ipv6-route', 'iso-tp4', 'l2tp', 'ospf', 'pim', 'pup', 'rdp', 'rspf', 'rsvp', 'sctp', 'st', 'tcp', 'udp',
             'udp-lite', 'vmtp', 'vrrp', 'xns-idp', 'xtp')

    name = 'protocol'

    def __init__(self, allow_all=True):
        self.allow_all = allow_all

    def parse(self, text, ctx=None):
        text = str(text).strip()
        if text in self.NAMES and (self.allow_all or text != 'all'):
            return text
        if text.isdigit() and 0 <= int(text) <= 255:
            return str(int(text))
        raise ValueError(text)


class IpsecPolicyMatcher(RosType):
    """NAT/filter ``ipsec-policy``: ``in|out,ipsec|none`` (MikroTik "NAT"/"Filter" manuals, properties)."""

    name = 'ipsec-policy'

    def parse(self, text, ctx=None):
        text = str(text).strip()
        match = re.fullmatch(r'(in|out)\s?,\s?(ipsec|none)', text)
        if not match:
            raise ValueError(text)
        return '{},{}'.format(*match.groups())


class Identifier(RosType):
    """Identity ``my-id`` / ``remote-id``: ``auto``, ``dn``, ``ignore`` (remote only) or ``type:value`` (IPsec manual, Identities)."""

    name = 'id'

    def __init__(self, words=('auto', 'dn')):
        self.words = tuple(words)

    def parse(self, text, ctx=None):
        text = str(text).strip()
        if text in self.words:
            return text
        kind, sep, value = text.partition(':')
        if not sep or not value or kind not in ('address', 'fqdn', 'user-fqdn', 'key-id'):
            raise ValueError(text)
        if kind == 'address':
            try:
                value = str(ipaddress.ip_address(value))
            except ValueError:
                raise ValueError(text) from None
        return f'{kind}:{value}'


class Ref(RosType):
    """Reference to an entry of another menu by its ``name`` (or other key); ``specials`` are literal values.

    Validation needs the router, so ``parse`` receives ``ctx`` = the router and looks the name up there.
    """

    name = 'ref'

    def __init__(self, menu, key='name', specials=(), extra_menus=()):
        self.menu = menu
        self.ref_key = key
        self.specials = tuple(specials)
        self.extra_menus = tuple(extra_menus)

    def parse(self, text, ctx=None):
        text = str(text).strip()
        if text in self.specials:
            return text
        if ctx is not None:
            for menu in (self.menu,) + self.extra_menus:
                if ctx.table(menu).find_by(self.ref_key, text) is not None:
                    return text
            raise ValueError(text)
        return text
