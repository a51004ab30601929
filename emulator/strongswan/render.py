"""An ``EndSpec`` as a swanctl connection tree (what vici's load-conn takes), as swanctl.conf text, and the
daemon's own strongswan.conf.

Option names are swanctl.conf's (https://docs.strongswan.org/docs/5.9/swanctl/swanctlConf.html) and
strongswan.conf's (https://docs.strongswan.org/docs/5.9/config/strongswanConf.html); the tree is the single
source, the text is written from it.
"""

import base64
import os
from dataclasses import dataclass, field

from emulator.strongswan.endspec import proposals

# Loaded explicitly (load_modular = no). strongSwan 5.9.8 needs `kdf` for IKEv2's PRF-based key derivation;
# `kernel-libipsec` is userspace ESP over a TUN device, for kernels without the ESP transform.
CHARON_PLUGINS = ('random nonce aes sha1 sha2 md5 hmac kdf gmp curve25519 openssl gcm pem pkcs1 x509 pubkey '
                  'revocation constraints kernel-libipsec kernel-netlink socket-default vici')

# charon's filelog levels per subsystem (https://docs.strongswan.org/docs/5.9/config/logging.html):
# 'default' is what a gateway with an untouched logging setup writes, 'verbose' a common debugging setup.
LOG_LEVELS = {
    'default': {'default': '1'},
    'verbose': {'default': '1', 'ike': '2', 'cfg': '2', 'knl': '1', 'ike_name': 'yes'},
}


@dataclass(frozen=True)
class DaemonSettings:
    """Per-charon settings (charon's own defaults unless said otherwise)."""
    retransmit_tries: int = 5
    retransmit_timeout: float = 4.0
    retransmit_base: float = 1.8
    allow_aggressive_psk: bool = False      # strongSwan refuses Aggressive Mode with PSK as responder unless set
    log_levels: dict = field(default_factory=lambda: dict(LOG_LEVELS))


def _identity(ident):
    # '@' forces ID_FQDN (otherwise strongSwan would read a dotted name as an address to resolve).
    if ident.kind == 'any':
        return '%any'
    return ident.value if ident.kind == 'address' else '@' + ident.value


def _proposal(prop):
    return '-'.join(p for p in (prop.encryption, prop.integrity, prop.dh_group) if p)


def _lifetimes(lifetime):
    # A hard life of `lifetime`, rekeyed at 90 % of it, without random jitter so runs repeat.
    return {'rekey_time': f'{lifetime * 9 // 10}s', 'rand_time': '0s'}


def _child(child):
    return {
        'local_ts': list(child.local_ts),
        'remote_ts': list(child.remote_ts),
        'esp_proposals': [_proposal(p) for p in proposals(child.esp_proposal)],
        'life_time': f'{child.esp_lifetime}s',
        'start_action': 'none',
        **_lifetimes(child.esp_lifetime),
    }


def connection_tree(spec):
    """-> {conn name: {...}} for vici load-conn (values as strings / lists of strings)."""
    children = {child.name: _child(child) for child in spec.child_specs}
    conn = {
        'version': str(spec.ike_version),
        'local_addrs': [spec.local_address],
        'remote_addrs': [spec.remote_address],
        'proposals': [_proposal(p) for p in proposals(spec.ike_proposal)],
        'over_time': f'{spec.ike_lifetime // 10}s',
        'encap': 'yes' if spec.force_encap else 'no',
        'local': {'auth': 'psk', 'id': _identity(spec.local_id)},
        'remote': {'auth': 'psk', 'id': _identity(spec.remote_id)},
        'children': children,
        **_lifetimes(spec.ike_lifetime),
    }
    if spec.keep_trying:
        conn['keyingtries'] = '0'
    if spec.ike_version == 1:
        conn['aggressive'] = 'yes' if spec.exchange_mode == 'aggressive' else 'no'
    if spec.dpd_delay:
        conn['dpd_delay'] = f'{spec.dpd_delay}s'
        if spec.ike_version == 1:
            conn['dpd_timeout'] = f'{spec.dpd_delay * spec.dpd_max_failures}s'
        for child in children.values():
            child['dpd_action'] = 'restart'
    return {spec.name: conn}


def shared_key_id(conn):
    """The vici id of the PSK loaded with connection ``conn`` (load-shared / unload-shared)."""
    return f'psk-{conn}'


def shared_key(spec):
    """-> the vici load-shared message for this end's PSK, owned by both identities."""
    return {'id': shared_key_id(spec.name), 'type': 'IKE', 'data': spec.psk,
            'owners': [_identity(spec.local_id), _identity(spec.remote_id)]}


def _lines(tree, indent):
    out = []
    for key, value in tree.items():
        if isinstance(value, dict):
            out += [f'{indent}{key} {{', *_lines(value, indent + '   '), f'{indent}}}']
        else:
            out.append(f'{indent}{key} = {", ".join(value) if isinstance(value, list) else value}')
    return out


def swanctl_conf(spec):
    """swanctl.conf text for this end (the PSK in strongSwan's base64 `0s` form, no quoting issues)."""
    key = shared_key(spec)
    secret = {'id-1': key['owners'][0], 'id-2': key['owners'][1],
              'secret': '0s' + base64.b64encode(spec.psk.encode()).decode()}
    return '\n'.join(_lines({'connections': connection_tree(spec), 'secrets': {f'ike-{spec.name}': secret}}, '')) + '\n'


def log_path(workdir, level):
    return os.path.join(workdir, f'charon-{level}.log')


def vici_socket(workdir):
    return os.path.join(workdir, 'charon.vici')


def strongswan_conf(workdir, settings):
    """strongswan.conf for one charon whose files (logs, vici socket) all live in ``workdir``."""
    filelog = {
        level: {'path': log_path(workdir, level), 'time_format': '%b %e %T', 'append': 'no', 'flush_line': 'yes', **levels}
        for level, levels in settings.log_levels.items()
    }
    charon = {
        'load_modular': 'no',
        'load': CHARON_PLUGINS,
        'retransmit_tries': str(settings.retransmit_tries),
        'retransmit_timeout': str(settings.retransmit_timeout),
        'retransmit_base': str(settings.retransmit_base),
        'i_dont_care_about_security_and_use_aggressive_mode_psk': 'yes' if settings.allow_aggressive_psk else 'no',
        'plugins': {'vici': {'socket': 'unix://' + vici_socket(workdir)}},
        'filelog': filelog,
        # Nothing to the host's syslog: this charon's lines belong to its log files only.
        'syslog': {'daemon': {'default': '-1'}, 'auth': {'default': '-1'}},
    }
    return '\n'.join(_lines({'charon': charon}, '')) + '\n'
