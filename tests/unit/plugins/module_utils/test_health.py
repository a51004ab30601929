# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""health.tunnel_health: the one decision of "is this tunnel up", from the rows RouterOS prints."""

import pytest

from ansible_collections.vpclink.routeros.plugins.module_utils.diagnose import diagnose
from ansible_collections.vpclink.routeros.plugins.module_utils.health import rows_of, tunnel_health

GW, WAN = '198.51.100.101', '203.0.113.12'
UP_PEER = {'remote-address': GW, 'local-address': WAN, 'state': 'established', 'ph2-total': '1'}
PAIR_A = ('192.168.12.0/27', '10.101.0.0/24')
PAIR_B = ('192.168.12.32/27', '10.101.0.0/24')


def policy(pair, ph2='established', **extra):
    row = {'peer': 'vpc-gz', 'src-address': pair[0], 'dst-address': pair[1], 'ph2-state': ph2,
           'active': 'true' if ph2 == 'established' else 'false'}
    row.update(extra)
    return row


def sas(pairs, state='mature'):
    """Two SAs (in, out) per established child SA, as installed-sa prints them."""
    rows = []
    for _ in range(pairs):
        rows += [{'src-address': GW, 'dst-address': WAN, 'state': state}, {'src-address': WAN, 'dst-address': GW, 'state': state}]
    return rows


def test_two_selector_pairs_one_without_phase2_is_partial_naming_the_down_pair():
    result = tunnel_health([UP_PEER], [policy(PAIR_A), policy(PAIR_B, 'no-phase2')], sas(1))
    assert result['status'] == 'partial' and result['healthy'] is False
    assert result['down_selectors'] == ['192.168.12.32/27 -> 10.101.0.0/24']
    assert [(p['src'], p['up']) for p in result['selectors']] == [('192.168.12.0/27', True), ('192.168.12.32/27', False)]
    assert '1 of 2 selector pairs' in result['reason'] and '192.168.12.32/27 -> 10.101.0.0/24' in result['reason']
    assert result['phase1'] == {'state': 'established', 'established': True}


def test_every_pair_up_with_both_sas_each_is_up_and_healthy():
    result = tunnel_health([UP_PEER], [policy(PAIR_A), policy(PAIR_B)], sas(2))
    assert (result['status'], result['healthy'], result['down_selectors'], result['reason']) == ('up', True, [], '')
    assert result['sas'] == {'mature': 4, 'needed': 4} and result['ping'] is None


@pytest.mark.parametrize(('sa_rows', 'status'), [
    (sas(2), 'up'),
    (sas(1), 'partial'),                                    # two pairs say established, but only one pair of SAs
    (sas(1) + sas(1, state='dying'), 'partial'),           # a dying SA does not carry the pair
    (sas(1)[:1] + sas(1), 'partial'),                       # three SAs: one pair is missing its outbound SA
])
def test_two_mature_sas_are_needed_for_each_selector_pair(sa_rows, status):
    result = tunnel_health([UP_PEER], [policy(PAIR_A), policy(PAIR_B)], sa_rows)
    assert result['status'] == status and result['healthy'] is (status == 'up')
    assert result['sas']['needed'] == 4
    if status == 'partial':
        assert 'needed (two per selector pair)' in result['reason']


def test_a_failing_ping_makes_an_up_tunnel_unhealthy():
    rows = ([UP_PEER], [policy(PAIR_A)], sas(1))
    failing = tunnel_health(*rows, ping={'sent': 3, 'received': 0})
    assert failing['status'] == 'up' and failing['healthy'] is False
    assert failing['ping'] == {'sent': 3, 'received': 0, 'answered': False} and 'no answer' in failing['reason']
    answered = tunnel_health(*rows, ping={'sent': 3, 'received': 1})
    assert answered['healthy'] is True and answered['ping']['answered'] is True
    # an answered ping does not make a partial tunnel healthy: the other pair still carries nothing
    partial = tunnel_health([UP_PEER], [policy(PAIR_A), policy(PAIR_B, 'no-phase2')], sas(1), ping={'sent': 1, 'received': 1})
    assert partial['status'] == 'partial' and partial['healthy'] is False


@pytest.mark.parametrize(('active', 'policies', 'reason'), [
    ([], [policy(PAIR_A, 'no-phase2')], 'active-peers state: no row'),
    ([dict(UP_PEER, state='message-1-sent')], [policy(PAIR_A, 'no-phase2')], 'message-1-sent'),
    ([UP_PEER], [policy(PAIR_A, 'no-phase2'), policy(PAIR_B, 'no-phase2')], '0 of 2 selector pairs'),
    ([UP_PEER], [], 'no IPsec policy (selector pair)'),
])
def test_no_phase1_or_no_pair_up_is_down(active, policies, reason):
    result = tunnel_health(active, policies, [])
    assert result['status'] == 'down' and result['healthy'] is False and reason in result['reason']


def test_a_disabled_policy_is_a_down_pair_and_a_non_encrypting_policy_is_no_pair():
    disabled = tunnel_health([UP_PEER], [policy(PAIR_A), policy(PAIR_B, 'no-phase2', disabled='true')], sas(1))
    assert disabled['status'] == 'partial' and disabled['down_selectors'] == ['192.168.12.32/27 -> 10.101.0.0/24']
    bypass = tunnel_health([UP_PEER], [policy(PAIR_A), policy(PAIR_B, 'no-phase2', action='none')], sas(1))
    assert bypass['status'] == 'up' and [p['src'] for p in bypass['selectors']] == ['192.168.12.0/27']


def test_rows_of_picks_the_peer_rows_in_every_address_form():
    other = '198.51.100.102'
    active = [UP_PEER, dict(UP_PEER, **{'remote-address': other})]
    policies = [policy(PAIR_A), policy(PAIR_B, peer='vpc-sh')]
    sa_rows = [{'src-address': f'{GW}[4500]', 'dst-address': f'{WAN}[4500]'}, {'src-address': f'{WAN}:4500', 'dst-address': f'{GW}:4500'},
               {'src-address': other, 'dst-address': WAN}]
    mine = rows_of({'name': 'vpc-gz', 'address': f'{GW}/32'}, active, policies, sa_rows)
    assert mine == ([UP_PEER], [policies[0]], sa_rows[:2])


def test_the_diagnosis_reads_a_partial_tunnel_as_phase2_trouble_naming_the_down_pair():
    state = {'active_peers': [UP_PEER], 'policies': [policy(PAIR_A), policy(PAIR_B, 'no-phase2')], 'installed_sa': sas(1)}
    result = diagnose(state=state)
    assert result['healthy'] is False and result['stage'] == 'phase1_up'
    assert result['class'] in ('traffic_selectors', 'phase2_proposal', 'pfs')
    assert any('partially up' in line and '192.168.12.32/27 -> 10.101.0.0/24' in line for line in result['evidence']), result['evidence']
