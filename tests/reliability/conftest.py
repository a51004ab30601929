# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reliability tier: the lab router holds entries that are NOT ours, and we build one tunnel from empty.

Two build paths, both in-process through the action plugins (the code path a play uses, docs/scale.md):

* ``objects``: the object modules in dependency order, one module run (one login) each, stopping at
  the first failure the way a play stops a host: profile, proposal -> peer -> identity -> policy -> NAT
  accept rule with the raw notrack FastTrack bypass;
* ``tunnels``: the composite module, one session for the whole tunnel (verify off: negotiation is not
  what these tests are about).

Both must reach the same configuration (compared with ``config_state``).
"""

import json

import pytest

from tests import labkit
from tests.unit.plugins.modules.conftest import run_action_path

PSK = 'Rel-PSK-7f3a9c'           # ours
OTHER_PSK = 'Hand-Made-PSK-55e1'  # the hand-made tunnel's
SECRETS = (PSK, OTHER_PSK, labkit.PASSWORD)
VERSIONS = {'v7': '7.16.2', 'v6': '6.49.17'}

# Entries that are not ours: a defconf-like firewall and a tunnel made by hand.
FOREIGN = {
    '/ip/firewall/nat': [
        {'chain': 'dstnat', 'action': 'dst-nat', 'protocol': 'tcp', 'dst-port': '8080', 'to-addresses': '192.168.10.9', 'comment': 'web'},
        {'chain': 'srcnat', 'action': 'masquerade', 'out-interface': 'ether1', 'comment': 'defconf: masquerade'},
    ],
    '/ip/firewall/filter': [
        {'chain': 'forward', 'action': 'fasttrack-connection', 'connection-state': 'established,related', 'comment': 'defconf: fasttrack'},
        {'chain': 'forward', 'action': 'accept', 'connection-state': 'established,related', 'comment': 'defconf: accept est'},
        {'chain': 'input', 'action': 'drop', 'in-interface': 'ether1', 'comment': 'defconf: drop WAN'},
    ],
    '/ip/firewall/raw': [
        {'chain': 'prerouting', 'action': 'drop', 'src-address': '198.18.0.0/15', 'comment': 'bogons'},
    ],
    '/ip/ipsec/profile': [{'name': 'hand-p', 'hash-algorithm': 'sha256', 'enc-algorithm': 'aes-128', 'dh-group': 'modp2048'}],
    '/ip/ipsec/proposal': [{'name': 'hand-pr', 'auth-algorithms': 'sha256', 'enc-algorithms': 'aes-128-cbc', 'pfs-group': 'modp2048'}],
    '/ip/ipsec/peer': [{'name': 'hand', 'address': '198.51.100.77/32', 'profile': 'hand-p', 'exchange-mode': 'ike2'}],
    '/ip/ipsec/identity': [{'peer': 'hand', 'auth-method': 'pre-shared-key', 'secret': OTHER_PSK}],
    '/ip/ipsec/policy': [{'peer': 'hand', 'src-address': '192.168.10.0/25', 'dst-address': '10.77.0.0/16', 'tunnel': 'yes',
                          'proposal': 'hand-pr'}],
}

CONFIG_MENUS = ('/ip/ipsec/profile', '/ip/ipsec/proposal', '/ip/ipsec/peer', '/ip/ipsec/identity', '/ip/ipsec/policy',
                '/ip/ipsec/policy/group', '/ip/firewall/nat', '/ip/firewall/filter', '/ip/firewall/raw', '/ip/address',
                '/system/identity')

LAN, VPC, GW = '192.168.10.128/25', '10.100.0.0/16', '198.51.100.10'

# The tunnel, as object-module steps (module, args) in dependency order (referenced entries first).
STEPS = [
    ('ipsec_profile', {'name': 'vpc-p', 'hash_algorithm': 'sha256', 'enc_algorithm': ['aes-256'], 'dh_group': ['modp2048'],
                       'lifetime': '1d'}),
    ('ipsec_proposal', {'name': 'vpc-pr', 'auth_algorithms': ['sha256'], 'enc_algorithms': ['aes-256-cbc'], 'pfs_group': 'modp2048',
                        'lifetime': '1h'}),
    ('ipsec_peer', {'name': 'vpc', 'address': GW, 'profile': 'vpc-p', 'exchange_mode': 'ike2'}),
    ('ipsec_identity', {'peer': 'vpc', 'auth_method': 'pre-shared-key', 'secret': PSK}),
    ('ipsec_policy', {'peer': 'vpc', 'src_address': LAN, 'dst_address': VPC, 'tunnel': True, 'proposal': 'vpc-pr'}),
    ('nat_accept_top', {'src_address': LAN, 'dst_address': VPC, 'comment': 'vpc bypass', 'fasttrack_bypass': True}),
]

TUNNEL = {'name': 'vpc', 'peer_address': GW, 'local_subnets': [LAN], 'remote_subnets': [VPC], 'psk': PSK,
          'fasttrack_bypass': True, 'verify': {'enabled': False}}


def conn(lab, name, **extra):
    params = {'hostname': '127.0.0.1', 'port': lab.port(name), 'username': 'admin', 'password': labkit.PASSWORD, 'timeout': 2}
    params.update(extra)
    return params


def build_objects(lab, name, check=False, diff=False, **extra):
    """Run the object-module sequence; stop at the first failed step. Returns the list of results."""
    results = []
    for module_name, args in STEPS:
        result = run_action_path(module_name, dict(conn(lab, name, **extra), **args), check=check, diff=diff)
        result['_module'] = module_name
        results.append(result)
        if result.get('failed'):
            break
    return results


def build_tunnels(lab, name, check=False, diff=False, **extra):
    result = run_action_path('tunnels', dict(conn(lab, name, **extra), tunnels=[TUNNEL]), check=check, diff=diff)
    result['_module'] = 'tunnels'
    return [result]


BUILDERS = {'objects': build_objects, 'tunnels': build_tunnels}


def ok(results):
    return all(not r.get('failed') for r in results)


def config_state(lab, name):
    """The configuration menus, entries with their ``.id`` and values, in table order (order matters for firewalls).

    Ids are compared too: a failed step never consumes an id (a dropped or trapped ``add`` is not executed;
    an ``add`` whose reply was cut did create the entry, and the re-run finds it by key instead of adding
    again), and the re-run creates the rest in the same dependency order, so the ids must match the clean run.
    Runtime menus (active-peers, installed-sa, statistics), ``/log`` and counters are not configuration."""
    tables = lab.dump(name)['tables']
    return {menu: [json.dumps(e, sort_keys=True) for e in tables.get(menu, {}).get('entries', [])] for menu in CONFIG_MENUS}


def foreign_entries(state):
    """The entries that are not ours (everything the lab started with), by menu."""
    return state


def router_entries(version, name='r1'):
    return labkit.router(name, version, lan_subnets=['192.168.10.0/24'], config=FOREIGN)


@pytest.fixture(scope='module')
def rel_lab():
    """One lab per test module: a 7.x and a 6.49 router, both with the FOREIGN entries; ManualClock."""
    with labkit.running_lab([router_entries(version, name) for name, version in VERSIONS.items()]) as lab:
        yield lab


@pytest.fixture
def rlab(rel_lab):
    return labkit.fresh(rel_lab, VERSIONS)


# a message says what to do: one of these imperative phrases (errors name the next step)
NEXT_STEP = ('allowed', 'must ', 'needs ', 'may contain only', 'make ', 'one tunnel per', 'not an ipv4 address',
             'retry', 'run again', 'run the task again', 'check ', 'set ', 'raise ', 'give ', 'fix ', 'remove ', 'create ', 'add ',
             'enable ', 'use ')


def assert_clear_failure(result, *needles, router=True):
    """A failure a user can act on: a message, no traceback, no secret, names the router (and ``needles``)."""
    text = json.dumps(result, default=str)
    assert result.get('failed'), result
    msg = result.get('msg') or ''
    assert msg and 'Traceback' not in text and 'exception' not in result, result
    for secret in SECRETS:
        assert secret not in text, f'secret leaked: {result}'
    if router:
        assert '127.0.0.1:' in msg, msg
    assert any(step in msg.lower() for step in NEXT_STEP), f'no next step in: {msg}'
    for needle in needles:
        assert needle in msg, msg
