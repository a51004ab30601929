# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""RouterOS value normalisation, so that equal values compare equal: ``1d`` == ``24h``,
multi-value fields are sets, ``yes``/``true``/True are one value, CIDRs are canonical.

Every ``normalise_*`` function accepts what a user writes *and* what librouteros hands back
after its own casting (librouteros turns the reply words ``yes``/``true`` into ``True``,
``no``/``false`` into ``False`` and decimal strings into ``int``), and returns one
canonical Python value. ``to_api`` turns a canonical value back into the text sent on the wire.

Errors are ``ValueError`` whose text names the field, the value and what is allowed.
Callers that handle secrets pass ``sensitive=True`` so the value never appears in a message.
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.vpclink.routeros.plugins.module_utils.masking import MASK

__all__ = [
    'bool_to_api',
    'duration_to_api',
    'format_duration',
    'normalise_address',
    'normalise_bool',
    'normalise_choice',
    'normalise_cidr',
    'normalise_duration',
    'normalise_identity',
    'normalise_int',
    'normalise_multi',
    'normalise_peer_address',
    'multi_to_api',
    'normalise_str',
    'parse_duration',
    'parse_seconds',
    'format_seconds',
]

_TRUE = ('yes', 'true', 'on', '1')
_FALSE = ('no', 'false', 'off', '0')

# RouterOS time units (the "time" data type, https://help.mikrotik.com/docs/spaces/ROS/pages/47579229/Scripting).
_UNIT_MS = {'w': 604800000, 'd': 86400000, 'h': 3600000, 'm': 60000, 's': 1000, 'ms': 1}
_UNIT_RE = re.compile(r'(\d+)(ms|w|d|h|m|s)')
# ``[Nd]HH:MM:SS[.fff]`` as printed by older RouterOS and exports (``1d00:00:00``, ``00:30:00``).
_CLOCK_RE = re.compile(r'^(?:(\d+)d)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$')


def _shown(value, sensitive):
    return MASK if sensitive else repr(value)


def normalise_str(value, field='value', sensitive=False):
    """A free-form string. librouteros casts ``yes``/``500`` from the router into True/500;
    map those back so a secret ``500`` or a comment ``yes`` compares equal to the user's text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return 'yes' if value else 'no'
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        # "true" and "yes" are indistinguishable once librouteros has cast them; compare them as one.
        if value in ('true', 'yes'):
            return 'yes'
        if value in ('false', 'no'):
            return 'no'
        return value
    raise ValueError(f'{field}: {_shown(value, sensitive)} is not a string')


# Names this collection creates (profile, proposal, peer, tunnel): other menus refer to them by name and
# librouteros sends ASCII words, so keep them to plain tokens (no spaces, no non-ASCII).
NAME_PATTERN = re.compile(r'^[A-Za-z0-9._-]+$')


def normalise_name(value, field='name'):
    """A name the collection creates; raises ValueError naming the field, value and what is allowed."""
    text = normalise_str(value, field)
    if not NAME_PATTERN.match(text):
        raise ValueError(f"{field}: {text!r} is not allowed; use ASCII letters, digits, '.', '_' and '-' "
                         '(other menus refer to it by name, and the API carries ASCII words)')
    return text


def normalise_secret(value, field='secret'):
    """A pre-shared key: never empty, never with surrounding whitespace (a copy-paste error that makes
    both ends' keys differ). The value itself is never part of the message."""
    text = normalise_str(value, field, sensitive=True)
    if not text:
        raise ValueError(f'{field}: must be non-empty: an empty pre-shared key never authenticates')
    if text != text.strip():
        raise ValueError(f'{field}: has leading or trailing whitespace (a copy-paste error that makes the keys differ); remove it')
    return text


def normalise_bool(value, field='value'):
    """``yes``/``true``/True/``on`` are one value."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        low = value.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
    raise ValueError(f'{field}: {value!r} is not a boolean; allowed: yes/no, true/false')


def bool_to_api(value):
    return 'yes' if value else 'no'


def normalise_int(value, field='value', minimum=None, maximum=None):
    if isinstance(value, bool):
        raise ValueError(f'{field}: {value!r} is not an integer')
    try:
        number = int(str(value).strip(), 10)
    except (TypeError, ValueError):
        raise ValueError(f'{field}: {value!r} is not an integer') from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ValueError(f'{field}: {number} is out of range; allowed: {minimum}..{maximum}')
    return number


def parse_duration(value, field='value'):
    """RouterOS time interval -> milliseconds (int).

    Accepts ``1d``, ``24h``, ``86400s``, ``1h30m``, ``1w2d``, ``500ms``, a bare number of seconds
    (``86400`` or int 86400, which is how librouteros returns ``86400``), and the clock forms
    ``1d00:00:00`` / ``00:30:00`` / ``00:00:00.200``.
    """
    if isinstance(value, bool):
        raise ValueError(f'{field}: {value!r} is not a time interval')
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f'{field}: {value!r} is negative; a time interval is >= 0')
        return value * 1000
    if not isinstance(value, str):
        raise ValueError(f'{field}: {value!r} is not a time interval')
    text = value.strip().lower().replace(' ', '')
    if text.isdigit():
        return int(text) * 1000
    clock = _CLOCK_RE.match(text)
    if clock:
        days, hours, minutes, seconds, frac = clock.groups()
        if int(minutes) > 59 or int(seconds) > 59:
            raise ValueError(f'{field}: {value!r} is not a valid time interval (minutes and seconds must be < 60)')
        total = ((int(days or 0) * 24 + int(hours)) * 60 + int(minutes)) * 60 + int(seconds)
        return total * 1000 + (int(frac.ljust(3, '0')) if frac else 0)
    if text and _UNIT_RE.sub('', text) == '':
        return sum(int(num) * _UNIT_MS[unit] for num, unit in _UNIT_RE.findall(text))
    raise ValueError(
        f"{field}: {value!r} is not a RouterOS time interval; allowed: a number of seconds or units w d h m s ms "
        "such as '1d', '8h', '1h30m', '30s', or 'HH:MM:SS'")


def format_duration(milliseconds):
    """Milliseconds -> RouterOS's compact form: 86400000 -> '1d', 5400000 -> '1h30m', 0 -> '0s'."""
    if milliseconds == 0:
        return '0s'
    parts = []
    rest = milliseconds
    for unit in ('w', 'd', 'h', 'm', 's', 'ms'):
        count, rest = divmod(rest, _UNIT_MS[unit])
        if count:
            parts.append(f'{count}{unit}')
    return ''.join(parts)


def parse_seconds(value, field='value'):
    """A time interval in whole seconds (IKE and ESP lifetimes), or None when no value is given (None or '')."""
    if value is None or value == '':
        return None
    return parse_duration(value, field) // 1000


def format_seconds(seconds):
    """Whole seconds -> RouterOS's compact form: 86400 -> '1d', 27000 -> '7h30m'."""
    return format_duration(int(seconds) * 1000)


def normalise_duration(value, field='value', specials=()):
    """A duration, or one of the field's control words (e.g. ``disable-dpd``), canonicalised.

    Returns an int (milliseconds) or the control word as a string.
    """
    if isinstance(value, str) and value.strip().lower() in specials:
        return value.strip().lower()
    try:
        return parse_duration(value, field)
    except ValueError as exc:
        if specials:
            raise ValueError('{} (or one of: {})'.format(exc, ', '.join(specials))) from None
        raise


def duration_to_api(value):
    return value if isinstance(value, str) else format_duration(value)


def normalise_choice(value, field='value', choices=None):
    """One value of an enum. ``no``/``yes`` enum members come back from librouteros as bools."""
    if isinstance(value, bool):
        value = 'yes' if value else 'no'
    elif isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f'{field}: {value!r} is not a string')
    text = value.strip()
    if choices is not None and text not in choices:
        raise ValueError('{}: {!r} is not allowed; allowed: {}'.format(field, value, ', '.join(choices)))
    return text


def normalise_multi(value, field='value', choices=None):
    """A multi-value enum: a list or a comma string -> frozenset (order-insensitive).

    ``None`` and ``''`` and ``[]`` are the empty set. Duplicates are folded.
    """
    if value is None:
        return frozenset()
    if isinstance(value, (list, tuple, set, frozenset)):
        items = []
        for item in value:
            items.extend(str(item).split(','))
    elif isinstance(value, str):
        items = value.split(',')
    else:
        items = [str(value)]
    members = [item.strip() for item in items if item.strip()]
    if choices is not None:
        bad = [item for item in members if item not in choices]
        if bad:
            raise ValueError('{}: {} not allowed; allowed: {}'.format(
                field, ', '.join(repr(item) for item in bad), ', '.join(choices)))
    return frozenset(members)


def multi_to_api(value, order=None):
    """A set -> the comma list RouterOS prints (its canonical order when known)."""
    if order:
        rank = {name: index for index, name in enumerate(order)}
        return ','.join(sorted(value, key=lambda item: (rank.get(item, len(rank)), item)))
    return ','.join(sorted(value))


def normalise_cidr(value, field='value'):
    """An IPv4/IPv6 prefix, canonical: ``10.0.0.0/16``; a plain address is a host prefix (/32, /128).

    A prefix with host bits set (``192.168.1.5/24``) is **rejected**: RouterOS would store the
    network (``192.168.1.0/24``), so the entry could never match what was written, and the typo
    usually means a wrong mask. The message suggests the network.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f'{field}: {value!r} is not an IP prefix; allowed: an address or address/prefix-length such as 10.0.0.0/16')
    text = value.strip()
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError:
        try:
            loose = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise ValueError(
                f'{field}: {value!r} is not an IP prefix; allowed: an address or address/prefix-length such as 10.0.0.0/16') from None
        raise ValueError(f'{field}: {value!r} has host bits set; allowed: a network address for that prefix length, e.g. {loose.with_prefixlen}') from None
    return network.with_prefixlen if network.version == 4 else network.compressed


def normalise_address(value, field='value'):
    """A plain IPv4/IPv6 address (no prefix), canonical text. ``/32`` or ``/128`` is accepted and dropped."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f'{field}: {value!r} is not an IP address')
    text = value.strip()
    if '/' in text:
        host, _sep, length = text.partition('/')
        try:
            addr = ipaddress.ip_address(host)
        except ValueError:
            raise ValueError(f'{field}: {value!r} is not an IP address') from None
        if length != str(addr.max_prefixlen):
            raise ValueError(f'{field}: {value!r} is a prefix; allowed: a single address such as 192.0.2.1')
        return addr.compressed
    try:
        return ipaddress.ip_address(text).compressed
    except ValueError:
        raise ValueError(f'{field}: {value!r} is not an IP address; allowed: an IPv4 or IPv6 address') from None


_DNS_RE = re.compile(r'^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$')


def normalise_peer_address(value, field='value', allow_dns=True):
    """Peer ``address``: an IP prefix (a plain address means /32 or /128, as RouterOS prints it)
    or, on RouterOS 7, a DNS name (https://help.mikrotik.com/docs/spaces/ROS/pages/11993097/IPsec, peer ``address``)."""
    if isinstance(value, str):
        text = value.strip()
        if text and not re.match(r'^[0-9a-fA-F:.]+(/\d+)?$', text):
            if allow_dns and _DNS_RE.match(text.lower()):
                return text.lower().rstrip('.')
            raise ValueError('{}: {!r} is not an IP address or prefix{}'.format(field, value, ' or DNS name' if allow_dns else ''))
    return normalise_cidr(value, field)


# The kinds of an IKE identity as RouterOS writes them in /ip/ipsec/identity my-id and remote-id
# (https://help.mikrotik.com/docs/spaces/ROS/pages/11993097/IPsec, "Identities").
IKE_ID_KINDS = ('address', 'fqdn', 'user-fqdn', 'key-id', 'dn')


def _identity_value(kind, rest):
    """The canonical value of one ``kind:rest`` identity, or None when ``rest`` is not such a value."""
    if kind == 'address':
        try:
            return ipaddress.ip_address(rest).compressed
        except ValueError:
            return None
    if not rest or (kind in ('fqdn', 'user-fqdn') and any(ch.isspace() for ch in rest)):
        return None
    return rest


def normalise_identity(value, field='identity', words=('auto',), bare=()):
    """An IKE identity in RouterOS's form: one of ``words`` (``auto``, ``ignore``, ``dn`` ... as the field allows) or
    ``kind:value`` with a kind of ``IKE_ID_KINDS``; an address is canonical (``address:192.0.2.1``).

    ``bare`` are the kinds a value written without a kind may be read as, tried in order: ``('address',)`` reads
    ``192.0.2.1`` as ``address:192.0.2.1``; ``('address', 'fqdn')`` also reads ``vpn.example.com`` as
    ``fqdn:vpn.example.com``. RouterOS itself takes no bare value, so a menu field passes none.
    None stays None. Raises ValueError naming the field, the value and what is allowed."""
    if value is None:
        return None
    text = normalise_str(value, field).strip()
    if text in words:
        return text
    kind, sep, rest = text.partition(':')
    if sep and kind in IKE_ID_KINDS:
        canonical = _identity_value(kind, rest)
        if canonical is not None:
            return f'{kind}:{canonical}'
    else:
        for kind in bare:
            canonical = _identity_value(kind, text)
            if canonical is not None and (kind != 'fqdn' or _DNS_RE.match(text.lower())):
                return f'{kind}:{canonical}'
    allowed = ', '.join(words)
    kinds = ', '.join(f'{kind}:<{"IP address" if kind == "address" else "value"}>' for kind in IKE_ID_KINDS)
    bare_text = f', or a bare {" or ".join("IP address" if k == "address" else "DNS name" for k in bare)}' if bare else ''
    raise ValueError(f'{field}: {value!r} is not an IKE identity; allowed: {allowed}, {kinds}{bare_text} (e.g. fqdn:vpn.example.com)')
