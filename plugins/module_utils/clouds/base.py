# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What every cloud module builds on: the ``Cloud`` object, the router-side parameter shape, and the helpers
that read a cloud's API object into that shape.

Comparison fields (the keys of a cloud's vocabulary, and the ``field`` of a preflight mismatch):
``ike.version ike.exchange_mode ike.encryption ike.hash ike.dh_group ike.lifetime esp.encryption esp.auth
esp.pfs_group esp.lifetime local_id remote_id selectors public_address peer_address psk``.
"""

from __future__ import annotations

from ansible_collections.vpclink.routeros.plugins.module_utils.values import (
    normalise_cidr,
    normalise_identity,
    parse_seconds,
)

ALGORITHM_FIELDS = ('ike.encryption', 'ike.hash', 'ike.dh_group', 'esp.encryption', 'esp.auth', 'esp.pfs_group')

# Diffie-Hellman group number (IANA "Transform Type 4" registry, RFC 7296 section 3.3.2) -> RouterOS name
# (https://help.mikrotik.com/docs/spaces/ROS/pages/11993097/IPsec, profile dh-group). Groups RouterOS has no
# name for (22-24) are absent, so a cloud value for them maps to "RouterOS cannot do it".
DH_GROUPS = {1: 'modp768', 2: 'modp1024', 5: 'modp1536', 14: 'modp2048', 15: 'modp3072', 16: 'modp4096',
             17: 'modp6144', 18: 'modp8192', 19: 'ecp256', 20: 'ecp384', 21: 'ecp521', 31: 'x25519'}

# The word a cloud's vocabulary uses for "nothing" (Tencent: PfsDhGroup NULL = no PFS). YAML reads an unquoted
# NULL as null, so where the vocabulary has this word, a null value means it.
NULL_WORD = 'NULL'

PSK_PLACEHOLDER = '<the same pre-shared key as the RouterOS identity (from the vault)>'

# A key the cloud's API object does not have (as opposed to a key present with a null value).
MISSING = object()


def dh_names(prefix, numbers):
    """Vocabulary entries ``{prefix + number: RouterOS name}`` for DH group numbers."""
    return {f'{prefix}{n}': DH_GROUPS.get(n) for n in numbers}


_STRONG = {'ike': {'version': 2, 'encryption': ['aes-256'], 'hash': 'sha256', 'dh_group': ['modp2048'], 'lifetime': 86400},
           'esp': {'encryption': ['aes-256-cbc'], 'auth': ['sha256'], 'pfs_group': 'modp2048', 'lifetime': 3600}}


def strong_preset(ike_lifetime, esp_lifetime, **overrides):
    """The recommended RouterOS-side values (AES-256, SHA-256, DH group 14, PFS) with a cloud's lifetimes;
    ``esp__pfs_group='none'`` style overrides."""
    rec = {'ike': dict(_STRONG['ike'], lifetime=ike_lifetime), 'esp': dict(_STRONG['esp'], lifetime=esp_lifetime)}
    for key, value in overrides.items():
        section, name = key.split('__')
        rec[section][name] = value
    return rec


def empty_params():
    """The router-side shape with nothing known: what ``Cloud.read`` fills and the comparison takes."""
    return {'ike': {'version': None, 'exchange_mode': None, 'encryption': [], 'hash': [], 'dh_group': [], 'prf': None,
                    'lifetime': None},
            'esp': {'encryption': [], 'auth': [], 'pfs_group': [], 'lifetime': None},
            'local_id': None, 'remote_id': None, 'selectors': [], 'public_address': None, 'wan_address': None,
            'peer_address': None, 'psk': None, 'unsupported': {}}


def as_list(value):
    """A comma string or a list -> a list of stripped, non-empty strings (order kept)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(',') if v.strip()]
    return [str(v).strip() for v in value]


def identity(value, field='identity'):
    """An identity in RouterOS's form from either end: a bare IP is ``address:``, a bare DNS name ``fqdn:``."""
    if value is None or value == '':
        return None
    return normalise_identity(value, field, words=('auto', 'ignore'), bare=('address', 'fqdn'))


def issue(field, value, severity, message):
    """One capability or limit finding: ``{'field', 'value', 'severity': 'error'|'warning', 'message'}``."""
    return {'field': field, 'value': value, 'severity': severity, 'message': message}


class Cloud:
    """One cloud: its vocabulary, preset, API reader, limits and sheet renderer.

    * ``vocabulary``: comparison field -> {cloud value: RouterOS value, or None when RouterOS cannot do it}.
      Insertion order matters for the reverse direction: the first cloud value of a RouterOS value is rendered.
    * ``preset``: ``title``, ``verified``, ``recommended`` (router side), ``defaults`` (the cloud's own, with
      their source), ``lifetime_range`` {field: (low, high) seconds}, ``flags`` (structural limits).
    * ``read(cloud, api_object) -> router-side params`` (None: the cloud's API field names are not known).
    * ``limits(cloud, params) -> [issue]``: the cloud's own rules beyond its vocabulary and flags.
    * ``sheet(cloud, params, chosen) -> {'api', 'terraform'?, 'lines', 'warnings'}``, where ``chosen`` holds the
      cloud values of every vocabulary field and the identities as the cloud sees them (``local_id`` is the
      cloud's own).
    * ``connection(cloud, name, sheet_api, customer_gateway_address) -> options`` (None: the collection has no module
      for this cloud's connections): the options of that module for one tunnel, from the sheet's ``api``.
    """

    def __init__(self, name, vocabulary, preset, sheet, read=None, limits=None, connection=None):
        self.name = name
        self.vocabulary = vocabulary
        self.preset = preset
        self._sheet = sheet
        self._read = read
        self._limits = limits
        self._connection = connection

    @property
    def flags(self):
        return self.preset['flags']

    def accepted(self, field):
        """The cloud's values of a field, in its vocabulary."""
        return list(self.vocabulary[field])

    def to_routeros(self, field, value, where=None):
        """One cloud value -> the RouterOS value, or None when RouterOS cannot do it.

        A null value means the cloud's NULL word when its vocabulary has one. Raises ValueError naming the
        field (``where``: the cloud's own field name), the value and the accepted values."""
        vocab = self.vocabulary[field]
        key = NULL_WORD if value is None else str(value)
        for cloud_value, ros in vocab.items():
            if cloud_value.lower() == key.lower():
                return ros
        shown = 'null (an empty YAML value)' if value is None else repr(value)
        raise ValueError(f'{self.name}: {where or field}: {shown} is not allowed; allowed: {", ".join(vocab)}')

    def to_cloud(self, field, value):
        """One RouterOS value -> the cloud's value, or None when the cloud does not accept it."""
        for cloud_value, ros in self.vocabulary[field].items():
            if ros is not None and ros == value:
                return cloud_value
        return None

    def read(self, api_object):
        if self._read is None:
            raise ValueError(f'{self.name}: the API field names of this cloud are not known to the collection; give '
                             'cloud_side in RouterOS terms (ike, esp, local_id, remote_id, local_subnets, remote_subnets)')
        return self._read(self, dict(api_object or {}))

    def limits(self, params):
        return self._limits(self, params) if self._limits else []

    def sheet(self, params, chosen):
        return self._sheet(self, params, chosen)

    def connection(self, name, sheet_api, customer_gateway_address):
        return self._connection(self, name, sheet_api, customer_gateway_address) if self._connection else None


class Reading:
    """The router-side parameters being read from one cloud API object: each method reads one of the cloud's
    fields, names it in errors, and never drops a value it cannot read."""

    def __init__(self, cloud):
        self.cloud = cloud
        self.params = empty_params()

    @staticmethod
    def pick(obj, *names):
        """``(name, value)`` of the first of ``names`` that ``obj`` has with a value; a name present with null
        when none has a value; ``(names[0], MISSING)`` when none is present. An empty string is no value (APIs
        return '' for settings that are not used, such as an FQDN with address identities)."""
        obj = obj if isinstance(obj, dict) else {}
        for name in names:
            if obj.get(name) not in (None, ''):
                return name, obj[name]
        for name in names:
            if name in obj and obj[name] is None:
                return name, None
        return names[0], MISSING

    def value(self, field, where, value):
        """One vocabulary value (``ike.version``, ``ike.exchange_mode``) -> RouterOS value; None when missing."""
        return None if value is MISSING else self.cloud.to_routeros(field, value, where)

    def algorithms(self, field, where, values):
        """Cloud values of an algorithm field -> the RouterOS values; what RouterOS cannot do goes to ``unsupported``."""
        section, name = field.split('.')
        for value in values:
            if value is MISSING:
                continue
            ros = self.cloud.to_routeros(field, value, where)
            if ros is None:
                self.params['unsupported'].setdefault(field, []).append(str(value))
            elif ros not in self.params[section][name]:
                self.params[section][name].append(ros)

    def algorithm(self, field, obj, section, *names):
        name, value = self.pick(obj, *names)
        self.algorithms(field, f'{section}.{name}' if section else name, [value])

    def lifetime(self, field, obj, section, *names):
        name, value = self.pick(obj, *names)
        if value is not MISSING:
            part, key = field.split('.')
            self.params[part][key] = parse_seconds(value, f'{self.cloud.name}: {section}.{name}' if section else name)

    def identity(self, target, value, where):
        if value is not MISSING:
            self.params[target] = identity(value, f'{self.cloud.name}: {where}')

    def selectors(self, pairs, where):
        """(router-side CIDR, cloud-side CIDR) pairs, canonical and sorted."""
        label = f'{self.cloud.name}: {where}'
        self.params['selectors'] = sorted({(normalise_cidr(str(mine).strip(), label), normalise_cidr(str(theirs).strip(), label))
                                           for mine, theirs in pairs})
