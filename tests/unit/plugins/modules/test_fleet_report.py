# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fleet_report through the action plugin and the module, and a report built from what the tunnels module
really returns against lab routers: a healthy tunnel, a wrong pre-shared key, check mode, a refused port."""

import json
import socket

import pytest

from ansible_collections.vpclink.routeros.plugins.module_utils import info
from ansible_collections.vpclink.routeros.plugins.module_utils.report import build_report
from tests import labkit
from tests.reportkit import PASSWORD, PSK, sample_records
from tests.unit.plugins.modules.conftest import conn, run_action_path


def report_names():
    return ('fleet-report.json', 'fleet-report.html', 'fleet-report.xml')


def test_writes_the_three_files_and_returns_the_totals(tmp_path, path):
    result = path('fleet_report', {'routers': sample_records(), 'dest': str(tmp_path), 'playbook': 'site.yml', 'secrets': [PSK, PASSWORD]})
    assert not result.get('failed'), result
    assert result['changed'] is True and result['dest'] == str(tmp_path)
    assert result['files'] == {kind: str(tmp_path / f'fleet-report.{kind}') for kind in ('json', 'html', 'xml')}
    assert result['totals']['routers']['total'] == 7 and result['totals']['tunnels']['down'] == 2
    report = json.loads((tmp_path / 'fleet-report.json').read_text())
    assert report['playbook'] == 'site.yml' and report['totals'] == result['totals']
    everything = json.dumps(result) + ''.join((tmp_path / name).read_text() for name in report_names())
    assert PSK not in everything and PASSWORD not in everything


def test_check_mode_writes_the_report_too(tmp_path, path):
    result = path('fleet_report', {'routers': sample_records(), 'dest': str(tmp_path)}, check=True)
    assert not result.get('failed') and result['changed'] is True, result
    assert all((tmp_path / name).exists() for name in report_names())
    again = path('fleet_report', {'routers': sample_records(), 'dest': str(tmp_path)}, check=True)
    assert again['changed'] is False


def test_bad_record_fails_naming_the_field_and_writes_nothing(tmp_path, path):
    result = path('fleet_report', {'routers': [{'name': 'r1', 'status': 'down'}], 'dest': str(tmp_path / 'r')})
    assert result['failed'] and "routers[0].status: 'down'" in result['msg'] and 'ok, failed, unreachable, not_run' in result['msg']
    assert not (tmp_path / 'r').exists()


def test_unknown_option_fails_before_anything(tmp_path, path):
    result = path('fleet_report', {'routers': [], 'dest': str(tmp_path / 'r'), 'colour': 'red'})
    assert result['failed'] and 'colour' in result['msg']
    assert not (tmp_path / 'r').exists()


# -- a report from real module results ---------------------------------------------------------------

GW, VPC, HOST = '198.51.100.200', '10.100.1.0/24', '10.100.1.6'
LAB_PSK = 'Report-lab-PSK-2b7e'
ROUTERS = {'good': ('203.0.113.10/24', '203.0.113.10', '192.168.10.0/24'), 'badkey': ('203.0.113.20/24', '203.0.113.20', '192.168.20.0/24')}


@pytest.fixture(scope='module')
def rlab_shared():
    routers = [labkit.router(name, '7.16.2', wan_address=wan, public_address=public, lan_subnets=[lan], api_ssl_port=0)
               for name, (wan, public, lan) in ROUTERS.items()]
    connections = [{'name': f'c-{name}', 'customer_gateway': public, 'psk': LAB_PSK, 'spd': [{'local': VPC, 'remote': [lan]}],
                    'ike': {'version': 'IKEV2', 'encryption': 'AES-CBC-256', 'integrity': 'SHA-256', 'dh_group': 'GROUP14', 'lifetime': 86400},
                    'ipsec': {'encryption': 'AES-CBC-256', 'integrity': 'SHA-256', 'pfs': 'DH-GROUP14', 'lifetime': 3600}}
                   for name, (_wan, public, lan) in ROUTERS.items()]
    clouds = [{'name': 'tc1', 'public_address': GW, 'vpc_subnets': [VPC], 'hosts': [HOST], 'connections': connections}]
    with labkit.running_lab(labkit.lab_dict(routers, clouds, negotiation_delay=1)) as lab:
        yield lab


@pytest.fixture
def rlab(rlab_shared, monkeypatch):
    labkit.fresh(rlab_shared, ROUTERS)
    # the verify wait runs on the lab's ManualClock
    monkeypatch.setattr(info, 'sleep', rlab_shared.advance)
    monkeypatch.setattr(info, 'monotonic', rlab_shared.clock.monotonic)
    return rlab_shared


def tunnels_params(lab, name, psk, port=None):
    lan = ROUTERS[name][2]
    params = dict(conn(lab, name), mode='apply', fail_on_unhealthy=True, update_secret='always', tunnels=[{
        'name': 'to_tc1', 'peer_address': GW, 'local_subnets': [lan], 'remote_subnets': [VPC], 'psk': psk,
        'verify': {'timeout': 10, 'interval': 1, 'ping': {'src_address': lan.replace('.0/24', '.1'), 'address': HOST}}}])
    if port is not None:
        params['port'] = port
    return params


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def record(name, result):
    # as the role records a router: a failed module's error_kind tells unreachable from failed
    return {'name': name, 'status': 'failed' if result.get('failed') else 'ok', 'message': result.get('msg', ''),
            'error_kind': result.get('error_kind'), 'tunnels': result.get('tunnels', [])}


def test_report_of_real_results_healthy_wrong_key_check_mode_and_refused(rlab):
    # through the action plugin, as the role runs it: the argument spec fills the tunnel defaults
    checked = run_action_path('tunnels', tunnels_params(rlab, 'good', LAB_PSK), check=True)
    good = run_action_path('tunnels', tunnels_params(rlab, 'good', LAB_PSK))
    bad = run_action_path('tunnels', tunnels_params(rlab, 'badkey', 'Wrong-PSK-for-report-9c1d'))
    refused = run_action_path('tunnels', tunnels_params(rlab, 'good', LAB_PSK, port=free_port()))
    assert not good.get('failed') and bad.get('failed') and refused.get('failed'), (good.get('msg'), bad.get('msg'))

    report = build_report([record('checked', checked), record('good', good), record('badkey', bad),
                           record('gone', refused)],
                          'site.yml', secrets=[LAB_PSK, 'Wrong-PSK-for-report-9c1d', labkit.PASSWORD])
    routers = {r['name']: r for r in report['routers']}
    assert {n: r['status'] for n, r in routers.items()} == {'checked': 'ok', 'good': 'ok', 'badkey': 'failed', 'gone': 'unreachable'}
    assert [t['state'] for t in routers['checked']['tunnels']] == ['not_verified']
    (up,) = routers['good']['tunnels']
    assert up['state'] == 'up' and up['uptime'] and up['sas'] >= 2 and up['ping']['received'] > 0
    (down,) = routers['badkey']['tunnels']
    assert down['state'] == 'down' and '(psk' in down['cause'] and down['fix']
    assert 'refused' in routers['gone']['message'] and routers['gone']['tunnels'] == []
    text = json.dumps(report)
    assert LAB_PSK not in text and 'Wrong-PSK-for-report-9c1d' not in text and labkit.PASSWORD not in text
