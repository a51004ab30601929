"""The lab's two vocabularies as neutral end descriptions: a cloud connection (Tencent's words) and a router's
``/ip/ipsec`` menus (RouterOS's words), each translated one-to-one into an ``EndSpec`` for its charon.

Tencent's values: Tencent Cloud API, VPC, IKEOptionsSpecification / IPSECOptionsSpecification
(https://www.tencentcloud.com/document/api/215); RouterOS's: MikroTik "IPsec" manual
(https://help.mikrotik.com/docs/display/ROS/IPsec); strongSwan's keywords:
https://docs.strongswan.org/docs/5.9/config/IKEv2CipherSuites.html. A value with no strongSwan counterpart the lab
loads raises ``Untranslatable`` naming the place, the field, the value and what the real-IKE lab supports.
"""

import itertools
import re

from emulator import negotiation
from emulator.strongswan.endspec import ChildSpec, EndSpec, Identity, Proposal, SpecError

TENCENT_ENCRYPTION = {'AES-CBC-128': 'aes128', 'AES-CBC-192': 'aes192', 'AES-CBC-256': 'aes256', '3DES-CBC': '3des',
                      'AES128GCM128': 'aes128gcm16', 'AES256GCM128': 'aes256gcm16'}
TENCENT_INTEGRITY = {'MD5': 'md5', 'SHA': 'sha1', 'SHA1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512'}
TENCENT_DH = {'GROUP1': 'modp768', 'GROUP2': 'modp1024', 'GROUP5': 'modp1536', 'GROUP14': 'modp2048', 'GROUP15': 'modp3072',
              'GROUP16': 'modp4096', 'GROUP19': 'ecp256', 'GROUP20': 'ecp384', 'GROUP21': 'ecp521'}
ROS_IKE_ENCRYPTION = {'aes-128': 'aes128', 'aes-192': 'aes192', 'aes-256': 'aes256', '3des': '3des'}
ROS_ESP_ENCRYPTION = {'aes-128-cbc': 'aes128', 'aes-192-cbc': 'aes192', 'aes-256-cbc': 'aes256', '3des': '3des',
                      'aes-128-gcm': 'aes128gcm16', 'aes-256-gcm': 'aes256gcm16'}
ROS_INTEGRITY = {name: name for name in ('md5', 'sha1', 'sha256', 'sha384', 'sha512')}
ROS_DH = {name: name for name in ('modp768', 'modp1024', 'modp1536', 'modp2048', 'modp3072', 'modp4096', 'ecp256', 'ecp384', 'ecp521')}
AEAD = ('aes128gcm16', 'aes256gcm16')
_UNSAFE = re.compile(r'[^A-Za-z0-9_-]')


class Untranslatable(ValueError):
    """A lab value the real-IKE lab cannot give to strongSwan; the message says where and what is supported."""


def conn_name(text):
    """A swanctl connection name for a lab name (peer or connection names may hold dots or spaces)."""
    return _UNSAFE.sub('-', str(text))[:50] or 'conn'


def _pick(where, field, value, table):
    if value not in table:
        raise Untranslatable(f'{where}: {field}={value!r} has no strongSwan counterpart in the real-IKE lab; '
                             f'supported: {", ".join(table)}')
    return table[value]


# ---- the cloud side ---------------------------------------------------------------------------------
def _tencent_id(identity):
    return Identity('address' if identity.type == 'ADDRESS' else 'fqdn', identity.value)


def initiates(conn):
    """A cloud connection with NegotiationType ``active`` initiates and keeps initiating until it is up; ``passive`` only
    answers; ``flowTrigger`` initiates on VPC traffic, which the lab does not send (Tencent Cloud API, VPC,
    CreateVpnConnection, NegotiationType)."""
    return conn.negotiation == 'active'


def cloud_end(cloud, conn):
    """One cloud connection -> the cloud gateway's EndSpec (one CHILD SA per SPD mapping)."""
    where = f'cloud {cloud.name}, connection {conn.name}'
    ike = Proposal(_pick(where, 'ike.encryption', conn.ike.encryption, TENCENT_ENCRYPTION),
                   _pick(where, 'ike.integrity', conn.ike.integrity, TENCENT_INTEGRITY),
                   _pick(where, 'ike.dh_group', conn.ike.dh_group, TENCENT_DH))
    encryption = _pick(where, 'ipsec.encryption', conn.ipsec.encryption, TENCENT_ENCRYPTION)
    integrity = None if encryption in AEAD else _pick(where, 'ipsec.integrity', conn.ipsec.integrity, TENCENT_INTEGRITY)
    pfs = None if conn.ipsec.pfs == 'NULL' else _pick(where, 'ipsec.pfs', conn.ipsec.pfs[len('DH-'):], TENCENT_DH)
    esp = Proposal(encryption, integrity, pfs)
    name = conn_name(conn.name)
    mappings = conn.mappings()
    children = tuple(ChildSpec(f'{name}-{n}', (local,), (remote,), esp, conn.ipsec.lifetime) for n, (local, remote) in enumerate(mappings))
    version = 2 if conn.ike.version == 'IKEV2' else 1
    try:
        return EndSpec(name=name, ike_version=version, local_address=cloud.public_address, remote_address=conn.customer_gateway,
                       local_id=_tencent_id(conn.ike.local_identity), remote_id=_tencent_id(conn.ike.remote_identity), psk=conn.psk,
                       ike_proposal=ike, esp_proposal=esp, local_ts=tuple(m[0] for m in mappings),
                       remote_ts=tuple(m[1] for m in mappings), ike_lifetime=conn.ike.lifetime, esp_lifetime=conn.ipsec.lifetime,
                       exchange_mode='aggressive' if version == 1 and conn.ike.exchange_mode == 'AGGRESSIVE' else 'main',
                       children=children)
    except SpecError as exc:
        raise Untranslatable(f'{where}: {exc}') from None


# ---- the router side --------------------------------------------------------------------------------
def _ros_id(where, field, text, own):
    """RouterOS my-id / remote-id -> Identity; ``auto`` is ``own`` (the router's address, or the peer's)."""
    text = str(text)
    if text == 'auto':
        return Identity('address', own)
    if text == 'ignore':
        return Identity('any', '')
    kind, _sep, value = text.partition(':')
    if kind not in ('address', 'fqdn'):
        raise Untranslatable(f'{where}: {field}={text!r} is not supported by the real-IKE lab; supported: auto, ignore, '
                             'address:<ip>, fqdn:<name>')
    return Identity(kind, value)


def _ike_proposals(where, profile):
    product = itertools.product(negotiation.values(profile['enc-algorithm']), negotiation.values(profile['hash-algorithm']),
                                negotiation.values(profile['dh-group']))
    return tuple(Proposal(_pick(where, 'profile enc-algorithm', enc, ROS_IKE_ENCRYPTION),
                          _pick(where, 'profile hash-algorithm', integ, ROS_INTEGRITY),
                          _pick(where, 'profile dh-group', dh, ROS_DH)) for enc, integ, dh in product)


def _esp_proposals(where, proposal):
    pfs_group = proposal['pfs-group']
    pfs = None if pfs_group == 'none' else _pick(where, 'proposal pfs-group', pfs_group, ROS_DH)
    out = []
    for enc in negotiation.values(proposal['enc-algorithms']):
        cipher = _pick(where, 'proposal enc-algorithms', enc, ROS_ESP_ENCRYPTION)
        if cipher in AEAD:
            out.append(Proposal(cipher, None, pfs))
            continue
        out += [Proposal(cipher, _pick(where, 'proposal auth-algorithms', auth, ROS_INTEGRITY), pfs)
                for auth in negotiation.values(proposal['auth-algorithms'])]
    return tuple(out)


def _peer_parts(config, name, responder=False):
    """(peer, identity, [(index, policy)]) of an initiating peer (with ``responder``: of an enabled passive one too) with
    RouterOS defaults filled in, or (reason, None, None)."""
    peer = negotiation.with_defaults(negotiation.PEER_DEFAULTS, next(p for p in config.peers if p.get('name') == name))
    if negotiation.truthy(peer['disabled']):
        return 'disabled', None, None
    if negotiation.truthy(peer['passive']) and not responder:
        return 'passive', None, None
    identity = next((negotiation.with_defaults(negotiation.IDENTITY_DEFAULTS, i) for i in config.identities
                     if i.get('peer') == name and not negotiation.truthy(i.get('disabled', 'false'))), None)
    if identity is None:
        return 'no-identity', None, None
    policies = [(n, negotiation.with_defaults(negotiation.POLICY_DEFAULTS, p)) for n, p in enumerate(config.policies) if p.get('peer') == name]
    policies = [(n, p) for n, p in policies
                if not negotiation.truthy(p['disabled']) and p['action'] == 'encrypt' and not negotiation.truthy(p['template'])]
    if not policies:
        return 'no-policy', None, None
    return peer, identity, policies


def router_end(config, name, responder=False):
    """One peer of a router (``negotiation.RouterConfig``) -> (EndSpec, {child name: policy .id}) or (reason it does not
    initiate, None): the same peers initiate as in the modelled IKE. With ``responder``, a passive peer (``passive=yes``:
    RouterOS only answers it, IPsec manual, Peers) is translated too, as an end that does not keep initiating."""
    peer, identity, policies = _peer_parts(config, name, responder)
    if identity is None:
        return peer, None
    where = f'router {config.name}, peer {name}'
    remote = negotiation.single_host(peer.get('address', ''))
    if remote is None:
        return 'no-single-address', None
    if peer['exchange-mode'] not in ('main', 'aggressive', 'ike2'):
        raise Untranslatable(f"{where}: exchange-mode={peer['exchange-mode']!r} is not supported by the real-IKE lab; "
                             'supported: main, aggressive, ike2')
    if identity['auth-method'] != 'pre-shared-key':
        raise Untranslatable(f"{where}: identity auth-method={identity['auth-method']!r} is not supported by the real-IKE lab; "
                             'supported: pre-shared-key')
    profiles = negotiation.PROFILE_DEFAULTS_V6 if config.major < 7 else negotiation.PROFILE_DEFAULTS
    profile = negotiation.named(config.profiles, peer['profile'], profiles) or dict(profiles)
    base = conn_name(name)
    children, owners = [], {}
    for index, policy in policies:
        if (policy['protocol'], policy['src-port'], policy['dst-port']) != ('all', 'any', 'any'):
            raise Untranslatable(f"{where}: policy {policy.get('.id', index)} protocol={policy['protocol']} src-port={policy['src-port']} "
                                 f"dst-port={policy['dst-port']} is not supported by the real-IKE lab; supported: protocol=all, any ports")
        proposal = negotiation.named(config.proposals, policy['proposal'], negotiation.PROPOSAL_DEFAULTS) or dict(negotiation.PROPOSAL_DEFAULTS)
        child = ChildSpec(f'{base}-{index}', (negotiation.canonical_cidr(policy['src-address']),),
                          (negotiation.canonical_cidr(policy['dst-address']),), _esp_proposals(where, proposal),
                          negotiation.seconds(proposal['lifetime']))
        children.append(child)
        owners[child.name] = policy.get('.id')
    version = 2 if peer['exchange-mode'] == 'ike2' else 1
    try:
        spec = EndSpec(name=base, ike_version=version, local_address=config.wan_ip, remote_address=remote,
                       local_id=_ros_id(where, 'identity my-id', identity['my-id'], config.wan_ip),
                       remote_id=_ros_id(where, 'identity remote-id', identity['remote-id'], remote),
                       psk=str(identity['secret']), ike_proposal=_ike_proposals(where, profile),
                       esp_proposal=children[0].esp_proposal, local_ts=tuple(c.local_ts[0] for c in children),
                       remote_ts=tuple(c.remote_ts[0] for c in children), ike_lifetime=negotiation.seconds(profile['lifetime']),
                       esp_lifetime=children[0].esp_lifetime, exchange_mode='main' if version == 2 else peer['exchange-mode'],
                       children=tuple(children), keep_trying=not negotiation.truthy(peer['passive']))
    except SpecError as exc:
        raise Untranslatable(f'{where}: {exc}') from None
    return spec, owners
