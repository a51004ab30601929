# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tencent_vpn_connection and tencent_vpn_connection_info against the lab's Tencent API (real clock, short
delays), through both paths: the action plugin and the module's main()."""

import json
import time

import pytest

from ansible_collections.vpclink.routeros.plugins.module_utils import tencent_api
from emulator.clock import Clock
from tests import labkit
from tests.emulator.test_runtime import ROUTER_IPSEC
from tests.tencentkit import GATEWAY_ID, LAN, ROUTER_WAN, SECRET_KEY, VPC, cloud_with_api, lab_with_api, module_params, requests
from tests.unit.plugins.modules.conftest import run_action_path

PSK = 'lab-psk-hq'          # the router's identity secret in ROUTER_IPSEC
NEW_PSK = 'rotated-psk-2'
IKE = {'IKEVersion': 'IKEV2', 'PropoEncryAlgorithm': 'AES-CBC-256', 'PropoAuthenAlgorithm': 'SHA-256', 'DhGroupName': 'GROUP14',
       'IKESaLifetimeSeconds': 86400}
IPSEC = {'EncryptAlgorithm': 'AES-CBC-256', 'IntegrityAlgorithm': 'SHA-256', 'PfsDhGroup': 'DH-GROUP14', 'IPSECSaLifetimeSeconds': 3600}
SPD = [{'LocalCidrBlock': VPC, 'RemoteCidrBlock': [LAN]}]
WRITES = ('CreateCustomerGateway', 'CreateVpnConnection', 'ModifyVpnConnectionAttribute', 'DeleteVpnConnection', 'DeleteCustomerGateway')


@pytest.fixture
def tlab(lab_factory):
    routers = [labkit.router('r', '7.16.2', wan_address=f'{ROUTER_WAN}/24', lan_subnets=[LAN], config=ROUTER_IPSEC)]
    return lab_factory(lab_with_api(routers, cloud_api_delay=0.3, negotiation_delay=0.2, retry_interval=0.5), clock=Clock())


@pytest.fixture
def foreign_lab(lab_factory):
    """A lab whose cloud already has a connection to the router (declared in the lab file: no collection tag)."""
    conn = {'name': 'by-hand', 'customer_gateway': ROUTER_WAN, 'psk': PSK, 'spd': [{'local': VPC, 'remote': [LAN]}]}
    routers = [labkit.router('r', '7.16.2', wan_address=f'{ROUTER_WAN}/24', lan_subnets=[LAN])]
    return lab_factory(lab_with_api(routers, [cloud_with_api([conn])], cloud_api_delay=0.3), clock=Clock())


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    monkeypatch.setattr(tencent_api, 'BACKOFF', 0.01)


def present(lab, **changes):
    params = module_params(lab, name='to-hq', pre_share_key=PSK, ike_options=dict(IKE), ipsec_options=dict(IPSEC),
                           security_policy_databases=[dict(e) for e in SPD], negotiation_type='active', dpd_enable=True,
                           dpd_timeout=30)
    params.update(changes)
    return params


def writes(lab):
    counts = requests(lab)
    return {action: counts[action] for action in WRITES if counts.get(action)}


def no_secrets(result):
    text = json.dumps(result)
    for secret in (SECRET_KEY, PSK, NEW_PSK):
        assert secret not in text
    return result


def test_create_rerun_update_delete(tlab, path):
    created = no_secrets(path('tencent_vpn_connection', present(tlab), diff=True))
    assert not created.get('failed'), created
    assert (created['changed'], created['action'], created['customer_gateway_created'], created['managed']) == (True, 'created', True, True)
    assert created['connection']['TagSet'] == [{'Key': 'vpclink.routeros', 'Value': 'managed'}]
    assert created['connection']['State'] == 'AVAILABLE'          # the run waited out PENDING
    assert created['connection']['PreShareKey'] == '********'
    assert created['diff']['before'] is None and created['diff']['after']['VpnConnectionId'] == created['vpn_connection_id']
    (lab_conn,) = tlab.clouds()[0]['connections']
    assert lab_conn['name'] == created['vpn_connection_id'] and lab_conn['ipsec']['pfs'] == 'DH-GROUP14'
    before = writes(tlab)

    again = no_secrets(path('tencent_vpn_connection', present(tlab)))
    assert (again['changed'], again['action']) == (False, 'unchanged')
    assert writes(tlab) == before                                     # a second run writes nothing

    updated = no_secrets(path('tencent_vpn_connection', present(tlab, pre_share_key=NEW_PSK, ipsec_options={'PfsDhGroup': 'NULL'}),
                              diff=True))
    assert (updated['changed'], updated['action']) == (True, 'updated')
    assert updated['changed_parameters'] == ['IPSECOptionsSpecification', 'PreShareKey']
    assert updated['diff']['after']['PreShareKey'] == '<secret changed>' and updated['diff']['before']['PreShareKey'] == '********'
    (lab_conn,) = tlab.clouds()[0]['connections']
    # the keys not given keep their values: the structure was sent whole
    assert (lab_conn['ipsec']['pfs'], lab_conn['ipsec']['encryption'], lab_conn['ipsec']['lifetime']) == ('NULL', 'AES-CBC-256', 3600)
    assert writes(tlab)['ModifyVpnConnectionAttribute'] == 1
    assert path('tencent_vpn_connection', present(tlab, pre_share_key=NEW_PSK, ipsec_options={'PfsDhGroup': 'NULL'}))['changed'] is False

    gone = no_secrets(path('tencent_vpn_connection', module_params(tlab, state='absent'), diff=True))
    assert (gone['changed'], gone['action'], gone['customer_gateway_deleted']) == (True, 'deleted', True)
    assert gone['diff']['after'] is None and gone['diff']['before']['PreShareKey'] == '********'
    assert tlab.clouds()[0]['connections'] == []
    assert path('tencent_vpn_connection', module_params(tlab, state='absent'))['changed'] is False


def test_check_mode_plans_exactly_and_writes_nothing(tlab, path):
    plan = no_secrets(path('tencent_vpn_connection', present(tlab), check=True, diff=True))
    assert (plan['changed'], plan['action'], plan['vpn_connection_id'], plan['customer_gateway_created']) == (True, 'created', None, True)
    assert plan['diff']['after']['PreShareKey'] == '********'
    assert writes(tlab) == {}
    path('tencent_vpn_connection', present(tlab))
    before = writes(tlab)
    plan = path('tencent_vpn_connection', present(tlab, dpd_timeout=45, name='renamed'), check=True)
    assert (plan['changed'], plan['changed_parameters']) == (True, ['DpdTimeout', 'VpnConnectionName'])
    plan = path('tencent_vpn_connection', module_params(tlab, state='absent'), check=True)
    assert (plan['changed'], plan['action']) == (True, 'deleted')
    assert writes(tlab) == before
    assert tlab.clouds()[0]['connections'][0]['name'] == plan['vpn_connection_id']


@pytest.mark.parametrize(('change', 'code', 'step'), [
    ({'secret_key': 'not-the-key'}, 'AuthFailure.SignatureFailure', 'secret_key'),
    ({'secret_id': 'AKIDunknown'}, 'AuthFailure.SecretIdNotFound', 'secret_id'),
])
def test_wrong_credentials_name_action_code_and_next_step(tlab, path, change, code, step):
    result = path('tencent_vpn_connection', present(tlab, **change))
    assert result['failed'] is True and result['changed'] is False
    assert result['error']['action'] == 'DescribeVpnGateways' and result['error']['code'] == code
    assert result['msg'].startswith(f'Tencent Cloud DescribeVpnGateways failed: {code}: ')
    assert 'Next step: ' in result['msg'] and step in result['msg'].split('Next step: ')[1]
    assert 'not-the-key' not in json.dumps(result)
    no_secrets(result)


def test_throttling_is_retried_with_back_off(tlab, path):
    labkit.control(tlab, 'POST', '/cloud-api/faults', {'code': 'RequestLimitExceeded', 'count': 2, 'action': 'CreateVpnConnection'})
    result = no_secrets(path('tencent_vpn_connection', present(tlab)))
    assert (result['changed'], result['action'], result['retries']) == (True, 'created', 2)
    assert requests(tlab)['CreateVpnConnection'] == 3
    assert len(tlab.clouds()[0]['connections']) == 1                 # created once
    labkit.control(tlab, 'POST', '/cloud-api/faults', {'code': 'RequestLimitExceeded', 'count': 50})
    failed = path('tencent_vpn_connection', present(tlab))
    assert failed['failed'] is True and failed['error']['code'] == 'RequestLimitExceeded'
    assert 'throttled every retry' in failed['msg']


@pytest.mark.parametrize(('change', 'fragment'), [
    ({'ike_options': {'DhGroupName': 'GROUP99'}}, "ike_options.DhGroupName: 'GROUP99' is not allowed; allowed: GROUP1,"),
    ({'ipsec_options': {'IPSECSaLifetimeSeconds': 60}}, 'ipsec_options.IPSECSaLifetimeSeconds: 60 is not allowed; expected a whole number 180..604800'),
    ({'ike_options': {'Ikeversion': 'IKEV2'}}, "ike_options: 'Ikeversion' is not allowed; allowed keys"),
    ({'security_policy_databases': [{'LocalCidrBlock': 'ten', 'RemoteCidrBlock': [LAN]}]},
     "security_policy_databases[0].LocalCidrBlock: 'ten' is not allowed"),
    ({'dpd_timeout': 5}, 'dpd_timeout: 5 is not allowed; expected seconds 30..60'),
    ({'customer_gateway_address': '203.0.113'}, "customer_gateway_address: '203.0.113' is not allowed"),
    ({'pre_share_key': None}, 'state=present needs pre_share_key'),
    ({'endpoint': 'ftp://x'}, 'endpoint'),
])
def test_bad_input_fails_before_any_call(tlab, path, change, fragment):
    result = path('tencent_vpn_connection', present(tlab, **change))
    assert result['failed'] is True and fragment in result['msg'], result['msg']
    assert requests(tlab) == {}
    no_secrets(result)


def test_credentials_from_the_environment(tlab, monkeypatch):
    params = present(tlab)
    for option, variable in tencent_api.ENV.items():
        monkeypatch.setenv(variable, params.pop(option))
    assert run_action_path('tencent_vpn_connection', params)['action'] == 'created'
    monkeypatch.delenv('TENCENTCLOUD_REGION')
    missing = run_action_path('tencent_vpn_connection', params)
    assert missing['failed'] and 'missing region (or TENCENTCLOUD_REGION)' in missing['msg']


def test_the_tunnel_comes_up_against_the_connection_the_module_created(tlab):
    assert run_action_path('tencent_vpn_connection', present(tlab))['action'] == 'created'
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not tlab.runtime('r')['peers'][0]['established']:
        time.sleep(0.2)
    assert tlab.runtime('r')['peers'][0]['established']
    info = no_secrets(run_action_path('tencent_vpn_connection_info', module_params(tlab)))
    (conn,) = info['connections']
    assert (conn['State'], conn['NetStatus'], conn['PreShareKey']) == ('AVAILABLE', 'AVAILABLE', '********')


def test_info_reads_without_writing(tlab, path):
    empty = path('tencent_vpn_connection_info', module_params(tlab))
    assert (empty['changed'], empty['connections'], empty['customer_gateway']) == (False, [], None)
    assert empty['vpn_gateway']['VpnGatewayId'] == GATEWAY_ID
    path('tencent_vpn_connection', present(tlab))
    before = writes(tlab)
    info = no_secrets(path('tencent_vpn_connection_info', module_params(tlab)))
    (conn,) = info['connections']
    assert conn['VpnConnectionName'] == 'to-hq' and conn['IPSECOptionsSpecification']['PfsDhGroup'] == 'DH-GROUP14'
    assert info['customer_gateway']['IpAddress'] == ROUTER_WAN
    assert info['managed_connection_ids'] == [conn['VpnConnectionId']]        # created by the collection: tagged
    other = path('tencent_vpn_connection_info', module_params(tlab, customer_gateway_address='203.0.113.99'))
    assert other['connections'] == []
    assert writes(tlab) == before
    bad = path('tencent_vpn_connection_info', module_params(tlab, vpn_gateway_id='vpngw-zzzzzzzz'))
    assert bad['failed'] and bad['error']['code'] == 'InvalidVpnGatewayId.NotFound' and 'vpn_gateway_id' in bad['msg']


def test_foreign_connection_is_changed_or_deleted_only_when_adopted(foreign_lab, path):
    as_declared = present(foreign_lab, name='by-hand')
    for option in ('ike_options', 'ipsec_options', 'dpd_enable', 'dpd_timeout', 'negotiation_type'):
        del as_declared[option]
    same = path('tencent_vpn_connection', as_declared)
    assert (same['changed'], same['managed']) == (False, False)      # reading a foreign connection is fine
    seen = path('tencent_vpn_connection_info', module_params(foreign_lab))
    assert len(seen['connections']) == 1 and seen['managed_connection_ids'] == []
    refused = no_secrets(path('tencent_vpn_connection', present(foreign_lab)))
    assert refused['failed'] and 'was not created by vpclink.routeros' in refused['msg'] and 'adopt=true' in refused['msg']
    assert path('tencent_vpn_connection', module_params(foreign_lab, state='absent'))['failed'] is True
    assert writes(foreign_lab) == {}
    adopted = path('tencent_vpn_connection', present(foreign_lab, adopt=True))
    assert (adopted['action'], adopted['managed']) == ('updated', False)
    gone = path('tencent_vpn_connection', module_params(foreign_lab, state='absent', adopt=True))
    assert (gone['action'], gone['customer_gateway_deleted']) == ('deleted', True)
    assert foreign_lab.clouds()[0]['connections'] == []
