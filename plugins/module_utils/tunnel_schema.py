# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The options of the ``tunnels`` module, once: types, choices, defaults, ``required_if``, ``no_log`` and descriptions.

Three things are derived from ``OPTIONS``, so they cannot disagree:

* the module's argument spec (``argument_spec()``): Ansible validates it in both paths, ``AnsibleModule`` for the
  module and ``ArgumentSpecValidator`` in the action plugin, so both give the same errors;
* the ``options`` of the module's DOCUMENTATION (``ansible-doc vpclink.routeros.tunnels`` lists every tunnel key);
* the ``options`` of ``vpc_tunnel_tunnels`` in the role's ``meta/argument_specs.yml``.

``tools/update_docs.py`` writes the two documents; ``tools/update_docs.py --check`` (run by ``tests/sanity/run``) fails
when they drift. What an argument spec cannot say (presets, CIDRs, identities, lifetimes, checks across fields and
across tunnels) is checked by ``tunnels.preflight``.

Descriptions use C() rather than O() for tunnel keys, because the same text documents the module
(``tunnels[].key``) and the role (``vpc_tunnel_tunnels[].key``).
"""

from __future__ import annotations

from ansible_collections.vpclink.routeros.plugins.module_utils.cloud import CLOUDS

STATES = ('present', 'absent')


def _option(kind, description, **settings):
    return dict(type=kind, description=list(description), **settings)


IKE = {
    'version': _option('int', ['IKE version.'], choices=[1, 2]),
    'exchange_mode': _option('str', ['IKEv1 exchange mode, V(main) when omitted; refused with IKE version 2.'], choices=['main', 'aggressive']),
    'encryption': _option('list', ['Phase 1 encryption algorithms, RouterOS C(enc-algorithm) names such as V(aes-256); a list or a comma string.'],
                          elements='str'),
    'hash': _option('str', ['Phase 1 hash algorithm, one RouterOS C(hash-algorithm) name such as V(sha256).']),
    'dh_group': _option('list', ['Diffie-Hellman groups, RouterOS C(dh-group) names such as V(modp2048); a list or a comma string.'],
                        elements='str'),
    'prf': _option('str', ['IKEv2 pseudo-random function, RouterOS C(prf-algorithm) (RouterOS 7 only); left unset when omitted.']),
    'lifetime': _option('raw', ['Phase 1 SA lifetime: seconds, or a RouterOS duration such as V(1d) or V(8h).']),
}

ESP = {
    'encryption': _option('list', ['Phase 2 encryption algorithms, RouterOS C(enc-algorithms) names such as V(aes-256-cbc); a list or a '
                                   'comma string.'], elements='str'),
    'auth': _option('list', ['Phase 2 authentication algorithms, RouterOS C(auth-algorithms) names such as V(sha256); a list or a comma '
                             'string.'], elements='str'),
    'pfs_group': _option('str', ['Perfect forward secrecy group, one RouterOS C(pfs-group) name such as V(modp2048), or V(none) for no PFS '
                                 '(what Tencent Cloud calls C(NULL)).']),
    'lifetime': _option('raw', ['Phase 2 SA lifetime: seconds, or a RouterOS duration such as V(1h).']),
}

PING = {
    'src_address': _option('str', ['LAN address of the router, inside C(local_subnets) (the policy only carries traffic from there).'],
                           required=True),
    'address': _option('str', ['A host in the VPC.'], required=True),
    'count': _option('int', ['Echo requests, 1 to 100.'], default=3),
}

VERIFY = {
    'enabled': _option('bool', ['Wait until the tunnel is up: phase 1 established, every policy C(ph2-state=established), two SAs per '
                                'policy; then the ping when asked.'], default=True),
    # int: Ansible's message for a value that is not a number names the value for int, not for float.
    'timeout': _option('int', ['Seconds to wait, V(0) or more.'], default=60),
    'interval': _option('float', ['Longest wait between polls in seconds, more than V(0); the first waits are 0.25 s, 0.5 s and 1 s '
                                  '(never longer than this value).'], default=2),
    'ping': _option('dict', ['Probe the data path with a ping from a LAN address of the router to a VPC host, once the tunnel is up.'],
                    options=PING),
    'rekey': _option('bool', ['Once the tunnel is up, force a CHILD SA rekey the way an operator does on RouterOS '
                              '(C(/ip ipsec installed-sa flush): phase 2 is negotiated again inside the IKE SA) and wait up to '
                              'C(timeout) for new SAs; a tunnel that does not come back is not healthy, with the diagnosis of '
                              'the refused rekey. This catches what the first CHILD SA of IKEv2 cannot show: it is built without '
                              'a key exchange, so a PFS group that differs from the cloud\'s fails only at the first rekey.',
                              'The flush cannot be limited to one peer: every tunnel of the router rekeys (a short interruption), '
                              'and each one that was up is waited for again. Never in check mode (which does not verify).',
                              'RouterOS negotiates phase 2 again when traffic meets a policy without SAs, or when the peer starts it: '
                              'right after the flush one echo request of each tunnel\'s C(ping) is sent for that reason (its answer '
                              'does not count). A tunnel without C(ping) that carries no traffic may only come back with its next '
                              'packet; give it a C(ping).'],
                     default=False),
}

TUNNEL = {
    'name': _option('str', ['Tunnel name: the name of the phase 1 profile, phase 2 proposal and peer made for it; ASCII letters, digits, '
                            'V(.), V(_) and V(-). Unique among the tunnels.'], required=True),
    'state': _option('str', ['V(present) builds the tunnel; V(absent) removes exactly its entries (profile, proposal, peer, identity, '
                             'every policy of the peer, the firewall rules with its comment) and needs only C(name).'],
                     choices=list(STATES), default='present'),
    'cloud': _option('str', ['Cloud preset: the recommended IKE and ESP values, the cloud vocabulary of the cloud sheet and of '
                             'C(cloud_side), and what that cloud accepts.'], choices=list(CLOUDS), default='tencent'),
    'peer_address': _option('str', ['IPv4 address of the cloud VPN gateway. Required with C(state=present); one tunnel per gateway '
                                    'address.']),
    'local_subnets': _option('list', ['LAN prefixes of the router, such as V(192.168.1.0/24) (the cloud side calls them the customer '
                                      'or remote CIDRs). Required with C(state=present).'], elements='str'),
    'remote_subnets': _option('list', ['VPC prefixes behind the cloud gateway, such as V(10.100.1.0/24); they must not overlap '
                                       'C(local_subnets). One policy per (local, remote) pair. Required with C(state=present).'],
                              elements='str'),
    # ``raw`` and not ``str``: a PSK is never converted from another type (a YAML number such as 0123 would become
    # a different key); the preflight refuses anything but a non-empty string without surrounding whitespace.
    'psk': _option('raw', ['Pre-shared key, a non-empty string without surrounding whitespace; keep it in Ansible Vault. Required '
                           'with C(state=present). Never shown in results, diffs, warnings or errors.'], no_log=True),
    'ike': _option('dict', ['Phase 1 parameters. Each omitted one takes the cloud preset\'s recommended value (Tencent: IKEv2, '
                            'AES-256, SHA-256, DH group 14, 1 day); explicit values are always written.'], options=IKE),
    'esp': _option('dict', ['Phase 2 parameters. Each omitted one takes the cloud preset\'s recommended value (Tencent: AES-256-CBC, '
                            'SHA-256, PFS group 14, 1 hour).'], options=ESP),
    'local_id': _option('str', ['The router\'s IKE identity (RouterOS C(my-id)): V(auto), V(address:IP), V(fqdn:NAME) or a bare IP '
                                'address (meaning V(address:IP)).',
                                'A router behind NAT must send its public address (the cloud\'s customer gateway) or an FQDN.'],
                        default='auto'),
    'remote_id': _option('str', ['The identity expected from the cloud (RouterOS C(remote-id)): as C(local_id), plus V(ignore).'],
                         default='auto'),
    'public_address': _option('str', ['The router\'s public address as the cloud sees it (the customer gateway IP), when it differs '
                                      'from its WAN address (behind NAT); used by the identity check and the cloud sheet.']),
    'cloud_side': _option('dict', ['The cloud\'s own API objects for this connection, exactly as its API returns them (Tencent: '
                                   'C(IKEOptionsSpecification), C(IPSECOptionsSpecification), C(SecurityPolicyDatabaseSet), ...). When '
                                   'given, both ends are compared field by field and a mismatch fails before the router is touched.']),
    'nat_bypass': _option('bool', ['Add a C(/ip/firewall/nat) accept rule per subnet pair, above any rule that could catch the '
                                   'traffic first.'], default=True),
    'fasttrack_bypass': _option('bool', ['Add C(/ip/firewall/raw) notrack rules per subnet pair, both directions, so FastTrack does not '
                                         'bypass the policies. Turning it off does not remove them; removing the tunnel does.'],
                                default=False),
    'verify': _option('dict', ['How the apply step proves the tunnel is up, in the same API session.'], options=VERIFY,
                      apply_defaults=True),
    'adopt': _option('bool', ['Take over entries with this tunnel\'s keys that the collection did not create (no C(vpclink:) mark in their '
                              'comment): they are marked, updated to the inventory\'s values and reported as C(adopted).',
                              'Without it such an entry stops the router before any write, with what differs.'], default=False),
    'adopt_from': _option('str', ['Name of a hand-built peer to the same C(peer_address) to take over under this tunnel\'s name: the peer, '
                                  'its identity, its policies and the NAT accept rules for its selectors, and the profile and proposal when '
                                  'only that tunnel uses them, are '
                                  'renamed, marked, updated and reported as C(adopted); its policies whose selectors are not in '
                                  'C(local_subnets) x C(remote_subnets) are removed. See the README, "Taking over a hand-built tunnel".']),
}

# ``state: absent`` needs only the name.
TUNNEL_REQUIRED_IF = [['state', 'present', ['peer_address', 'local_subnets', 'remote_subnets', 'psk']]]

COLLECT_WARNINGS = ('Return the warnings in C(collected_warnings) instead of showing them, so that a play over many routers can show '
                    'each cause once, listing the routers (the role does, in its report phase).')

OPTIONS = {
    'tunnels': _option('list', ['The router\'s tunnels. Two tunnels may not share a name, nor (when present) a C(peer_address), and '
                                'their selectors may not overlap.'],
                       elements='dict', required=True, options=TUNNEL, required_if=TUNNEL_REQUIRED_IF),
    'mode': _option('str', ['V(preflight): validate, resolve and compare without any connection to the router.',
                            'V(apply): the preflight, then apply and verify in one session.',
                            'V(rollback): restore, from the newest backup of this router under O(backup_dir), the entries that run '
                            'changed (removing what it created, setting back what it changed, adding back what it removed); entries '
                            'that are not ours are never touched.'],
                    choices=['preflight', 'apply', 'rollback'], default='apply'),
    'backup_dir': _option('path', [
        'Before the first write on the router, save every entry of each menu about to be written, and then what the run changed, in '
        'C(<backup_dir>/<router>/<UTC time>/) on the controller: C(backup.json) and C(backup.rsc) (RouterOS export lines); '
        'C(<backup_dir>/<router>/LAST) names the newest. C(<router>) is O(sheet_router), else the API address. A run that writes '
        'nothing saves nothing. Required by O(mode=rollback) and O(rollback_on_failure).']),
    'backup_secrets': _option('bool', ['Keep secrets (PSKs) in clear in the backup files, which are then written with mode C(0600). '
                                       'By default they are masked, and a rollback takes a PSK it needs from O(tunnels).'],
                              default=False),
    'rollback_on_failure': _option('bool', ['When a tunnel that was up before the run is not up after it, restore that tunnel\'s '
                                            'entries from this run\'s backup at once, verify it again and report it '
                                            '(C(tunnels[].rollback)). Needs O(backup_dir).'], default=False),
    'update_secret': _option('str', ['When the router hides the identity secret (API user without the C(sensitive) policy): V(auto) '
                                     'compares a salted fingerprint of the PSK kept in the identity\'s C(vpclink:) comment and writes the '
                                     'PSK only when it differs (or when there is no fingerprint yet); V(always) writes it on every run; '
                                     'V(on_create) only when the identity is created (a changed PSK is then never applied). When the '
                                     'router shows it, it is compared and written only when it differs.'],
                             choices=['auto', 'always', 'on_create'], default='auto', no_log=False),
    'reinitiate': _option('bool', ['With O(mode=apply), end the IKE SAs of every present tunnel whose entries the run changed (its '
                                   'C(/ip/ipsec/active-peers) rows), so the router negotiates again at once with the new values and the '
                                   'verify proves those rather than SAs negotiated before the change (a rotated PSK or algorithm).',
                                   'The role leaves it off; C(playbooks/rotate.yml) turns it on.'], default=False),
    'fail_on_unhealthy': _option('bool', ['Fail the task when a verified tunnel is not healthy, naming each with its diagnosis. The '
                                          'changes already made are kept.'], default=True),
    'sheet_file': _option('path', [
        'Write the cloud sheet (the settings each tunnel\'s cloud side needs, in the cloud\'s own vocabulary: C(tunnels[].cloud_sheet) '
        'of every present tunnel) to this file, as YAML with a comment header; never the PSK.',
        'The file is written where this code runs: through the action plugin (the normal case) that is the controller; when the module '
        'itself runs (the fallback) it is the host the module runs on, which is the controller with C(connection=local).',
        'Missing directories are created (mode C(0755)); the file (mode C(0644)) is written only when its content differs, so a re-run '
        'reports no change. It is written after a passing preflight, before any router contact, in both modes; a failing preflight '
        'writes nothing.',
        'In check mode the file is not written; C(sheet_changed) says whether it would be. With diff mode the file\'s before and after '
        'are part of the diff.']),
    'sheet_router': _option('str', ['The router name written into the cloud sheet (its C(router) key and header), and the name of its '
                                    'backup directory. Default: O(hostname).',
                                    'The role passes C(inventory_hostname).']),
    'collect_warnings': _option('bool', [COLLECT_WARNINGS], default=False),
}

_SPEC_KEYS = ('type', 'elements', 'required', 'default', 'choices', 'no_log', 'apply_defaults', 'required_if')


def spec_of(options):
    """Argument spec of an options dict: the same entries without their descriptions."""
    out = {}
    for name, option in options.items():
        entry = {key: option[key] for key in _SPEC_KEYS if key in option}
        if 'options' in option:
            entry['options'] = spec_of(option['options'])
        out[name] = entry
    return out


def argument_spec():
    """The ``tunnels`` module's own options (the connection options are added by the runner)."""
    return spec_of(OPTIONS)
