"""tencent_vpn_connection and its _info module in a real playbook run: the action group
``group/vpclink.routeros.tencent`` carries the credentials, a second run changes nothing, a check run
plans without writing, and neither the secret key nor the PSK reaches the output (even with -v)."""

import sys

import yaml

from emulator.clock import Clock
from tests.integration import kit
from tests.tencentkit import GATEWAY_ID, LAN, REGION, ROUTER_WAN, SECRET_ID, SECRET_KEY, VPC, lab_with_api, requests

PSK = 'playbook-psk-0042'


def _playbook(tmp_path, lab, state='present', pfs='DH-GROUP14', secret_key=SECRET_KEY):
    play = [{
        'name': 'The cloud end of the tunnel', 'hosts': 'localhost', 'gather_facts': False,
        'module_defaults': {'group/vpclink.routeros.tencent': {
            'secret_id': SECRET_ID, 'secret_key': secret_key, 'region': REGION, 'endpoint': lab.cloud_api_url}},
        'tasks': [
            {'name': 'Connection', 'register': 'conn',
             'vpclink.routeros.tencent_vpn_connection': {
                 'vpn_gateway_id': GATEWAY_ID, 'customer_gateway_address': ROUTER_WAN, 'name': 'hq', 'pre_share_key': PSK,
                 'ike_options': {'IKEVersion': 'IKEV2', 'PropoEncryAlgorithm': 'AES-CBC-256'},
                 'ipsec_options': {'PfsDhGroup': pfs},
                 'security_policy_databases': [{'LocalCidrBlock': VPC, 'RemoteCidrBlock': [LAN]}], 'state': state}},
            {'name': 'Read it back', 'register': 'info',
             'vpclink.routeros.tencent_vpn_connection_info': {'vpn_gateway_id': GATEWAY_ID}},
            {'name': 'Show', 'ansible.builtin.debug': {'msg': 'action={{ conn.action }} count={{ info.connections | length }}'}},
        ]}]
    path = tmp_path / f'tencent-{state}-{pfs}.yml'
    path.write_text(yaml.safe_dump(play, sort_keys=False), encoding='utf-8')
    return str(path)


def _inventory(tmp_path):
    path = tmp_path / 'localhost.yml'
    local = {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable}
    path.write_text(yaml.safe_dump({'all': {'hosts': {'localhost': local}}}))
    return str(path)


def _clean(run):
    assert SECRET_KEY not in run.out and PSK not in run.out, run
    return run


def test_playbook_create_rerun_check_and_delete(lab_factory, tmp_path):
    lab = lab_factory(lab_with_api(cloud_api_delay=0.3), clock=Clock())
    inventory = _inventory(tmp_path)
    first = _clean(kit.playbook(_playbook(tmp_path, lab), inventory, '-v'))
    assert first.rc == 0 and first.recap['localhost']['changed'] == 1 and 'action=created count=1' in first.out, first
    second = _clean(kit.playbook(_playbook(tmp_path, lab), inventory, '-v'))
    assert second.rc == 0 and second.recap['localhost']['changed'] == 0 and 'action=unchanged' in second.out, second
    writes_before = {k: v for k, v in requests(lab).items() if not k.startswith('Describe')}
    planned = _clean(kit.playbook(_playbook(tmp_path, lab, pfs='NULL'), inventory, '--check', '--diff'))
    assert planned.rc == 0 and planned.recap['localhost']['changed'] == 1 and 'action=updated' in planned.out, planned
    assert {k: v for k, v in requests(lab).items() if not k.startswith('Describe')} == writes_before
    removed = _clean(kit.playbook(_playbook(tmp_path, lab, state='absent'), inventory))
    assert removed.rc == 0 and 'action=deleted count=0' in removed.out, removed
    assert lab.clouds()[0]['connections'] == []


def test_playbook_wrong_key_fails_with_the_next_step(lab_factory, tmp_path):
    lab = lab_factory(lab_with_api(), clock=Clock())
    path = _playbook(tmp_path, lab, secret_key='a-wrong-secret-key')
    run = _clean(kit.playbook(path, _inventory(tmp_path), '-v'))
    assert run.rc != 0 and 'AuthFailure.SignatureFailure' in run.out and 'Next step' in run.out, run
    assert 'a-wrong-secret-key' not in run.out
