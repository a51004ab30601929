# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ipsec_info against a 7.x and a 6.49 lab router, through the module and the action plugin: read-only, diagnosis, bounded wait."""

import json
import time

import pytest

from tests import labkit
from tests.unit.plugins.modules.conftest import ROUTERS, conn, run_action_path, writes
from tests.unit.plugins.modules.test_ipsec_objects import CASES

SECRET = CASES['ipsec_identity'][1]['secret']


def configure(lab, router):
    for module_name in ('ipsec_profile', 'ipsec_proposal', 'ipsec_peer', 'ipsec_identity', 'ipsec_policy'):
        assert run_action_path(module_name, dict(conn(lab, router), **CASES[module_name][1]))['changed']
    lab.reset_counters(router)


@pytest.mark.parametrize('router', sorted(ROUTERS))
def test_no_tunnel_configured_is_not_healthy_with_a_diagnosis(rlab, router, path):
    result = path('ipsec_info', conn(rlab, router))
    assert result['changed'] is False and result['healthy'] is False and not result.get('failed'), result
    (tunnel,) = result['tunnels']
    assert tunnel['diagnosis']['class'] == 'not_configured' and tunnel['diagnosis']['fix']
    named = path('ipsec_info', dict(conn(rlab, router), peer='ghost'))
    assert "no peer named 'ghost'" in named['tunnels'][0]['diagnosis']['title']
    assert writes(rlab, router) == 0


@pytest.mark.parametrize('router', sorted(ROUTERS))
def test_configured_but_down_tunnel_read_only_diagnosis(rlab, router, path):
    configure(rlab, router)
    before = rlab.dump(router)
    result = path('ipsec_info', dict(conn(rlab, router), peer='peer1', cloud_log=['peer no response']), check=True)
    assert result['changed'] is False and result['healthy'] is False
    (tunnel,) = result['tunnels']
    assert tunnel['peer'] == 'peer1' and tunnel['phase1']['established'] is False
    assert tunnel['phase2'] and tunnel['phase2'][0]['ph2-state'] != 'established'
    diagnosis = tunnel['diagnosis']
    assert set(diagnosis) >= {'class', 'phase', 'evidence', 'fix', 'candidates', 'certain'}
    # configure() wrote the peer before its identity, so the log holds a stale "initiator can't find identity" line;
    # the identity exists now: the class is what the state says (no answer from the gateway), not missing_identity
    assert diagnosis['class'] == 'no_response' and diagnosis['stage'] == 'down', diagnosis
    assert 'missing_identity' not in {c['class'] for c in diagnosis['candidates']}
    assert any(n.startswith('ruled out missing_identity') for n in diagnosis['notes'])
    counters = rlab.counters(router)
    assert counters['writes'] == 0 and counters['logins'] == 1 and counters['sentences']['/system/resource/print'] == 1
    assert rlab.dump(router) == before
    assert SECRET not in json.dumps(result) and labkit.PASSWORD not in json.dumps(result)


@pytest.mark.parametrize('router', sorted(ROUTERS))
def test_wait_for_established_times_out_bounded(rlab, router, path):
    configure(rlab, router)
    started = time.monotonic()
    result = path('ipsec_info', dict(conn(rlab, router), wait_for='established', wait_timeout=1, wait_interval=0.3))
    elapsed = time.monotonic() - started
    assert result['failed'] and result['timed_out'] and 'not established within wait_timeout=1 s' in result['msg'], result
    assert 'peer1' in result['msg'] and result['tunnels'][0]['diagnosis']['fix']
    assert elapsed < 3.0 and 1.0 <= result['waited'] < 2.0
    # every poll is exactly three reads of the runtime menus, in one session
    counters = rlab.counters(router)
    assert counters['logins'] == 1 and counters['writes'] == 0
    for menu in ('active-peers', 'policy', 'installed-sa'):
        assert counters['sentences'][f'/ip/ipsec/{menu}/print'] == result['polls']
    assert 3 <= result['polls'] <= 6


def test_bad_ping_input_fails_before_reading(rlab, path):
    result = path('ipsec_info', dict(conn(rlab, 'v7'), ping={'src_address': '192.168.1.300', 'address': '10.0.0.5'}))
    assert result['failed'] and "ping.src_address: '192.168.1.300' is not an IP address" in result['msg']
    assert rlab.counters('v7')['sentences'].get('/ip/ipsec/peer/print') is None


@pytest.mark.parametrize('version', ['7.16.2', '6.49.17'])
@pytest.mark.parametrize('psk', ['lab-psk-hq', 'other-psk'])
def test_runtime_established_with_ping_or_psk_mismatch(lab_factory, version, psk, path):
    from tests.emulator.test_runtime import start

    lab, api = start(lab_factory, version=version, cloud={'psk': psk, 'ike': {'version': 'IKEV1', 'exchange_mode': 'MAIN'}},
                     router={'/ip/ipsec/peer': {'exchange-mode': 'main'}})
    api.close()
    lab.advance(5)
    lab.reset_counters('r')
    args = dict(conn(lab, 'r'), peer='tc', ping={'src_address': '192.168.10.1', 'address': '10.100.1.6'})
    result = path('ipsec_info', args)
    (tunnel,) = result['tunnels']
    assert lab.counters('r')['writes'] == 0 and 'lab-psk-hq' not in json.dumps(result)
    if psk == 'lab-psk-hq':
        assert result['healthy'] and tunnel['phase1']['established'] and len(tunnel['installed_sa']) >= 2, result
        assert tunnel['ping']['success'] and tunnel['ping']['received'] > 0
    else:
        assert not result['healthy'] and tunnel['diagnosis']['class'] == 'psk', tunnel['diagnosis']


def test_log_lines_are_attributed_by_what_they_name():
    """A line belongs to a peer only by its name or address; a line about another peer is never attached."""
    from ansible_collections.vpclink.routeros.plugins.module_utils.info import log_for

    peer = {'name': 'to_tencent_hk', 'address': '119.91.254.122/32'}
    rows = [{'topics': 'ipsec,error', 'message': "initiator can't find identity for peer: vpc-gz"},           # another peer, unknown here
            {'topics': 'ipsec,error', 'message': "initiator can't find identity for peer: to_tencent_hk"},
            {'topics': 'ipsec,error', 'message': '119.91.254.12 parsing packet failed, possible cause: wrong password'},
            {'topics': 'ipsec,error', 'message': '119.91.254.122 fatal NO-PROPOSAL-CHOSEN notify messsage, phase1 should be deleted.'},
            {'topics': 'ipsec,error', 'message': '10.5.107.112 failed to get valid proposal.'},                 # a stranger's address
            {'topics': 'ipsec,error', 'message': 'got fatal error: AUTHENTICATION_FAILED'},                     # names nobody
            {'topics': 'ipsec,error', 'message': "initiator can't find identity for peer: to_tencent_hk-2"}]
    picked = log_for(rows, peer, set())
    assert [(r['message'][:28], r['attribution']) for r in picked] == [
        ("initiator can't find identit", 'name'), ('119.91.254.122 fatal NO-PROP', 'address'), ('got fatal error: AUTHENTICAT', None)]
    # a known other peer, by name or address
    other = log_for([{'message': 'phase1 negotiation failed due to time up 1.1.1.1[500]<=>203.0.113.7[500] a:0'},
                     {'message': 'killing ike2 SA for vpc'}], peer, {'203.0.113.7'}, {'vpc'})
    assert other == []


@pytest.mark.parametrize('router', sorted(ROUTERS))
def test_a_line_about_another_peer_is_not_shown_under_this_one(rlab, router, path):
    configure(rlab, router)
    api = labkit.connect(rlab, router)
    try:
        api.path('ip', 'ipsec', 'peer').add(name='vpc-gz', address='203.0.113.77/32', profile='default', **{'exchange-mode': 'ike2'})
    finally:
        api.close()
    result = path('ipsec_info', dict(conn(rlab, router), peer='peer1'))
    (tunnel,) = result['tunnels']
    shown = json.dumps([tunnel['log'], tunnel['diagnosis']])
    assert 'vpc-gz' not in shown, shown
    # and the stale "can't find identity" line of peer1 itself (its identity exists now) is not evidence
    assert "can't find identity" not in json.dumps(tunnel['diagnosis']['evidence'])
    assert any('vpc-gz' in (r['message'] or '') for r in result['log']), 'the lab logs the line for vpc-gz'


def test_peers_and_pings_report_only_the_named_tunnels_each_with_its_probe(lab_factory, path):
    """The role's read-only verification: only the inventory's peers (a name the router lacks is not configured), and one
    probe per tunnel in the same session, each counted for the tunnel whose policy covers it."""
    from tests.emulator.test_runtime import start

    lab, api = start(lab_factory, version='7.16.2', cloud={'ike': {'version': 'IKEV1', 'exchange_mode': 'MAIN'}},
                     router={'/ip/ipsec/peer': {'exchange-mode': 'main'}})
    api.close()
    lab.advance(5)
    lab.reset_counters('r')
    probes = [{'src_address': '192.168.10.1', 'address': '10.100.1.6', 'count': 1},
              {'src_address': '192.168.10.1', 'address': '198.18.0.1', 'count': 1}]   # covered by no policy of tc
    result = path('ipsec_info', dict(conn(lab, 'r'), peers=['tc', 'ghost'], pings=probes))
    by_name = {t['peer']: t for t in result['tunnels']}
    assert set(by_name) == {'tc', 'ghost'}, result
    assert by_name['tc']['healthy'] and by_name['tc']['ping']['address'] == '10.100.1.6', by_name['tc']
    assert by_name['ghost']['diagnosis']['class'] == 'not_configured' and not result['healthy']
    assert [p['address'] for p in result['pings']] == ['10.100.1.6', '198.18.0.1']
    assert lab.counters('r')['logins'] == 1 and lab.counters('r')['writes'] == 0
