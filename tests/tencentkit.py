"""A lab cloud with the Tencent API switched on, and the official SDK as its client.

    with running_lab(lab_with_api()) as lab:
        vpc = sdk(lab)                              # tencentcloud VpcClient on the lab's endpoint
        vpc.call_json('DescribeVpnGateways', {})
"""

from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vpc.v20170312 import vpc_client

from tests import labkit

SECRET_ID = 'AKIDlabTencent0001'
SECRET_KEY = 'lab-secret-key-0001'
REGION = 'ap-guangzhou'
GATEWAY_ID = 'vpngw-lab00001'
GATEWAY_IP = '198.51.100.200'
VPC = '10.100.1.0/24'
ROUTER_WAN = '203.0.113.10'
LAN = '192.168.10.0/24'
ACCOUNT = {'secret_id': SECRET_ID, 'secret_key': SECRET_KEY, 'region': REGION, 'vpn_gateway_id': GATEWAY_ID}


def cloud_with_api(connections=(), **fields):
    cloud = {'name': 'tc-gz', 'public_address': GATEWAY_IP, 'vpc_subnets': [VPC], 'hosts': ['10.100.1.6'],
             'connections': list(connections), 'api': dict(ACCOUNT)}
    cloud.update(fields)
    return cloud


def lab_with_api(routers=None, clouds=None, **settings):
    routers = routers or [labkit.router('r', '7.16.2', wan_address=f'{ROUTER_WAN}/24', lan_subnets=[LAN])]
    settings.setdefault('cloud_api_delay', 2)
    return labkit.lab_dict(routers, clouds or [cloud_with_api()], **settings)


def sdk(lab, secret_id=SECRET_ID, secret_key=SECRET_KEY, region=REGION):
    """The SDK's VpcClient on the lab's endpoint (plain HTTP, no retries of its own)."""
    host = lab.cloud_api_url.split('://', 1)[1]
    profile = ClientProfile(httpProfile=HttpProfile(protocol='http', endpoint=host))
    return vpc_client.VpcClient(credential.Credential(secret_id, secret_key), region, profile)


def module_params(lab, **params):
    """Options of vpclink.routeros.tencent_vpn_connection for the lab's gateway."""
    base = {'secret_id': SECRET_ID, 'secret_key': SECRET_KEY, 'region': REGION, 'endpoint': lab.cloud_api_url,
            'vpn_gateway_id': GATEWAY_ID, 'customer_gateway_address': ROUTER_WAN}
    base.update(params)
    return base


def requests(lab):
    """The lab's count of authenticated API requests per action."""
    status, body = labkit.control(lab, 'GET', '/cloud-api')
    assert status == 200, body
    return body['requests']
