# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""verify.rekey (tunnels) and rekey (ipsec_info) against the modelled lab, on its ManualClock.

The case a new user meets: IKEv2 with router pfs-group=none against a cloud with DH-GROUP14. IKE_AUTH builds the first
CHILD SA without a key exchange, so the tunnel is up (two SAs) after the rollout and fails at its first rekey, an hour
later. The rekey, forced with /ip/ipsec/installed-sa/flush, shows it while the rollout is still running.
"""

import pytest

from ansible_collections.vpclink.routeros.plugins.module_utils import info
from tests import labkit
from tests.unit.plugins.modules.conftest import conn, run_action_path

PSK = 'rekey-unit-psk-4c1d'
GW, GW_OK = '198.51.100.61', '198.51.100.62'
VPC, VPC_OK = '10.61.0.0/24', '10.62.0.0/24'
LAN, LAN_OK = '192.168.61.0/24', '192.168.62.0/24'
FLUSH = '/ip/ipsec/installed-sa/flush'


def _connection(vpc, lan):
    return {'customer_gateway': '203.0.113.61', 'psk': PSK,
            'ike': {'version': 'IKEV2', 'encryption': 'AES-CBC-256', 'integrity': 'SHA-256', 'dh_group': 'GROUP14', 'lifetime': 86400},
            'ipsec': {'encryption': 'AES-CBC-256', 'integrity': 'SHA-256', 'pfs': 'DH-GROUP14', 'lifetime': 3600},
            'spd': [{'local': vpc, 'remote': [lan]}]}


@pytest.fixture(scope='module')
def rekey_lab():
    router = labkit.router('r', '7.16.2', wan_address='203.0.113.61/24', lan_subnets=[LAN, LAN_OK])
    clouds = [{'name': name, 'public_address': gw, 'vpc_subnets': [vpc], 'hosts': [vpc.replace('.0/24', '.9')],
               'connections': [_connection(vpc, lan)]}
              for name, gw, vpc, lan in (('pfs14', GW, VPC, LAN), ('ok', GW_OK, VPC_OK, LAN_OK))]
    with labkit.running_lab(labkit.lab_dict([router], clouds, negotiation_delay=2)) as lab:
        yield lab


@pytest.fixture
def lab(rekey_lab, monkeypatch):
    rekey_lab.reset('r')
    rekey_lab.reset_counters('r')
    monkeypatch.setattr(info, 'sleep', rekey_lab.advance)
    monkeypatch.setattr(info, 'monotonic', rekey_lab.clock.monotonic)
    return rekey_lab


def tunnel(name='vpc', pfs_group='none', rekey=True, gw=GW, vpc=VPC, lan=LAN):
    return {'name': name, 'peer_address': gw, 'local_subnets': [lan], 'remote_subnets': [vpc], 'psk': PSK,
            'esp': {'pfs_group': pfs_group}, 'verify': {'timeout': 10, 'interval': 1, 'rekey': rekey}}


def apply(lab, tunnels, check=False, **extra):
    return run_action_path('tunnels', dict(conn(lab, 'r'), tunnels=tunnels, **extra), check=check)


def flushes(lab):
    return lab.counters('r')['sentences'].get(FLUSH, 0)


def spis(lab):
    api = labkit.connect(lab, 'r')
    try:
        return {row['spi'] for row in api.path('ip', 'ipsec', 'installed-sa')}
    finally:
        api.close()


def test_without_rekey_the_ikev2_pfs_mismatch_is_reported_up(lab):
    result = apply(lab, [tunnel(rekey=False)])
    (t,) = result['tunnels']
    assert not result.get('failed') and t['healthy'] and t['sas']['count'] == 2, result.get('msg')
    assert 'rekey' not in t and flushes(lab) == 0


def test_rekey_catches_the_ikev2_pfs_mismatch_and_diagnoses_pfs(lab):
    result = apply(lab, [tunnel()])
    (t,) = result['tunnels']
    assert result['failed'] and t['healthy'] is False and t['rekey'] == 'failed', t
    assert t['phase1']['state'] == 'established' and t['sas']['count'] == 0
    assert t['reason'].startswith('up until the forced CHILD SA rekey (installed-sa flush), then: ')
    diagnosis = t['diagnosis']
    assert diagnosis['class'] == 'pfs' and diagnosis['certain'] is False, diagnosis
    assert [c['class'] for c in diagnosis['candidates']][:2] == ['pfs', 'phase2_proposal']
    assert any('child SA negotiation failed: NO_PROPOSAL_CHOSEN' in line for line in diagnosis['evidence'])
    assert "tunnel 'vpc': not healthy: PFS" in result['msg']
    assert flushes(lab) == 1
    assert PSK not in str(result)


def test_rekey_of_a_matching_tunnel_passes_on_new_sas(lab):
    first = apply(lab, [tunnel(pfs_group='modp2048', rekey=False)])
    assert first['tunnels'][0]['healthy'], first.get('msg')
    before = spis(lab)
    lab.reset_counters('r')
    result = apply(lab, [tunnel(pfs_group='modp2048')])
    (t,) = result['tunnels']
    assert not result.get('failed') and result['changed'] is False, result.get('msg')
    assert t['healthy'] and t['rekey'] == 'passed' and t['sas']['count'] == 2
    assert len(before) == 2 and not spis(lab) & before       # the SAs reported are the new ones
    assert flushes(lab) == 1 and lab.counters('r')['writes'] == 1    # the flush is the lab's only write: no configuration


def test_one_flush_for_the_router_and_every_tunnel_that_was_up_is_waited_for_again(lab):
    ok = tunnel('ok', pfs_group='modp2048', rekey=False, gw=GW_OK, vpc=VPC_OK, lan=LAN_OK)
    result = apply(lab, [tunnel(), ok], fail_on_unhealthy=False)
    views = {t['name']: t for t in result['tunnels']}
    assert views['vpc']['rekey'] == 'failed' and views['vpc']['diagnosis']['class'] == 'pfs'
    # the flush took the other tunnel's SAs too: it is reported from after the flush, up again on new SAs
    assert views['ok']['healthy'] and views['ok']['sas']['count'] == 2 and 'rekey' not in views['ok']
    assert flushes(lab) == 1


def test_a_tunnel_that_never_came_up_is_not_flushed(lab):
    down = dict(tunnel(pfs_group='modp2048'), psk='not-the-cloud-key')
    down['verify'] = dict(down['verify'], timeout=3)
    result = apply(lab, [down])
    (t,) = result['tunnels']
    assert result['failed'] and t['rekey'] == 'not_run' and t['diagnosis']['class'] == 'psk', t
    assert flushes(lab) == 0


def test_check_mode_never_flushes(lab):
    apply(lab, [tunnel(pfs_group='modp2048', rekey=False)])
    lab.reset_counters('r')
    checked = apply(lab, [tunnel(pfs_group='modp2048')], check=True)
    assert not checked.get('failed') and checked['changed'] is False
    params = dict(conn(lab, 'r'), peer='vpc', rekey=True, wait_timeout=10, wait_interval=1)
    read = run_action_path('ipsec_info', params, check=True)
    (t,) = read['tunnels']
    assert t['healthy'] and t['rekey'] == 'not_run'
    assert any('check mode: the CHILD SA rekey was not forced' in w for w in read['warnings'])
    assert flushes(lab) == 0 and lab.counters('r')['writes'] == 0


@pytest.mark.parametrize('pfs_group, outcome', [('none', 'failed'), ('modp2048', 'passed')])
def test_ipsec_info_rekey(lab, pfs_group, outcome):
    apply(lab, [tunnel(pfs_group=pfs_group, rekey=False)])
    lab.reset_counters('r')
    read = run_action_path('ipsec_info', dict(conn(lab, 'r'), peer='vpc', rekey=True, wait_timeout=10, wait_interval=1))
    (t,) = read['tunnels']
    assert t['rekey'] == outcome and read['changed'] is False
    assert flushes(lab) == 1 and lab.counters('r')['writes'] == 1    # the flush is the lab's only write: no configuration
    if outcome == 'failed':
        assert read['failed'] and t['diagnosis']['class'] == 'pfs' and 'vpc: PFS' in read['msg'], read.get('msg')
    else:
        assert not read.get('failed') and t['healthy'] and 'diagnosis' not in t


def pings(lab):
    return lab.counters('r')['sentences'].get('/ping', 0)


PROBE = {'src_address': LAN.replace('.0/24', '.1'), 'address': VPC.replace('.0/24', '.9'), 'count': 2}


def with_ping(t):
    return dict(t, verify=dict(t['verify'], ping=PROBE))


@pytest.mark.parametrize('rekey, sent', [(False, 1), (True, 2)])
def test_after_the_flush_a_tunnel_with_a_ping_sends_one_packet_to_start_phase_2(lab, rekey, sent):
    # RouterOS negotiates phase 2 again when traffic meets a policy without SAs: one echo request right after the flush
    apply(lab, [tunnel(pfs_group='modp2048', rekey=False)])
    lab.reset_counters('r')
    result = apply(lab, [with_ping(tunnel(pfs_group='modp2048', rekey=rekey))])
    (t,) = result['tunnels']
    assert not result.get('failed') and t['healthy'], result.get('msg')
    assert pings(lab) == sent and flushes(lab) == int(rekey)
    # the probe proper runs after the wait, on the new SAs; the packet after the flush is not counted
    assert t['ping'] == {'sent': 2, 'received': 2}, t['ping']
    assert t.get('rekey', 'passed') == 'passed'


def test_a_refused_rekey_with_a_ping_sends_its_packet_and_is_still_diagnosed(lab):
    result = apply(lab, [with_ping(tunnel())])
    (t,) = result['tunnels']
    assert result['failed'] and t['rekey'] == 'failed' and t['diagnosis']['class'] == 'pfs', t
    assert pings(lab) == 1 and 'ping' not in t     # the packet after the flush; no probe of a tunnel that is not up


def test_ipsec_info_rekey_sends_one_packet_of_each_probe_after_the_flush(lab):
    apply(lab, [tunnel(pfs_group='modp2048', rekey=False)])
    lab.reset_counters('r')
    read = run_action_path('ipsec_info', dict(conn(lab, 'r'), peer='vpc', rekey=True, wait_timeout=10, wait_interval=1, ping=PROBE))
    (t,) = read['tunnels']
    assert t['rekey'] == 'passed' and t['healthy'] and read['ping']['received'] == 2, read
    assert pings(lab) == 2 and flushes(lab) == 1
