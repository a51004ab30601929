"""The IKE/IPsec log line catalogue: what each side writes, per outcome.

The router side writes RouterOS ``/log`` rows as ``(topics, message)`` with the ``ipsec`` topics (MikroTik
"Log" and "IPsec" manuals: https://help.mikrotik.com/docs/display/ROS/Log,
https://help.mikrotik.com/docs/display/ROS/IPsec); RouterOS's IKEv1 texts are those of racoon (ipsec-tools),
from which they derive. The cloud side writes strongSwan-style lines (Tencent's gateway is strongSwan-based, its
tunnel log adds ``IKE_NEGO:`` / ``IKE_SA_ESTABLISH_FAIL:`` summaries: Tencent Cloud "VPN tunnel log error
messages", https://cloud.tencent.com/document/product/554/79960; strongSwan's lines per failure as the pfSense
"Troubleshooting IPsec VPNs" page quotes them, https://docs.netgate.com/pfsense/en/latest/troubleshooting/ipsec.html).

In the lab the ROUTER INITIATES (negotiation.py), so the router lines are initiator lines and the
cloud lines are responder lines, except ``cloud_retransmits`` (an active cloud nobody answers).

Ambiguities of the real thing are kept on purpose, a line never names its failure class:
* IKEv2 router: ``got fatal error: NO_PROPOSAL_CHOSEN`` for a phase-1 proposal AND an IKE-version
  mismatch; cloud ``generating IKE_SA_INIT response 0 [ N(NO_PROP) ]`` for both.
* IKEv2 router: ``got fatal error: AUTHENTICATION_FAILED`` for a PSK AND an identity mismatch.
* IKEv1 router: ``fatal AUTHENTICATION-FAILED notify messsage ...`` for an exchange-mode AND an
  identity mismatch; the cloud's ``no peer config found`` / Tencent ``...no peer config found by ID
  payload`` too (Tencent's log says the same for a wrong ID and a wrong exchange mode).
* IKEv1 router: ``fatal NO-PROPOSAL-CHOSEN notify messsage ...`` for phase-2 proposal, PFS and
  phase-1 proposal (told apart only by the phase-1 state); cloud ``[ HASH N(NO_PROP) ]`` for both
  phase-2 causes.
* IKEv1 router to an IKEv2-only cloud: no answer, the same time-up lines as an unreachable peer.

Texts no public source gives word for word, and what the lab chose (each marked "chosen" below):
* RouterOS IKEv1 received error notify: racoon's ``<ip> fatal <NAME> notify messsage, phase1 should
  be deleted.`` (the wording MikroTik users quote, misspelling kept) with racoon's notify names, which use
  hyphens and call IKEv1 notify type 1 ``INVALID-PAYLOAD-TYPE`` (strongSwan prints the same number as
  ``UNSUPPORTED_CRITICAL_PAYLOAD``, the line Alibaba Cloud's IPsec FAQ gives for a wrong customer gateway IP).
* RouterOS IKEv2 received error notify: ``got fatal error: <NOTIFY>`` (IKE SA) and
  ``<ip> child SA negotiation failed: <NOTIFY>`` (CHILD SA; the IKE SA stays up).
* RouterOS success lines: racoon's ``ISAKMP-SA established`` / ``IPsec-SA established: ESP/Tunnel``
  (RouterOS IKEv1 is racoon-based); IKEv2 ``new ike2 SA (I): ...`` (``(R)`` as responder); both versions log the
  per-child ``IPsec-SA established`` pair.
* RouterOS IKEv2 time-out: the IKEv1 ``phase1 negotiation failed due to time up`` text (the only one
  a public log shows).
* RouterOS initiator rejecting the cloud's ID: ``identity not found for initiator: <id> peer: <addr>``,
  shaped like the verified responder line.
* strongSwan success/child lines use strongSwan's usual formats.
"""

import dataclasses

ZERO_SPI = '0000000000000000'

# topics of the IPsec /log rows (MikroTik "Log" manual)
INFO = 'ipsec,info'
ERROR = 'ipsec,error'


@dataclasses.dataclass(frozen=True)
class Ctx:
    """Everything a phase-1 line may mention. Addresses are plain IPs."""
    version: int                 # 1 or 2
    mode: str                    # RouterOS exchange-mode: main | aggressive | base | ike2
    local: str                   # the router's own (WAN) address
    public: str                  # the router's address as the cloud sees it (after NAT)
    remote: str                  # the cloud gateway's address
    natt: bool
    conn: str                    # the cloud connection's name (strongSwan's conn name)
    unique: int                  # strongSwan's IKE_SA unique number [n]
    mid: int                     # message id for INFORMATIONAL_V1 lines
    spii: str
    spir: str
    router_id: tuple             # (type, value) the router sends: ('ADDRESS', '10.0.0.2') / ('FQDN', 'x')
    cloud_id: tuple              # (type, value) the cloud sends
    ike_received: str = ''       # strongSwan proposal text, what the router offered
    ike_configured: str = ''     # strongSwan proposal text, what the cloud has
    initiator: bool = True       # False: the cloud initiated (an active connection) and the router's passive peer answered

    @property
    def port(self):
        """The IKE port once NAT was detected (IKEv1 after message 3/4, IKEv2 from IKE_AUTH)."""
        return 4500 if self.natt else 500


@dataclasses.dataclass(frozen=True)
class Child:
    """One policy's phase 2, from the router's point of view."""
    lan: str                     # router policy src-address (the cloud's remote CIDR)
    vpc: str                     # router policy dst-address (the cloud's local CIDR)
    spi_in: int = 0              # router inbound SA = cloud outbound
    spi_out: int = 0             # router outbound SA = cloud inbound
    unique: int = 1              # strongSwan CHILD_SA unique number {k}
    esp_received: str = ''
    esp_configured: str = ''


@dataclasses.dataclass
class Lines:
    router: list = dataclasses.field(default_factory=list)   # [(topics, message)]
    cloud: list = dataclasses.field(default_factory=list)    # [message]

    def extend(self, other):
        self.router.extend(other.router)
        self.cloud.extend(other.cloud)
        return self


# ---- identities in each side's notation -------------------------------------------------------
def ros_id(identity):
    kind, value = identity
    return {'ADDRESS': 'ADDR4', 'FQDN': 'FQDN', 'USER_FQDN': 'USER_FQDN', 'KEY_ID': 'KEY_ID'}.get(kind, kind) + ':' + value


def tencent_id(identity):
    kind, value = identity
    return {'ADDRESS': 'ID_IPV4_ADDR', 'FQDN': 'ID_FQDN', 'USER_FQDN': 'ID_USER_FQDN', 'KEY_ID': 'ID_KEY_ID'}.get(kind, kind) + ':' + value


def swan_id(identity):
    return identity[1]


# ---- RouterOS wording, one function per event ---------------------------------------------
# The modelled IKE (the builders below) and the real-IKE lab (emulator/strongswan/events.py, which maps
# charon's events to these) both write the router's /log through these functions only.
_V1_MODE_TEXT = {'main': 'Identity Protection', 'aggressive': 'Aggressive', 'base': 'Base'}
# racoon's names where they differ from IKEv2's with hyphens (see the module doc)
_V1_NOTIFY = {'UNSUPPORTED_CRITICAL_PAYLOAD': 'INVALID-PAYLOAD-TYPE'}


def ros_phase1_start(mode, local, remote):
    """An IKEv1 initiator starting phase 1: initiate new phase 1 (Identity Protection): A[500]<=>B[500]."""
    return (INFO, f'initiate new phase 1 ({_V1_MODE_TEXT.get(mode, mode)}): {local}[500]<=>{remote}[500]')


def ros_ike_established(version, local, remote, port, spii, spir, initiator=True):
    """The router's phase-1 success line; IKEv2 says which side the router was: ``(I)`` initiator, ``(R)`` responder
    (a passive peer answering the other end)."""
    if version == 1:
        return (INFO, f'ISAKMP-SA established {local}[{port}]-{remote}[{port}] spi:{spii}:{spir}')
    return (INFO, f'new ike2 SA ({"I" if initiator else "R"}): {local}[{port}]-{remote}[{port}] spi:{spir}:{spii}')


def ros_child_established(local, remote, port, spi_in, spi_out):
    """The two IPsec-SA lines of one phase 2 (inbound first)."""
    return [(INFO, f'IPsec-SA established: ESP/Tunnel {remote}[{port}]->{local}[{port}] spi={spi_in}(0x{spi_in:x})'),
            (INFO, f'IPsec-SA established: ESP/Tunnel {local}[{port}]->{remote}[{port}] spi={spi_out}(0x{spi_out:x})')]


def _v1_notify(name):
    return _V1_NOTIFY.get(name, name.replace('_', '-'))


def ros_ike_notify(version, remote, name):
    """The router receiving error notify ``name`` (IKEv2 spelling) for its IKE SA (chosen texts, see module doc)."""
    if version == 1:
        return (ERROR, f'{remote} fatal {_v1_notify(name)} notify messsage, phase1 should be deleted.')
    return (ERROR, f'got fatal error: {name}')


def ros_child_notify(version, remote, name):
    """The router receiving error notify ``name`` for a phase 2 (IKEv2: the IKE SA stays up)."""
    if version == 1:
        return ros_ike_notify(1, remote, name)
    return (ERROR, f'{remote} child SA negotiation failed: {name}')


def ros_time_up(local, remote, spii):
    return (ERROR, f'phase1 negotiation failed due to time up {local}[500]<=>{remote}[500] {spii}:{ZERO_SPI}')


def ros_wrong_password(remote):
    """IKEv1: a packet of the peer that cannot be decrypted (racoon's hint)."""
    return (ERROR, f'{remote} parsing packet failed, possible cause: wrong password')


def _ros_notify(ctx, name):
    return ros_ike_notify(ctx.version, ctx.remote, name)


def _ros_time_up(ctx):
    return ros_time_up(ctx.local, ctx.remote, ctx.spii)


def _ros_prefix(ctx):
    return [ros_phase1_start(ctx.mode, ctx.local, ctx.remote)] if ctx.version == 1 else []


# ---- strongSwan (cloud) building blocks -----------------------------------------------------
def _swan_start(ctx):
    if ctx.version == 2:
        lines = [f'{ctx.public}[500] is initiating an IKE_SA']
    else:
        # strongSwan really writes "a Aggressive Mode"
        lines = [f'{ctx.public}[500] is initiating a {"Aggressive" if ctx.mode == "aggressive" else "Main"} Mode IKE_SA']
    if ctx.natt:
        lines.append('remote host is behind NAT')
    return lines


def _swan_established(ctx):
    return (f'IKE_SA {ctx.conn}[{ctx.unique}] established between '
            f'{ctx.remote}[{swan_id(ctx.cloud_id)}]...{ctx.public}[{swan_id(ctx.router_id)}]')


def _tencent_fail(reason):
    return f'IKE_SA_ESTABLISH_FAIL:Failed to establish IKE SA for the reason of {reason}'


# ---- phase 1 ----------------------------------------------------------------------------------
def _swan_initiating(ctx):
    """The cloud initiating (strongSwan src/libcharon/sa/ikev1/tasks/main_mode.c, aggressive_mode.c; ikev2/tasks/ike_init.c)."""
    if ctx.version == 2:
        return [f'initiating IKE_SA {ctx.conn}[{ctx.unique}] to {ctx.public}']
    return [f'initiating {"Aggressive" if ctx.mode == "aggressive" else "Main"} Mode IKE_SA {ctx.conn}[{ctx.unique}] to {ctx.public}']


def phase1_success(ctx):
    # the router initiated (the cloud answers), or its passive peer answered the cloud's initiation
    lines = Lines(router=_ros_prefix(ctx), cloud=_swan_start(ctx)) if ctx.initiator else Lines(cloud=_swan_initiating(ctx))
    p = ctx.port
    lines.router.append(ros_ike_established(ctx.version, ctx.local, ctx.remote, p, ctx.spii, ctx.spir, ctx.initiator))
    lines.cloud.append(_swan_established(ctx))
    return lines


def phase1_failure(klass, ctx, detail=None):
    """Lines for a phase-1 failure of class ``klass``. ``detail`` refines a few classes:
    exchange_mode: the router's mode; identity: 'my-id' (cloud rejects) or 'remote-id' (router rejects)."""
    return _PHASE1[klass](ctx, detail)


def _no_response(ctx, _detail):
    # the peer does not answer; nothing reaches a cloud, so no cloud line
    return Lines(router=_ros_prefix(ctx) + [_ros_time_up(ctx)])


def _customer_gateway(ctx, _detail):
    # The gateway has no tunnel for this source address: it answers with an error notify (guide:
    # "received UNSUPPORTED_CRITICAL_PAYLOAD error notify" = wrong customer gateway IP) and, having no
    # tunnel for the peer, writes nothing to any tunnel log (chosen).
    return Lines(router=_ros_prefix(ctx) + [_ros_notify(ctx, 'UNSUPPORTED_CRITICAL_PAYLOAD')])


def _ike_version(ctx, _detail):
    if ctx.version == 1:
        # RouterOS IKEv1 to an IKEv2-only gateway: no answer (what racoon/strongSwan sources imply): like no_response
        return _no_response(ctx, None)
    # RouterOS ike2 to an IKEv1-only gateway (strongSwan src/libcharon/sa/ikev2/tasks/ike_init.c)
    return Lines(router=[_ros_notify(ctx, 'NO_PROPOSAL_CHOSEN')],
                 cloud=_swan_start(ctx)[:1] + [f'no IKE config found for {ctx.remote}...{ctx.public}, sending NO_PROPOSAL_CHOSEN',
                                               'generating IKE_SA_INIT response 0 [ N(NO_PROP) ]'])


def _exchange_mode(ctx, _detail):
    if ctx.mode == 'aggressive':
        # strongSwan responder: "Aggressive Mode PSK disabled for security reasons" -> N(AUTH_FAILED) (pfSense page)
        cloud = _swan_start(ctx)[:1] + ['Aggressive Mode PSK disabled for security reasons',
                                        f'generating INFORMATIONAL_V1 request {ctx.mid} [ N(AUTH_FAILED) ]']
    else:
        # A Main (or Base) Mode initiator against an AGGRESSIVE-only connection: the gateway finds no
        # peer config once the ID arrives (Tencent's tunnel log: "...no peer config found by ID payload").
        # pfSense notes a Main initiator may get through; the lab, like Tencent's log, refuses (chosen).
        cloud = _swan_start(ctx) + [f'looking for pre-shared key peer configs matching {ctx.remote}...{ctx.public}[{swan_id(ctx.router_id)}]',
                                    'no peer config found',
                                    f'generating INFORMATIONAL_V1 request {ctx.mid} [ HASH N(AUTH_FAILED) ]']
    cloud.append(_tencent_fail(f'responder no peer config found by ID payload, received[{tencent_id(ctx.router_id)}]'))
    return Lines(router=_ros_prefix(ctx) + [_ros_notify(ctx, 'AUTHENTICATION_FAILED')], cloud=cloud)


def _phase1_proposal(ctx, _detail):
    cloud = _swan_start(ctx)[:1] + [f'received proposals: {ctx.ike_received}', f'configured proposals: {ctx.ike_configured}',
                                    'no proposal found']
    if ctx.version == 1:
        cloud.append(f'generating INFORMATIONAL_V1 request {ctx.mid} [ N(NO_PROP) ]')
    else:
        cloud.append('generating IKE_SA_INIT response 0 [ N(NO_PROP) ]')
    cloud.append(_tencent_fail(f'no matching proposal, configured [{ctx.ike_configured}], received [{ctx.ike_received}]'))
    return Lines(router=_ros_prefix(ctx) + [_ros_notify(ctx, 'NO_PROPOSAL_CHOSEN')], cloud=cloud)


def _psk(ctx, _detail):
    if ctx.version == 1 and ctx.mode == 'aggressive':
        # Aggressive Mode: the responder sends its HASH at once; the initiator finds it does not match (its key differs),
        # drops the exchange and the responder, left without message 3, retransmits until it gives up (what two
        # strongSwan 5.9 peers do; the real-IKE lab shows it, tests/realike).
        cloud = _swan_start(ctx)[:1] + [f'looking for pre-shared key peer configs matching {ctx.remote}...{ctx.public}[{swan_id(ctx.router_id)}]',
                                        f'selected peer config "{ctx.conn}"',
                                        'generating AGGRESSIVE response 0 [ SA KE No ID V V V V NAT-D NAT-D HASH ]']
        cloud += [f'sending retransmit {n} of response message ID 0, seq 1' for n in range(1, 6)]
        cloud += ['giving up after 5 retransmits', 'establishing IKE_SA failed, peer not responding']
        router = _ros_prefix(ctx) + [ros_wrong_password(ctx.remote)]
    elif ctx.version == 1:
        # Main Mode: the responder cannot decrypt message 5 (ID first: "ID_V1") and answers with an encrypted
        # informational the router cannot decrypt either; the router's message 5 stays unanswered, so it retransmits
        # and its phase 1 times out (two strongSwan 5.9 peers, the real-IKE lab: tests/realike).
        cloud = _swan_start(ctx) + ['invalid ID_V1 payload length, decryption failed?', 'could not decrypt payloads',
                                    'message parsing failed']
        router = _ros_prefix(ctx) + [ros_wrong_password(ctx.remote), _ros_time_up(ctx)]
    else:
        # PSK mismatch (IKEv2): strongSwan src/libcharon/sa/ikev2/authenticators/psk_authenticator.c
        cloud = _swan_start(ctx) + [f"tried 1 shared key for '{swan_id(ctx.cloud_id)}' - '{swan_id(ctx.router_id)}', but MAC mismatched",
                                    'generating IKE_AUTH response 1 [ N(AUTH_FAILED) ]']
        router = [_ros_notify(ctx, 'AUTHENTICATION_FAILED')]
    cloud.append(_tencent_fail('no matching secret'))
    return Lines(router=router, cloud=cloud)


def _identity(ctx, detail):
    if detail == 'remote-id':
        # the cloud authenticated the router and considers the IKE SA up; the router rejects the
        # cloud's ID and deletes the SA (chosen router text, see module doc)
        router = _ros_prefix(ctx) + [(ERROR, f'identity not found for initiator: {ros_id(ctx.cloud_id)} peer: ADDR4:{ctx.remote}')]
        if ctx.version == 2:
            router.append((INFO, f'killing ike2 SA: {ctx.local}[{ctx.port}]-{ctx.remote}[{ctx.port}] spi:{ctx.spir}:{ctx.spii}'))
        cloud = _swan_start(ctx) + [_swan_established(ctx), f'received DELETE for IKE_SA {ctx.conn}[{ctx.unique}]']
        return Lines(router=router, cloud=cloud)
    received = swan_id(ctx.router_id)
    if ctx.version == 1:
        cloud = _swan_start(ctx) + [f'looking for pre-shared key peer configs matching {ctx.remote}...{ctx.public}[{received}]',
                                    'no peer config found',
                                    f'generating INFORMATIONAL_V1 request {ctx.mid} [ HASH N(AUTH_FAILED) ]']
    else:
        cloud = _swan_start(ctx) + [f'looking for peer configs matching {ctx.remote}[%any]...{ctx.public}[{received}]',
                                    'no matching peer config found',
                                    'generating IKE_AUTH response 1 [ N(AUTH_FAILED) ]']
    cloud.append(_tencent_fail(f'responder no peer config found by ID payload, received[{tencent_id(ctx.router_id)}]'))
    return Lines(router=_ros_prefix(ctx) + [_ros_notify(ctx, 'AUTHENTICATION_FAILED')], cloud=cloud)


_PHASE1 = {
    'no_response': _no_response,
    'customer_gateway': _customer_gateway,
    'ike_version': _ike_version,
    'exchange_mode': _exchange_mode,
    'phase1_proposal': _phase1_proposal,
    'psk': _psk,
    'identity': _identity,
}


# ---- phase 2 ----------------------------------------------------------------------------------
def phase2_success(ctx, child):
    router = ros_child_established(ctx.local, ctx.remote, ctx.port, child.spi_in, child.spi_out)
    cloud = [f'CHILD_SA {ctx.conn}{{{child.unique}}} established with SPIs {child.spi_out:08x}_i {child.spi_in:08x}_o '
             f'and TS {child.vpc} === {child.lan}']
    return Lines(router=router, cloud=cloud)


def phase2_failure(klass, ctx, child, detail=None):
    """Lines for one policy's phase-2 failure. ``detail`` for phase2_proposal: 'ENCRYPTION_ALGORITHM',
    'INTEGRITY_ALGORITHM' or None (mode/protocol)."""
    if klass == 'traffic_selectors':
        return _traffic_selectors(ctx, child)
    proposals = [f'received proposals: {child.esp_received}', f'configured proposals: {child.esp_configured}']
    if ctx.version == 1:
        # strongSwan IKEv1 responder: "[ HASH N(NO_PROP) ]" for ESP algorithms and for PFS alike (pfSense page)
        acceptable = {'pfs': ['no acceptable DIFFIE_HELLMAN_GROUP found']}.get(klass, [f'no acceptable {detail} found'] if detail else [])
        cloud = acceptable + proposals + ['no matching proposal found, sending NO_PROPOSAL_CHOSEN',
                                          f'generating INFORMATIONAL_V1 request {ctx.mid + child.unique} [ HASH N(NO_PROP) ]']
    elif klass == 'pfs':
        # IKEv2: the first CHILD_SA comes with IKE_AUTH (no DH); PFS only bites at the CREATE_CHILD_SA
        # rekey (RFC 7296 section 1.3.1: the KE payload of CREATE_CHILD_SA). negotiation.py reports this as a rekey failure.
        cloud = proposals + ['no acceptable proposal found', 'failed to establish CHILD_SA, keeping IKE_SA',
                             'generating CREATE_CHILD_SA response 2 [ N(NO_PROP) ]']
    else:
        cloud = proposals + ['no acceptable proposal found', 'failed to establish CHILD_SA, keeping IKE_SA',
                             'generating IKE_AUTH response 1 [ IDr AUTH N(NO_PROP) ]']
    return Lines(router=[ros_child_notify(ctx.version, ctx.remote, 'NO_PROPOSAL_CHOSEN')], cloud=cloud)


def _traffic_selectors(ctx, child):
    ts = f'{child.vpc}|/0 === {child.lan}|/0'
    if ctx.version == 2:
        cloud = [f'traffic selectors {child.vpc} === {child.lan} unacceptable', 'failed to establish CHILD_SA, keeping IKE_SA',
                 'generating IKE_AUTH response 1 [ IDr AUTH N(TS_UNACCEPT) ]']
        return Lines(router=[ros_child_notify(2, ctx.remote, 'TS_UNACCEPTABLE')], cloud=cloud)
    if ctx.mode == 'aggressive':
        # guide table: "received HASH payload does not match integrity check failed" (aggressive mode);
        # the router gets no answer and its phase 2 times out (racoon text, chosen)
        cloud = ['received HASH payload does not match', 'integrity check failed']
        router = [(ERROR, f'phase2 negotiation failed due to time up. {ctx.remote}[{ctx.port}]->{ctx.local}[{ctx.port}]')]
        return Lines(router=router, cloud=cloud)
    cloud = [f'looking for a child config for {ts}', 'no matching CHILD_SA config found',
             f'generating INFORMATIONAL_V1 request {ctx.mid + child.unique} [ HASH N(INVAL_ID) ]']
    return Lines(router=[ros_child_notify(1, ctx.remote, 'INVALID_ID_INFORMATION')], cloud=cloud)


# ---- other events -----------------------------------------------------------------------------
def missing_identity(peer_name):
    """An enabled initiator peer without identity (the text as RouterOS API users report it)."""
    return (ERROR, f"initiator can't find identity for peer: {peer_name}")


def cloud_retransmits(version, retransmits=5):
    """An active cloud connection initiating towards a customer gateway that never answers.

    strongSwan wording differs by version: IKEv1 ``sending retransmit 1 of
    request message ID 0, seq 1``, IKEv2 ``retransmit 1 of request with message ID 0``. The Tencent
    summary lines are those of Tencent's tunnel log page; "1st message" is chosen (the page quotes the 5th)."""
    if version == 'IKEV2':
        lines = [f'retransmit {n} of request with message ID 0' for n in range(1, retransmits + 1)]
    else:
        lines = [f'sending retransmit {n} of request message ID 0, seq 1' for n in range(1, retransmits + 1)]
        lines.append(f'IKE_NEGO: retransmit IKEv1 Main Mode Initiator 1st message {retransmits} times, message ID 0')
    lines.append(f'giving up after {retransmits} retransmits')
    lines.append(_tencent_fail('peer no response'))
    return lines
