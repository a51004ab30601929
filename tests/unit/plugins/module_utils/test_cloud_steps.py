# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""cloud_steps (the role's cloud steps as functions of one router) against the lab's Tencent API: the step choice,
reading the cloud sides, applying the connections from the preflight's views, removing only the collection's
connections; no PSK or secret key in any result or error text."""

import json

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.vpclink.routeros.plugins.module_utils import runner, tencent_api
from ansible_collections.vpclink.routeros.plugins.module_utils.cloud_steps import (
    CloudStepError,
    apply_connections,
    cloud_step,
    read_cloud_sides,
    remove_connections,
)
from emulator.clock import Clock
from tests import labkit
from tests.tencentkit import (
    GATEWAY_ID,
    GATEWAY_IP,
    LAN,
    ROUTER_WAN,
    SECRET_KEY,
    VPC,
    cloud_with_api,
    lab_with_api,
    module_params,
    requests,
    sdk,
)

PSK = 'psk-cloudsteps-7f3a9'
OTHER_WAN = '203.0.113.11'         # a second router's address: its customer gateway is the collection's
WRITES = ('CreateCustomerGateway', 'CreateVpnConnection', 'ModifyVpnConnectionAttribute', 'DeleteVpnConnection', 'DeleteCustomerGateway')


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    monkeypatch.setattr(tencent_api, 'BACKOFF', 0.01)


def start(lab_factory, connections=(), clock=None):
    routers = [labkit.router('r', '7.16.2', wan_address=f'{ROUTER_WAN}/24', lan_subnets=[LAN])]
    return lab_factory(lab_with_api(routers, [cloud_with_api(connections)], cloud_api_delay=0.3), clock=clock or Clock())


def cloud_api(lab, **changes):
    """The role's vpc_tunnel_cloud_api for the lab's gateway."""
    api = {key: value for key, value in module_params(lab).items() if key != 'customer_gateway_address'}
    api.update(changes)
    return api


def tunnel(name='tc-a', address=ROUTER_WAN, **extra):
    t = {'name': name, 'peer_address': GATEWAY_IP, 'local_subnets': [LAN], 'remote_subnets': [VPC], 'psk': PSK,
         'public_address': address}
    t.update(extra)
    return {k: v for k, v in t.items() if v is not None}


def preflight(tunnels):
    """The tunnels module's preflight views (no router contact), as the role's batch task has them."""
    params = {'hostname': '127.0.0.1', 'username': 'admin', 'password': 'unused', 'mode': 'preflight', 'tunnels': tunnels}
    validation = ArgumentSpecValidator(runner.argument_spec('tunnels')).validate(params)
    result = runner.run('tunnels', validation.validated_parameters)
    assert not result.get('failed'), result.get('msg')
    return result['tunnels']


def psks(tunnels):
    return {t['name']: t['psk'] for t in tunnels if 'psk' in t}


def writes(lab):
    counts = requests(lab)
    return {action: counts[action] for action in WRITES if counts.get(action)}


def no_secrets(value):
    text = value if isinstance(value, str) else json.dumps(value)
    for secret in (PSK, SECRET_KEY):
        assert secret not in text
    return value


def failure(call, *args):
    with pytest.raises(CloudStepError) as caught:
        call(*args)
    return no_secrets(str(caught.value))


@pytest.mark.parametrize(('entry', 'state', 'api', 'apply', 'step'), [
    ('main', 'present', None, True, 'none'),
    ('main', 'present', {}, False, 'read'),
    ('preflight', 'present', {}, False, 'read'),
    ('verify_only', 'present', {}, False, 'read'),
    ('rollback', 'present', {}, False, 'read'),
    ('main', 'present', {}, True, 'apply'),
    ('main', 'present', {}, 'yes', 'apply'),
    ('preflight', 'present', {}, True, 'none'),
    ('verify_only', 'present', {}, True, 'none'),
    ('rollback', 'present', {}, True, 'none'),
    ('absent', 'present', {}, True, 'remove'),
    ('main', 'absent', {}, True, 'remove'),
    ('absent', 'present', {}, False, 'none'),
    ('main', 'absent', {}, False, 'none'),
    ('absent', 'absent', None, True, 'none'),
])
def test_cloud_step_is_the_roles_choice(entry, state, api, apply, step):
    assert cloud_step(entry, state, api, apply) == step


def test_read_returns_each_present_tunnels_cloud_side(lab_factory, monkeypatch):
    lab = start(lab_factory)
    tunnels = [tunnel(), tunnel('tc-gone', OTHER_WAN, state='absent'), tunnel('aws-1', None, cloud='aws')]
    (created,) = apply_connections(cloud_api(lab), preflight(tunnels[:1]), psks(tunnels), False)
    before = writes(lab)
    sides = no_secrets(read_cloud_sides(cloud_api(lab), tunnels))
    assert set(sides) == {'tc-a'}                     # the absent and the non-Tencent tunnels are not read
    side = sides['tc-a']
    assert side['VpnConnection']['VpnConnectionId'] == created['vpn_connection_id']
    assert (side['VpnConnection']['State'], side['VpnConnection']['PreShareKey']) == ('AVAILABLE', '********')
    assert side['VpnGateway']['VpnGatewayId'] == GATEWAY_ID and side['CustomerGateway']['IpAddress'] == ROUTER_WAN
    assert writes(lab) == before                       # read-only
    # without secret_id, secret_key and region the engine takes TENCENTCLOUD_* as the modules do
    for option, variable in tencent_api.ENV.items():
        monkeypatch.setenv(variable, cloud_api(lab)[option])
    bare = {key: value for key, value in cloud_api(lab).items() if key not in tencent_api.ENV}
    assert read_cloud_sides(bare, tunnels[:1])['tc-a']['VpnConnection']['VpnConnectionId'] == created['vpn_connection_id']


def test_read_names_the_unaddressed_tunnels_before_any_call(lab_factory):
    lab = start(lab_factory)
    msg = failure(read_cloud_sides, cloud_api(lab), [tunnel('tc-a', None), tunnel('tc-b', None), tunnel('tc-c', None, state='absent'),
                                                     tunnel('tc-d')])
    assert msg == ("tunnel(s) tc-a, tc-b: public_address is required with vpc_tunnel_cloud_api (the customer gateway address, "
                   "which finds the tunnel's VPN connection)")
    assert requests(lab) == {}


def test_read_fails_without_a_connection(lab_factory):
    lab = start(lab_factory)
    msg = failure(read_cloud_sides, cloud_api(lab), [tunnel()])
    assert msg == (f'tunnel tc-a: no VPN connection for customer gateway {ROUTER_WAN} on VPN gateway {GATEWAY_ID}; '
                   'create it (vpc_tunnel_cloud_apply: true, or in the console)')


def test_read_fails_while_the_connection_is_not_available(lab_factory):
    lab = lab_factory(lab_with_api(cloud_api_delay=2))          # ManualClock: PENDING until the lab's time moves
    vpc = sdk(lab)
    cgw = vpc.call_json('CreateCustomerGateway', {'CustomerGatewayName': 'hq', 'IpAddress': ROUTER_WAN})['Response']['CustomerGateway']
    conn = vpc.call_json('CreateVpnConnection', {
        'VpnGatewayId': GATEWAY_ID, 'CustomerGatewayId': cgw['CustomerGatewayId'], 'VpnConnectionName': 'to-hq', 'PreShareKey': PSK,
        'SecurityPolicyDatabases': [{'LocalCidrBlock': VPC, 'RemoteCidrBlock': [LAN]}]})['Response']['VpnConnection']
    msg = failure(read_cloud_sides, cloud_api(lab), [tunnel()])
    assert msg == f'tunnel tc-a: VPN connection {conn["VpnConnectionId"]} is PENDING; wait until it is AVAILABLE and run again'
    lab.advance(3)
    assert read_cloud_sides(cloud_api(lab), [tunnel()])['tc-a']['VpnConnection']['State'] == 'AVAILABLE'


def test_api_errors_carry_the_modules_message_without_the_secret_key(lab_factory):
    lab = start(lab_factory)
    msg = failure(read_cloud_sides, cloud_api(lab, secret_key='not-the-key-9'), [tunnel()])
    assert msg.startswith('tunnel tc-a: Tencent Cloud DescribeVpnGateways failed: AuthFailure.SignatureFailure: ')
    assert 'Next step: check that secret_key' in msg and 'not-the-key-9' not in msg
    msg = failure(apply_connections, cloud_api(lab, secret_id='AKIDunknown'), preflight([tunnel()]), {'tc-a': PSK}, False)
    assert msg.startswith('tunnel tc-a: Tencent Cloud DescribeVpnGateways failed: AuthFailure.SecretIdNotFound: ')
    # arguments the module's spec refuses: the action plugin's wording, nothing called
    before = requests(lab)
    msg = failure(read_cloud_sides, cloud_api(lab, vpn_gateway=GATEWAY_ID), [tunnel()])
    assert 'Invalid arguments for vpclink.routeros.tencent_vpn_connection_info' in msg and 'vpn_gateway' in msg
    assert requests(lab) == before
    assert writes(lab) == {}


def test_apply_plans_creates_then_changes_nothing(lab_factory):
    lab = start(lab_factory)
    tunnels = [tunnel(), tunnel('tc-gone', OTHER_WAN, state='absent')]
    views = preflight(tunnels)

    plan = no_secrets(apply_connections(cloud_api(lab), views, psks(tunnels), True))
    assert [(r['name'], r['changed'], r['action'], r['vpn_connection_id']) for r in plan] == [('tc-a', True, 'created', None)]
    assert plan[0]['diff']['before'] is None and plan[0]['diff']['after']['PreShareKey'] == '********'
    assert plan[0]['diff']['after']['IPSECOptionsSpecification']['PfsDhGroup'] == 'DH-GROUP14'
    assert writes(lab) == {} and lab.clouds()[0]['connections'] == []

    (made,) = no_secrets(apply_connections(cloud_api(lab), views, psks(tunnels), False))
    assert (made['name'], made['changed'], made['action'], made['managed']) == ('tc-a', True, 'created', True)
    assert made['connection']['State'] == 'AVAILABLE' and made['connection']['VpnConnectionName'] == 'tc-a'
    assert made['connection']['SecurityPolicyDatabaseSet'] == [{'LocalCidrBlock': VPC, 'RemoteCidrBlock': [LAN]}]
    conn = sdk(lab).call_json('DescribeVpnConnections', {})['Response']['VpnConnectionSet'][0]
    assert conn['PreShareKey'] == PSK                 # the tunnel's own PSK reached the cloud (the lab's answer is unmasked)
    assert writes(lab) == {'CreateCustomerGateway': 1, 'CreateVpnConnection': 1}

    (again,) = no_secrets(apply_connections(cloud_api(lab), views, psks(tunnels), False))
    assert (again['changed'], again['action'], again['vpn_connection_id']) == (False, 'unchanged', made['vpn_connection_id'])
    assert writes(lab) == {'CreateCustomerGateway': 1, 'CreateVpnConnection': 1}

    # a changed PSK is planned in check mode (masked as changed) and written only outside it
    (rotated,) = no_secrets(apply_connections(cloud_api(lab), views, {'tc-a': 'psk-rotated-2b'}, True))
    assert (rotated['changed'], rotated['changed_parameters'], rotated['diff']['after']['PreShareKey']) == \
        (True, ['PreShareKey'], '<secret changed>')
    assert 'psk-rotated-2b' not in json.dumps(rotated) and 'ModifyVpnConnectionAttribute' not in writes(lab)


def test_apply_names_a_present_tunnel_without_public_address(lab_factory):
    lab = start(lab_factory)
    other = tunnel('tc-b', None, peer_address='198.51.100.201', local_subnets=['192.168.20.0/24'])
    msg = failure(apply_connections, cloud_api(lab), preflight([tunnel(), other]), {'tc-a': PSK, 'tc-b': PSK}, False)
    assert msg == ("tunnel(s) tc-b: public_address is required with vpc_tunnel_cloud_apply (the customer gateway address of the "
                   "tunnel's VPN connection)")
    assert requests(lab) == {}


def test_remove_deletes_only_the_collections_connections(lab_factory):
    console = {'name': 'by-hand', 'customer_gateway': ROUTER_WAN, 'psk': PSK, 'spd': [{'local': VPC, 'remote': [LAN]}]}
    lab = start(lab_factory, connections=[console])
    mine = tunnel('tc-mine', OTHER_WAN, local_subnets=['192.168.30.0/24'])
    (made,) = apply_connections(cloud_api(lab), preflight([mine]), psks([mine]), False)
    tunnels = [dict(mine, state='absent'), tunnel('tc-console', state='absent'), tunnel('tc-kept', '203.0.113.12')]
    (console_id,) = [c['VpnConnectionId'] for c in sdk(lab).call_json('DescribeVpnConnections', {})['Response']['VpnConnectionSet']
                     if c['VpnConnectionName'] == 'by-hand']
    foreign_line = (f'tc-console: VPN connection {console_id} (by-hand) was not created by the collection and stays; '
                    'delete it in the console if unused')
    before = writes(lab)

    plan = no_secrets(remove_connections(cloud_api(lab), tunnels, True))
    assert [(r['name'], r['changed'], r['action'], r['vpn_connection_id']) for r in plan['removed']] == \
        [('tc-mine', True, 'deleted', made['vpn_connection_id'])]
    assert plan['foreign'] == [foreign_line]
    assert writes(lab) == before

    done = no_secrets(remove_connections(cloud_api(lab), tunnels, False))
    assert [(r['name'], r['action'], r['customer_gateway_deleted']) for r in done['removed']] == [('tc-mine', 'deleted', True)]
    assert done['removed'][0]['diff']['before']['PreShareKey'] == '********'
    assert done['foreign'] == [foreign_line]
    left = sdk(lab).call_json('DescribeVpnConnections', {})['Response']['VpnConnectionSet']
    assert [c['VpnConnectionId'] for c in left] == [console_id]                         # the console's connection stays
    assert no_secrets(remove_connections(cloud_api(lab), tunnels, False)) == {'removed': [], 'foreign': [foreign_line]}


def test_remove_with_the_whole_router_removing_and_unaddressed_tunnels(lab_factory):
    lab = start(lab_factory)
    mine = tunnel('tc-mine', OTHER_WAN)
    apply_connections(cloud_api(lab), preflight([mine]), psks([mine]), False)
    msg = failure(remove_connections, cloud_api(lab), [mine, tunnel('tc-b', None)], False, True)
    assert msg == ('tunnel(s) tc-b: public_address is required with vpc_tunnel_cloud_apply, also to remove a tunnel (the customer '
                   'gateway address finds its VPN connection)')
    assert remove_connections(cloud_api(lab), [mine], False) == {'removed': [], 'foreign': []}   # present: not removed
    gone = remove_connections(cloud_api(lab), [mine], False, removing=True)
    assert [r['name'] for r in gone['removed']] == ['tc-mine'] and lab.clouds()[0]['connections'] == []
