"""The lab's Tencent VPC API in the real-IKE lab: a connection created, changed and deleted through the API (the official
SDK as the client) is the cloud charon's configuration, and NetStatus is what that charon has (SKIPPED with the reason
where the real mode cannot run)."""

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from emulator.server import LabServer
from tests import labkit, tencentkit
from tests.realike.test_lab_real import GW, LAN, PSK, VPC, WAN, build_tunnel, errors, lab_file, ping, wait_until

IKE = {'IKEVersion': 'IKEV2', 'PropoEncryAlgorithm': 'AES-CBC-256', 'PropoAuthenAlgorithm': 'SHA-256', 'DhGroupName': 'GROUP14'}
IPSEC = {'EncryptAlgorithm': 'AES-CBC-256', 'IntegrityAlgorithm': 'SHA-256', 'PfsDhGroup': 'DH-GROUP14', 'IPSECSaLifetimeSeconds': 3600}


def _lab():
    """lab_file()'s router and cloud, the cloud with no connection and its Tencent API switched on."""
    lab = lab_file()
    lab['clouds'][0].update(connections=[], api=dict(tencentkit.ACCOUNT))
    lab['settings']['cloud_api_delay'] = 1
    return lab


def _create(vpc, **overrides):
    gateway = vpc.call_json('CreateCustomerGateway', {'CustomerGatewayName': 'edge', 'IpAddress': WAN})['Response']['CustomerGateway']
    request = {'VpnGatewayId': tencentkit.GATEWAY_ID, 'CustomerGatewayId': gateway['CustomerGatewayId'], 'VpnConnectionName': 'to-edge',
               'PreShareKey': PSK, 'SecurityPolicyDatabases': [{'LocalCidrBlock': VPC, 'RemoteCidrBlock': [LAN]}],
               'IKEOptionsSpecification': IKE, 'IPSECOptionsSpecification': IPSEC}
    request.update(overrides)
    return vpc.call_json('CreateVpnConnection', request)['Response']['VpnConnection']['VpnConnectionId']


def _describe(vpc, connection_id):
    found = vpc.call_json('DescribeVpnConnections', {'VpnConnectionIds': [connection_id]})['Response']['VpnConnectionSet']
    return found[0] if found else None


def test_connections_made_through_the_api_are_the_cloud_charons_configuration(real_ike):
    with LabServer(_lab()) as lab:
        vpc = tencentkit.sdk(lab)
        api = labkit.connect(lab, 'edge', timeout=10)
        build_tunnel(api)
        assert ping(api, count=1) == 0          # the cloud has no connection yet
        connection = _create(vpc)
        # PENDING for the API's delay, then loaded into the cloud's charon: the router's next attempt gets the tunnel
        up = wait_until(lambda: (_describe(vpc, connection) or {}).get('NetStatus') == 'AVAILABLE', timeout=30)
        assert up and _describe(vpc, connection)['State'] == 'AVAILABLE'
        assert ping(api) == 3
        # a changed PSK is loaded at once, the connection's SAs deleted: the router's next attempts fail on it
        vpc.call_json('ModifyVpnConnectionAttribute', {'VpnConnectionId': connection, 'PreShareKey': 'the-cloud-has-another-key'})
        assert wait_until(lambda: 'got fatal error: AUTHENTICATION_FAILED' in errors(api))
        assert _describe(vpc, connection)['NetStatus'] == 'UNAVAILABLE'
        assert any(line.endswith('but MAC mismatched') for line in lab.cloud_messages('vpc'))
        # deleted: the cloud's charon no longer has a configuration for the router
        seen = len(lab.cloud_messages('vpc'))
        vpc.call_json('DeleteVpnConnection', {'VpnGatewayId': tencentkit.GATEWAY_ID, 'VpnConnectionId': connection})
        assert wait_until(lambda: any(line.startswith(f'no IKE config found for {GW}...{WAN}') for line in lab.cloud_messages('vpc')[seen:]))
        assert ping(api, count=1) == 0
        api.close()


def test_a_value_strongswan_cannot_take_is_refused_by_the_api_and_names_it(real_ike):
    with LabServer(_lab()) as lab:
        vpc = tencentkit.sdk(lab)
        with pytest.raises(TencentCloudSDKException) as caught:
            _create(vpc, IPSECOptionsSpecification=dict(IPSEC, EncryptAlgorithm='SM4'))
        assert caught.value.get_code() == 'UnsupportedOperation'
        assert "ipsec.encryption='SM4' has no strongSwan counterpart in the real-IKE lab" in caught.value.get_message()
        assert PSK not in caught.value.get_message()
        assert vpc.call_json('DescribeVpnConnections', {})['Response']['TotalCount'] == 0
