"""Both ends from one inventory: a lab whose Tencent cloud serves the VPC API, a router without a connection there yet,
and a foreign connection (the lab file's, so untagged) on the same VPN gateway that the role must never touch.

    lab, tunnels = both_ends_lab(lab_factory)
    inventory = kit.write_inventory(tmp_path, lab, tunnels, cloud_vars(lab))
"""

from emulator.clock import Clock
from tests import labkit
from tests.integration import kit
from tests.tencentkit import ACCOUNT, SECRET_KEY, requests

CLOUD_INDEX = 5
ROUTER_INDEX = 1
VPC = f'10.{100 + CLOUD_INDEX}.0.0/24'
FOREIGN = {'name': 'vpnx-by-hand', 'customer_gateway': '203.0.113.99', 'psk': 'foreign-psk-0451', 'negotiation': 'passive',
           'ike': dict(kit.PRESET_IKE), 'ipsec': dict(kit.PRESET_IPSEC), 'spd': [{'local': VPC, 'remote': ['192.168.99.0/24']}]}
WRITES = ('CreateCustomerGateway', 'CreateVpnConnection', 'ModifyVpnConnectionAttribute', 'DeleteVpnConnection',
          'DeleteCustomerGateway')


def both_ends_lab(lab_factory, connections=(FOREIGN,), **settings):
    """One router r1 and one Tencent cloud with the API on; returns (lab, {router: vpc_tunnel_tunnels})."""
    cloud = {'name': 'tc', 'public_address': kit.gateway(CLOUD_INDEX), 'vpc_subnets': [VPC], 'hosts': [f'10.{100 + CLOUD_INDEX}.0.5'],
             'connections': [dict(c) for c in connections], 'api': dict(ACCOUNT)}
    settings = dict({'negotiation_delay': 0.5, 'retry_interval': 2, 'cloud_api_delay': 0.3}, **settings)
    lab = lab_factory(labkit.lab_dict([kit.router_entry('r1', ROUTER_INDEX)], [cloud], **settings), clock=Clock())
    tunnel = kit.tunnel('vpc-tc', 'r1', ROUTER_INDEX, CLOUD_INDEX, public_address=kit.wan(ROUTER_INDEX))
    return lab, {'r1': [tunnel]}


def cloud_vars(lab, apply=True):
    """Group vars for the role's cloud steps against the lab's endpoint."""
    api = {'secret_id': ACCOUNT['secret_id'], 'secret_key': ACCOUNT['secret_key'], 'region': ACCOUNT['region'],
           'endpoint': lab.cloud_api_url, 'vpn_gateway_id': ACCOUNT['vpn_gateway_id']}
    return {'vpc_tunnel_cloud_api': api, 'vpc_tunnel_cloud_apply': apply}


def cloud_writes(lab):
    """The lab API's count of each writing action so far."""
    counts = requests(lab)
    return {action: counts.get(action, 0) for action in WRITES}


def connections(lab):
    """{name: connection summary} of the lab API's VPN connections (no PSKs)."""
    status, body = labkit.control(lab, 'GET', '/cloud-api')
    assert status == 200, body
    return {c['name']: c for c in body['vpn_connections']}


def assert_no_secret(text, *psks):
    """Neither the API secret key nor any PSK in ``text``."""
    for secret in (SECRET_KEY,) + psks:
        assert secret not in text, f'a secret leaked: {secret[:4]}...'


def patch_connection(lab, name, body):
    """A console edit of a lab-file connection (control API), e.g. {'ipsec': {'pfs': 'DH-GROUP14'}}."""
    status, answer = labkit.control(lab, 'PATCH', f'/clouds/tc/connections/{name}', body)
    assert status == 200, answer


def task_output(run, title):
    """The output of the first task whose title contains ``title`` (up to the next task or play)."""
    start = run.out.index(title)
    ends = [i for i in (run.out.find('\nTASK [', start), run.out.find('\nPLAY ', start)) if i >= 0]
    return run.out[start:min(ends) if ends else len(run.out)]
