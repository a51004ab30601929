# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Per-menu knowledge of ``/ip/ipsec/{profile,proposal,peer,identity,policy}``.

Allowed values per RouterOS major version come from MikroTik's IPsec manual (https://help.mikrotik.com/docs/spaces/ROS/pages/11993097/IPsec)
for 7.x and the RouterOS 6 manual's IPsec page for 6.49. These are also the capability sets the preflight
checks (``cloud.routeros_values``). Multi-value choice tuples are in RouterOS's canonical print order.
Defaults are what RouterOS means when ``print`` omits a property; they are used only to read the
router, never to write.
"""

from __future__ import annotations

from ansible_collections.vpclink.routeros.plugins.module_utils.menu import Field, MenuSpec

V7 = (7, 0, 0)

# profile
PROFILE_HASH = {6: ('md5', 'sha1', 'sha256', 'sha512'), 7: ('md5', 'sha1', 'sha256', 'sha384', 'sha512')}
PROFILE_ENC = {
    6: ('aes-256', 'aes-192', 'aes-128', 'camellia-256', 'camellia-192', 'camellia-128', 'blowfish', '3des', 'des'),
    7: ('aes-256', 'aes-192', 'aes-128', '3des', 'des'),
}
PROFILE_DH = {
    6: ('ecp521', 'ecp384', 'ecp256', 'modp8192', 'modp6144', 'modp4096', 'modp3072', 'modp2048', 'modp1536', 'modp1024',
        'ec2n185', 'ec2n155', 'modp768'),
    7: ('x25519', 'ecp256', 'ecp384', 'ecp521', 'modp8192', 'modp6144', 'modp4096', 'modp3072', 'modp2048', 'modp1536',
        'modp1024', 'modp768'),
}
PRF = ('auto', 'sha1', 'sha256', 'sha384', 'sha512')
PROPOSAL_CHECK = ('claim', 'exact', 'obey', 'strict')
PPK = ('no', 'psk', 'psk-ike-initial', 'qkd')

# peer
EXCHANGE_MODE = {6: ('main', 'main-l2tp', 'aggressive', 'base', 'ike2'), 7: ('main', 'aggressive', 'base', 'ike2')}

# identity
AUTH_METHOD = ('digital-signature', 'eap', 'eap-radius', 'pre-shared-key', 'pre-shared-key-xauth', 'rsa-key', 'rsa-signature-hybrid')
GENERATE_POLICY = ('no', 'port-override', 'port-strict')
MATCH_BY = ('remote-id', 'certificate')
EAP_METHODS = ('eap-mschapv2', 'eap-peap', 'eap-tls', 'eap-ttls')

# proposal
PROPOSAL_AUTH = ('sha512', 'sha256', 'sha1', 'md5', 'null')
_ENC_COMMON = ('aes-256-cbc', 'aes-256-ctr', 'aes-256-gcm', 'camellia-256', 'aes-192-cbc', 'aes-192-ctr', 'aes-192-gcm',
               'camellia-192', 'aes-128-cbc', 'aes-128-ctr', 'aes-128-gcm', 'camellia-128', '3des', 'blowfish', 'twofish', 'des', 'null')
PROPOSAL_ENC = {6: _ENC_COMMON, 7: ('chacha20poly1305',) + _ENC_COMMON}
PFS_GROUP = ('none', 'ecp256', 'ecp384', 'ecp521', 'modp768', 'modp1024', 'modp1536', 'modp2048', 'modp3072', 'modp4096',
             'modp6144', 'modp8192')

# policy
POLICY_ACTION = ('encrypt', 'discard', 'none')
POLICY_LEVEL = ('require', 'use', 'unique')
IPSEC_PROTOCOLS = ('esp', 'ah')


def _allowed_doc(table):
    if isinstance(table, dict):
        return [f"Allowed on RouterOS {major}: {', '.join(f'V({v})' for v in values)}." for major, values in sorted(table.items())]
    return ['Allowed: {}.'.format(', '.join(f'V({v})' for v in table))]


COMMENT = Field('comment', 'str', default='', description=['Comment on the entry, written after the ownership mark C(vpclink:<name>).'])
DISABLED = Field('disabled', 'bool', default=False, description=['Whether the entry is disabled.'])

PROFILE = MenuSpec('profile', '/ip/ipsec/profile', keys=('name',), flags=('default',), owner_key='name',
                   used_by=('/ip/ipsec/peer', 'profile'), fields=[
    Field('name', 'name', description=['Name of the phase 1 profile; the stable key of the entry.',
                                       'The built-in V(default) profile is never changed or removed.']),
    Field('hash-algorithm', 'choice', PROFILE_HASH, default='sha1',
          description=['Phase 1 hash (integrity) algorithm.'] + _allowed_doc(PROFILE_HASH)),
    Field('prf-algorithm', 'choice', PRF, default='auto', min_version=V7,
          description=['IKEv2 pseudo-random function.'] + _allowed_doc(PRF)),
    Field('enc-algorithm', 'multi', PROFILE_ENC, default={6: 'aes-128', 7: 'aes-128,3des'},
          description=['Phase 1 encryption algorithms (a set: order does not matter). A list or a comma string.'] + _allowed_doc(PROFILE_ENC)),
    Field('dh-group', 'multi', PROFILE_DH, default='modp2048,modp1024',
          description=['Diffie-Hellman groups (a set). A list or a comma string.'] + _allowed_doc(PROFILE_DH)),
    Field('lifetime', 'duration', default='1d',
          description=['Phase 1 SA lifetime, RouterOS time syntax (V(1d) equals V(24h) and V(86400s)).']),
    Field('lifebytes', 'int', default=0, minimum=0, maximum=4294967295, description=['Phase 1 lifetime in bytes, V(0) for none.']),
    Field('proposal-check', 'choice', PROPOSAL_CHECK, default='obey',
          description=['How the responder checks the initiator lifetime and PFS.'] + _allowed_doc(PROPOSAL_CHECK)),
    Field('nat-traversal', 'bool', default=True, description=['Use NAT-T (UDP 4500) when NAT is detected.']),
    Field('dpd-interval', 'duration', specials=('disable-dpd',),
          description=['Dead peer detection interval (V(0s)..V(1h)), or V(disable-dpd).']),
    Field('dpd-maximum-failures', 'int', minimum=1, maximum=100, description=['Dead peer detection failures before the peer is declared dead (1..100).']),
    Field('ppk', 'choice', PPK, default='no', min_version=(7, 21, 0),
          description=['Post-quantum preshared key mode.'] + _allowed_doc(PPK)),
])

PROPOSAL = MenuSpec('proposal', '/ip/ipsec/proposal', keys=('name',), flags=('default',), owner_key='name',
                    used_by=('/ip/ipsec/policy', 'proposal'), fields=[
    Field('name', 'name', description=['Name of the phase 2 proposal; the stable key of the entry.',
                                       'The built-in V(default) proposal is never changed or removed.']),
    Field('auth-algorithms', 'multi', PROPOSAL_AUTH, default='sha1',
          description=['Phase 2 authentication algorithms (a set). A list or a comma string. Use V([]) with GCM ciphers.']
          + _allowed_doc(PROPOSAL_AUTH)),
    Field('enc-algorithms', 'multi', PROPOSAL_ENC, default='aes-256-cbc,aes-192-cbc,aes-128-cbc',
          description=['Phase 2 encryption algorithms (a set). A list or a comma string.'] + _allowed_doc(PROPOSAL_ENC)),
    Field('lifetime', 'duration', default='30m', description=['Phase 2 SA lifetime, RouterOS time syntax.']),
    Field('pfs-group', 'choice', PFS_GROUP, default='modp1024',
          description=['Perfect forward secrecy group, V(none) to disable.'] + _allowed_doc(PFS_GROUP)),
    Field('comment', 'str', default='', min_version=(7, 15, 0),
          description=['Comment on the entry, written after the ownership mark C(vpclink:<name>) (RouterOS 7.15 and later).']),
    DISABLED,
])

PEER = MenuSpec('peer', '/ip/ipsec/peer', keys=('name',), flags=('dynamic',), owner_key='name', fields=[
    Field('name', 'name', description=['Name of the peer; the stable key of the entry.']),
    Field('address', 'peer_address', dns_from=V7,
          description=['Remote gateway address or prefix; a plain address means /32 (IPv4) or /128 (IPv6).',
                       'RouterOS 7 also accepts a DNS name.']),
    Field('local-address', 'address', description=['Local address to use for IKE.']),
    Field('passive', 'bool', default=False, description=['Only respond, never initiate.']),
    Field('port', 'int', default=500, minimum=0, maximum=65535, option='ike_port',
          description=['Remote IKE port (RouterOS property C(port); renamed because O(port) is the API port).']),
    Field('profile', 'str', default='default', reference=('/ip/ipsec/profile', 'name'), builtin_refs=('default',),
          description=['Name of the phase 1 profile (M(vpclink.routeros.ipsec_profile)); it must exist.']),
    Field('exchange-mode', 'choice', EXCHANGE_MODE, default='main',
          description=['IKE exchange mode.'] + _allowed_doc(EXCHANGE_MODE)),
    Field('send-initial-contact', 'bool', default=True, description=['Send the INITIAL-CONTACT notification.']),
    Field('ppk-secret', 'str', sensitive=True, min_version=(7, 21, 0),
          description=['Post-quantum preshared key. Never shown; see O(update_secret).']),
    COMMENT,
    DISABLED,
])

IDENTITY = MenuSpec('identity', '/ip/ipsec/identity', keys=('peer',), flags=('dynamic',), owner_key='peer', fields=[
    Field('peer', 'str', reference=('/ip/ipsec/peer', 'name'),
          description=['Name of the peer (M(vpclink.routeros.ipsec_peer)); the stable key of the entry: one identity per peer.']),
    Field('auth-method', 'choice', AUTH_METHOD, default='pre-shared-key',
          description=['Authentication method.'] + _allowed_doc(AUTH_METHOD)),
    Field('secret', 'secret', sensitive=True,
          description=['Pre-shared key. Never shown in results, diffs or errors; see O(update_secret).']),
    Field('generate-policy', 'choice', GENERATE_POLICY, default='no',
          description=['Generate policies dynamically from the peer\'s proposal.'] + _allowed_doc(GENERATE_POLICY)),
    Field('my-id', 'ike_id', default='auto',
          description=['Local identity: V(auto), V(dn), or V(address:...), V(fqdn:...), V(user-fqdn:...), V(key-id:...).']),
    Field('remote-id', 'ike_id', default='auto', ike_extra=('ignore',),
          description=['Expected remote identity: as O(my_id), plus V(ignore).']),
    Field('match-by', 'choice', MATCH_BY, default='remote-id', description=['How the remote identity is matched.'] + _allowed_doc(MATCH_BY)),
    Field('mode-config', 'str', default='none', description=['Mode config name, V(none) or V(request-only).']),
    Field('policy-template-group', 'str', default='default', description=['Policy template group for generated policies.']),
    Field('notrack-chain', 'str', default='', description=['Raw firewall chain for notrack rules.']),
    Field('certificate', 'str', description=['Local certificate name (certificate authentication).']),
    Field('remote-certificate', 'str', description=['Remote certificate name (certificate authentication).']),
    Field('eap-methods', 'multi', EAP_METHODS, default='eap-tls', description=['EAP methods (a set).'] + _allowed_doc(EAP_METHODS)),
    Field('username', 'str', option='auth_username',
          description=['XAuth or EAP user name (RouterOS property C(username); renamed because O(username) is the API user).']),
    Field('password', 'str', sensitive=True, option='auth_password',
          description=['XAuth or EAP password (RouterOS property C(password); renamed because O(password) is the API password).',
                       'Never shown; see O(update_secret).']),
    COMMENT,
    DISABLED,
])

POLICY = MenuSpec('policy', '/ip/ipsec/policy', keys=('peer', 'src-address', 'dst-address'), query_keys=('peer',),
                  flags=('default', 'dynamic', 'template'), owner_key='peer', fields=[
    Field('peer', 'str', reference=('/ip/ipsec/peer', 'name'),
          description=['Name of the peer (M(vpclink.routeros.ipsec_peer)); part of the stable key.']),
    Field('src-address', 'cidr',
          description=['Local network, e.g. V(192.168.1.0/24); part of the key. A plain address means /32.',
                       'A prefix with host bits set (V(192.168.1.5/24)) is rejected.']),
    Field('dst-address', 'cidr', description=['Remote (VPC) network, e.g. V(10.0.0.0/16); part of the key.']),
    Field('action', 'choice', POLICY_ACTION, default='encrypt', description=['What to do with matching traffic.'] + _allowed_doc(POLICY_ACTION)),
    Field('level', 'choice', POLICY_LEVEL, default='require', description=['SA level.'] + _allowed_doc(POLICY_LEVEL)),
    Field('ipsec-protocols', 'multi', IPSEC_PROTOCOLS, default='esp', description=['IPsec protocols (a set).'] + _allowed_doc(IPSEC_PROTOCOLS)),
    Field('tunnel', 'bool', default=False, description=['Tunnel mode (site-to-site needs V(true)).']),
    Field('proposal', 'str', default='default', reference=('/ip/ipsec/proposal', 'name'), builtin_refs=('default',),
          description=['Name of the phase 2 proposal (M(vpclink.routeros.ipsec_proposal)); it must exist.']),
    Field('protocol', 'str', default='all', description=['IP protocol to match, V(all) or a name or number.']),
    Field('src-port', 'str', default='any', description=['Source port, V(any) or a number.']),
    Field('dst-port', 'str', default='any', description=['Destination port, V(any) or a number.']),
    COMMENT,
    DISABLED,
])

SPECS = {
    'ipsec_profile': PROFILE,
    'ipsec_proposal': PROPOSAL,
    'ipsec_peer': PEER,
    'ipsec_identity': IDENTITY,
    'ipsec_policy': POLICY,
}


def argument_spec(module_name):
    """The full argument spec of an object module: shared connection options + the menu's options."""
    from ansible_collections.vpclink.routeros.plugins.module_utils.api import api_argument_spec

    spec = api_argument_spec()
    spec.update(SPECS[module_name].argument_spec())
    return spec
