"""One real tunnel between two strongSwan charons in network namespaces: both SAs, a ping through ESP, nothing left behind."""

import subprocess
import time

import pytest

from emulator.strongswan import charon as charon_module
from emulator.strongswan import netns
from emulator.strongswan.endspec import EndSpec, Identity, Proposal
from emulator.strongswan.pair import TunnelPair

ROUTER_WAN, CLOUD_WAN = '203.0.113.21', '203.0.113.170'
ROUTER_LAN, CLOUD_LAN = '192.168.41.0/24', '10.77.5.0/24'


def _specs(ike_version=2, exchange_mode='main', router_pfs=None, cloud_pfs=None):
    common = {'name': 'hq', 'ike_version': ike_version, 'exchange_mode': exchange_mode, 'psk': 'realike-test-key',
              'ike_proposal': Proposal('aes256', 'sha256', 'modp2048')}
    router = EndSpec(local_address=ROUTER_WAN, remote_address=CLOUD_WAN, local_id=Identity('address', ROUTER_WAN),
                     remote_id=Identity('address', CLOUD_WAN), local_ts=(ROUTER_LAN,), remote_ts=(CLOUD_LAN,),
                     esp_proposal=Proposal('aes128', 'sha256', router_pfs), **common)
    cloud = EndSpec(local_address=CLOUD_WAN, remote_address=ROUTER_WAN, local_id=Identity('address', CLOUD_WAN),
                    remote_id=Identity('address', ROUTER_WAN), local_ts=(CLOUD_LAN,), remote_ts=(ROUTER_LAN,),
                    esp_proposal=Proposal('aes128', 'sha256', cloud_pfs), **common)
    return {'router': router, 'cloud': cloud}


def _namespaces():
    return subprocess.run(['ip', 'netns', 'list'], capture_output=True, text=True, check=True).stdout


def _child(charon):
    children = [c for ike in charon.sas().values() for c in ike.get('child-sas', {}).values()]
    assert len(children) == 1, children
    return children[0]


@pytest.mark.parametrize('ike_version, exchange_mode', [(2, 'main'), (1, 'main')])
def test_tunnel_carries_a_ping_through_esp_and_leaves_nothing_behind(real_ike, ike_version, exchange_mode):
    with TunnelPair('t', _specs(ike_version, exchange_mode)) as pair:
        prefix = pair.topology.prefix
        processes = [c.proc for c in pair.charons.values()]
        # Before IKE the LANs have no route to each other: whatever crosses later went through the tunnel.
        assert pair.ping('router', count=1, timeout=1) == 0
        assert pair.charons['router'].initiate('hq') is True
        assert _child(pair.charons['router'])['state'] == 'INSTALLED'
        assert _child(pair.charons['cloud'])['state'] == 'INSTALLED'
        assert pair.ping('router', count=3) == 3
        # Three echo requests in, three replies out, counted by the cloud's userspace ESP SA.
        cloud_child = _child(pair.charons['cloud'])
        assert (int(cloud_child['packets-in']), int(cloud_child['packets-out'])) == (3, 3)
    assert prefix not in _namespaces()
    assert all(proc.poll() is not None for proc in processes)


def test_ikev2_pfs_mismatch_comes_up_and_fails_only_at_the_first_rekey(real_ike):
    with TunnelPair('p', _specs(router_pfs=None, cloud_pfs='modp2048')) as pair:
        router = pair.charons['router']
        # IKE_AUTH builds the first CHILD SA without a key exchange, so the PFS groups are never compared.
        assert router.initiate('hq') is True
        first = router.installed('hq')
        assert len(first) == 1
        router.rekey('hq')
        deadline = time.monotonic() + 15
        with open(router.log_path('default'), encoding='utf-8') as log:
            text = ''
            while 'no CHILD_SA built' not in text and time.monotonic() < deadline:
                time.sleep(0.2)
                text += log.read()
        assert 'received NO_PROPOSAL_CHOSEN notify, no CHILD_SA built' in text
        assert router.installed('hq') == first      # the old CHILD SA is all there is until it expires


def test_a_pair_that_fails_while_building_removes_what_it_made(real_ike, monkeypatch):
    made = {}

    def failing_load(self, spec):
        made['prefix'] = self.topology.prefix
        raise charon_module.CharonError('load refused (test)')

    monkeypatch.setattr(charon_module.Charon, 'load', failing_load)
    pair = TunnelPair('f', _specs())
    with pytest.raises(charon_module.CharonError, match='load refused'):
        pair.__enter__()
    assert made['prefix'] not in _namespaces()
    assert pair.charons == {}


def test_namespaces_of_a_killed_run_are_removed_with_their_processes(real_ike):
    dead = subprocess.Popen(['true'])   # only its pid matters: a run that no longer exists
    dead.wait()
    name = f'vl{dead.pid}-stale'
    subprocess.run(['ip', 'netns', 'add', name], check=True)
    orphan = subprocess.Popen(['ip', 'netns', 'exec', name, 'sleep', '300'])
    try:
        assert name in netns.remove_stale()
        assert orphan.wait(timeout=10) != 0
        assert name not in _namespaces()
    finally:
        if orphan.poll() is None:
            orphan.kill()
        subprocess.run(['ip', 'netns', 'delete', name], capture_output=True, check=False)
