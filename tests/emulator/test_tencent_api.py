"""The lab's Tencent VPC API, with the official SDK as the client (tencentcloud-sdk-python-vpc).

Labs run on a ManualClock (the signature is checked against the host's clock, so the SDK signs as usual);
a connection's PENDING/DELETING windows are ``cloud_api_delay`` = 2 s of lab time.
"""

import hashlib
import hmac
import json
import time
import urllib.request

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from emulator.lab import LabError, load_lab
from tests import labkit
from tests.emulator.test_runtime import ROUTER_IPSEC
from tests.emulator.test_server import Cli
from tests.tencentkit import (
    ACCOUNT,
    GATEWAY_ID,
    GATEWAY_IP,
    LAN,
    REGION,
    ROUTER_WAN,
    SECRET_ID,
    SECRET_KEY,
    VPC,
    cloud_with_api,
    lab_with_api,
    requests,
    sdk,
)

PSK = 'lab-psk-hq'      # what ROUTER_IPSEC's identity holds
# the Tencent side that agrees with ROUTER_IPSEC (IKEv2, AES-CBC-256/SHA-256/GROUP14; ESP AES-CBC-256/SHA-256/DH-GROUP14)
IKE = {'IKEVersion': 'IKEV2', 'PropoEncryAlgorithm': 'AES-CBC-256', 'PropoAuthenAlgorithm': 'SHA-256', 'DhGroupName': 'GROUP14',
       'IKESaLifetimeSeconds': 86400}
IPSEC = {'EncryptAlgorithm': 'AES-CBC-256', 'IntegrityAlgorithm': 'SHA-256', 'PfsDhGroup': 'DH-GROUP14', 'IPSECSaLifetimeSeconds': 3600}
SPD = [{'LocalCidrBlock': VPC, 'RemoteCidrBlock': [LAN]}]


def error(call, *args):
    with pytest.raises(TencentCloudSDKException) as caught:
        call(*args)
    return caught.value.get_code(), caught.value.get_message()


def start(lab_factory, router_config=None, **settings):
    routers = [labkit.router('r', '7.16.2', wan_address=f'{ROUTER_WAN}/24', lan_subnets=[LAN], config=router_config or {})]
    lab = lab_factory(lab_with_api(routers, negotiation_delay=1, **settings))
    return lab, sdk(lab)


def create(vpc, address=ROUTER_WAN, **overrides):
    gateway = vpc.call_json('CreateCustomerGateway', {'CustomerGatewayName': 'hq', 'IpAddress': address})['Response']['CustomerGateway']
    request = {'VpnGatewayId': GATEWAY_ID, 'CustomerGatewayId': gateway['CustomerGatewayId'], 'VpnConnectionName': 'to-hq',
               'PreShareKey': PSK, 'SecurityPolicyDatabases': SPD, 'IKEOptionsSpecification': IKE, 'IPSECOptionsSpecification': IPSEC}
    request.update(overrides)
    return gateway, vpc.call_json('CreateVpnConnection', request)['Response']['VpnConnection']


def describe(vpc, connection_id):
    found = vpc.call_json('DescribeVpnConnections', {'VpnConnectionIds': [connection_id]})['Response']
    return found['VpnConnectionSet'][0] if found['VpnConnectionSet'] else None


def created_id(vpc):
    (conn,) = vpc.call_json('DescribeVpnConnections', {})['Response']['VpnConnectionSet']
    return conn['VpnConnectionId']


def peer_state(lab):
    peers = lab.runtime('r')['peers']
    return peers[0]['state'] if peers else None


def test_gateway_is_described_with_its_public_address(lab_factory):
    _lab, vpc = start(lab_factory)
    response = vpc.call_json('DescribeVpnGateways', {'VpnGatewayIds': [GATEWAY_ID]})['Response']
    assert response['TotalCount'] == 1 and response['RequestId']
    (gateway,) = response['VpnGatewaySet']
    assert (gateway['VpnGatewayId'], gateway['PublicIpAddress'], gateway['State']) == (GATEWAY_ID, GATEWAY_IP, 'AVAILABLE')
    # another region of the same account has no such gateway
    other = sdk(_lab, region='ap-shanghai').call_json('DescribeVpnGateways', {})['Response']
    assert other['TotalCount'] == 0


def test_created_connection_is_pending_then_available_and_negotiates(lab_factory):
    lab, vpc = start(lab_factory, router_config=ROUTER_IPSEC)
    assert peer_state(lab) is None or peer_state(lab) != 'established'
    gateway, created = create(vpc, Tags=[{'Key': 'owner', 'Value': 'ops'}])
    assert created['State'] == 'PENDING' and created['VpnConnectionId'].startswith('vpnx-')
    assert created['TagSet'] == [{'Key': 'owner', 'Value': 'ops'}]
    assert created['CustomerGatewayId'] == gateway['CustomerGatewayId']
    lab.advance(1.5)
    assert describe(vpc, created['VpnConnectionId'])['State'] == 'PENDING'
    assert not lab.clouds()[0]['connections']          # not negotiating while PENDING
    code, _msg = error(vpc.call_json, 'ModifyVpnConnectionAttribute', {'VpnConnectionId': created['VpnConnectionId'], 'DpdEnable': 1})
    assert code == 'UnsupportedOperation.VpnConnInvalidState'
    lab.advance(1)
    conn = describe(vpc, created['VpnConnectionId'])
    assert conn['State'] == 'AVAILABLE'
    assert conn['IKEOptionsSpecification']['RemoteAddress'] == ROUTER_WAN
    assert conn['IKEOptionsSpecification']['LocalAddress'] == GATEWAY_IP
    assert conn['IPSECOptionsSpecification']['IntegrityAlgorithm'] == 'SHA-256'
    assert conn['SecurityPolicyDatabaseSet'] == SPD and conn['PreShareKey'] == PSK
    # the router's retry (or the cloud's own initiation) meets the new connection: established on the lab clock
    lab.advance(35)
    assert peer_state(lab) == 'established'
    assert describe(vpc, created['VpnConnectionId'])['NetStatus'] == 'AVAILABLE'
    (lab_conn,) = lab.clouds()[0]['connections']
    assert lab_conn['psk'] == '********' and lab_conn['ipsec']['pfs'] == 'DH-GROUP14'


def test_api_connection_negotiates_like_the_same_one_in_the_lab_file(lab_factory):
    """Same settings, two ways in: the lab file, and the API. The router sees the same tunnel."""
    lab_file_conn = {'name': 'to-hq', 'customer_gateway': ROUTER_WAN, 'psk': PSK,
                     'ike': {'version': 'IKEV2', 'encryption': 'AES-CBC-256', 'integrity': 'SHA-256', 'dh_group': 'GROUP14',
                             'lifetime': 86400},
                     'ipsec': {'encryption': 'AES-CBC-256', 'integrity': 'SHA-256', 'pfs': 'DH-GROUP14', 'lifetime': 3600},
                     'spd': [{'local': VPC, 'remote': [LAN]}]}
    routers = [labkit.router('r', '7.16.2', wan_address=f'{ROUTER_WAN}/24', lan_subnets=[LAN], config=ROUTER_IPSEC)]
    declared = lab_factory(lab_with_api(routers, [cloud_with_api([lab_file_conn])], negotiation_delay=1))
    through_api, vpc = start(lab_factory, router_config=ROUTER_IPSEC)
    create(vpc)
    through_api.advance(2)                  # AVAILABLE: the router re-negotiates at once
    for lab in (declared, through_api):
        lab.advance(5)

    def seen(lab):
        return [{k: v for k, v in peer.items() if k not in ('connection', 'age')} for peer in lab.runtime('r')['peers']]
    assert seen(declared) == seen(through_api)
    assert [p['state'] for p in seen(declared)] == ['established']
    assert through_api.runtime('r')['peers'][0]['connection'] == created_id(vpc)
    # the lab file's connection is visible through the API too, AVAILABLE from the start
    listed = sdk(declared).call_json('DescribeVpnConnections', {})['Response']['VpnConnectionSet']
    assert [(c['VpnConnectionName'], c['State']) for c in listed] == [('to-hq', 'AVAILABLE')]


def test_modify_changes_the_tunnel_and_delete_takes_it_down(lab_factory):
    lab, vpc = start(lab_factory, router_config=ROUTER_IPSEC)
    gateway, created = create(vpc)
    lab.advance(3)
    lab.advance(2)
    assert peer_state(lab) == 'established'
    vpc.call_json('ModifyVpnConnectionAttribute', {'VpnConnectionId': created['VpnConnectionId'], 'PreShareKey': 'another-psk',
                                                   'VpnConnectionName': 'renamed'})
    lab.advance(40)
    assert peer_state(lab) != 'established'      # the PSKs differ now
    conn = describe(vpc, created['VpnConnectionId'])
    assert conn['VpnConnectionName'] == 'renamed' and conn['NetStatus'] == 'UNAVAILABLE'
    # an option structure replaces the previous one whole: omitted keys take the documented defaults
    vpc.call_json('ModifyVpnConnectionAttribute', {'VpnConnectionId': created['VpnConnectionId'], 'PreShareKey': PSK,
                                                   'IPSECOptionsSpecification': {'PfsDhGroup': 'NULL'}})
    ipsec = describe(vpc, created['VpnConnectionId'])['IPSECOptionsSpecification']
    assert (ipsec['EncryptAlgorithm'], ipsec['PfsDhGroup'], ipsec['IPSECSaLifetimeSeconds']) == ('AES-CBC-128', 'NULL', 14400)
    code, _msg = error(vpc.call_json, 'DeleteCustomerGateway', {'CustomerGatewayId': gateway['CustomerGatewayId']})
    assert code == 'ResourceInUse'
    vpc.call_json('DeleteVpnConnection', {'VpnGatewayId': GATEWAY_ID, 'VpnConnectionId': created['VpnConnectionId']})
    assert describe(vpc, created['VpnConnectionId'])['State'] == 'DELETING'
    assert not lab.clouds()[0]['connections']
    lab.advance(3)
    assert describe(vpc, created['VpnConnectionId']) is None
    vpc.call_json('DeleteCustomerGateway', {'CustomerGatewayId': gateway['CustomerGatewayId']})
    assert vpc.call_json('DescribeCustomerGateways', {})['Response']['TotalCount'] == 0


def test_signature_and_credentials_are_checked(lab_factory):
    lab, _vpc = start(lab_factory)
    assert error(sdk(lab, secret_key='wrong').call_json, 'DescribeVpnGateways', {})[0] == 'AuthFailure.SignatureFailure'
    assert error(sdk(lab, secret_id='AKIDnobody').call_json, 'DescribeVpnGateways', {})[0] == 'AuthFailure.SecretIdNotFound'
    # by hand: a request signed ten minutes ago, and one without Authorization
    stale = _signed_request(lab, 'DescribeVpnGateways', {}, timestamp=int(time.time()) - 600)
    assert stale['Response']['Error']['Code'] == 'AuthFailure.SignatureExpire'
    unsigned = _post(lab, {'X-TC-Action': 'DescribeVpnGateways', 'X-TC-Version': '2017-03-12'}, b'{}')
    assert unsigned['Response']['Error']['Code'] == 'AuthFailure.InvalidAuthorization'
    # a body changed after signing no longer matches the signature
    tampered = _signed_request(lab, 'DescribeVpnGateways', {}, body_after=b'{"Limit": 5}')
    assert tampered['Response']['Error']['Code'] == 'AuthFailure.SignatureFailure'
    assert _signed_request(lab, 'DescribeVpnGateways', {})['Response']['TotalCount'] == 1
    assert requests(lab) == {'DescribeVpnGateways': 1}      # refused requests reach no action


def _post(lab, headers, body):
    request = urllib.request.Request(lab.cloud_api_url + '/', data=body, method='POST',
                                     headers=dict(headers, **{'Content-Type': 'application/json'}))
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200 and response.headers['Content-Type'] == 'application/json'
        return json.loads(response.read())


def _signed_request(lab, action, params, timestamp=None, body_after=None):
    """Signature v3 written out from Tencent's documentation, independently of the SDK and of the lab."""
    timestamp = timestamp or int(time.time())
    host = lab.cloud_api_url.split('://', 1)[1]
    body = json.dumps(params).encode()
    date = time.strftime('%Y-%m-%d', time.gmtime(timestamp))
    canonical = '\n'.join(('POST', '/', '', f'content-type:application/json\nhost:{host}\n', 'content-type;host',
                           hashlib.sha256(body).hexdigest()))
    scope = f'{date}/vpc/tc3_request'
    to_sign = '\n'.join(('TC3-HMAC-SHA256', str(timestamp), scope, hashlib.sha256(canonical.encode()).hexdigest()))
    key = ('TC3' + SECRET_KEY).encode()
    for part in (date, 'vpc', 'tc3_request'):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers = {'Host': host, 'X-TC-Action': action, 'X-TC-Version': '2017-03-12', 'X-TC-Region': REGION,
               'X-TC-Timestamp': str(timestamp),
               'Authorization': f'TC3-HMAC-SHA256 Credential={SECRET_ID}/{scope}, SignedHeaders=content-type;host, Signature={signature}'}
    return _post(lab, headers, body_after or body)


@pytest.mark.parametrize(('change', 'code'), [
    ({'IKEOptionsSpecification': dict(IKE, DhGroupName='GROUP99')}, 'InvalidParameterValue'),
    ({'IPSECOptionsSpecification': dict(IPSEC, IPSECSaLifetimeSeconds=60)}, 'InvalidParameterValue.Range'),
    ({'VpnConnectionName': 'x' * 61}, 'InvalidParameterValue.TooLong'),
    ({'VpnGatewayId': 'vpngw-zzzzzzzz'}, 'InvalidVpnGatewayId.NotFound'),
    ({'VpnGatewayId': 'gateway-1'}, 'InvalidVpnGatewayId.Malformed'),
    ({'CustomerGatewayId': 'cgw-00000000'}, 'ResourceNotFound'),
    ({'PreShareKey': None}, 'MissingParameter'),
    ({'DpdTimeout': '90'}, 'InvalidParameterValue.Range'),
    ({'PresharedKey': 'typo'}, 'UnknownParameter'),
    ({'SecurityPolicyDatabases': [{'LocalCidrBlock': 'ten', 'RemoteCidrBlock': [LAN]}]}, 'InvalidParameterValue'),
])
def test_parameter_rules(lab_factory, change, code):
    lab, vpc = start(lab_factory)
    gateway = vpc.call_json('CreateCustomerGateway', {'CustomerGatewayName': 'hq', 'IpAddress': ROUTER_WAN})['Response']['CustomerGateway']
    request = {'VpnGatewayId': GATEWAY_ID, 'CustomerGatewayId': gateway['CustomerGatewayId'], 'VpnConnectionName': 'to-hq',
               'PreShareKey': PSK, 'SecurityPolicyDatabases': SPD}
    request.update(change)
    got, message = error(vpc.call_json, 'CreateVpnConnection', {k: v for k, v in request.items() if v is not None})
    assert got == code, message
    assert PSK not in message
    assert vpc.call_json('DescribeVpnConnections', {})['Response']['TotalCount'] == 0     # nothing stored


def test_gateway_wide_rules(lab_factory):
    lab, vpc = start(lab_factory)
    create(vpc)
    assert error(vpc.call_json, 'CreateCustomerGateway', {'CustomerGatewayName': 'again', 'IpAddress': ROUTER_WAN})[0] \
        == 'InvalidParameterValue.Duplicate'
    other = vpc.call_json('CreateCustomerGateway', {'CustomerGatewayName': 'b2', 'IpAddress': '203.0.113.20'})['Response']
    spd = [{'LocalCidrBlock': '10.100.1.128/25', 'RemoteCidrBlock': ['192.168.10.0/25']}]
    overlapping = {'VpnGatewayId': GATEWAY_ID, 'CustomerGatewayId': other['CustomerGateway']['CustomerGatewayId'],
                   'VpnConnectionName': 'b2', 'PreShareKey': 'k', 'SecurityPolicyDatabases': spd}
    assert error(vpc.call_json, 'CreateVpnConnection', overlapping)[0] == 'InvalidParameterValue.VpnConnSpdCidrConflict'
    for number in range(18):       # 2 exist; the quota is 20 per region
        vpc.call_json('CreateCustomerGateway', {'CustomerGatewayName': f'g{number}', 'IpAddress': f'203.0.114.{number + 1}'})
    assert error(vpc.call_json, 'CreateCustomerGateway', {'CustomerGatewayName': 'one-more', 'IpAddress': '203.0.115.1'})[0] \
        == 'LimitExceeded'


def test_throttling_is_injected_through_the_control_api(lab_factory):
    lab, vpc = start(lab_factory)
    status, body = labkit.control(lab, 'POST', '/cloud-api/faults', {'code': 'RequestLimitExceeded', 'count': 2,
                                                                     'action': 'DescribeCustomerGateways'})
    assert status == 200 and body[0]['remaining'] == 2
    vpc.call_json('DescribeVpnGateways', {})                # other actions are served
    for _attempt in range(2):
        assert error(vpc.call_json, 'DescribeCustomerGateways', {})[0] == 'RequestLimitExceeded'
    assert vpc.call_json('DescribeCustomerGateways', {})['Response']['TotalCount'] == 0
    assert labkit.control(lab, 'GET', '/cloud-api/faults') == (200, [])
    assert labkit.control(lab, 'POST', '/cloud-api/faults', {'code': 'RequestLimitExceeded', 'action': 'Nope'})[0] == 400


def test_lab_file_api_key_is_validated():
    base = lab_with_api()
    for change, fragment in (({'region': 'Guangzhou'}, 'region'), ({'vpn_gateway_id': 'gw1'}, 'vpn_gateway_id'),
                             ({'secret_key': ''}, 'secret_key'), ({'extra': 1}, 'unknown key')):
        raw = json.loads(json.dumps(base))
        raw['clouds'][0]['api'] = dict(ACCOUNT, **change)
        with pytest.raises(LabError, match=fragment) as caught:
            load_lab(raw)
        assert SECRET_KEY not in str(caught.value)
    assert load_lab(base).cloud_apis[0].vpn_gateway_id == GATEWAY_ID


def test_cli_names_the_cloud_api_in_the_ready_line(tmp_path):
    path = tmp_path / 'lab.yml'
    path.write_text(json.dumps(lab_with_api()))    # JSON is YAML
    cli = Cli('--lab', str(path), '--cloud-api-port', '0')
    try:
        assert cli.ready.startswith('ready '), cli.proc.stderr.read()
        url = cli.fields['cloud_api']
        assert url.startswith('http://127.0.0.1:')

        class Endpoint:
            cloud_api_url = url
        assert sdk(Endpoint).call_json('DescribeVpnGateways', {})['Response']['TotalCount'] == 1
    finally:
        assert cli.stop() == 0
    plain = tmp_path / 'plain.yml'
    plain.write_text(json.dumps(labkit.lab_dict([labkit.router('r')])))
    cli = Cli('--lab', str(plain))
    try:
        assert cli.fields['cloud_api'] == '-'
    finally:
        cli.stop()


def test_describe_actions_filter_page_and_refuse_like_the_api(lab_factory):
    """The Describe* request rules the modules rely on: Filters (every one must match), ids, one page of Offset/Limit with
    TotalCount counting every match, ids and Filters never together, an unknown filter name refused, another region's
    resources never listed."""
    _lab, vpc = start(lab_factory)
    for name, address in (('a', '198.51.100.1'), ('b', '198.51.100.2'), ('c', '198.51.100.3')):
        vpc.call_json('CreateCustomerGateway', {'CustomerGatewayName': name, 'IpAddress': address})

    def names(action, request, key):
        response = vpc.call_json(action, request)['Response']
        return response['TotalCount'], [item[key] for item in response[action[len('Describe'):-1] + 'Set']]

    assert names('DescribeCustomerGateways', {}, 'CustomerGatewayName') == (3, ['a', 'b', 'c'])
    assert names('DescribeCustomerGateways', {'Offset': 1, 'Limit': 1}, 'CustomerGatewayName') == (3, ['b'])
    assert names('DescribeCustomerGateways', {'Filters': [{'Name': 'ip-address', 'Values': ['198.51.100.2', '198.51.100.3']},
                                                          {'Name': 'customer-gateway-name', 'Values': ['c', 'a']}]},
                 'CustomerGatewayName') == (1, ['c'])
    c_id = vpc.call_json('DescribeCustomerGateways', {'Filters': [{'Name': 'customer-gateway-name', 'Values': ['c']}]})[
        'Response']['CustomerGatewaySet'][0]['CustomerGatewayId']
    assert names('DescribeCustomerGateways', {'CustomerGatewayIds': [c_id]}, 'IpAddress') == (1, ['198.51.100.3'])
    assert names('DescribeVpnGateways', {'Filters': [{'Name': 'public-ip-address', 'Values': [GATEWAY_IP]}]}, 'VpnGatewayId') \
        == (1, [GATEWAY_ID])
    assert names('DescribeVpnGateways', {'Filters': [{'Name': 'vpn-gateway-name', 'Values': ['other']}]}, 'VpnGatewayId') == (0, [])
    assert names('DescribeVpnConnections', {'Filters': [{'Name': 'vpn-gateway-id', 'Values': [GATEWAY_ID]}]}, 'VpnConnectionId') \
        == (0, [])
    assert error(vpc.call_json, 'DescribeCustomerGateways', {'CustomerGatewayIds': [c_id],
                                                             'Filters': [{'Name': 'ip-address', 'Values': ['x']}]})[0] \
        == 'InvalidParameter.Coexist'
    code, message = error(vpc.call_json, 'DescribeVpnConnections', {'Filters': [{'Name': 'ip-address', 'Values': ['x']}]})
    assert code == 'InvalidParameterValue' and 'vpn-connection-id' in message
    assert error(vpc.call_json, 'DescribeVpnGateways', {'VpnGatewayIds': ['cgw-2wqq41m9']})[0].startswith('InvalidVpnGatewayId')
    other = sdk(_lab, region='ap-shanghai')
    assert other.call_json('DescribeCustomerGateways', {})['Response']['TotalCount'] == 0
