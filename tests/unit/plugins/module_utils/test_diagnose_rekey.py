# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The diagnosis of a forced CHILD SA rekey that was refused (``state['rekey'] == 'failed'``, set by verify.rekey and
ipsec_info's rekey): the tunnel was up on this configuration moments ago, so its selectors and ESP proposal were
accepted; what the rekey adds is the key exchange (PFS)."""

import json
import os

from ansible_collections.vpclink.routeros.plugins.module_utils.diagnose import diagnose

GW = '198.51.100.61'
CORPUS = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'data', 'ike-corpus', 'pfs.jsonl')
# What the router logs at the forced rekey (RouterOS wording, as the lab writes it in both IKE modes)
ROUTER_LOG = [{'topics': 'ipsec,info', 'message': f'new ike2 SA (I): 203.0.113.61[4500]-{GW}[4500] spi:1f0c5d2e8a7b6c4d:8e7d6c5b4a392817'},
              {'topics': 'ipsec,info', 'message': f'IPsec-SA established: ESP/Tunnel {GW}[4500]->203.0.113.61[4500] spi=3248665556(0xc1a2b3d4)'},
              {'topics': 'ipsec,error', 'message': f'{GW} child SA negotiation failed: NO_PROPOSAL_CHOSEN'}]


def _state(rekey=None):
    state = {'active_peers': [{'remote-address': GW, 'state': 'established'}],
             'policies': [{'src-address': '192.168.61.0/24', 'dst-address': '10.61.0.0/24', 'ph2-state': 'no-phase2', 'active': 'false'}],
             'installed_sa': []}
    if rekey:
        state['rekey'] = rekey
    return state


def _ranked(result):
    return [c['class'] for c in result['candidates']]


def _cloud_lines(case='pfs-v2-rekey'):
    """The cloud's real strongSwan lines (default log level) of an IKEv2 PFS mismatch at the first rekey."""
    with open(CORPUS, encoding='utf-8') as corpus:
        for line in corpus:
            record = json.loads(line)
            if (record['case'], record['side'], record['log_level']) == (case, 'cloud', 'default'):
                return record['lines']
    raise AssertionError(f'{case} is not in the corpus')


def test_a_refused_rekey_of_a_tunnel_that_was_up_leans_to_pfs():
    result = diagnose(state=_state('failed'), router_log=ROUTER_LOG)
    assert result['class'] == 'pfs' and result['certain'] is False, result
    assert _ranked(result)[:2] == ['pfs', 'phase2_proposal']
    assert any('forced CHILD SA rekey' in fact for fact in result['evidence'])


def test_the_same_lines_without_the_rekey_fact_do_not_decide_between_proposal_and_pfs():
    result = diagnose(state=_state(), router_log=ROUTER_LOG)
    assert set(_ranked(result)[:2]) == {'phase2_proposal', 'pfs'} and result['class'] == 'phase2_proposal'


def test_without_lines_a_refused_rekey_rules_the_selectors_out():
    result = diagnose(state=_state('failed'))
    assert result['class'] == 'pfs' and 'traffic_selectors' not in _ranked(result), result


def test_with_the_cloud_log_pasted_the_rekey_is_certainly_pfs():
    for case in ('pfs-v2-rekey', 'pfs-v2-rekey-groups-differ'):
        result = diagnose(state=_state('failed'), router_log=ROUTER_LOG, cloud_log=_cloud_lines(case))
        assert (result['class'], result['certain']) == ('pfs', True), (case, result)


def test_a_rekey_that_passed_or_did_not_run_changes_nothing():
    for rekey in ('passed', 'not_run'):
        assert diagnose(state=_state(rekey), router_log=ROUTER_LOG)['class'] == 'phase2_proposal'
