# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The batch work of fleet_tunnels: phases from tags, the batch rule after a preflight failure, one record per router
whatever another router did, the play's lines and verdict per router, secrets masked."""

import threading

import pytest

from ansible_collections.vpclink.routeros.plugins.module_utils import fleet, runner

PSK = 'fleet-unit-psk-0123456789'
PASSWORD = 'fleet-unit-password'


def settings(index, **over):
    out = {'api': {'hostname': f'127.0.0.{index}', 'username': 'admin', 'password': PASSWORD},
           'tunnels': [{'name': 'vpc-gz', 'peer_address': '198.51.100.1', 'local_subnets': ['192.168.1.0/24'],
                        'remote_subnets': ['10.0.0.0/24'], 'psk': PSK}],
           'state': 'present', 'update_secret': 'auto', 'backup_dir': 'backups', 'backup_secrets': False, 'rollback_on_failure': False,
           'sheet_dir': 'sheets', 'write_sheet': False, 'show_sheet': True, 'verify_wait': 0, 'fail_on_unhealthy': True,
           'write_report': True, 'report_dir': 'reports', 'cloud_apply': False}
    out.update(over)
    return out


class FakeEngine:
    """runner.run stand-in: records calls; a router's hostname decides its outcome."""

    def __init__(self, outcomes):
        self.outcomes = outcomes
        self.calls = []
        self.lock = threading.Lock()

    def __call__(self, module, params, check_mode=False, diff=False):
        with self.lock:
            self.calls.append((params['hostname'], module, params.get('mode')))
        outcome = self.outcomes.get((params['hostname'], params.get('mode') or module))
        if isinstance(outcome, Exception):
            raise outcome
        if outcome is not None:
            return dict(outcome)
        if module == 'ipsec_info':
            return {'changed': False, 'tunnels': [{'peer': 'vpc-gz', 'healthy': True}]}
        if params.get('mode') == 'preflight':
            return {'changed': False, 'tunnels': [], 'logins': 0, 'collected_warnings': []}
        return {'changed': True, 'tunnels': [{'name': 'vpc-gz', 'state': 'present', 'healthy': True, 'phase1': {'state': 'established'}}],
                'collected_warnings': ['tunnel \'vpc-gz\': local_id is auto']}


@pytest.fixture
def engine(monkeypatch):
    def make(outcomes=None):
        fake = FakeEngine(outcomes or {})
        monkeypatch.setattr(runner, 'run', fake)
        return fake
    return make


def batch(n, **over):
    return [fleet.Router(f'r{i}', settings(i, **over)) for i in range(1, n + 1)]


@pytest.mark.parametrize('run_tags, skip_tags, expected', [
    (['all'], [], {'preflight', 'apply', 'report'}),
    (['verify'], [], {'verify', 'report'}),
    (['preflight'], [], {'preflight', 'report'}),
    (['all'], ['report'], {'preflight', 'apply'}),
    (['all'], ['apply'], {'preflight', 'verify', 'report'}),
])
def test_tags_select_the_phases(run_tags, skip_tags, expected):
    assert fleet.phases('main', 'present', run_tags, skip_tags) == expected


def test_entry_points_select_their_phases():
    assert fleet.phases('preflight', 'present') == {'preflight'}
    assert fleet.phases('verify_only', 'present') == {'verify', 'report'}
    assert fleet.phases('absent', 'present') == {'apply', 'report'}


@pytest.mark.parametrize('failed, size, pct, fatal, stops', [
    (0, 4, 0, False, False), (1, 4, 0, False, True), (1, 4, 25, False, False), (2, 4, 25, False, True),
    (1, 4, None, False, False), (1, 4, None, True, True)])
def test_batch_rule_is_the_linear_strategy_s(failed, size, pct, fatal, stops):
    assert fleet.batch_stops(failed, size, pct, fatal) is stops


def test_every_router_gets_its_own_record_whatever_the_others_did(engine):
    fake = engine({('127.0.0.2', 'apply'): {'failed': True, 'changed': False, 'msg': 'connection refused', 'error_kind': 'unreachable'},
                   ('127.0.0.3', 'apply'): RuntimeError(f'bug with {PSK}')})
    routers = batch(4)
    fleet.run_batch(routers, 'main', {'preflight', 'apply', 'report'}, concurrency=2)
    records = {r.name: r.record for r in routers}
    assert [records[n]['status'] for n in ('r1', 'r2', 'r3', 'r4')] == ['ok', 'failed', 'failed', 'ok']
    assert records['r2']['error_kind'] == 'unreachable' and 'connection refused' in records['r2']['message']
    assert records['r2']['message'].startswith('Apply, verify and diagnose') and records['r2']['fail']
    assert 'RuntimeError' in records['r3']['message'] and PSK not in str(records['r3'])
    assert records['r1']['lines'][0].startswith('r1 / vpc-gz: UP phase1=established') and not records['r1']['fail']
    assert records['r1']['changed'] and records['r1']['warnings'] == ["tunnel 'vpc-gz': local_id is auto"]
    # every preflight ran before the first apply
    modes = [mode for _host, _module, mode in fake.calls]
    assert modes[:4] == ['preflight'] * 4 and modes[4:] == ['apply'] * 4


def test_a_preflight_failure_stops_the_batch_before_any_write_when_the_play_would_stop(engine):
    fake = engine({('127.0.0.1', 'preflight'): {'failed': True, 'changed': False, 'msg': 'invalid tunnels input'}})
    routers = batch(3)
    fleet.run_batch(routers, 'main', {'preflight', 'apply', 'report'}, max_fail_percentage=0)
    assert [mode for _h, _m, mode in fake.calls] == ['preflight'] * 3
    assert routers[0].record['status'] == 'failed' and routers[0].record['recorded']
    assert all(r.record['status'] == 'not_run' and not r.record['recorded'] and not r.record['fail'] for r in routers[1:])


def test_without_max_fail_percentage_the_routers_that_passed_go_on(engine):
    fake = engine({('127.0.0.1', 'preflight'): {'failed': True, 'changed': False, 'msg': 'invalid tunnels input'}})
    routers = batch(3)
    fleet.run_batch(routers, 'main', {'preflight', 'apply', 'report'})
    assert sorted(h for h, _m, mode in fake.calls if mode == 'apply') == ['127.0.0.2', '127.0.0.3']
    assert [r.record['status'] for r in routers] == ['failed', 'ok', 'ok']


def test_bad_input_is_the_router_s_failure_naming_the_field_before_any_call(engine):
    fake = engine()
    routers = batch(2)
    routers[0].settings['tunnels'][0]['state'] = 'sideways'
    routers[1].settings['api'] = dict(routers[1].settings['api'], port='eighty')
    fleet.run_batch(routers, 'verify_only', {'verify', 'report'})
    assert fake.calls == []
    assert 'state' in routers[0].record['message'] and 'sideways' in routers[0].record['message'] and 'port' in routers[1].record['message']
    assert PASSWORD not in str([r.record for r in routers]) and PSK not in str([r.record for r in routers])


def test_verify_reads_with_pings_and_the_wait(engine):
    fake = engine()
    routers = batch(1, verify_wait=30)
    routers[0].settings['tunnels'][0]['verify'] = {'ping': {'src_address': '192.168.1.1', 'address': '10.0.0.1'}}
    module, params = fleet.module_params('verify', 'r1', routers[0].settings, True)
    assert module == 'ipsec_info' and params['peers'] == ['vpc-gz'] and params['wait_for'] == 'established'
    assert params['pings'] == [{'src_address': '192.168.1.1', 'address': '10.0.0.1'}]
    fleet.run_batch(routers, 'verify_only', {'verify', 'report'})
    assert fake.calls == [('127.0.0.1', 'ipsec_info', None)] and routers[0].record['status'] == 'ok'


def test_state_absent_removes_every_tunnel():
    module, params = fleet.module_params('apply', 'r1', settings(1, state='absent'), True)
    assert module == 'tunnels' and [t['state'] for t in params['tunnels']] == ['absent']


def test_failure_lines_name_cause_evidence_and_fix():
    tunnels = [{'name': 'vpc-gz', 'state': 'present', 'healthy': False,
                'diagnosis': {'class': 'psk_mismatch', 'phase': 1, 'certain': True, 'evidence': ['AUTH failed'], 'fix': 'set the PSK'}}]
    assert fleet.failure_lines('r1', tunnels) == ['r1: tunnel vpc-gz is not up: psk_mismatch (phase 1, certain)', '  evidence: AUTH failed',
                                                  '  fix: set the PSK']
    assert fleet.state_lines('r1', tunnels) == ['r1 / vpc-gz: DOWN phase1=- uptime=- SAs=0 ping=- cause=psk_mismatch']


def test_fleet_records_cover_every_host_of_the_play():
    records = {'r1': {'name': 'r1', 'status': 'ok', 'message': '', 'tunnels': [], 'warnings': [], 'lines': []}}
    out = fleet.fleet_records(['r1', 'r2', 'r3'], ['r1', 'r2'], records, lambda host: ['vpc-gz'])
    assert [(r['name'], r['status']) for r in out] == [('r1', 'ok'), ('r2', 'not_run'), ('r3', 'failed')]
    assert out[1]['tunnels'] == [{'name': 'vpc-gz'}] and 'lines' not in out[0]


def test_diffs_name_their_router():
    router = fleet.Router('r1', settings(1))
    router.result = {'diff': [{'before_header': '/ip/ipsec/peer vpc-gz', 'after_header': '/ip/ipsec/peer vpc-gz', 'before': '', 'after': PSK}]}
    router.secrets = {PSK}
    (diff,) = fleet.diffs([router])
    assert diff['before_header'] == 'r1: /ip/ipsec/peer vpc-gz' and PSK not in diff['after']


def test_role_variables_are_checked_against_the_roles_own_spec():
    """site.yml and verify.yml import tasks/fleet.yml without ansible-core's per-host validation task: the fleet task checks
    each router's variables against meta/argument_specs.yml itself, naming the variable, the value and what is allowed."""
    from ansible_collections.vpclink.routeros.plugins.action.fleet_tunnels import role_options

    options = fleet.settings_validator(role_options())
    fleet.validate_settings(settings(1), options)
    with pytest.raises(fleet.InputError) as caught:
        fleet.validate_settings(settings(1, state='gone'), options)
    assert 'vpc_tunnel_state' in str(caught.value) and 'gone' in str(caught.value) and 'present, absent' in str(caught.value)
    bad_tunnel = dict(settings(1)['tunnels'][0], ike={'version': 3})
    with pytest.raises(fleet.InputError) as caught:
        fleet.validate_settings(settings(1, tunnels=[bad_tunnel]), options)
    assert 'version' in str(caught.value) and PSK not in str(caught.value)
    with pytest.raises(fleet.InputError) as caught:
        fleet.validate_settings(settings(1, verify_wait='soon'), options)
    assert 'vpc_tunnel_verify_wait' in str(caught.value)
