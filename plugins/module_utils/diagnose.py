# Copyright (c) vpclink.routeros contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tunnel diagnosis: runtime state + log lines -> failure class, evidence, fix.

Pure functions: no network, no AnsibleModule. The failure classes and their fixes follow MikroTik's IPsec
manual (https://help.mikrotik.com/docs/spaces/ROS/pages/11993097/IPsec, including "NAT and Fasttrack Bypass"),
the log texts of RouterOS, strongSwan (https://docs.strongswan.org/) and the clouds' IPsec VPN troubleshooting
pages (Tencent Cloud, Alibaba Cloud, AWS Site-to-Site VPN).

Entry point::

    diagnose(state=None, router_log=None, cloud_log=None, comparison=None, secrets=None)

``state`` (every key optional; rows as the API prints them, keys with dashes)::

    {'active_peers': [{'state': 'established', 'remote-address': '119.91.254.122', ...}],
     'policies':     [{'ph2-state': 'no-phase2', 'active': 'false', 'src-address': ..., 'dst-address': ...,
                       'disabled': 'false', 'invalid': 'false'}],
     'installed_sa': [{'state': 'mature', 'src-address': ..., 'dst-address': ..., 'current-bytes': '0'}],
     'peers':        [{'name': 'to_tencent', 'disabled': 'false'}],        # /ip/ipsec/peer rows
     'identities':   [{'peer': 'to_tencent', 'disabled': 'false'}],        # /ip/ipsec/identity rows
     'nat':          [{'chain': 'srcnat', 'action': 'masquerade', ...}],   # /ip/firewall/nat rows, in order
     'ping':         {'sent': 3, 'received': 0},                           # data-path probe, or a bool
     'rekey':        'failed'}     # the tunnel was up until a forced CHILD SA rekey and did not come back

``router_log``: RouterOS ``/log`` rows (``{'topics': 'ipsec,error', 'message': ...}``) or plain strings.
``cloud_log``: lines pasted from the cloud side (Tencent, Alibaba, AWS, strongSwan wording).
``comparison``: the preflight result of ``cloud.compare`` (a list of mismatches) or of
``cloud.compare_report`` (``{'mismatches': [...], 'compared': [field, ...]}``); it separates classes that
one end's lines cannot (a mismatch confirms its class, a compared-and-equal field rules its class out).
With a bare list every parameter field is taken as compared.
``secrets``: strings (PSKs, passwords) that must never appear in the output.

Result::

    {'healthy': bool | None,       # None: neither state nor a recognised line says anything
     'class': str | None,          # best candidate (a key of CLASSES), None when healthy
     'certain': bool,              # False whenever another class is still possible
     'phase': 'phase1' | 'phase2' | 'data' | 'config' | None,
     'title': str, 'fix': str,
     'evidence': [str],            # redacted, prefixed with where each line came from
     'candidates': [{'class', 'rank', 'likelihood', 'title', 'why': [str], 'separate_by': str, 'fix'}],
     'stage': str | None,          # what the runtime state alone says (down/phase1_up/up/...)
     'notes': [str],
     'settle': {...}}              # only when not certain: what would settle it (see _settle): the other end
                                   # ('router'/'cloud', None with both ends' lines), the line it logs for each
                                   # candidate ('look_for': [{'class', 'line'}]), the comparison fields ('compare')
"""

from __future__ import annotations

import re

from ansible_collections.vpclink.routeros.plugins.module_utils.health import PARTIAL, UP, tunnel_health
from ansible_collections.vpclink.routeros.plugins.module_utils.masking import mask
from ansible_collections.vpclink.routeros.plugins.module_utils.rule_match import SRCNAT_TRANSLATING, Flow, chains_of, first_in_the_way

# ---------------------------------------------------------------------------------------------
# The failure classes. 'fields' are the preflight comparison fields (cloud.compare) that decide the
# class; 'eliminable' says whether "those fields are equal on both ends" rules the class out (a
# matching gateway address does not prove the path works, so no_response is not eliminable).
# ---------------------------------------------------------------------------------------------

CLASSES = {
    'psk': {
        'phase': 'phase1', 'title': 'pre-shared keys differ',
        'fields': ('psk',), 'eliminable': True,
        'fix': ('Set the same pre-shared key on both ends: RouterOS /ip/ipsec/identity secret= (the identity of this peer) '
                'and the cloud connection\'s pre-shared key (Tencent PreShareKey / Terraform pre_share_key). Re-type it: '
                'hidden spaces and charset limits (AWS: 8-64 chars [A-Za-z0-9._], not starting with 0) are the usual cause.'),
        'separate_by': ('the responder\'s lines: "tried N shared key ... but MAC mismatched" (IKEv2), "invalid HASH_V1 payload '
                        'length, decryption failed" / Tencent "no matching secret" (IKEv1); or compare the PSK of both ends'),
    },
    'ike_version': {
        'phase': 'phase1', 'title': 'IKE versions differ',
        'fields': ('ike.version',), 'eliminable': True,
        'fix': ('Use the same IKE version: RouterOS /ip/ipsec/peer exchange-mode= (main or aggressive = IKEv1, ike2 = IKEv2) '
                'and the cloud\'s IKE version (Tencent IKEOptionsSpecification.IKEVersion IKEV1|IKEV2 / Terraform ike_version).'),
        'separate_by': ('the responder\'s lines: "no IKE config found for ..., sending NO_PROPOSAL_CHOSEN" or Alibaba '
                        '"unknown ikev2 peer"; or the preflight comparison of ike.version'),
    },
    'exchange_mode': {
        'phase': 'phase1', 'title': 'IKEv1 exchange modes differ (main vs aggressive)',
        'fields': ('ike.exchange_mode',), 'eliminable': True,
        'fix': ('Use the same IKEv1 mode: RouterOS /ip/ipsec/peer exchange-mode=main|aggressive and the cloud\'s ExchangeMode '
                '(Tencent MAIN|AGGRESSIVE / Terraform ike_exchange_mode). Main mode needs IP-address identities on Alibaba.'),
        'separate_by': ('the responder\'s lines: "Aggressive Mode PSK disabled for security reasons", "not acceptable '
                        'Identity Protection mode"; or the preflight comparison of ike.exchange_mode'),
    },
    'identity': {
        'phase': 'phase1', 'title': 'local and remote identities differ',
        'fields': ('local_id', 'remote_id'), 'eliminable': True,
        'fix': ('RouterOS /ip/ipsec/identity my-id= must equal the cloud\'s remote identity (Tencent RemoteIdentity + '
                'RemoteAddress/RemoteFqdnName, Terraform ike_remote_identity/ike_remote_address) and remote-id= the cloud\'s '
                'local identity (LocalIdentity + LocalAddress/LocalFqdnName). Behind NAT use my-id=address:<public IP> and keep '
                'RouterOS the initiator, or FQDN identities on both ends (an FQDN is only a string, never resolved).'),
        'separate_by': ('the responder\'s lines: RouterOS "identity not found for responder", strongSwan "IDir ... does not match '
                        'to ...", "no peer config found"; or the preflight comparison of local_id/remote_id'),
    },
    'no_response': {
        'phase': 'phase1', 'title': 'the peer gateway does not answer',
        'fields': ('peer_address',), 'eliminable': False,
        'fix': ('Nothing answers IKE. Check RouterOS /ip/ipsec/peer address= is the cloud VPN gateway public IP; UDP 500, UDP 4500 '
                'and ESP pass both ways (/ip/firewall/filter input accept udp dst-port=500,4500 and protocol=ipsec-esp); the '
                'router\'s own IKE is not masqueraded (/ip/firewall/nat chain=srcnat action=accept protocol=udp src-port=500,4500 '
                'at the top); peer local-address/routing; on the cloud: the customer gateway IP and the negotiation type '
                '(Tencent NegotiationType passive/flowTrigger needs RouterOS to initiate: peer passive=no).'),
        'separate_by': 'the cloud\'s log (does it see our packets at all?); a packet capture of UDP 500/4500 on the router',
    },
    'customer_gateway': {
        'phase': 'phase1', 'title': 'wrong public IP for the customer gateway on the cloud',
        'fields': ('public_address',), 'eliminable': True,
        'fix': ('Set the cloud\'s customer gateway (Tencent 对端网关 / Alibaba CGW) IP to the router\'s actual public egress '
                '(NAT) address, and the cloud\'s remote identity (Tencent RemoteAddress) to the same address.'),
        'separate_by': 'the preflight comparison of the router public address with the cloud customer gateway IP',
    },
    'phase1_proposal': {
        'phase': 'phase1', 'title': 'IKE (phase 1) encryption, hash or DH group differ',
        'fields': ('ike.encryption', 'ike.hash', 'ike.dh_group'), 'eliminable': True,
        'fix': ('Make the IKE proposal identical, one value per role: RouterOS /ip/ipsec/profile enc-algorithm=, hash-algorithm=, '
                'dh-group= and the cloud\'s PropoEncryAlgorithm, PropoAuthenAlgorithm, DhGroupName (Terraform '
                'ike_proto_encry_algorithm, ike_proto_authen_algorithm, ike_dh_group_name).'),
        'separate_by': ('the responder\'s lines: "received proposals: IKE:... configured proposals: IKE:...", "no suitable '
                        'proposal found", Tencent "no matching proposal, configured [IKE:...]"; or the preflight comparison '
                        'of ike.encryption/ike.hash/ike.dh_group'),
    },
    'phase2_proposal': {
        'phase': 'phase2', 'title': 'ESP (phase 2) encryption or integrity algorithms differ',
        'fields': ('esp.encryption', 'esp.auth'), 'eliminable': True,
        'fix': ('Make the ESP proposal identical: RouterOS /ip/ipsec/proposal enc-algorithms and auth-algorithms must equal the cloud\'s '
                'EncryptAlgorithm and IntegrityAlgorithm (Terraform ipsec_encrypt_algorithm, ipsec_integrity_algorithm). RouterOS '
                'ESP has no sha384.'),
        'separate_by': ('the responder\'s lines: "no acceptable ENCRYPTION_ALGORITHM found" / "no acceptable '
                        'INTEGRITY_ALGORITHM found"; or the preflight comparison of esp.encryption/esp.auth'),
    },
    'pfs': {
        'phase': 'phase2', 'title': 'PFS (phase-2 DH group) differs',
        'fields': ('esp.pfs_group',), 'eliminable': True,
        'fix': ('Set RouterOS /ip/ipsec/proposal pfs-group= to the cloud\'s PFS group (Tencent PfsDhGroup / Terraform '
                'ipsec_pfs_dh_group; NULL = pfs-group=none). The RouterOS default proposal uses pfs-group=modp1024: always set '
                'it explicitly.'),
        'separate_by': ('the responder\'s lines: "no acceptable DIFFIE_HELLMAN_GROUP found", racoon "pfs group mismatched"; '
                        'or the preflight comparison of esp.pfs_group'),
    },
    'traffic_selectors': {
        'phase': 'phase2', 'title': 'traffic selectors (interesting traffic) differ',
        'fields': ('selectors',), 'eliminable': True,
        'fix': ('Mirror the selectors exactly: one RouterOS /ip/ipsec/policy per cloud SPD mapping, policy src-address = the '
                'cloud\'s remote CIDR, dst-address = the cloud\'s local CIDR (Tencent SecurityPolicyDatabases LocalCidrBlock/'
                'RemoteCidrBlock, Terraform security_group_policy). No NAT-translated selectors.'),
        'separate_by': ('the responder\'s lines: "no matching CHILD_SA config found", "traffic selectors ... unacceptable", '
                        'INVALID_ID_INFORMATION; or the preflight comparison of the selectors'),
    },
    'lifetime': {
        'phase': 'phase2', 'title': 'lifetimes differ (the cloud checks them strictly)',
        'fields': ('ike.lifetime', 'esp.lifetime'), 'eliminable': True,
        'fix': ('Keep RouterOS lifetimes at or below the cloud\'s: /ip/ipsec/profile lifetime= (IKESaLifetimeSeconds) and '
                '/ip/ipsec/proposal lifetime= (IPSECSaLifetimeSeconds); lifebytes 0.'),
        'separate_by': 'the preflight comparison of ike.lifetime/esp.lifetime',
    },
    'nat_t': {
        'phase': 'phase1', 'title': 'NAT traversal settings differ',
        'fields': (), 'eliminable': False,
        'fix': 'Enable NAT traversal on both ends: RouterOS /ip/ipsec/profile nat-traversal=yes (IKEv1) and the cloud\'s NAT-T switch.',
        'separate_by': 'the cloud\'s NAT-T setting',
    },
    'dpd': {
        'phase': 'phase1', 'title': 'dead peer detection declared the peer dead',
        'fields': (), 'eliminable': False,
        'fix': ('Enable DPD on both ends (RouterOS /ip/ipsec/profile dpd-interval=, dpd-maximum-failures=; Tencent DpdEnable=1, '
                'DpdTimeout) and check the path between the gateways.'),
        'separate_by': 'whether the tunnel flaps while the Internet path is healthy',
    },
    'missing_identity': {
        'phase': 'config', 'title': 'the peer has no identity',
        'fields': (), 'eliminable': False,
        'fix': 'Add /ip/ipsec/identity add peer=<peer> auth-method=pre-shared-key secret=<PSK> for this peer.',
        'separate_by': '',
    },
    'disabled': {
        'phase': 'config', 'title': 'a tunnel entry is disabled',
        'fields': (), 'eliminable': False,
        'fix': 'Enable the disabled entry (/ip/ipsec/peer, identity or policy: disabled=no).',
        'separate_by': '',
    },
    'policy_invalid': {
        'phase': 'config', 'title': 'the IPsec policy is invalid (I flag)',
        'fields': (), 'eliminable': False,
        'fix': ('An invalid policy is usually a duplicate with the same src-address and dst-address: keep one /ip/ipsec/policy '
                'per selector pair and remove the other.'),
        'separate_by': '',
    },
    'nat_bypass': {
        'phase': 'data', 'title': 'a srcnat (masquerade) rule catches the tunnel traffic before IPsec',
        'fields': (), 'eliminable': False,
        'fix': ('Add /ip/firewall/nat chain=srcnat action=accept src-address=<LAN> dst-address=<VPC> and move it above every '
                'masquerade (place-before=0), or give the masquerade ipsec-policy=out,none; then remove the existing '
                'connection-tracking entries of those flows.'),
        'separate_by': 'the /ip/firewall/nat rule order; the outbound SA byte counter (0 = packets never reach the policy)',
    },
    'data_path': {
        'phase': 'data', 'title': 'SAs are up but the router does not send the traffic into the tunnel',
        'fields': (), 'eliminable': False,
        'fix': ('Check FastTrack (accept established,related LAN<->VPC in /ip/firewall/filter forward before the fasttrack rule, '
                'or /ip/firewall/raw notrack), the forward filter, and remove stale connection-tracking entries.'),
        'separate_by': 'the outbound SA byte counter and /ip/firewall/filter counters',
    },
    'cloud_route': {
        'phase': 'data', 'title': 'traffic leaves through the tunnel but nothing comes back',
        'fields': (), 'eliminable': False,
        'fix': ('On the cloud: a route for the router LAN via the VPN gateway in the VPC route table, the security group / network '
                'ACL of the VPC host, the host\'s own firewall. On the router: /ip/ipsec/statistics in-* error counters.'),
        'separate_by': 'the inbound SA byte counter and the cloud route table',
    },
}

_PHASE_ORDER = ('config', 'phase1', 'phase2', 'data')

# What the OTHER end logs when a class is the cause: the line to look for in its log when one end's lines leave
# several classes open (strongSwan's wording; the source files are cited at the patterns below).
OTHER_END_LINES = {
    'psk': ('"tried N shared key for ... but MAC mismatched" (IKEv2 responder), "invalid ID_V1 payload length, decryption '
            'failed?" (IKEv1 Main Mode responder), "calculated HASH does not match HASH payload" (IKEv1 Aggressive Mode initiator)'),
    'ike_version': ('"no IKE config found for <its address>...<ours>, sending NO_PROPOSAL_CHOSEN" (the same line as a customer '
                    'gateway mismatch: then compare ike.version)'),
    'customer_gateway': ('"no IKE config found for <its address>...<ours>, sending NO_PROPOSAL_CHOSEN" (the same line as an IKE '
                         'version mismatch: then compare the router public address with the cloud customer gateway IP)'),
    'exchange_mode': ('"Aggressive Mode PSK disabled for security reasons" or "found N matching config, but none allows pre-shared '
                      'key authentication using Main|Aggressive Mode"'),
    'identity': ('"no matching peer config found" (IKEv2), "no peer config found" (IKEv1) or, at the initiator, "IDir \'...\' does '
                 'not match to \'...\'"'),
    'no_response': 'no line at all for this negotiation (nothing arrives), or its own "peer not responding"',
    'phase1_proposal': ('"received proposals: IKE:..." and "configured proposals: IKE:..." followed by "received proposals '
                        'unacceptable" (IKEv2) or "no proposal found" (IKEv1)'),
    'phase2_proposal': ('"received proposals: ESP:..." and "configured proposals: ESP:..." differing in encryption or integrity, then '
                        '"no acceptable proposal found" (IKEv2) or "no matching proposal found, sending NO_PROPOSAL_CHOSEN" (IKEv1)'),
    'pfs': ('"received proposals: ESP:..." and "configured proposals: ESP:..." differing only in the DH group (MODP_/ECP_/CURVE_), '
            'then "no acceptable proposal found" (IKEv2) or "no matching proposal found, sending NO_PROPOSAL_CHOSEN" (IKEv1)'),
    'traffic_selectors': '"traffic selectors ... unacceptable" (IKEv2) or "no matching CHILD_SA config found for ..." (IKEv1)',
    'dpd': '"DPD check timed out, enforcing DPD action" (IKEv1) or "sending DPD request" followed by "giving up after N retransmits"',
}

# ---------------------------------------------------------------------------------------------
# The line catalogue: (regex, {class: weight}, strong, verified, note).
# - One line is classified by the FIRST pattern that matches it, so specific patterns come first.
# - strong=True: the line states the cause, as the end that decided logs it (a responder's "no proposal
#   found", "no peer config found", a MAC mismatch). Such a line weighs _CAUSE times a symptom line (what
#   the other end was told: "received NO_PROPOSAL_CHOSEN", "received AUTHENTICATION_FAILED"), so a
#   decisive line outweighs any number of symptoms. With one class it is decisive for that class; with
#   several, the line alone does not separate them (ranked by weight).
# - Lines every negotiation prints at verbose levels (proposal lists, "selected proposal", peer-config
#   look-ups, task queues) are not in the catalogue: they are context (see _Progress), never evidence.
# - verified=False: text expected from the racoon/strongSwan source, not seen in a RouterOS log:
#   such a line must not be the sole evidence of a certain diagnosis.
# - 'ctx' overrides: in an ESP context (phase 1 of that negotiation is up, or the end logged
#   "proposals: ESP:") the DH/algorithm lines speak about phase 2, in an IKE context about phase 1.
# - 'reading': lines whose meaning depends on how far that end's negotiation got (_in_light_of): "nobody
#   answers" lines, a responder's refusal of every ESP proposal, a NO_PROPOSAL_CHOSEN at a CHILD SA rekey, a
#   DELETE of a fresh IKE SA.
# strongSwan's texts are quoted from its source (https://github.com/strongswan/strongswan, src/libcharon/sa/).
# ---------------------------------------------------------------------------------------------

_CAUSE = 3.0

# An initiator refused in its first exchange (N(NO_PROP) to IKE_SA_INIT / to Main or Aggressive Mode's first
# message): the responder found no acceptable IKE proposal, or no IKE config at all for this IKE version and
# address pair (ikev2/tasks/ike_init.c and ikev1/tasks/main_mode.c send NO_PROPOSAL_CHOSEN for both), which
# is what a version mismatch and a cloud expecting another customer gateway address look like.
_P1_REFUSED = {'phase1_proposal': 0.45, 'ike_version': 0.35, 'customer_gateway': 0.2}
_P2_OR_PFS = {'phase2_proposal': 0.55, 'pfs': 0.45}
_V2_AUTH = {'psk': 0.55, 'identity': 0.45}
# Alibaba Cloud's VPN FAQ lists the IKEv1 AUTHENTICATION_FAILED notify under both "exchange
# modes differ" and "IKE versions differ"; identity mismatches send it too.
_V1_AUTH = {'exchange_mode': 0.45, 'identity': 0.4, 'ike_version': 0.15}
_ANY_NO_PROP = {'phase1_proposal': 0.35, 'ike_version': 0.15, 'customer_gateway': 0.1, 'phase2_proposal': 0.2, 'pfs': 0.2}
# A NO_PROPOSAL_CHOSEN the router RECEIVED, in RouterOS's own words (the IKEv2 text is unverified): phase 1
# (proposal or IKE version), phase 2 (ESP proposal or PFS, "ROS initiator: NO_PROPOSAL_CHOSEN notify").
_ROS_NO_PROP = {'phase1_proposal': 0.4, 'ike_version': 0.2, 'phase2_proposal': 0.2, 'pfs': 0.2}
_NO_PROP_CTX = {'ike': _P1_REFUSED, 'esp': _P2_OR_PFS}
# Silence: nothing answers, or a v2-only responder ignores IKEv1.
_SILENCE = {'no_response': 0.8, 'ike_version': 0.2}
# Tencent "no peer config found by ID payload": ID *or* exchange mode (Tencent Cloud's VPN connection log).
_ID_OR_MODE = {'identity': 0.55, 'exchange_mode': 0.45}


def _p(regex, classes, strong=True, verified=True, ctx=None, reading=None):
    if isinstance(classes, str):
        classes = {classes: 1.0}
    return {'re': re.compile(regex, re.IGNORECASE), 'classes': classes, 'strong': strong, 'verified': verified,
            'ctx': ctx or {}, 'reading': reading}


PATTERNS = (
    # --- configuration problems (RouterOS) -----------------------------------------------------
    _p(r"initiator can't find identity for peer", 'missing_identity'),
    # --- identity ------------------------------------------------------------------------------
    _p(r'identity not found for responder', 'identity'),
    # IKEv1 initiator: the responder's ID is not the one configured (ikev1/tasks/main_mode.c).
    _p(r"IDir\s+'?[^']*'?\s+does not match to", 'identity'),
    _p(r'does not match peers? id', 'identity'),
    # IKEv2: the peer authenticated with an ID other than the one configured for it (libstrongswan/credentials/auth_cfg.c).
    _p(r'constraint check failed: identity', 'identity'),
    _p(r'message lacks IDr payload', 'identity'),
    _p(r'Expecting IP address type in main mode', 'identity'),
    # Tencent: "...no peer config found by ID payload" means ID *or* exchange mode, in either form; the
    # initiator form's configured/received IDs only re-rank (see _id_payload).
    _p(r'no peer config found by ID payload', _ID_OR_MODE),
    # IKEv2 responder: no peer config for the IDs the initiator sent (ikev2/tasks/ike_auth.c); IKEv2 has no modes.
    _p(r'no matching peer config found', 'identity'),
    # strongSwan IKEv1 responder: the same lookup fails for an unknown ID and for a config of the other mode
    # (a Main Mode initiator meets an aggressive-only connection): ID or mode, like Tencent's wording above.
    _p(r'no peer config found', _ID_OR_MODE),
    # --- exchange mode -------------------------------------------------------------------------
    _p(r'Aggressive Mode PSK disabled', 'exchange_mode'),
    # IKEv1 responder: a config for these IDs exists, but for the other mode (ikev1/tasks/main_mode.c,
    # aggressive_mode.c: "found %d matching config%s, but none allows %N authentication using %s Mode").
    _p(r'matching configs?, but none allows .* authentication using (Main|Aggressive) Mode', 'exchange_mode'),
    _p(r'not acceptable (Identity Protection|Aggressive) mode', 'exchange_mode', verified=False),
    # --- PSK -----------------------------------------------------------------------------------
    _p(r'possible c[ao]u?se:?\s*wrong password', 'psk'),
    # IKEv1: what the peer encrypted with another key does not parse (ikev1 message decryption).
    _p(r'invalid (HASH|ID)_V1 payload length', 'psk'),
    _p(r'could not decrypt payloads', 'psk'),
    _p(r'mismatch of preshared secrets', 'psk'),
    _p(r'no matching secret', 'psk'),
    _p(r'decryption was unsuccessful due to invalid Pre-?shared Key', 'psk'),
    # IKEv2 responder (ikev2/authenticators/psk_authenticator.c).
    _p(r'shared keys? for .* but MAC mismatched', 'psk'),
    # IKEv1 Aggressive Mode initiator: the responder's HASH, keyed by the PSK, differs from ours
    # (ikev1/authenticators/psk_v1_authenticator.c).
    _p(r'calculated HASH does not match HASH payload', 'psk'),
    _p(r'message parsing failed', 'psk', strong=False),
    # No secret for this pair of IDs (ikev2/authenticators/psk_authenticator.c): no key, or IDs other than the key's.
    _p(r'no shared key found for', {'psk': 0.5, 'identity': 0.5}),
    # What another key decrypts to may also fail to parse at all (libcharon/encoding/parser.c); any garbage does that.
    _p(r'not enough input to parse rule', 'psk', strong=False),
    # --- IKE version / customer gateway -------------------------------------------------------------
    # The responder has no IKE config for this IKE version and address pair (ikev2/tasks/ike_init.c,
    # ikev1/tasks/main_mode.c): the other IKE version, or the cloud expects the router at another address.
    _p(r'no IKE config found for .*NO_PROPOSAL_CHOSEN', {'ike_version': 0.6, 'customer_gateway': 0.4}),
    _p(r'unknown ikev2 peer', 'ike_version'),
    # --- authentication failed notifies: IKEv2 "notify error", IKEv1 "error notify" (symptoms) ------
    _p(r'AUTHENTICATION_FAILED notify error', _V2_AUTH, strong=False),
    _p(r'IKE_AUTH (response|request) \d+ \[.*N\(AUTH_FAILED\)', _V2_AUTH, strong=False),
    _p(r'reply notify: AUTHENTICATION_FAILED', _V2_AUTH, strong=False),
    _p(r'AUTHENTICATION_FAILED error notify', _V1_AUTH, strong=False),
    # RouterOS IKEv1 (racoon) receiving the notify: "<ip> fatal AUTHENTICATION-FAILED notify messsage" (the form MikroTik's IPsec FAQ quotes).
    _p(r'fatal AUTHENTICATION-FAILED notify mes+age', _V1_AUTH, verified=False, strong=False),
    # IKEv1: an encrypted AUTH_FAILED came after Main Mode's keys were agreed (a wrong key would not decrypt).
    _p(r'\[ ?HASH N\(AUTH_FAILED\) ?\]', {'identity': 0.55, 'exchange_mode': 0.45}, strong=False),
    _p(r'AUTHENTICATION_FAILED|N\(AUTH_FAILED\)|authentication failure', {'psk': 0.4, 'identity': 0.35, 'exchange_mode': 0.25},
       strong=False),
    # --- customer gateway (either wording) -----------------------------------------------------
    _p(r'UNSUPPORTED_CRITICAL_PAYLOAD', 'customer_gateway'),
    # --- traffic selectors ---------------------------------------------------------------------
    _p(r'INVALID_ID_INFORMATION|invalid-id-information', 'traffic_selectors'),
    _p(r'HASH N\(INVAL_ID\)', 'traffic_selectors'),
    _p(r'received HASH payload does not match', 'traffic_selectors'),
    # IKEv1 responder (ikev1/tasks/quick_mode.c), IKEv2 responder (ikev2/tasks/child_create.c).
    _p(r'no matching CHILD_SA config found', 'traffic_selectors'),
    _p(r'traffic selectors? .*(unacceptable|inacceptable)|traffic selector mismatch', 'traffic_selectors'),
    _p(r'TS_UNACCEPT', 'traffic_selectors'),
    _p(r"can't find matching selector|failed to get sainfo", 'traffic_selectors', verified=False),
    _p(r'integrity check failed', 'traffic_selectors', strong=False),
    # --- PFS -----------------------------------------------------------------------------------
    _p(r'pfs group mismatched|no PFS is specified, but peer sends KE|PFS is specified, but peer doesn.?t sends? KE|'
       r'responder is not ready to do PFS', 'pfs', verified=False),
    _p(r'message lacks KE payload', 'pfs'),
    # IKEv2 INVALID_KE_PAYLOAD: the initiator retries with the requested group (ikev2/tasks/ike_init.c, child_create.c);
    # it only fails when that group is not among its own proposals.
    _p(r"peer didn't accept (DH group|key exchange method)", {'phase1_proposal': 0.5, 'pfs': 0.5}, strong=False,
       ctx={'esp': {'pfs': 1.0}, 'ike': {'phase1_proposal': 1.0}}),
    # strongSwan prints these per proposal it tries while selecting (DBG2 in libstrongswan/crypto/proposal/proposal.c,
    # "  no acceptable %N found"), also when a later proposal matches: a hint, not the decision.
    _p(r'no acceptable (DIFFIE_HELLMAN_GROUP|KEY_EXCHANGE_METHOD) found', {'pfs': 0.5, 'phase1_proposal': 0.5}, strong=False,
       ctx={'esp': {'pfs': 1.0}, 'ike': {'phase1_proposal': 1.0}}),
    _p(r'CREATE_CHILD_SA (response|request) \d+ \[.*N\(NO_PROP\)', {'pfs': 0.7, 'phase2_proposal': 0.3}, strong=False,
       reading='esp_refused'),
    # --- phase 2 proposal ----------------------------------------------------------------------
    _p(r'no acceptable (ENCRYPTION|INTEGRITY)_ALGORITHM found', {'phase2_proposal': 0.5, 'phase1_proposal': 0.5}, strong=False,
       ctx={'esp': {'phase2_proposal': 1.0}, 'ike': {'phase1_proposal': 1.0}}),
    _p(r'NO_PROPOSAL_CHOSEN notify, no CHILD_SA built', _P2_OR_PFS, strong=False, reading='esp_refused'),
    _p(r'INFORMATIONAL_V1 request \S+ \[ ?HASH N\(NO_PROP\) ?\]', _P2_OR_PFS, strong=False, reading='esp_refused'),
    # A one-line refusal naming an ESP proposal that carries a MODP/ECP group (a PFS group) was rejected.
    _p(r'ESP:\S*/(MODP|ECP|CURVE)_\w+.*no matching proposal found', {'pfs': 0.65, 'phase2_proposal': 0.35}),
    _p(r'ESP:\S*no matching proposal found|ESP:\S* no matching proposal found', {'phase2_proposal': 0.6, 'pfs': 0.4}),
    _p(r'reason of no matching proposal.*\[(ESP|IPSEC):', _P2_OR_PFS),
    # The responder refused every ESP proposal: IKEv1 Quick Mode (ikev1/tasks/quick_mode.c), IKEv2 CHILD SA
    # (ikev2/tasks/child_create.c). Which part differed is in that end's proposal lines (_esp_refusal).
    _p(r'no matching proposal found, sending NO_PROPOSAL_CHOSEN|no acceptable proposal found', _P2_OR_PFS, reading='esp_refusal'),
    _p(r'failed to pre-process ph2 packet', {'phase2_proposal': 0.4, 'traffic_selectors': 0.3, 'pfs': 0.3}, strong=False),
    # --- phase 1 proposal ----------------------------------------------------------------------
    _p(r'reason of no matching proposal', 'phase1_proposal'),
    # The responder refused every IKE proposal: IKEv2 (ikev2/tasks/ike_init.c), IKEv1 (ikev1/tasks/main_mode.c,
    # aggressive_mode.c).
    _p(r'received proposals unacceptable|\bno proposal found', 'phase1_proposal'),
    _p(r'INFORMATIONAL_V1 request \S+ \[ ?N\(NO_PROP\) ?\]', _P1_REFUSED, strong=False),
    _p(r'IKE_SA_INIT response \d+ \[ ?N\(NO_PROP\) ?\]', _P1_REFUSED, strong=False),
    _p(r'NO_PROPOSAL_CHOSEN notify error', _P1_REFUSED, strong=False),
    # RouterOS (racoon) receiving the notify: phase 1 (FAQ: "remote rejected our algorithms") or phase 2
    # (RouterOS as initiator: NO_PROPOSAL_CHOSEN notify, ph2-state stays no-phase2).
    _p(r'fatal NO-PROPOSAL-CHOSEN notify mes+age', _ROS_NO_PROP, verified=False, strong=False,
       ctx=_NO_PROP_CTX),
    _p(r'no suitable proposal found', 'phase1_proposal'),
    _p(r'failed to get valid proposal', 'phase1_proposal'),
    _p(r'rejected (hashtype|enctype|authtype|dh_group)|HASH mismatched|trns_id mismatched|authtype mismatched|'
       r'invalid encryption algorithm', 'phase1_proposal', ctx={'esp': {'phase2_proposal': 1.0}}),
    _p(r'received KE type \d+, ?expected \d+|failed to compute dh value|proposal mismatch, transform type: ?4',
       {'phase1_proposal': 0.6, 'pfs': 0.4}, ctx={'esp': {'pfs': 1.0}, 'ike': {'phase1_proposal': 1.0}}),
    _p(r'failed to pre-process ph1 packet', 'phase1_proposal', strong=False),
    _p(r'NO_PROPOSAL_CHOSEN error notify', _ANY_NO_PROP, strong=False, ctx=_NO_PROP_CTX, reading='esp_refused'),
    _p(r'No Proposal Match Found', _ANY_NO_PROP, strong=False, ctx={'esp': _P2_OR_PFS}),
    _p(r'NO_PROPOSAL_CHOSEN|N\(NO_PROP\)', _ROS_NO_PROP, strong=False,
       ctx=_NO_PROP_CTX),
    # --- dead peer detection ---------------------------------------------------------------------
    # IKEv1: no answer to the DPD R_U_THERE messages (ikev1/tasks/isakmp_dpd.c via the DPD timeout job).
    _p(r'DPD check timed out|DPD: remote seems to be dead|message has no hash payload', 'dpd'),
    # --- no response ---------------------------------------------------------------------------
    # IKEv1 "sending retransmit 1 of request message ID 0, seq 1", IKEv2 "retransmit 1 of request with message ID 0".
    # A v2-only gateway ignores IKEv1 (and the reverse), so silence is also a version mismatch.
    _p(r'retransmit \d+ of request (with )?message ID', _SILENCE, reading='retransmit'),
    _p(r'giving up after \d+ retransmits|retransmission count exceeded|peer not responding', _SILENCE, reading='gave_up'),
    _p(r'retransmit IKEv1 .*message', _SILENCE, reading='retransmit'),
    _p(r'phase1 negotiation failed due to time up|Phase1NegotiationTimeout', _SILENCE),
    _p(r'phase2 negotiation failed due to time up waiting for phase1', _SILENCE),
    # The cloud's own "no response" summary: still silence, so still possibly the other IKE version.
    _p(r'reason of peer no response|peer no response|Peer is not responsive', _SILENCE),
    # --- the peer deleted the IKE SA it had just established, before any CHILD SA ------------------
    # strongSwan's IKEv1 initiator does this when the responder's ID is not the expected one (main_mode.c: after
    # "IDir ... does not match", it deletes the IKE SA). Only counted before a CHILD SA (_Progress); a weak hint.
    _p(r'received DELETE for IKE_SA', 'identity', strong=False, reading='ike_deleted'),
    # --- lifetime, NAT-T (Alibaba Cloud's log keywords) ----------------------------------------
    _p(r'long lifetime proposed', 'lifetime', verified=False),
    _p(r'unexpecting payload type 130', 'nat_t'),
)

_ESP_CTX = re.compile(r'proposals?: ESP:|\bESP:[A-Z0-9_]+/|\[ ?HASH N\(NO_PROP\)|CHILD_SA|ph2|phase ?2|IPSEC', re.IGNORECASE)
_IKE_CTX = re.compile(r'proposals?: IKE:|\bIKE:[A-Z0-9_]+/|IKE_SA_INIT|ph1 packet|phase1 negotiation failed\.', re.IGNORECASE)

_PEER_DOWN_STATES = ('spawning', 'starting', 'message-1-sent', 'message-1-received', 'no-phase1', 'expired')


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

def _truthy(value):
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ('true', 'yes', '1', 'on')


def _int(value):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return 0


def _host(address):
    """'113.87.48.200:4500' or '113.87.48.200[500]' -> '113.87.48.200'."""
    text = str(address or '').strip()
    text = re.sub(r'\[\d+\]$', '', text)
    if text.count(':') == 1:
        text = text.split(':', 1)[0]
    return text


def _line_text(row):
    """A /log row or a string -> (topics, message)."""
    if isinstance(row, dict):
        return str(row.get('topics', '') or ''), str(row.get('message', '') or '')
    return '', str(row)


_ID_PAYLOAD = re.compile(r'configured\s*\[([^\]]*)\].*received\s*\[([^\]]*)\]', re.IGNORECASE)


def _id_payload(message, classes):
    """Tencent's initiator form names both IDs: different IDs lean to identity, equal IDs to the exchange mode.
    Either way both classes stay candidates (the line alone never decides)."""
    match = _ID_PAYLOAD.search(message)
    if not match or set(classes) != set(_ID_OR_MODE):
        return classes
    if match.group(1).strip().lower() == match.group(2).strip().lower():
        return {'exchange_mode': 0.7, 'identity': 0.3}
    return {'identity': 0.7, 'exchange_mode': 0.3}


def classify_line(message, context=None):
    """Classify one log line. Returns ``{'classes': {class: weight}, 'strong', 'cause', 'verified', 'reading'}`` or None.

    ``strong``: the line alone decides its one class; ``cause``: the line states the cause (see PATTERNS), even
    when it leaves several classes open. ``context`` is 'esp', 'ike' or None (see PATTERNS)."""
    for pattern in PATTERNS:
        if pattern['re'].search(message):
            classes = pattern['ctx'].get(context, pattern['classes']) if context else pattern['classes']
            classes = _id_payload(message, classes)
            return {'classes': dict(classes), 'strong': pattern['strong'] and len(classes) == 1, 'cause': pattern['strong'],
                    'verified': pattern['verified'], 'reading': pattern['reading']}
    return None


# ---------------------------------------------------------------------------------------------
# Log times and lines that disprove earlier lines
# ---------------------------------------------------------------------------------------------

_MONTHS = ('jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec')
_TIME_FORMS = (
    # v7: YYYY-MM-DD HH:MM:SS (entries not from today)
    (re.compile(r'^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})$'), 'ymd'),
    # 6.49: mmm/dd HH:MM:SS (entries not from today)
    (re.compile(r'^([a-z]{3})/(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})$', re.IGNORECASE), 'mmmd'),
    # both: HH:MM:SS (today)
    (re.compile(r'^(\d{1,2}):(\d{2}):(\d{2})$'), 'hms'),
)
_TODAY = (9999, 99, 99)


def log_time_key(text):
    """A RouterOS ``/log`` ``time`` -> a sortable tuple, or None when the text is not a time RouterOS prints.

    v7: ``YYYY-MM-DD HH:MM:SS`` (older entries), ``HH:MM:SS`` (today); 6.49: ``mmm/dd HH:MM:SS`` (older days),
    ``HH:MM:SS`` (today) (when v7 starts printing the date is not documented). A
    time of today sorts after every dated one; a 6.49 date (no year) is taken as this year. Any other text:
    None, and the caller keeps the order the router printed."""
    text = str(text or '').strip()
    for regex, form in _TIME_FORMS:
        match = regex.match(text)
        if not match:
            continue
        g = match.groups()
        try:
            if form == 'ymd':
                return (int(g[0]), int(g[1]), int(g[2]), int(g[3]), int(g[4]), int(g[5]))
            if form == 'mmmd':
                return (9998, _MONTHS.index(g[0].lower()) + 1, int(g[1]), int(g[2]), int(g[3]), int(g[4]))
            return _TODAY + (int(g[0]), int(g[1]), int(g[2]))
        except ValueError:
            return None
    return None


# A success line proves that every earlier failure of its phase (and of the phases before it) no
# longer holds: the negotiation got past that point afterwards.
_PHASE1_UP = re.compile(r'ISAKMP-SA established|new ike2 SA|IKE_SA \S+ established between', re.IGNORECASE)
_PHASE2_UP = re.compile(r'IPsec-SA established|CHILD_SA \S+ established', re.IGNORECASE)


def _proves(message):
    """-> the phases a success line proves past (``{'config', 'phase1'}`` or with ``'phase2'``), or an empty set."""
    if _PHASE2_UP.search(message):
        return {'config', 'phase1', 'phase2'}
    if _PHASE1_UP.search(message):
        return {'config', 'phase1'}
    return set()


# ---------------------------------------------------------------------------------------------
# How far one end's negotiation got (strongSwan's wording). A line is read in the light of what the same end
# logged before it in the same negotiation; none of these lines is evidence by itself.
# ---------------------------------------------------------------------------------------------

# A new negotiation: ours ("initiating IKE_SA ...") or the peer's ("<address> is initiating an IKE_SA", logged once
# its first message was parsed: the peer spoke).
_WE_INITIATE = re.compile(r'\binitiating (Main Mode |Aggressive Mode )?IKE_SA\b', re.IGNORECASE)
_PEER_INITIATES = re.compile(r'\bis initiating an? (Main Mode |Aggressive Mode )?IKE_SA\b', re.IGNORECASE)
# charon logs every message it parsed ("parsed ID_PROT response 0 [ SA V V V V ]") and the IKE proposal it chose from
# the peer's: the peer answered.
_PEER_SPOKE = re.compile(r'\bparsed \S+ (request|response) \d+ \[|selected proposal: IKE:', re.IGNORECASE)
_DPD_SENT = re.compile(r'\bsending DPD request', re.IGNORECASE)
_IKE_SA_UP = re.compile(r'\bIKE_SA (\S+) established between', re.IGNORECASE)
_IKE_SA_DELETED = re.compile(r'\bDELETE for IKE_SA (\S+)', re.IGNORECASE)
_ESP_PROPOSALS = re.compile(r'\b(received|configured) proposals: (ESP:.*)', re.IGNORECASE)
# Success lines that rule classes out for the rest of the same negotiation: the peer accepted our IKE version,
# address and IKE proposal ("selected proposal: IKE:", ikev2/tasks/ike_init.c, ikev1/tasks/main_mode.c); the
# peer's AUTH verified with our key, so the keys are equal (ikev2/authenticators/psk_authenticator.c).
_RULES_OUT = (
    (re.compile(r'selected proposal: IKE:', re.IGNORECASE), ('phase1_proposal', 'ike_version', 'customer_gateway', 'no_response')),
    (re.compile(r"authentication of '.*' with pre-shared key successful", re.IGNORECASE), ('psk',)),
)
# After the IKE SA is up, no later line of that negotiation is about phase 1 (except the peer going dead).
_PHASE1_CLASSES = tuple(c for c, spec in CLASSES.items() if spec['phase'] == 'phase1' and c != 'dpd')
# The peer answered earlier and then went quiet in the middle of phase 1: it dropped what we sent, as an IKEv1
# peer does with a message encrypted under another pre-shared key (or the path failed since).
_STOPPED = {'psk': 0.6, 'identity': 0.25, 'no_response': 0.15}
# A CHILD SA was built with these ESP proposals before, and its rekey is refused: what a rekey adds is the
# key exchange (PFS); IKEv2's first CHILD SA is keyed from the IKE SA without one (RFC 7296, sections 1.2 and 1.3.1).
_REKEY_REFUSED = {'pfs': 0.85, 'phase2_proposal': 0.15}
_DH_GROUP = re.compile(r'^(MODP|ECP|CURVE|NTRU|NEWHOPE|ML_KEM|KE\d)_', re.IGNORECASE)


class _Progress:
    """One end's negotiation so far. ``known``: the end logs strongSwan's milestones at all (otherwise the
    end-wide context of ``_context`` is used); ``answered``: a message of the peer was parsed; ``phase1`` /
    ``phase2``: an IKE / CHILD SA was established (``ike_sa``: its name[number]); ``dpd_sent``; ``ruled_out``:
    classes a success line of this negotiation excludes; ``esp``: the last received/configured ESP proposal lines."""

    def __init__(self, known=False):
        self.known = known
        self.answered = self.phase1 = self.phase2 = self.dpd_sent = False
        self.ike_sa = None
        self.ruled_out = set()
        self.esp = {}

    def see(self, message):
        if _WE_INITIATE.search(message) or _PEER_INITIATES.search(message):
            self.__init__(known=True)     # a new negotiation of this end: nothing of the previous one holds
        if _PEER_SPOKE.search(message) or _PEER_INITIATES.search(message):
            self.known = self.answered = True
        phases = _proves(message)
        self.phase1 = self.phase1 or 'phase1' in phases
        self.phase2 = self.phase2 or 'phase2' in phases
        if self.phase1:
            self.ruled_out.update(_PHASE1_CLASSES)
        up = _IKE_SA_UP.search(message)
        if up:
            self.ike_sa = up.group(1)
        self.dpd_sent = self.dpd_sent or bool(_DPD_SENT.search(message))
        for regex, classes in _RULES_OUT:
            if regex.search(message):
                self.ruled_out.update(classes)
        match = _ESP_PROPOSALS.search(message)
        if match:
            self.esp[match.group(1).lower()] = match.group(2)

    def context(self, fallback):
        if not self.known:
            return fallback
        return 'esp' if self.phase1 else 'ike'


def _proposals(text):
    """'ESP:AES_CBC_128/HMAC_SHA1_96/MODP_2048/NO_EXT_SEQ, ESP:...' -> [(other transforms, DH groups)]."""
    out = []
    for proposal in text.split(','):
        transforms = proposal.strip().split(':', 1)[-1].split('/')
        out.append((frozenset(t for t in transforms if not _DH_GROUP.match(t)), frozenset(t for t in transforms if _DH_GROUP.match(t))))
    return out


def _esp_refusal(progress):
    """The responder refused every ESP proposal: ``pfs`` when a received and a configured proposal differ only in
    their DH group (the PFS group of an ESP proposal), ``phase2_proposal`` when none does; None without both lines."""
    received, configured = progress.esp.get('received'), progress.esp.get('configured')
    if not received or not configured:
        return None
    for theirs in _proposals(received):
        for ours in _proposals(configured):
            if theirs[0] == ours[0] and theirs[1] != ours[1]:
                return {'pfs': 1.0}
    return {'phase2_proposal': 1.0}


def _in_light_of(hit, message, progress):
    """Read a classified line in the light of its end's negotiation so far. -> the hit (maybe changed), or None when
    the line says nothing about a cause at this point."""
    if not progress.known:
        return hit      # not strongSwan's wording (RouterOS, a cloud's own log): read line by line
    reading = hit['reading']
    classes, strong, cause = hit['classes'], hit['strong'], hit['cause']
    if reading in ('retransmit', 'gave_up'):
        if progress.dpd_sent:
            classes, strong, cause = {'dpd': 1.0}, True, True      # DPD's own probe went unanswered
        elif progress.answered and reading == 'retransmit':
            return None     # the peer answered before; one retransmit (a race, a lost packet) is no cause yet
        elif progress.phase1:
            classes, strong, cause = {'dpd': 0.6, 'no_response': 0.4}, False, False
        elif progress.answered:
            classes, strong, cause = dict(_STOPPED), False, False
    elif reading == 'esp_refusal':
        decided = _esp_refusal(progress)
        if decided:
            classes, strong = decided, True
    elif reading == 'esp_refused' and progress.phase2 and set(classes) >= {'pfs', 'phase2_proposal'}:
        classes = dict(_REKEY_REFUSED)
    elif reading == 'ike_deleted':
        deleted = _IKE_SA_DELETED.search(message)
        if not progress.phase1 or progress.phase2 or (deleted and progress.ike_sa and deleted.group(1) != progress.ike_sa):
            return None     # a DELETE after a CHILD SA, of a half-open SA or of an older IKE SA (reauthentication) is routine
        return dict(hit)
    classes = {c: w for c, w in classes.items() if c not in progress.ruled_out}
    if not classes:
        return None
    return dict(hit, classes=classes, strong=strong and len(classes) == 1, cause=cause)


def _ordered(rows):
    """Router rows in time order when every row carries a RouterOS time (stable), else as given."""
    keys = [log_time_key(r.get('time')) if isinstance(r, dict) else None for r in rows]
    if rows and all(k is not None for k in keys):
        return [rows[i] for i in sorted(range(len(rows)), key=lambda i: (keys[i], i))]
    return list(rows)


# ---------------------------------------------------------------------------------------------
# Runtime state
# ---------------------------------------------------------------------------------------------

def _nat_catches(nat_rows, policies):
    """Return the first srcnat rule that could translate tunnel traffic, or None when none could before an
    accept rule that takes all of it.

    A masquerade changes the source before the IPsec policy lookup, so the packet no longer matches the policy
    (MikroTik IPsec manual, "NAT and Fasttrack Bypass": https://help.mikrotik.com/docs/spaces/ROS/pages/11993097/IPsec).
    Each policy's selectors are one flow; ``rule_match`` decides, as it does for the placement of our accept rule."""
    flows = [Flow(p.get('src-address'), p.get('dst-address'), into_policy=True) for p in policies or ()]
    flows = [flow for flow in flows if flow.known]
    chains = chains_of(nat_rows or ())
    found = [first_in_the_way(chains.get('srcnat', []), flow, SRCNAT_TRANSLATING, chains) for flow in flows]
    rules = [rule for rule, _why in filter(None, found)]
    order = [id(row) for row in chains.get('srcnat', [])]
    return min(rules, key=lambda rule: order.index(id(rule))) if rules else None


def read_state(state):
    """Summarise runtime state: ``{'stage', 'facts': [evidence lines], 'classes': {class: weight}, 'decisive': set}``.

    stages: None (no state), 'config' (disabled/invalid/missing entries), 'down' (no phase 1),
    'phase1_up' (phase 1 up, but phase 2 or its SAs missing for at least one selector pair: a partially up
    tunnel is here too, with the pairs that are down among the facts), 'up' (SAs in place for every pair),
    'up_no_traffic' (SAs up, probe failed). Up or not is ``health.tunnel_health``'s decision."""
    out = {'stage': None, 'facts': [], 'classes': {}, 'decisive': set()}
    if not state:
        return out
    peers = list(state.get('active_peers') or ())
    policies = list(state.get('policies') or ())
    sas = list(state.get('installed_sa') or ())
    facts = out['facts']

    for kind in ('policies', 'peers', 'identities'):
        for row in state.get(kind) or ():
            if _truthy(row.get('disabled', False)):
                facts.append('{}: entry {} is disabled'.format(kind, row.get('name') or row.get('peer') or row.get('.id', '?')))
                out['classes']['disabled'] = 1.0
                out['decisive'].add('disabled')
    for row in policies:
        if _truthy(row.get('invalid', False)):
            facts.append('policy {} -> {} has the invalid (I) flag'.format(row.get('src-address'), row.get('dst-address')))
            out['classes']['policy_invalid'] = 1.0
            out['decisive'].add('policy_invalid')
    if 'identities' in state and state.get('peers'):
        with_identity = {row.get('peer') for row in state.get('identities') or () if not _truthy(row.get('disabled', False))}
        for row in state['peers']:
            if not _truthy(row.get('disabled', False)) and row.get('name') not in with_identity:
                facts.append('peer {} has no identity'.format(row.get('name')))
                out['classes']['missing_identity'] = 1.0
                out['decisive'].add('missing_identity')
    if out['classes']:
        out['stage'] = 'config'
        return out

    if not any(k in state for k in ('active_peers', 'policies', 'installed_sa')):
        return out
    verdict = tunnel_health(peers, policies, sas, state.get('ping'))
    for p in peers:
        facts.append('active-peers: remote-address={} state={} ph2-total={}'.format(p.get('remote-address', '?'), p.get('state', '?'), p.get('ph2-total', '?')))
    for p in policies:
        facts.append('policy {} -> {}: ph2-state={} active={}'.format(
            p.get('src-address', '?'), p.get('dst-address', '?'), p.get('ph2-state', '?'), p.get('active', '?')))
    mature = [s for s in sas if s.get('state', 'mature') == 'mature']
    if sas:
        facts.append(f'installed-sa: {len(sas)} SA(s), {len(mature)} mature')

    if not verdict['phase1']['established']:
        out['stage'] = 'down'
        if not peers:
            facts.append('active-peers: no row for the cloud gateway (phase 1 never started or never got an answer)')
        # No row, or stuck in message-1-sent: nothing answers, the other IKE version, or the cloud expects another address.
        out['classes'] = {'no_response': 0.6, 'ike_version': 0.25, 'customer_gateway': 0.15}
        return out
    if verdict['status'] != UP:
        out['stage'] = 'phase1_up'
        if verdict['status'] == PARTIAL:
            facts.append('partially up: ' + verdict['reason'])
        if state.get('rekey') == 'failed':
            # Up on this same configuration until a forced CHILD SA rekey: its selectors and ESP proposal were accepted
            # moments ago, so the rekey's refusal is read as _REKEY_REFUSED (lines and state alike, see _with_state).
            facts.append('the tunnel was up on this configuration until a forced CHILD SA rekey (installed-sa flush); '
                         'phase 2 did not come back')
            out['classes'] = dict(_REKEY_REFUSED)
            out['rekey_refused'] = True
            return out
        # Phase 1 up, phase 2 down (for some pairs): the selectors, the ESP proposal or PFS differ.
        out['classes'] = {'traffic_selectors': 0.4, 'phase2_proposal': 0.35, 'pfs': 0.25}
        return out

    out['stage'] = 'up'
    if verdict['ping'] is None:
        return out
    if verdict['ping']['answered']:
        facts.append('ping through the tunnel: answered')
        return out
    out['stage'] = 'up_no_traffic'
    facts.append('ping through the tunnel: no answer')
    rule = _nat_catches(state.get('nat'), policies) if state.get('nat') is not None else None
    if rule is not None:
        facts.append('/ip/firewall/nat: srcnat rule {} action={} src-address={} dst-address={} matches the tunnel traffic '
                     'before any accept rule'.format(
                         rule.get('.id', '?'), rule.get('action'), rule.get('src-address', 'any'), rule.get('dst-address', 'any')))
        out['classes'] = {'nat_bypass': 1.0}
        out['decisive'].add('nat_bypass')
        return out
    nat_ok = state.get('nat') is not None
    if nat_ok:
        facts.append('/ip/firewall/nat: an accept rule stands before any masquerade for the tunnel traffic')
    remote = {_host(p.get('remote-address')) for p in peers if p.get('state') == 'established'}
    out_bytes = sum(_int(s.get('current-bytes')) for s in mature if _host(s.get('dst-address')) in remote)
    in_bytes = sum(_int(s.get('current-bytes')) for s in mature if _host(s.get('src-address')) in remote)
    if mature:
        facts.append(f'installed-sa bytes: outbound={out_bytes} inbound={in_bytes}')
    if mature and out_bytes > 0 and in_bytes == 0:
        out['classes'] = {'cloud_route': 0.8, 'data_path': 0.2}
    elif nat_ok:
        out['classes'] = {'data_path': 0.7, 'cloud_route': 0.3}
    else:
        out['classes'] = {'nat_bypass': 0.5, 'data_path': 0.35, 'cloud_route': 0.15}
    return out


# ---------------------------------------------------------------------------------------------
# Comparison input (cloud.compare / cloud.compare_report)
# ---------------------------------------------------------------------------------------------

def _comparison(comparison):
    """-> (mismatches by class, compared fields or None for 'all')."""
    if comparison is None:
        return None, None
    if isinstance(comparison, dict):
        mismatches = comparison.get('mismatches') or []
        compared = set(comparison.get('compared') or ())
    else:
        mismatches = list(comparison)
        compared = None
    by_class = {}
    for m in mismatches:
        cls = m.get('error_class')
        if cls and m.get('severity', 'error') == 'error':
            by_class.setdefault(cls, []).append(m)
    return by_class, compared


def _mismatch_text(m, secrets):
    return mask('preflight: {} router={} cloud={}'.format(m.get('field'), m.get('router_value'), m.get('cloud_value')), secrets,
                settings=True)


# ---------------------------------------------------------------------------------------------
# The diagnosis
# ---------------------------------------------------------------------------------------------

_STAGE_FACTOR = {
    # stage -> phase -> factor. Lines are often older than the state; the state says where we are now.
    'down': {'phase1': 1.0, 'phase2': 0.5, 'config': 1.0, 'data': 0.0},
    'phase1_up': {'phase1': 0.25, 'phase2': 1.0, 'config': 1.0, 'data': 0.0},
}


def _context(lines, stage):
    text = '\n'.join(lines)
    if _ESP_CTX.search(text) and not _IKE_CTX.search(text):
        return 'esp'
    if _IKE_CTX.search(text) and not _ESP_CTX.search(text):
        return 'ike'
    if stage == 'phase1_up':
        return 'esp'
    if stage == 'down':
        return 'ike'
    return None


def _disproved(state, st):
    """Classes the current configuration in ``state`` rules out: ``[(class, reason)]``.

    Only configuration-phase classes, and only when ``state`` carries the rows that decide them:
    ``missing_identity`` needs both ``peers`` and ``identities``; ``disabled`` needs the peer,
    identity and policy rows; ``policy_invalid`` needs the policies."""
    if not state:
        return []
    out = []
    if state.get('peers') and 'identities' in state and 'missing_identity' not in st['classes']:
        out.append(('missing_identity', 'every enabled peer ({}) has an enabled identity now'.format(
            ', '.join(str(p.get('name')) for p in state['peers'] if not _truthy(p.get('disabled', False))) or 'none')))
    if all(k in state for k in ('peers', 'identities', 'policies')) and 'disabled' not in st['classes']:
        out.append(('disabled', 'no peer, identity or policy is disabled now'))
    if state.get('policies') and 'policy_invalid' not in st['classes']:
        out.append(('policy_invalid', 'no policy has the invalid flag now'))
    return out


def _log_sources(router_log, cloud_log, stage):
    """The lines to classify: ``[(where, topics, message, attributed)]`` (router rows in time order, then the
    cloud's lines) and each end's context for ``classify_line`` (``{'router': ..., 'cloud': ...}``)."""
    sources = []
    router_msgs = []
    for row in _ordered(list(router_log or ())):
        topics, message = _line_text(row)
        if topics and 'ipsec' not in topics:
            continue
        # info.log_for marks a row it could not tie to the peer by name or address: 'attribution': None.
        attributed = not (isinstance(row, dict) and 'attribution' in row and not row.get('attribution'))
        router_msgs.append(message)
        sources.append(('router', topics, message, attributed))
    cloud_msgs = [str(line) for line in cloud_log or ()]
    sources.extend(('cloud', '', line, True) for line in cloud_msgs)
    return sources, {'router': _context(router_msgs, stage), 'cloud': _context(cloud_msgs, stage)}


def _proved_after(sources):
    """A later success line of the same end proves the negotiation got past phase 1 (and the configuration)
    after an earlier failure line: that failure line is stale. -> ``{(where, phase): index of the last attributed
    success line proving it}``."""
    proved_after = {}
    for index, (where, _topics, message, attributed) in enumerate(sources):
        if attributed:
            for phase in _proves(message):
                proved_after[(where, phase)] = index
    return proved_after


def _score_lines(sources, contexts, disproved, secrets):
    """Classify every line. -> ``(scores, why, decisive, evidence, notes)``: ``scores`` {class: weight}, ``why``
    {class: [shown lines]}, ``decisive`` {class: True if a verified decisive line, False if only unverified ones}."""
    proved_after = _proved_after(sources)
    progress = {'router': _Progress(), 'cloud': _Progress()}
    scores = {}
    why = {}
    decisive = {}
    evidence = []
    seen_patterns = set()
    hit_disproved = set()
    stale = []
    weak_used = False
    for index, (where, topics, message, attributed) in enumerate(sources):
        hit = classify_line(message, progress[where].context(contexts[where]))
        hit = hit and _in_light_of(hit, message, progress[where])
        progress[where].see(message)
        if hit is None:
            continue
        shown = mask('{}{}{}: {}'.format(where, ' ' + topics if topics else '', '' if attributed else ' (names no peer)',
                                         message.strip()), secrets, settings=True)
        classes = {}
        for cls, weight in hit['classes'].items():
            if cls in disproved:
                hit_disproved.add(cls)
            elif proved_after.get((where, CLASSES[cls]['phase']), -1) > index:
                if shown not in stale:
                    stale.append(shown)
            else:
                classes[cls] = weight if attributed else weight * 0.5
        if not classes:
            continue
        strong = hit['strong'] and attributed and len(classes) == 1
        tier = _CAUSE if hit['cause'] else 1.0
        if shown not in evidence:
            evidence.append(shown)
        weak_used = weak_used or not attributed
        key = (where, tuple(sorted(classes.items())))
        first = key not in seen_patterns
        seen_patterns.add(key)
        for cls, weight in classes.items():
            if first:   # repetitions of the same kind of line add no weight
                scores[cls] = scores.get(cls, 0.0) + weight * tier
            why.setdefault(cls, [])
            if shown not in why[cls]:
                why[cls].append(shown)
            if strong:
                decisive[cls] = decisive.get(cls, False) or hit['verified']

    notes = [f'ruled out {cls}: {disproved[cls]}; the log line is older than the configuration and is not shown as evidence'
             for cls in sorted(hit_disproved)]
    if stale:
        notes.append('not counted: {} line(s) older than a later success line of the same end ({})'.format(
            len(stale), '; '.join(stale[:3])))
    if weak_used:
        notes.append('lines marked "(names no peer)" name neither this peer nor its address: they may be about another '
                     'peer, so they rank candidates but never make the diagnosis certain')
    return scores, why, decisive, evidence, notes


def _with_state(st, scores, why, decisive, notes):
    """Weigh the line scores against what the runtime state says now. -> ``(scores, why, decisive)``."""
    stage = st['stage']
    line_based = bool(scores)
    if stage in ('config',):
        scores = dict(st['classes'])
        for cls in st['decisive']:
            decisive[cls] = True
            why[cls] = list(st['facts'])
    elif stage in ('up', None) and not scores:
        pass
    elif stage == 'up_no_traffic':
        if line_based:
            notes.append('SAs are up: the IPsec errors in the log are from earlier negotiations')
        scores = dict(st['classes'])
        why = {cls: list(st['facts']) for cls in scores}
        decisive = {cls: True for cls in st['decisive']}
    elif stage in _STAGE_FACTOR:
        factors = _STAGE_FACTOR[stage]
        fitting = [c for c in scores if factors.get(CLASSES[c]['phase'], 1.0) >= 1.0]
        if scores and not fitting and stage == 'phase1_up':
            # Phase 1 is up now, so phase-1 failures in the log are from earlier attempts.
            notes.append('phase 1 is established now: the phase-1 errors in the log ({}) are from earlier attempts'.format(', '.join(sorted(scores))))
            decisive = {}
        for cls in [c for c in decisive if c not in fitting]:
            decisive[cls] = None if stage == 'phase1_up' else decisive[cls]
        decisive = {c: v for c, v in decisive.items() if v is not None}
        scores = {c: w * factors.get(CLASSES[c]['phase'], 1.0) for c, w in scores.items()}
        scores = {c: w for c, w in scores.items() if w > 0}
        refused = scores.get('pfs', 0.0) + scores.get('phase2_proposal', 0.0)
        if st.get('rekey_refused') and refused:
            scores.update({cls: refused * weight for cls, weight in _REKEY_REFUSED.items()})
        if not fitting:
            # What the state says now weighs like a decisive line: the lines are about earlier attempts.
            for cls, weight in st['classes'].items():
                scores[cls] = scores.get(cls, 0.0) + weight * _CAUSE
                why.setdefault(cls, list(st['facts']))
    elif stage == 'up' and scores:
        notes.append('The tunnel is up now; the log lines below describe earlier failures')
    return scores, why, decisive


def _with_comparison(comparison, scores, why, decisive, evidence, notes, secrets):
    """Confirm classes the preflight comparison found mismatched, rule out those it found equal (in place).
    -> whether a class was ruled out."""
    mism, compared = _comparison(comparison)
    ruled_out = False
    if mism is None or not scores:
        return ruled_out
    lead = max(scores.values())
    for cls in list(scores):
        spec = CLASSES[cls]
        if cls in mism:
            scores[cls] = scores[cls] + lead + 1.0      # a mismatch confirms its class above anything the lines said
            decisive[cls] = True
            why.setdefault(cls, []).extend(_mismatch_text(m, secrets) for m in mism[cls])
            evidence.extend(_mismatch_text(m, secrets) for m in mism[cls])
        elif spec['eliminable'] and spec['fields'] and (compared is None or all(f in compared for f in spec['fields'])) and len(scores) > 1:
            del scores[cls]
            decisive.pop(cls, None)
            ruled_out = True
            notes.append(f"ruled out {cls}: the preflight comparison found {'/'.join(spec['fields'])} equal on both ends")
    other = sorted(set(mism) - set(scores))
    if other:
        notes.append('other preflight mismatches: {}'.format(', '.join(other)))
    return ruled_out


def _ranked(result, scores, why, decisive, ruled_out):
    """Fill ``result`` with the candidates in rank order, the best one and whether it is certain."""
    notes = result['notes']
    total = sum(scores.values())
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], _PHASE_ORDER.index(CLASSES[kv[0]]['phase']), kv[0]))
    candidates = []
    for rank, (cls, score) in enumerate(ranked, 1):
        spec = CLASSES[cls]
        candidates.append({'class': cls, 'rank': rank, 'likelihood': round(score / total, 2), 'title': spec['title'],
                           'why': why.get(cls, []), 'separate_by': spec['separate_by'], 'fix': spec['fix']})
    top = ranked[0][0]
    decisive_classes = [c for c in scores if c in decisive]
    certain = decisive.get(top, False) is True and decisive_classes == [top]
    if ruled_out and len(ranked) == 1 and decisive.get(top) is not False:
        # The comparison ruled every other class out: what is left is the cause.
        certain = True
    if top in decisive and decisive[top] is False:
        notes.append(f'the only decisive line for {top} is text expected from source, not seen on RouterOS: confirm it')
    spec = CLASSES[top]
    result.update({'class': top, 'certain': certain, 'phase': spec['phase'], 'title': spec['title'], 'fix': spec['fix'],
                   'candidates': candidates})
    if not certain and len(candidates) > 1:
        result['separate_by'] = '; '.join('{}: {}'.format(c['class'], c['separate_by']) for c in candidates if c['separate_by'])
    return result


_END_NAMES = {'router': "the router's", 'cloud': "the cloud's"}


def _settle(result, ends):
    """An uncertain diagnosis says what would settle it (in place): ``settle`` = ``{'other_end', 'look_for', 'compare'}``.
    With one end's lines, ``other_end`` is the end whose log was not given and ``look_for`` the line that end logs
    for each candidate (OTHER_END_LINES); with both ends' lines (or none), only the configuration can separate what
    is left: ``compare``, the preflight comparison fields of the candidates."""
    classes = [c['class'] for c in result['candidates']]
    other = {frozenset({'router'}): 'cloud', frozenset({'cloud'}): 'router'}.get(frozenset(ends))
    look_for = [{'class': c, 'line': OTHER_END_LINES[c]} for c in classes if other and c in OTHER_END_LINES]
    compare = [f for c in classes for f in CLASSES[c]['fields']]
    result['settle'] = {'other_end': other, 'look_for': look_for, 'compare': compare}
    if other:
        result['notes'].append('only {} lines were given and they do not decide the cause (ranked: {}); {} log would settle '
                               'it: {}'.format(_END_NAMES[ends[0]], ', '.join(classes), _END_NAMES[other],
                                               '; '.join('{} if it logs {}'.format(row['class'], row['line']) for row in look_for)))


def diagnose(state=None, router_log=None, cloud_log=None, comparison=None, secrets=None):
    """Diagnose one tunnel. See the module docstring for the shapes.

    Stages: read the state; classify the log lines (a class the current configuration disproves is ruled out
    whatever the log says, and a line that only speaks for such classes is not evidence: lines are history, the
    configuration is now); weigh them against the state; confirm or rule out with the preflight comparison; rank."""
    secrets = [s for s in (secrets or ()) if s]
    st = read_state(state)
    stage = st['stage']
    disproved = dict(_disproved(state, st))
    sources, contexts = _log_sources(router_log, cloud_log, stage)
    scores, why, decisive, evidence, notes = _score_lines(sources, contexts, disproved, secrets)
    scores, why, decisive = _with_state(st, scores, why, decisive, notes)

    healthy = None
    if stage == 'up':
        healthy = True
    elif stage is not None or scores:
        healthy = False
    ruled_out = False if healthy else _with_comparison(comparison, scores, why, decisive, evidence, notes, secrets)

    result = {'healthy': healthy, 'class': None, 'certain': False, 'phase': None, 'title': '', 'fix': '',
              'evidence': [mask(f, secrets, settings=True) for f in st['facts']] + evidence if not healthy else evidence,
              'candidates': [], 'stage': stage, 'notes': notes}
    if healthy:
        result.update({'certain': True, 'title': 'tunnel established', 'evidence': [mask(f, secrets, settings=True) for f in st['facts']]})
        return result
    ends = [end for end in ('router', 'cloud') if any(source[0] == end for source in sources)]
    if not scores:
        if ends and healthy is None:
            notes.append('no line of {} log names a cause'.format(' or '.join(_END_NAMES[end] for end in ends)))
        return result
    _ranked(result, scores, why, decisive, ruled_out)
    if not result['certain']:
        _settle(result, ends)
    return result
