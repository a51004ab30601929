# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A router that already carries a tunnel built by hand (RouterOS 7.16 and 6.49), through the action plugins.

* Same name: the hand-built peer, profile, proposal, identity and policy are called like the inventory's tunnel
  but point to the production gateway. The run is refused before any write, naming the menu, the key, what
  differs and the way out; teardown leaves every one of them byte for byte; ``adopt: true`` takes them over.
* Same gateway, other name: RouterOS would refuse our peer ("Multiple initiator peers for the same address");
  the run is refused before any write, naming ``adopt_from``; ``adopt_from`` takes the tunnel over under the
  inventory's name (renamed, marked), and a second run writes nothing.
"""

import json

import pytest

from tests import labkit
from tests.reliability.conftest import GW, LAN, PSK, SECRETS, VPC, config_state, conn
from tests.unit.plugins.modules.conftest import run_action_path

PROD_PSK = 'Prod-Hand-PSK-41c9'
PROD_GW = '203.0.113.50'
VERSIONS = {'v7': '7.16.2', 'v6': '6.49.17'}


def hand_built(name, gateway):
    """A tunnel built by hand from the guide: every entry called ``name`` (or ``name-p``/``name-pr``), none marked."""
    return {
        '/ip/ipsec/profile': [{'name': name, 'hash-algorithm': 'sha256', 'enc-algorithm': 'aes-256', 'dh-group': 'modp2048'}],
        '/ip/ipsec/proposal': [{'name': name, 'auth-algorithms': 'sha256', 'enc-algorithms': 'aes-256-cbc', 'pfs-group': 'modp2048'}],
        '/ip/ipsec/peer': [{'name': name, 'address': f'{gateway}/32', 'profile': name, 'exchange-mode': 'ike2', 'comment': 'production'}],
        '/ip/ipsec/identity': [{'peer': name, 'auth-method': 'pre-shared-key', 'secret': PROD_PSK}],
        '/ip/ipsec/policy': [{'peer': name, 'src-address': LAN, 'dst-address': VPC, 'tunnel': 'yes', 'proposal': name}],
    }


ROUTERS = {f'same-{k}': (v, hand_built('vpc', PROD_GW)) for k, v in VERSIONS.items()}
ROUTERS.update({f'gw-{k}': (v, hand_built('prod', GW)) for k, v in VERSIONS.items()})
TUNNEL = {'name': 'vpc', 'peer_address': GW, 'local_subnets': [LAN], 'remote_subnets': [VPC], 'psk': PSK, 'verify': {'enabled': False}}


@pytest.fixture(scope='module')
def hand_lab():
    routers = [labkit.router(name, version, lan_subnets=['192.168.10.0/24'], config=config) for name, (version, config) in ROUTERS.items()]
    with labkit.running_lab(routers) as lab:
        yield lab


@pytest.fixture
def hlab(hand_lab):
    return labkit.fresh(hand_lab, ROUTERS)


def tunnels(lab, name, check=False, **tunnel):
    return run_action_path('tunnels', dict(conn(lab, name), tunnels=[dict(TUNNEL, **tunnel)]), check=check)


def no_secret(result):
    text = json.dumps(result, default=str)
    assert not [s for s in SECRETS + (PROD_PSK,) if s in text], 'a secret leaked'


def rows(lab, name, menu):
    """The entries of a menu as the lab stores them (values, without built-in entries)."""
    return [e['values'] for e in lab.dump(name)['tables'][menu]['entries'] if not e.get('builtin')]


@pytest.mark.parametrize('router', ['same-v7', 'same-v6'])
def test_same_name_is_refused_before_any_write_and_teardown_leaves_it(hlab, router):
    before = config_state(hlab, router)
    result = tunnels(hlab, router)
    no_secret(result)
    msg = result['msg']
    assert result['failed'] and hlab.counters(router)['writes'] == 0 and config_state(hlab, router) == before
    # every entry with our key is named, with what would change and the way out
    for menu in ('/ip/ipsec/peer', '/ip/ipsec/profile', '/ip/ipsec/identity', '/ip/ipsec/policy', '/ip/ipsec/proposal'):
        assert menu in msg, menu
    assert 'name=vpc' in msg and f'address: {PROD_GW}/32 -> {GW}/32' in msg and 'adopt: true' in msg and 'Nothing was changed' in msg
    # teardown of the inventory's tunnel: nothing of the hand-built one is removed, byte for byte
    gone = tunnels(hlab, router, state='absent')
    assert not gone.get('failed'), gone.get('msg')
    assert gone['changed'] is False and hlab.counters(router)['writes'] == 0 and config_state(hlab, router) == before
    no_secret(gone)


@pytest.mark.parametrize('router', ['same-v7', 'same-v6'])
def test_same_name_adopted_on_request(hlab, router):
    adopted = tunnels(hlab, router, adopt=True)
    assert not adopted.get('failed'), adopted.get('msg')
    no_secret(adopted)
    actions = {o['menu']: o['action'] for o in adopted['tunnels'][0]['objects']}
    assert actions['/ip/ipsec/peer'] == 'adopted' and actions['/ip/ipsec/identity'] == 'adopted' and actions['/ip/ipsec/policy'] == 'adopted'
    assert actions['/ip/ipsec/profile'] == 'adopted' and actions['/ip/ipsec/proposal'] == 'adopted'
    assert '/ip/ipsec/peer name=vpc' in adopted['tunnels'][0]['adopted']
    peer = next(r for r in rows(hlab, router, '/ip/ipsec/peer') if r['name'] == 'vpc')
    assert peer['address'] == f'{GW}/32' and peer['comment'] == 'vpclink:vpc'
    # once adopted the entries are ours: a warm run writes nothing, teardown removes them
    hlab.reset_counters(router)
    again = tunnels(hlab, router)
    assert not again.get('failed') and again['changed'] is False and hlab.counters(router)['writes'] == 0
    assert not tunnels(hlab, router, state='absent').get('failed')
    assert not [r for r in rows(hlab, router, '/ip/ipsec/peer') if r['name'] == 'vpc']


@pytest.mark.parametrize('router', ['gw-v7', 'gw-v6'])
def test_same_gateway_other_name_refused_before_any_write(hlab, router):
    before = config_state(hlab, router)
    result = tunnels(hlab, router)
    no_secret(result)
    msg = result['msg']
    assert result['failed'] and hlab.counters(router)['writes'] == 0 and config_state(hlab, router) == before
    assert "peer 'prod'" in msg and 'Multiple initiator peers for the same address' in msg and 'adopt_from: prod' in msg
    assert f'{LAN} -> {VPC}' in msg      # the policy with our selectors, in the same report
    # the hand-built tunnel is not ours: removing the inventory's tunnel touches nothing
    assert tunnels(hlab, router, state='absent')['changed'] is False and config_state(hlab, router) == before


@pytest.mark.parametrize('router', ['gw-v7', 'gw-v6'])
def test_adopt_from_takes_the_hand_built_tunnel_over_under_our_name(hlab, router):
    check = tunnels(hlab, router, check=True, adopt_from='prod')
    assert not check.get('failed') and hlab.counters(router)['writes'] == 0, check.get('msg')
    result = tunnels(hlab, router, adopt_from='prod')
    assert not result.get('failed'), result.get('msg')
    no_secret(result)
    assert [o['action'] for o in result['tunnels'][0]['objects']] == [o['action'] for o in check['tunnels'][0]['objects']]
    assert {o['menu'] for o in result['tunnels'][0]['objects'] if o['action'] == 'adopted'} == {
        '/ip/ipsec/profile', '/ip/ipsec/proposal', '/ip/ipsec/peer', '/ip/ipsec/identity', '/ip/ipsec/policy'}
    names = {menu: sorted(r.get('name') or r.get('peer') for r in rows(hlab, router, menu))
             for menu in ('/ip/ipsec/profile', '/ip/ipsec/proposal', '/ip/ipsec/peer', '/ip/ipsec/identity', '/ip/ipsec/policy')}
    assert names == {menu: ['vpc'] for menu in names}       # one tunnel, renamed: nothing left under the old name, nothing doubled
    peer = next(r for r in rows(hlab, router, '/ip/ipsec/peer') if r['name'] == 'vpc')
    assert peer['comment'] == 'vpclink:vpc' and peer['profile'] == 'vpc'
    hlab.reset_counters(router)
    again = tunnels(hlab, router)
    assert not again.get('failed') and again['changed'] is False and hlab.counters(router)['writes'] == 0


def test_adopt_from_refuses_a_peer_to_another_gateway(hlab):
    result = run_action_path('tunnels', dict(conn(hlab, 'same-v7'), tunnels=[dict(TUNNEL, name='new', adopt_from='vpc')]))
    assert result['failed'] and hlab.counters('same-v7')['writes'] == 0
    assert f'points to {PROD_GW}/32' in result['msg'] and 'same gateway' in result['msg']


@pytest.mark.parametrize('router', ['same-v7', 'same-v6'])
def test_object_module_refuses_a_foreign_entry_and_adopts_on_request(hlab, router):
    args = dict(conn(hlab, router), name='vpc', address=GW, profile='vpc', exchange_mode='ike2')
    refused = run_action_path('ipsec_peer', args)
    assert refused['failed'] and hlab.counters(router)['writes'] == 0
    assert '/ip/ipsec/peer' in refused['msg'] and "'production'" in refused['msg'] and 'adopt: true' in refused['msg']
    adopted = run_action_path('ipsec_peer', dict(args, adopt=True))
    assert adopted['action'] == 'adopted' and adopted['entry']['comment'] == 'vpclink:vpc'
    assert run_action_path('ipsec_peer', args)['changed'] is False


@pytest.mark.parametrize('router', ['gw-v7', 'gw-v6'])
def test_a_write_refused_half_way_is_undone_by_the_rollback(hlab, router, tmp_path):
    """The adoption's renames are written, then RouterOS refuses the identity write: the message names the backup and
    the rollback, and mode rollback puts the hand-built tunnel back exactly (ids included)."""
    before = config_state(hlab, router)
    hlab.set_fault(router, 'trap', command='/ip/ipsec/identity/set', message='failure: simulated')
    params = dict(conn(hlab, router), backup_dir=str(tmp_path), sheet_router=router,
                  tunnels=[dict(TUNNEL, adopt_from='prod')])
    failed = run_action_path('tunnels', params)
    assert failed['failed'] and str(tmp_path) in failed['msg'] and 'rollback' in failed['msg'], failed.get('msg')
    assert config_state(hlab, router) != before
    hlab.clear_faults(router)
    back = run_action_path('tunnels', dict(params, mode='rollback'))
    assert not back.get('failed') and back['changed'], back.get('msg')
    assert config_state(hlab, router) == before
    no_secret(failed)
    no_secret(back)
    for path in tmp_path.rglob('*'):
        if path.is_file():
            assert PSK not in path.read_text(encoding='utf-8') and PROD_PSK not in path.read_text(encoding='utf-8')
