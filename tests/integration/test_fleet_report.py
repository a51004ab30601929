"""The fleet report of real runs against the lab: a healthy router, one whose tunnel fails (the cloud holds another
pre-shared key) and one whose API refuses connections. site.yml with the README's rollout, check mode and verify.yml
each write a complete report (every router, every tunnel), the summary prints with totals after the failure, and no
secret reaches any file.

With VPCLINK_DOCS_SCREENSHOT=1 (and Chromium installed) the page of the failed rollout is also saved as
docs/img/fleet-report.png, the picture the README shows: ``make docs-screenshot``."""

import json
import os
import shutil
import xml.etree.ElementTree as ET

import pytest

from tests import labkit
from tests.integration import kit

# name -> lab index; hq and branch-1 are healthy, branch-2's cloud has another PSK, branch-3 refuses connections
ROUTERS = {'hq': 1, 'branch-1': 2, 'branch-2': 3, 'branch-3': 4}
ROLLOUT = {'vpc_tunnel_serial': [1, '100%'], 'vpc_tunnel_max_fail_percentage': 0}   # the README's rollout
WRONG_CLOUD_PSK = 'not-what-branch-2-has'


def fleet(lab_factory, tmp_path):
    routers = [kit.router_entry(name, index) for name, index in ROUTERS.items()]
    cloud = kit.cloud_entry('gz', 9, [(name, index, [f'{kit.lan(index)}/24']) for name, index in ROUTERS.items()])
    cloud['connections'][list(ROUTERS).index('branch-2')]['psk'] = WRONG_CLOUD_PSK
    lab = kit.start_lab(lab_factory, routers, [cloud])
    lab.set_fault('branch-3', 'refuse')
    # public_address is each router's own WAN address: not behind NAT, so no "local_id is auto ... NAT" warning
    timeouts = {name: kit.DOWN_VERIFY_TIMEOUT if name == 'branch-2' else kit.VERIFY_TIMEOUT for name in ROUTERS}
    tunnels = {name: [kit.tunnel('vpc-gz', name, index, 9, public_address=kit.wan(index), verify_timeout=timeouts[name])]
               for name, index in ROUTERS.items()}
    return lab, kit.write_inventory(tmp_path, lab, tunnels)


def report_files(tmp_path):
    directory = tmp_path / 'reports'
    report = json.loads((directory / 'fleet-report.json').read_text(encoding='utf-8'))
    return report, directory


def states(report):
    return {r['name']: (r['status'], [(t['name'], t['state']) for t in r['tunnels']]) for r in report['routers']}


def assert_no_secret(directory):
    secrets = [kit.PSK.format(name=name) for name in ROUTERS] + [WRONG_CLOUD_PSK, labkit.PASSWORD]
    for path in directory.iterdir():
        text = path.read_text(encoding='utf-8')
        assert not [s for s in secrets if s in text], path


def test_rollout_check_mode_and_verify_each_report_every_router(lab_factory, tmp_path):
    lab, inventory = fleet(lab_factory, tmp_path)

    # check mode: nothing is verified, so nothing is down; the refused router is unreachable all the same
    check = kit.playbook('site.yml', inventory, '--check', extra_vars=ROLLOUT)
    report, directory = report_files(tmp_path)
    assert states(report) == {'hq': ('ok', [('vpc-gz', 'not_verified')]), 'branch-1': ('ok', [('vpc-gz', 'not_verified')]),
                              'branch-2': ('ok', [('vpc-gz', 'not_verified')]),
                              'branch-3': ('unreachable', [('vpc-gz', 'not_verified')])}, check
    assert check.rc != 0 and check.recap['branch-3']['failed'] == 1 and check.recap['branch-2']['failed'] == 0, check
    assert all(lab.counters(name)['writes'] == 0 for name in ROUTERS)

    # the README's rollout: hq alone, then the rest in one batch; both failures of that batch are shown and reported
    run = kit.playbook('site.yml', inventory, extra_vars=ROLLOUT)
    assert run.rc != 0, run
    assert 'local_id is auto' not in run.out, run
    assert {h: r['failed'] for h, r in run.recap.items()} == {'hq': 0, 'branch-1': 0, 'branch-2': 1, 'branch-3': 1}, run
    assert run.totals_lines == ['routers: 4 (2 ok, 1 failed, 1 unreachable)', 'tunnels: 4 (2 up, 1 down, 1 not verified)'], run
    assert sorted(run.summary) == [('branch-1', 'vpc-gz', 'up'), ('branch-2', 'vpc-gz', 'down'),
                                   ('branch-3', 'vpc-gz', 'not_verified'), ('hq', 'vpc-gz', 'up')], run
    report, directory = report_files(tmp_path)
    assert set(report) == {'generated', 'playbook', 'routers', 'totals'}
    assert states(report) == {'hq': ('ok', [('vpc-gz', 'up')]), 'branch-1': ('ok', [('vpc-gz', 'up')]),
                              'branch-2': ('failed', [('vpc-gz', 'down')]), 'branch-3': ('unreachable', [('vpc-gz', 'not_verified')])}
    by_name = {r['name']: r for r in report['routers']}
    up = by_name['hq']['tunnels'][0]
    assert up['sas'] >= 2 and up['uptime'] and up['ping'] == {'sent': 1, 'received': 1}, up
    down = by_name['branch-2']['tunnels'][0]
    assert '(psk, ' in down['cause'] and down['fix'], down
    assert by_name['branch-2']['message'] == '1 tunnel(s) not up: vpc-gz', by_name['branch-2']
    assert 'tunnel vpc-gz is not up: psk' in run.out   # the router's own failure shows the diagnosis
    assert 'refused' in by_name['branch-3']['message'], by_name['branch-3']
    assert report['totals']['routers'] == {'total': 4, 'ok': 2, 'failed': 1, 'unreachable': 1, 'not_run': 0}

    # JUnit for CI: one testcase per router and per tunnel; the failed and unreachable routers fail
    suites = ET.parse(directory / 'fleet-report.xml').getroot()
    cases = {(case.get('classname'), case.get('name')): case for case in suites.iter('testcase')}
    assert set(cases) == {(router, what) for router in ROUTERS for what in ('router', 'tunnel vpc-gz')}, list(cases)
    failing = {key for key, case in cases.items() if case.find('failure') is not None}
    assert failing == {('branch-2', 'router'), ('branch-2', 'tunnel vpc-gz'), ('branch-3', 'router')}, failing
    assert cases[('branch-3', 'tunnel vpc-gz')].find('skipped') is not None   # not verified: skipped, never failed
    assert suites.get('failures') == '3' and suites.get('tests') == '8'
    html = (directory / 'fleet-report.html').read_text(encoding='utf-8')
    assert 'branch-3' in html and '<link' not in html and 'src="http' not in html   # self-contained
    assert_no_secret(directory)
    if os.environ.get('VPCLINK_DOCS_SCREENSHOT') == '1':
        screenshot(tmp_path, directory / 'fleet-report.html')

    # verify.yml, read-only: the same report, with the ping of each tunnel; nothing written to the routers
    lab.reset_counters()
    verify = kit.playbook('verify.yml', inventory)
    assert verify.rc != 0 and {h for h, r in verify.recap.items() if r['failed']} == {'branch-2', 'branch-3'}, verify
    report, directory = report_files(tmp_path)
    assert states(report) == {'hq': ('ok', [('vpc-gz', 'up')]), 'branch-1': ('ok', [('vpc-gz', 'up')]),
                              'branch-2': ('failed', [('vpc-gz', 'down')]), 'branch-3': ('unreachable', [('vpc-gz', 'not_verified')])}
    assert {r['name']: r['tunnels'][0]['ping'] for r in report['routers'][:2]} == {
        'hq': {'sent': 1, 'received': 1}, 'branch-1': {'sent': 1, 'received': 1}}, report
    assert verify.totals_lines == run.totals_lines, verify
    assert all(lab.counters(name)['writes'] == 0 for name in ROUTERS)
    assert_no_secret(directory)

    # teardown: every tunnel removed, the unreachable router reported as such
    lab.clear_faults('branch-3')
    teardown = kit.playbook('teardown.yml', inventory)
    assert teardown.rc == 0, teardown
    report, _directory = report_files(tmp_path)
    assert {r['name']: [t['state'] for t in r['tunnels']] for r in report['routers']} == {name: ['absent'] for name in ROUTERS}


def test_a_stopped_rollout_reports_the_routers_it_never_reached(lab_factory, tmp_path):
    lab, inventory = fleet(lab_factory, tmp_path)
    lab.clear_faults('branch-3')
    run = kit.playbook('site.yml', inventory, extra_vars={'vpc_tunnel_serial': 1, 'vpc_tunnel_max_fail_percentage': 0})
    assert run.rc != 0 and 'branch-3' not in run.recap, run
    report, _directory = report_files(tmp_path)
    assert [(r['name'], r['status']) for r in report['routers']] == [
        ('hq', 'ok'), ('branch-1', 'ok'), ('branch-2', 'failed'), ('branch-3', 'not_run')]
    assert lab.counters('branch-3')['logins'] == 0


def screenshot(tmp_path, page):
    """The page of this real run, for the README (docs/img/fleet-report.png)."""
    from tests.browser.test_fleet_report_html import CHROMIUM, chromium, png_size_and_colours

    if CHROMIUM is None:
        pytest.fail('VPCLINK_DOCS_SCREENSHOT=1 needs Chromium (Debian: apt-get install chromium)')
    shot = tmp_path / 'fleet-report.png'
    chromium(tmp_path, f'--screenshot={shot}', '--window-size=1400,1000', '--hide-scrollbars', f'file://{page}')
    _size, colours = png_size_and_colours(shot)
    assert colours > 64, 'the screenshot is (nearly) blank'
    target = os.path.join(kit.ROOT, 'docs', 'img', 'fleet-report.png')
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copyfile(shot, target)


def test_tags_run_one_phase(lab_factory, tmp_path):
    """--tags preflight: no router contact, no report; --tags verify: read-only, the report of what is there (nothing
    was built yet: every tunnel down, the refused router unreachable)."""
    lab, inventory = fleet(lab_factory, tmp_path)
    preflight = kit.playbook('site.yml', inventory, '--tags', 'preflight', extra_vars=ROLLOUT)
    assert preflight.rc == 0 and all(lab.counters(name)['logins'] == 0 for name in ROUTERS), preflight
    assert not (tmp_path / 'reports').exists() and (tmp_path / 'sheets' / 'hq.yml').is_file()

    verify = kit.playbook('site.yml', inventory, '--tags', 'verify', extra_vars={'vpc_tunnel_serial': ['100%']})
    assert verify.rc != 0 and all(lab.counters(name)['writes'] == 0 for name in ROUTERS), verify
    report, _directory = report_files(tmp_path)
    assert states(report) == {'hq': ('failed', [('vpc-gz', 'down')]), 'branch-1': ('failed', [('vpc-gz', 'down')]),
                              'branch-2': ('failed', [('vpc-gz', 'down')]), 'branch-3': ('unreachable', [('vpc-gz', 'not_verified')])}
    assert "no peer named 'vpc-gz' is configured" in report['routers'][0]['tunnels'][0]['cause']
