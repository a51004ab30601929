# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The documentation of the result keys the modules share (their RETURN), in one place.

Ansible reads each module's RETURN as a literal of the module file, and documentation fragments do not extend RETURN;
so ``tools/update_docs.py`` writes these keys between markers into each module's RETURN, as it writes the options from
the MenuSpec fields. Nothing here runs when a module runs.
"""

from __future__ import annotations

from ansible_collections.vpclink.routeros.plugins.module_utils.masking import MASK

# The keys of every result of a run that connects to a router.
CONNECTION = {
    'router': {'description': 'C(hostname:port) of the router.', 'returned': 'always', 'type': 'str', 'sample': '192.0.2.1:8728'},
    'routeros_version': {'description': 'RouterOS version read from C(/system/resource).', 'returned': 'when connected', 'type': 'str',
                         'sample': '7.16.2'},
}

# The keys every result of a Tencent Cloud module may carry: tencent_api.TencentApi counts the throttled retries, and
# TencentError.result() describes the call that failed.
TENCENT = {
    'retries': {'description': 'Calls retried because the API throttled them (C(RequestLimitExceeded)).', 'returned': 'success', 'type': 'int'},
    'error': {'description': "The failed call; C(action), C(code), C(message) (Tencent's) and C(request_id).",
              'returned': 'when a Tencent Cloud call failed', 'type': 'dict'},
}

COMMANDS = 'The API commands sent (or that would be sent in check mode), secrets masked.'

# One entry of each menu as the result shows it, and the property its samples show written. tools/update_docs.py checks
# the names against the MenuSpec, so a renamed property fails the documentation check instead of leaving a wrong sample.
ENTRY_SAMPLES = {
    '/ip/ipsec/profile': ({'name': 'to_tencent', 'lifetime': '8h'}, 'lifetime'),
    '/ip/ipsec/proposal': ({'name': 'to_tencent', 'pfs-group': 'modp2048'}, 'pfs-group'),
    '/ip/ipsec/peer': ({'name': 'to_tencent', 'profile': 'to_tencent'}, 'profile'),
    '/ip/ipsec/identity': ({'peer': 'to_tencent', 'secret': MASK}, 'secret'),
    '/ip/ipsec/policy': ({'peer': 'to_tencent', 'src-address': '192.168.1.0/24', 'dst-address': '10.0.0.0/16',
                          'proposal': 'to_tencent'}, 'proposal'),
    '/ip/firewall/nat': ({'chain': 'srcnat', 'action': 'accept', 'src-address': '192.168.1.0/24', 'dst-address': '10.0.0.0/16',
                          'comment': 'vpclink:vpc tunnel to_tencent'}, 'comment'),
}

# How nat_accept_top's result differs from the result of its NAT rule alone (it also reconciles the raw notrack rules of
# its FastTrack bypass).
NAT_ACCEPT_TOP = {
    'changed': 'Whether a rule was (or, in check mode, would be) created, updated, moved or deleted.',
    'commands': 'NAT rule first (raw rules after; reverse on removal).',
    'fasttrack_bypass': {'description': 'The results (same keys as above) for the two raw notrack rules, LAN to VPC first.',
                         'returned': 'when O(fasttrack_bypass=true)', 'type': 'list', 'elements': 'dict'},
}


def menu_result(spec):
    """RETURN of a module that reconciles one entry of ``spec`` (a MenuSpec): the keys ``menu.reconcile`` returns."""
    kind = spec.kind
    entry, written = ENTRY_SAMPLES[spec.path]
    actions = (['created', 'updated', 'adopted', 'moved', 'deleted', 'unchanged'] if spec.placement
               else ['created', 'updated', 'adopted', 'deleted', 'unchanged'])
    doc = {
        'changed': {'description': f'Whether the {kind} was (or, in check mode, would be) {_either(actions[:-1])}.',
                    'returned': 'always', 'type': 'bool'},
        'action': {'description': f'What happened to the {kind}'
                                  + ('; V(updated) also when it was both changed and moved' if spec.placement else '')
                                  + '; V(adopted) when an entry the collection did not create was taken over (O(adopt)).',
                   'returned': 'success', 'type': 'str', 'choices': actions, 'sample': 'updated'},
    }
    if spec.placement:
        doc['moved'] = {'description': f'True when the {kind} was (or would be) moved.', 'returned': 'when moved', 'type': 'bool'}
    doc['id'] = {'description': f'RouterOS C(.id) of the {kind}; V(null) when nothing matched, or for a create in check mode.',
                 'returned': 'success', 'type': 'str', 'sample': '*1A'}
    doc['entry'] = {'description': f'The {kind} after the run (RouterOS property names, only known values)'
                                   + (f', secrets masked as C({MASK}).' if spec.sensitive else '.'),
                    'returned': 'success', 'type': 'dict', 'sample': dict({'.id': '*1A'}, **entry)}
    if spec.placement:
        doc['placement'] = {
            'description': [f'Where the {kind} stands. C(before) is the C(.id) of the rule it was placed or moved above (V(null) when '
                            'no move was needed), C(reason) what that rule matches, C(position) the 0-based index in the chain after '
                            'the run.'],
            'returned': 'when O(state=present)', 'type': 'dict',
            'sample': {'before': '*1', 'reason': 'action=masquerade src-address=any dst-address=any (out-interface=ether1 taken to match)',
                       'chain': spec.placement.chain, 'position': 0}}
    doc['commands'] = {'description': COMMANDS, 'returned': 'success', 'type': 'list', 'elements': 'str',
                       'sample': [f'{spec.path}/set =.id=*1A ={written}={entry[written]}']}
    doc['changed_properties'] = {'description': f'RouterOS names of the {kind} properties written.', 'returned': 'when changed and O(state=present)',
                                 'type': 'list', 'elements': 'str', 'sample': [written]}
    if spec.has_update_secret:
        doc['secret_notes'] = {'description': 'Why a secret the router hides was written (see O(update_secret)).',
                               'returned': 'when a hidden secret was written', 'type': 'dict'}
    doc.update(CONNECTION)
    doc['menu'] = {'description': 'The API menu managed.', 'returned': 'success', 'type': 'str', 'sample': spec.path}
    return doc


def nat_accept_top_result(nat):
    """RETURN of nat_accept_top: the result of its NAT rule (``nat``, a MenuSpec) and the FastTrack bypass results."""
    doc = menu_result(nat)
    doc['changed'] = dict(doc['changed'], description=NAT_ACCEPT_TOP['changed'])
    doc['commands'] = dict(doc['commands'], description=COMMANDS[:-1] + ', ' + NAT_ACCEPT_TOP['commands'])
    doc['fasttrack_bypass'] = NAT_ACCEPT_TOP['fasttrack_bypass']
    return doc


def connection_result(returned=None):
    """The CONNECTION keys, with ``returned`` instead of their own when given (a module that connects only in some modes)."""
    return {key: dict(doc, returned=returned) if returned else dict(doc) for key, doc in CONNECTION.items()}


def tencent_result():
    """The TENCENT keys, for the RETURN of each Tencent Cloud module."""
    return {key: dict(doc) for key, doc in TENCENT.items()}


def _either(words):
    return ', '.join(words[:-1]) + ' or ' + words[-1]
