# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""rule_match: could a NAT/firewall rule catch a flow; and placement and diagnosis give the same answer from it."""

import pytest

from ansible_collections.vpclink.routeros.plugins.module_utils.diagnose import diagnose
from ansible_collections.vpclink.routeros.plugins.module_utils.firewall import NAT, RAW_CATCHING
from ansible_collections.vpclink.routeros.plugins.module_utils.menu import reconcile
from ansible_collections.vpclink.routeros.plugins.module_utils.rule_match import (
    SRCNAT_TRANSLATING,
    Flow,
    address_could_match,
    chains_of,
    could_catch,
    first_in_the_way,
    takes_every_packet,
)
from tests.unit.plugins.module_utils.test_menu import FakeSession

LAN, VPC = '192.168.1.0/24', '10.0.0.0/16'
TUNNEL = Flow(LAN, VPC, into_policy=True)


def srcnat(**attrs):
    return dict({'chain': 'srcnat', 'action': 'masquerade'}, **attrs)


@pytest.mark.parametrize('matcher,could', [
    (None, True), ('', True),
    ('192.168.1.0/24', True), ('192.168.1.0/25', True), ('192.168.1.128/25', True), ('192.168.0.0/16', True),
    ('192.168.1.77', True), ('192.168.1.200-192.168.2.10', True), ('192.168.2.0/24', False), ('192.168.0.0-192.168.0.255', False),
    ('!192.168.0.0/16', False), ('!192.168.1.0/24', False), ('!192.168.1.0/25', True), ('!192.168.2.0/24', True),
    ('2001:db8::/32', False), ('!2001:db8::/32', True),
    ('not an address', True),          # unreadable: could match
])
def test_address_matcher_against_a_network(matcher, could):
    assert address_could_match(matcher, LAN) is could


@pytest.mark.parametrize('row', [
    srcnat(),
    srcnat(**{'src-address': '192.168.1.0/25'}),                      # half of the LAN is still the LAN
    srcnat(**{'dst-address': '!10.0.5.0/24'}),                        # the negation leaves most of the VPC
    srcnat(**{'src-address-list': 'lan'}),                            # list content unknown
    srcnat(**{'dst-address-list': '!vpn'}),
    srcnat(**{'out-interface': 'ether1'}), srcnat(**{'out-interface-list': 'WAN'}), srcnat(**{'in-interface': 'bridge'}),
    srcnat(**{'in-interface-list': '!WAN'}), srcnat(protocol='tcp'),
    srcnat(**{'ipsec-policy': 'out,ipsec'}),
    srcnat(action='src-nat', **{'to-addresses': '203.0.113.1'}), srcnat(action='netmap'), srcnat(action='same'),
    srcnat(action='endpoint-independent-nat'),
    srcnat(action='jump', **{'jump-target': 'custom'}),               # the chain was not read
    srcnat(action='jump'),                                            # no target printed
])
def test_rules_that_could_catch_the_tunnel(row):
    assert could_catch(row, TUNNEL, SRCNAT_TRANSLATING) is not None


@pytest.mark.parametrize('row', [
    srcnat(disabled='true'), srcnat(disabled=True), srcnat(disabled='yes'),
    srcnat(**{'src-address': '192.168.77.0/24'}), srcnat(**{'dst-address': '!10.0.0.0/8'}),
    srcnat(**{'ipsec-policy': 'out,none', 'out-interface-list': 'WAN'}),   # RouterOS's default masquerade
    srcnat(action='accept'), srcnat(action='log'), srcnat(action='passthrough'), srcnat(action='return'),
    srcnat(action='add-src-to-address-list', **{'address-list': 'seen'}),
    srcnat(action='jump', **{'jump-target': 'custom', 'src-address': '172.16.0.0/12'}),
])
def test_rules_that_cannot_catch_the_tunnel(row):
    assert could_catch(row, TUNNEL, SRCNAT_TRANSLATING, chains_of([])) is None


def test_unknown_matchers_are_named_in_the_reason():
    why = could_catch(srcnat(**{'out-interface-list': 'WAN', 'src-address-list': 'lan'}), TUNNEL, SRCNAT_TRANSLATING)
    assert why == 'action=masquerade src-address=any dst-address=any (out-interface-list=WAN, src-address-list=lan taken to match)'


def test_jump_is_followed_into_the_chains_that_were_read():
    jump = srcnat(action='jump', **{'jump-target': 'custom', '.id': '*2'})
    harmless = [{'.id': '*5', 'chain': 'custom', 'action': 'masquerade', 'src-address': '172.16.0.0/12'},
                {'.id': '*6', 'chain': 'custom', 'action': 'masquerade', 'disabled': 'true'},
                {'.id': '*7', 'chain': 'custom', 'action': 'accept'}]
    assert could_catch(jump, TUNNEL, SRCNAT_TRANSLATING, chains_of([jump] + harmless)) is None
    nested = [{'.id': '*8', 'chain': 'custom', 'action': 'jump', 'jump-target': 'deeper'},
              {'.id': '*9', 'chain': 'deeper', 'action': 'masquerade', 'src-address': '192.168.1.0/25'}]
    why = could_catch(jump, TUNNEL, SRCNAT_TRANSLATING, chains_of([jump] + harmless + nested))
    assert '*8' in why and '*9' in why and 'src-address=192.168.1.0/25' in why
    # a chain that jumps back into itself is not followed forever: taken to catch
    loop = [{'.id': '*3', 'chain': 'custom', 'action': 'jump', 'jump-target': 'custom'}]
    assert 'not read' in could_catch(jump, TUNNEL, SRCNAT_TRANSLATING, chains_of([jump] + loop))


def test_raw_accept_and_jump_catch_a_drop_never_does():
    inbound = Flow(VPC, LAN)
    raw = {'chain': 'prerouting'}
    assert could_catch(dict(raw, action='accept', **{'in-interface': 'ether1'}), inbound, RAW_CATCHING) is not None
    assert could_catch(dict(raw, action='jump', **{'jump-target': 'x'}), inbound, RAW_CATCHING) is not None
    assert could_catch(dict(raw, action='drop'), inbound, RAW_CATCHING) is None
    # the out,none exemption speaks of an outgoing policy: raw prerouting has none, so it proves nothing there
    assert could_catch(dict(raw, action='accept', **{'ipsec-policy': 'out,none'}), inbound, RAW_CATCHING) is not None


@pytest.mark.parametrize('row,every', [
    ({'action': 'accept', 'src-address': LAN, 'dst-address': VPC}, True),
    ({'action': 'accept', 'src-address': '192.168.0.0/16'}, True),
    ({'action': 'accept', 'dst-address': '!172.16.0.0/12'}, True),
    ({'action': 'accept', 'src-address': LAN, 'dst-address': VPC, 'ipsec-policy': 'out,ipsec'}, True),
    ({'action': 'accept', 'src-address': '192.168.1.0/25', 'dst-address': VPC}, False),     # half the LAN
    ({'action': 'accept', 'src-address': LAN, 'dst-address': VPC, 'disabled': 'true'}, False),
    ({'action': 'accept', 'protocol': 'udp', 'src-port': '500,4500'}, False),                 # the router's own IKE only
    ({'action': 'accept', 'src-address': LAN, 'out-interface': 'ether1'}, False),             # unknown: not all
])
def test_takes_every_packet(row, every):
    assert takes_every_packet(dict(row, chain='srcnat'), TUNNEL) is every


def test_walk_stops_at_an_accept_that_takes_the_whole_flow():
    ours = {'.id': '*1', 'chain': 'srcnat', 'action': 'accept', 'src-address': LAN, 'dst-address': VPC}
    ike = {'.id': '*2', 'chain': 'srcnat', 'action': 'accept', 'protocol': 'udp', 'src-port': '500,4500'}
    masq = {'.id': '*3', 'chain': 'srcnat', 'action': 'masquerade', 'out-interface-list': 'WAN'}
    assert first_in_the_way([ours, masq], TUNNEL, SRCNAT_TRANSLATING) is None
    assert first_in_the_way([ike, masq, ours], TUNNEL, SRCNAT_TRANSLATING)[0] is masq


# --- placement and diagnosis agree ----------------------------------------------------------------

UP = {'active_peers': [{'state': 'established', 'remote-address': '119.91.254.122', 'ph2-total': '1'}],
      'policies': [{'src-address': LAN, 'dst-address': VPC, 'ph2-state': 'established', 'active': 'true'}],
      'installed_sa': [{'state': 'mature', 'src-address': '113.87.48.200', 'dst-address': '119.91.254.122', 'current-bytes': '0'},
                       {'state': 'mature', 'src-address': '119.91.254.122', 'dst-address': '113.87.48.200', 'current-bytes': '0'}],
      'ping': {'sent': 3, 'received': 0}}
# our rule carries the mark nat_accept_top writes when given no comment
OUR_RULE = {'.id': '*1', 'chain': 'srcnat', 'action': 'accept', 'src-address': LAN, 'dst-address': VPC, 'comment': 'vpclink:'}


def placement_and_diagnosis(rule_above):
    """Our accept rule below ``rule_above``: where placement puts it, and what the diagnosis of a failed ping says."""
    rows = [rule_above, OUR_RULE]
    session = FakeSession(menus={'/ip/firewall/nat': rows})
    placed = reconcile(session, NAT, {'src_address': LAN, 'dst_address': VPC}, check_mode=True)
    diagnosed = diagnose(state=dict(UP, nat=rows))
    return placed, diagnosed


@pytest.mark.parametrize('rule_above', [
    {'.id': '*9', 'chain': 'srcnat', 'action': 'masquerade', 'src-address': '192.168.1.0/25'},            # a /25 of the LAN
    {'.id': '*9', 'chain': 'srcnat', 'action': 'masquerade', 'src-address': '192.168.1.128/25', 'out-interface': 'ether1'},
    {'.id': '*9', 'chain': 'srcnat', 'action': 'jump', 'jump-target': 'to-wan'},                         # its chain is not read
])
def test_a_rule_in_the_way_is_moved_above_and_diagnosed(rule_above):
    placed, diagnosed = placement_and_diagnosis(rule_above)
    assert placed['action'] == 'moved' and placed['placement']['before'] == '*9'
    assert (diagnosed['class'], diagnosed['phase']) == ('nat_bypass', 'data')
    assert any('*9' in line and 'matches the tunnel traffic' in line for line in diagnosed['evidence'])


@pytest.mark.parametrize('rule_above', [
    {'.id': '*9', 'chain': 'srcnat', 'action': 'masquerade', 'src-address': '192.168.2.0/25'},
    {'.id': '*9', 'chain': 'srcnat', 'action': 'masquerade', 'ipsec-policy': 'out,none', 'out-interface-list': 'WAN'},
    {'.id': '*9', 'chain': 'srcnat', 'action': 'jump', 'jump-target': 'to-wan', 'dst-address': '!10.0.0.0/8'},
])
def test_a_rule_that_cannot_catch_neither_moves_nor_is_diagnosed(rule_above):
    placed, diagnosed = placement_and_diagnosis(rule_above)
    assert placed['action'] == 'unchanged' and placed['placement']['before'] is None
    assert diagnosed['class'] != 'nat_bypass'
    assert 'nat_bypass' not in [c['class'] for c in diagnosed['candidates']]
