"""``/ip/ipsec/*`` menus per version (MikroTik "IPsec" manual, https://help.mikrotik.com/docs/display/ROS/IPsec; print shapes and canonical orders as
real routers print them: ``/console/inspect`` dumps of CHRs 7.10-7.24, and the records captured from real v7
routers in terraform-provider-routeros' ``resource_ip_ipsec_*.go``).

Choices where public sources disagree or are silent, each with its reason:

* DPD defaults: ``2m``/``5`` on 6.49 and 7.0-7.16, ``8s``/``4`` from 7.17 -- the 7.17.2 export
  is the earliest sample showing 8s/4 and every older v7 sample shows 2m/5.
* Built-in profile ``enc-algorithm``: ``aes-128`` on 6.49 (v6 doc + v6 print), ``aes-128,3des`` on v7.
* v6 canonical multi-value order: strongest first like v7, because the only v6 *print* sample
  (``dh-group=modp2048,modp1024``) is in that order; the ascending L2TP sample is a dynamic peer's text.
* Built-in ids: profile ``default`` ``*A`` and proposal ``default`` ``*0`` as captured from a real v7 router;
  policy template ``*1000000`` so that the first user policy is ``*1000001`` as captured; policy group
  ``default`` ``*0``; mode-config ``request-only`` ``*1``.
* Policy addresses when omitted: ``::/0`` on v7 (real capture), ``0.0.0.0/32`` on 6.49 (v6 manual).
* ``pfs-group`` members: the IPsec manual's list incl. ``modp8192``, without ``x25519`` (7.21.5 completion).
* ``prf-algorithm`` on 6.49: absent (``unknown parameter``) -- no v6 print ever shows it.
* Secrets (``secret``, ``password``, ``ppk-secret``): printed in clear over the API to a user whose group has
  the ``sensitive`` policy, as ``*****`` to others (emulator/users.py). The only real record shows
  ``secret=secret!!!`` from a full-rights API user; the lab's default user has full rights.
  The collection must therefore never echo what it reads (secrets never leave: docs/architecture.md).
* Removing an entry another one references: refused with ``failure: <kind> is in use`` -- the text
  is not documented; refusing is the strict reading and makes wrong removal order visible (the collection removes in reverse dependency order).
* Second initiator peer: refused when another non-passive peer has the same ``address``
  *and* the same ``exchange-mode`` ("exchange mode is the only unique identifier between the peers", IPsec manual, Peers).
"""

from emulator.errors import ARGUMENT_VALUE, Trap
from emulator.menus import NAMED, ORDERED, READ, SINGLETON, WITH_DISABLE, Field, Menu
from emulator.rosvalues import Address, Bool, Duration, Enum, Identifier, Int, MultiEnum, PeerAddress, PortSpec, Prefix, Protocol, Ref, Str

PROFILE = '/ip/ipsec/profile'
PEER = '/ip/ipsec/peer'
IDENTITY = '/ip/ipsec/identity'
PROPOSAL = '/ip/ipsec/proposal'
POLICY = '/ip/ipsec/policy'
GROUP = '/ip/ipsec/policy/group'
MODE_CONFIG = '/ip/ipsec/mode-config'

# Canonical orders = the order of a v7 router's /console/inspect completion (strongest first).
DH_V7 = ('x25519', 'ecp256', 'ecp384', 'ecp521', 'modp8192', 'modp6144', 'modp4096', 'modp3072', 'modp2048', 'modp1536',
         'modp1024', 'modp768')
DH_V6 = ('ecp256', 'ecp384', 'ecp521', 'modp8192', 'modp6144', 'modp4096', 'modp3072', 'modp2048', 'modp1536', 'modp1024',
         'modp768', 'ec2n185', 'ec2n155')
ENC_V7 = ('aes-256', 'aes-192', 'aes-128', '3des', 'des')
ENC_V6 = ('aes-256', 'aes-192', 'aes-128', 'camellia-256', 'camellia-192', 'camellia-128', 'blowfish', '3des', 'des')
HASH_V7 = ('md5', 'sha1', 'sha256', 'sha384', 'sha512')
HASH_V6 = ('md5', 'sha1', 'sha256', 'sha512')
ESP_ENC_V7 = ('chacha20poly1305', 'aes-256-cbc', 'aes-256-ctr', 'aes-256-gcm', 'camellia-256', 'aes-192-cbc', 'aes-192-ctr',
              'aes-192-gcm', 'camellia-192', 'aes-128-cbc', 'aes-128-ctr', 'aes-128-gcm', 'camellia-128', '3des', 'blowfish',
              'twofish', 'des', 'null')
ESP_ENC_V6 = tuple(a for a in ESP_ENC_V7 if a != 'chacha20poly1305')
ESP_AUTH = ('sha512', 'sha256', 'sha1', 'md5', 'null')
PFS_V7 = ('none', 'ecp256', 'ecp384', 'ecp521', 'modp768', 'modp1024', 'modp1536', 'modp2048', 'modp3072', 'modp4096',
          'modp6144', 'modp8192')
PFS_V6 = PFS_V7 + ('ec2n155', 'ec2n185')
# /ip/ipsec/statistics counters (IPsec manual, Statistics), all zero on a quiescent router.
STATISTICS = ('in-errors', 'in-buffer-errors', 'in-header-errors', 'in-no-states', 'in-state-protocol-errors', 'in-state-mode-errors',
              'in-state-sequence-errors', 'in-state-expired', 'in-state-mismatches', 'in-state-invalid', 'in-template-mismatches',
              'in-no-policies', 'in-policy-blocked', 'in-policy-errors', 'out-errors', 'out-bundle-errors', 'out-bundle-check-errors',
              'out-no-states', 'out-state-protocol-errors', 'out-state-mode-errors', 'out-state-sequence-errors', 'out-state-expired',
              'out-policy-blocked', 'out-policy-dead', 'out-policy-errors')
AUTH_METHODS = ('digital-signature', 'eap', 'eap-radius', 'pre-shared-key', 'pre-shared-key-xauth', 'rsa-key',
                'rsa-signature-hybrid')


def _hidden(name, rtype, default, **kw):
    """A property omitted from print while at its default (as RouterOS prints it)."""
    return Field(name, rtype, default=default, show_default=False, **kw)


def _flags(*names):
    return [Field(n, Bool(), default='false', ro=True) for n in names]


def dpd_defaults(v):
    """(dpd-interval, dpd-maximum-failures) of the built-in profile (see the module docstring)."""
    return ('8s', '4') if v >= (7, 17, 0) else ('2m', '5')


# ------------------------------------------------------------------------------------ hooks

def _referrers(router, path, name):
    """(menu path, entry) pairs whose reference fields point at ``name`` in ``path``."""
    out = []
    for other_path, menu in router.menus.items():
        for fld in menu.fields:
            if isinstance(fld.type, Ref) and fld.type.menu == path:
                for entry in router.table(other_path):
                    if entry.values.get(fld.name) == name:
                        out.append((other_path, entry))
    return out


def _in_use(router, menu, entry, removing):
    going = {id(e) for e in removing}
    for _path, other in _referrers(router, menu.path, entry.values.get('name')):
        if id(other) not in going:
            return f'failure: {menu.kind} is in use'
    return None


def _peer_validate(router, menu, values, entry):
    if values.get('passive') == 'true' or not values.get('address'):
        return
    mode = values.get('exchange-mode', 'main')
    addr_type = menu.field('address').type
    for other in router.table(PEER):
        if other is entry or other.values.get('passive') == 'true' or 'address' not in other.values:
            continue
        if addr_type.equal(other.values['address'], values['address']) and other.values.get('exchange-mode', 'main') == mode:
            raise Trap('Multiple initiator peers for the same address', ARGUMENT_VALUE)


def _peer_derive(router, menu, rows):
    for row in rows:
        row['responder'] = row.get('passive', 'false')   # passive => R flag (IPsec manual, Peers)
    return rows


def _policy_derive(router, menu, rows):
    """``invalid=true`` on a policy repeating an earlier policy's src/dst pair (IPsec manual, Policies: flag I = invalid)."""
    seen = set()
    for row in rows:
        if row.get('template') == 'true':
            row.setdefault('group', 'default')
            continue
        if row.get('disabled') == 'true':
            continue
        pair = (row.get('src-address'), row.get('dst-address'))
        if pair in seen:
            row['invalid'] = 'true'
        seen.add(pair)
    return rows


# ------------------------------------------------------------------------------------ menus

def menus(v):
    v7 = v[0] >= 7
    no_reset = set() if v7 else {'reset'}
    dpd_interval, dpd_failures = dpd_defaults(v)
    enc_default = 'aes-128,3des' if v7 else 'aes-128'
    any_addr = '::/0' if v7 else '0.0.0.0/32'
    any_sa = '::' if v7 else '0.0.0.0'

    profile_fields = [
        Field('name', Str(), mandatory=True, unsettable=False),
        Field('hash-algorithm', Enum(*(HASH_V7 if v7 else HASH_V6)), default='sha1'),
    ]
    if v7:
        profile_fields.append(_hidden('prf-algorithm', Enum('auto', 'sha1', 'sha256', 'sha384', 'sha512'), 'auto'))
    profile_fields += [
        Field('enc-algorithm', MultiEnum(*(ENC_V7 if v7 else ENC_V6)), default=enc_default),
        Field('dh-group', MultiEnum(*(DH_V7 if v7 else DH_V6)), default='modp2048,modp1024'),
        Field('lifetime', Duration(), default='1d'),
        _hidden('lifebytes', Int(0, 4294967295), '0'),
        Field('proposal-check', Enum('claim', 'exact', 'obey', 'strict'), default='obey'),
        Field('nat-traversal', Bool(), default='true'),
        Field('dpd-interval', Duration(0, 3600, specials=('disable-dpd',)), default=dpd_interval),
        Field('dpd-maximum-failures', Int(1, 100), default=dpd_failures),
    ]
    if v >= (7, 21, 0):
        profile_fields.append(_hidden('ppk', Enum('no', 'psk', 'psk-ike-initial', 'qkd'), 'no'))
    profile_fields += _flags('default')
    builtin_profile = {'.id': '*A', 'name': 'default', 'hash-algorithm': 'sha1', 'enc-algorithm': enc_default,
                       'dh-group': 'modp2048,modp1024', 'lifetime': '1d', 'proposal-check': 'obey', 'nat-traversal': 'true',
                       'dpd-interval': dpd_interval, 'dpd-maximum-failures': dpd_failures}
    profile = Menu(PROFILE, profile_fields, key='name', verbs=NAMED - no_reset, builtins=[builtin_profile], kind='profile',
                   in_use=_in_use)

    modes = ('main', 'aggressive', 'base', 'ike2') if v7 else ('main', 'main-l2tp', 'aggressive', 'base', 'ike2')
    peer_fields = [
        Field('name', Str(), unsettable=False),
        Field('address', PeerAddress(allow_dns=True)),
        Field('local-address', Address()),
        Field('passive', Bool(), default='false'),
        _hidden('port', Int(0, 65535), '500'),
        Field('profile', Ref(PROFILE), default='default'),
        Field('exchange-mode', Enum(*modes), default='main'),
        Field('send-initial-contact', Bool(), default='true'),
    ]
    if v >= (7, 21, 0):
        peer_fields.append(Field('ppk-secret', Str(), sensitive=True))
    peer_fields += [Field('comment', Str()), Field('disabled', Bool(), default='false')] + _flags('dynamic', 'responder')
    peer = Menu(PEER, peer_fields, key='name', verbs=WITH_DISABLE - no_reset, auto_name='peer', kind='peer',
                validate=_peer_validate, derive=_peer_derive, in_use=_in_use, builtin_flag=None)

    identity_fields = [
        Field('peer', Ref(PEER), mandatory=True, unsettable=False),
        Field('auth-method', Enum(*AUTH_METHODS), default='pre-shared-key'),
        _hidden('secret', Str(), '', sensitive=True),
        Field('generate-policy', Enum('no', 'port-override', 'port-strict'), default='no'),
        _hidden('my-id', Identifier(('auto', 'dn')), 'auto'),
        _hidden('remote-id', Identifier(('auto', 'dn', 'ignore')), 'auto'),
        _hidden('match-by', Enum('remote-id', 'certificate'), 'remote-id'),
        _hidden('mode-config', Ref(MODE_CONFIG, specials=('none',)), 'none'),
        _hidden('policy-template-group', Ref(GROUP), 'default'),
        _hidden('notrack-chain', Str(), ''),
        Field('certificate', Str()),
        Field('remote-certificate', Str()),
    ]
    if v7:
        identity_fields += [Field('key', Str()), Field('remote-key', Str())]
    identity_fields += [
        _hidden('eap-methods', MultiEnum('eap-mschapv2', 'eap-peap', 'eap-tls', 'eap-ttls'), 'eap-tls'),
        _hidden('username', Str(), ''),
        _hidden('password', Str(), '', sensitive=True),
        Field('comment', Str()),
        Field('disabled', Bool(), default='false'),
    ] + _flags('dynamic')
    identity = Menu(IDENTITY, identity_fields, verbs=WITH_DISABLE - no_reset, kind='identity', first_id=0xA, builtin_flag=None)

    proposal_fields = [
        Field('name', Str(), mandatory=True, unsettable=False),
        Field('auth-algorithms', MultiEnum(*ESP_AUTH, allow_empty=True), default='sha1'),
        Field('enc-algorithms', MultiEnum(*(ESP_ENC_V7 if v7 else ESP_ENC_V6)), default='aes-256-cbc,aes-192-cbc,aes-128-cbc'),
        Field('lifetime', Duration(), default='30m'),
        Field('pfs-group', Enum(*(PFS_V7 if v7 else PFS_V6)), default='modp1024'),
    ]
    if v >= (7, 15, 0):
        proposal_fields.append(Field('comment', Str()))
    proposal_fields += [Field('disabled', Bool(), default='false')] + _flags('default')
    proposal_verbs = WITH_DISABLE - no_reset - (set() if v >= (7, 15, 0) else {'comment'})
    builtin_proposal = {'.id': '*0', 'name': 'default', 'auth-algorithms': 'sha1',
                        'enc-algorithms': 'aes-256-cbc,aes-192-cbc,aes-128-cbc', 'lifetime': '30m', 'pfs-group': 'modp1024',
                        'disabled': 'false'}
    proposal = Menu(PROPOSAL, proposal_fields, key='name', verbs=proposal_verbs, builtins=[builtin_proposal], kind='proposal',
                    in_use=_in_use)

    group_fields = [Field('name', Str(), mandatory=True, unsettable=False)]
    if v >= (7, 15, 0):
        group_fields.append(Field('comment', Str()))
    group_fields += _flags('default')
    group = Menu(GROUP, group_fields, key='name', verbs=(NAMED | ({'comment'} if v >= (7, 15, 0) else set())) - no_reset,
                 builtins=[{'.id': '*0', 'name': 'default'}], kind='group', in_use=_in_use)

    mode_fields = [
        Field('name', Str(), mandatory=True, unsettable=False),
        Field('responder', Bool(), default='false'),
        Field('address', Str()),
        Field('address-pool', Str()),
        Field('address-prefix-length', Int(1, 128)),
        Field('split-include', Str()),
        Field('src-address-list', Str()),
        Field('static-dns', Str()),
        Field('system-dns', Bool()),
    ]
    builtin_mode = {'.id': '*1', 'name': 'request-only', 'responder': 'false'}
    if v >= (7, 15, 0):
        mode_fields += [Field('connection-mark', Str()), Field('use-responder-dns', Enum('exclusively', 'yes', 'no'))]
        builtin_mode['use-responder-dns'] = 'exclusively'
    mode_fields += _flags('default')
    mode_config = Menu(MODE_CONFIG, mode_fields, key='name', verbs=NAMED - no_reset, builtins=[builtin_mode], kind='mode-config',
                       in_use=_in_use)

    policy_fields = [
        Field('src-address', Prefix(), default=any_addr),
        Field('src-port', PortSpec(), default='any'),
        Field('dst-address', Prefix(), default=any_addr),
        Field('dst-port', PortSpec(), default='any'),
        Field('protocol', Protocol(), default='all'),
        Field('action', Enum('encrypt', 'discard', 'none'), default='encrypt'),
        Field('level', Enum('require', 'use', 'unique'), default='require'),
        Field('ipsec-protocols', Enum('esp', 'ah'), default='esp'),
        Field('tunnel', Bool(), default='false'),
        Field('peer', Ref(PEER)),
        Field('proposal', Ref(PROPOSAL), default='default'),
        Field('sa-src-address', Address(), default=any_sa),
        Field('sa-dst-address', Address(), default=any_sa),
        _hidden('template', Bool(), 'false'),
        _hidden('group', Ref(GROUP), 'default'),
        Field('comment', Str()),
        Field('disabled', Bool(), default='false'),
        Field('active', Bool(), ro=True, runtime=True),
        Field('ph2-state', Str(), ro=True, runtime=True),
        Field('ph2-count', Int(), ro=True, runtime=True),
    ] + _flags('dynamic', 'invalid') + [_hidden('default', Bool(), 'false', ro=True)]
    # the template is ::/0 on both versions (MikroTik "Command Line Interface" manual: v6.22+ and v7)
    template = {'.id': '*1000000', 'src-address': '::/0', 'dst-address': '::/0', 'protocol': 'all', 'proposal': 'default',
                'template': 'true', 'group': 'default', 'disabled': 'false', 'dynamic': 'false', 'invalid': 'false'}
    policy = Menu(POLICY, policy_fields, verbs=ORDERED - no_reset, ordered=True, builtins=[template], first_id=0x1000001,
                  kind='policy', derive=_policy_derive, flag_false_shown=False)

    settings = Menu('/ip/ipsec/settings', [
        Field('accounting', Bool(), default='true'),
        Field('interim-update', Duration(), default='0s'),
        Field('xauth-use-radius', Bool(), default='false'),
    ], verbs=SINGLETON, singleton=True, builtin_flag=None)

    statistics = Menu('/ip/ipsec/statistics', [Field(n, Int(), ro=True, runtime=True) for n in STATISTICS],
                      verbs=READ, singleton=True, builtin_flag=None)

    peer_rows = ['local-address', 'remote-address', 'port', 'state', 'side', 'uptime', 'last-seen', 'ph2-total', 'rx-bytes',
                 'rx-packets', 'tx-bytes', 'tx-packets', 'dynamic-address', 'comment']
    if v7:
        peer_rows += ['id', 'spii', 'spir']
    active_peers = Menu('/ip/ipsec/active-peers', [Field(n, ro=True) for n in peer_rows] + _flags('responder', 'natt-peer'),
                        verbs=READ | {'remove', 'kill-connections'}, runtime_rows=True, builtin_flag=None)
    sa_fields = [Field(n, ro=True) for n in ('spi', 'src-address', 'dst-address', 'state', 'auth-algorithm', 'enc-algorithm',
                                             'enc-key-size', 'addtime', 'expires-in', 'add-lifetime', 'current-bytes',
                                             'current-packets', 'replay', 'invalid-packets')]
    installed_sa = Menu('/ip/ipsec/installed-sa', sa_fields + _flags('seen-traffic', 'hw-aead', 'AH', 'ESP'),
                        verbs=READ | {'flush'}, runtime_rows=True, builtin_flag=None)
    return [profile, peer, identity, proposal, group, mode_config, policy, settings, statistics, active_peers, installed_sa]
