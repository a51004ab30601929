# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet report: records -> report dict (shape, states, totals, secrets) -> JSON, HTML and JUnit files."""

import datetime
import json
import os
import xml.etree.ElementTree as ET

import pytest

from ansible_collections.vpclink.routeros.plugins.module_utils import report_files
from ansible_collections.vpclink.routeros.plugins.module_utils.report import (
    ROUTER_STATUSES,
    TUNNEL_STATES,
    build_report,
    group_warnings,
    render_json,
    summary_lines,
)
from ansible_collections.vpclink.routeros.plugins.module_utils.report_html import render_html
from ansible_collections.vpclink.routeros.plugins.module_utils.report_junit import render_junit
from tests.reportkit import EXPECTED_ROUTERS, EXPECTED_TUNNELS, HOSTILE, PASSWORD, PSK, PageReader, sample_records

TUNNEL_KEYS = {'name', 'state', 'cause', 'fix', 'uptime', 'sas', 'ping', 'bytes', 'down_pairs', 'adopted'}


def sample_report(**kwargs):
    return build_report(sample_records(), 'site.yml', secrets=[PSK, PASSWORD], **kwargs)


def tunnels_of(report):
    return {(r['name'], t['name']): t for r in report['routers'] for t in r['tunnels']}


def test_shape_is_the_documented_interface():
    report = sample_report()
    assert list(report) == ['generated', 'playbook', 'routers', 'totals']
    assert datetime.datetime.fromisoformat(report['generated']).utcoffset() == datetime.timedelta(0)
    assert report['playbook'] == 'site.yml'
    for router in report['routers']:
        assert set(router) == {'name', 'status', 'message', 'tunnels'} and router['status'] in ROUTER_STATUSES
        for tunnel in router['tunnels']:
            assert set(tunnel) == TUNNEL_KEYS and tunnel['state'] in TUNNEL_STATES
    assert json.loads(render_json(report)) == report


def test_states_come_from_the_modules_verdict_and_the_readings_are_carried():
    report = sample_report()
    assert {(r['name']): r['status'] for r in report['routers']} == EXPECTED_ROUTERS
    tunnels = tunnels_of(report)
    assert {key: t['state'] for key, t in tunnels.items()} == EXPECTED_TUNNELS
    up = tunnels[('gz-branch-01', 'to_tencent')]
    assert (up['uptime'], up['sas'], up['ping'], up['cause'], up['fix']) == ('2h14m7s', 2, {'sent': 3, 'received': 3}, '', '')
    info_view = tunnels[('gz-branch-01', 'to_aliyun')]   # ipsec_info's shape: uptime from the active peer, SAs and bytes from installed-sa
    assert (info_view['uptime'], info_view['sas'], info_view['bytes']) == ('3d4h', 2, 1048576 + 524288)
    down = tunnels[('sh-branch-02', 'to_tencent')]
    assert down['cause'] == 'pre-shared keys differ (psk, certain)' and down['fix'].startswith('Set the same pre-shared key')
    assert down['uptime'] is None and down['sas'] == 0


def test_partial_lists_the_selector_pairs_that_are_down_and_fails_the_router():
    report = sample_report()
    partial = tunnels_of(report)[('cd-branch-04', 'to_tencent')]
    assert partial['down_pairs'] == ['192.168.41.0/24 -> 10.100.1.0/24']
    assert '192.168.41.0/24 -> 10.100.1.0/24' in partial['cause'] and 'traffic_selectors, probable' in partial['cause']
    router = next(r for r in report['routers'] if r['name'] == 'cd-branch-04')
    assert router['status'] == 'failed' and router['message'] == '1 tunnel(s) not up: to_tencent'


def test_check_mode_is_not_verified_never_down():
    # The tunnels module in check mode returns no 'healthy': nothing was verified.
    records = [{'name': 'r1', 'status': 'ok', 'tunnels': [{'name': 'a', 'state': 'present', 'changed': True},
                                                          {'name': 'b', 'state': 'present', 'changed': False}]}]
    report = build_report(records, 'site.yml --check')
    assert [t['state'] for t in report['routers'][0]['tunnels']] == ['not_verified', 'not_verified']
    assert report['routers'][0]['status'] == 'ok'
    assert report['totals']['tunnels'] == {'total': 2, 'up': 0, 'partial': 0, 'down': 0, 'not_verified': 2, 'absent': 0}


def test_an_unreachable_or_skipped_router_verified_nothing():
    report = sample_report()
    stale = tunnels_of(report)[('bj-branch-03', 'to_tencent')]
    assert stale['state'] == 'not_verified' and stale['uptime'] is None and stale['cause'] == 'router unreachable: not verified'


@pytest.mark.parametrize('kind, status', [('unreachable', 'unreachable'), ('tls', 'unreachable'), ('timeout', 'unreachable'),
                                          ('login', 'failed'), ('trap', 'failed'), ('stalled', 'failed'), (None, 'failed')])
def test_a_failed_record_is_unreachable_only_when_its_error_kind_says_the_api_was_never_reached(kind, status):
    record = {'name': 'r1', 'status': 'failed', 'message': 'what the module said', 'tunnels': [{'name': 'a'}]}
    if kind:
        record['error_kind'] = kind
    (router,) = build_report([record], 'site.yml')['routers']
    assert router['status'] == status and router['message'] == 'what the module said'
    assert router['tunnels'][0]['state'] == 'not_verified'   # nothing read, never "down"


def test_summary_has_the_totals_and_lists_what_needs_attention_first():
    lines = summary_lines(sample_report())
    assert lines[0] == 'routers: 7 (2 ok, 3 failed, 1 unreachable, 1 not run)'
    assert lines[1] == 'tunnels: 8 (2 up, 1 partial, 2 down, 2 not verified, 1 absent)'
    states = [line.split(': ')[1].split(' ')[0] for line in lines[2:] if ' / ' in line]
    assert states.index('up') > max(states.index('down'), states.index('partial')), lines
    assert any(line.startswith('bj-branch-03: unreachable: ') for line in lines), lines
    assert PSK not in '\n'.join(lines) and PASSWORD not in '\n'.join(lines)
    short = summary_lines(sample_report(), limit=3)
    assert len(short) == 2 + 3 + 1 and ' up ' not in ' '.join(short[2:-1]) and short[-1].startswith('... '), short


def test_adopted_entries_are_in_the_report_and_the_summary():
    view = {'name': 'vpc-gz', 'state': 'present', 'healthy': True, 'phase1': {'uptime': '5s'}, 'sas': {'count': 2},
            'adopted': ['/ip/ipsec/identity vpc-gz', '/ip/ipsec/peer vpc-gz']}
    report = build_report([{'name': 'r1', 'status': 'ok', 'message': '', 'tunnels': [view]}], 'site.yml')
    assert report['routers'][0]['tunnels'][0]['adopted'] == ['/ip/ipsec/identity vpc-gz', '/ip/ipsec/peer vpc-gz']
    assert any(line.startswith('r1 / vpc-gz: up') and line.endswith(' adopted: 2 entries') for line in summary_lines(report))


def test_warnings_are_one_per_cause_naming_the_routers():
    nat = ("tunnel '{t}': local_id is auto and public_address is 203.0.113.{n}: if the router is behind NAT "
           "(its WAN address is not 203.0.113.{n}), the cloud rejects the identity")
    records = [{'name': f'r{n:02d}', 'warnings': [nat.format(t='vpc', n=n), f'tls is false: password to 10.0.0.{n}:8728 ' + PSK]}
               for n in range(50)]
    records.append({'name': 'odd', 'warnings': ["tunnel 'x': esp.encryption: aes-128-cbc is weak"]})
    lines = group_warnings(records, secrets=[PSK])
    assert len(lines) == 3, lines
    assert lines[0].startswith('50 router(s) (r00, r01, ') and ' and 30 more): ' in lines[0] and '203.0.113.0' in lines[0]
    assert lines[1].startswith('50 router(s) ') and PSK not in lines[1]
    assert lines[2] == "1 router(s) (odd): tunnel 'x': esp.encryption: aes-128-cbc is weak"


def test_totals_count_every_router_and_tunnel():
    totals = sample_report()['totals']
    assert totals['routers'] == {'total': 7, 'ok': 2, 'failed': 3, 'unreachable': 1, 'not_run': 1}
    assert totals['tunnels'] == {'total': 8, 'up': 2, 'partial': 1, 'down': 2, 'not_verified': 2, 'absent': 1}
    assert sum(v for k, v in totals['routers'].items() if k != 'total') == totals['routers']['total']
    assert sum(v for k, v in totals['tunnels'].items() if k != 'total') == totals['tunnels']['total']


def test_an_empty_play_is_a_report_with_zero_totals():
    report = build_report([], 'site.yml')
    assert report['routers'] == [] and report['totals']['routers']['total'] == 0 and report['totals']['tunnels']['total'] == 0
    ET.fromstring(render_junit(report))
    page = PageReader(render_html(report))
    assert page.tables == {'routers': [], 'tunnels': []} and set(page.cards.values()) == {'0'}


@pytest.mark.parametrize('records,words', [
    ([{'name': 'r1', 'status': 'broken'}], ["routers[0].status", "'broken'", 'ok, failed, unreachable, not_run']),
    ([{'name': 'r1', 'status': 'ok'}, {'status': 'ok'}], ['routers[1].name', 'missing']),
    ([{'name': 'r1', 'status': 'ok', 'tunnels': [{'name': 't', 'state': 'sideways'}]}],
     ["routers[0].tunnels[0].state", "'sideways'", 'up, partial, down, not_verified, absent']),
    ([{'name': 'r1', 'status': 'ok', 'tunnels': [{'state': 'up'}]}], ['routers[0].tunnels[0].name', 'missing']),
    ([{'name': 'r1', 'status': 'ok', 'tunnels': 'to_vpc'}], ['routers[0].tunnels', "'to_vpc'", 'not a list']),
    (['r1'], ['routers[0]', "'r1'", 'not a router record']),
])
def test_bad_records_name_the_record_the_field_and_what_is_allowed(records, words):
    with pytest.raises(ValueError) as exc:
        build_report(records, 'site.yml')
    for word in words:
        assert word in str(exc.value)


def test_a_secret_in_the_wrong_place_is_not_quoted_by_the_error():
    with pytest.raises(ValueError) as exc:
        build_report([{'name': 'r1', 'status': PSK}], 'site.yml', secrets=[PSK])
    assert 'routers[0].status' in str(exc.value) and PSK not in str(exc.value)


def test_no_secret_in_any_file_and_fixes_stay_readable():
    report = sample_report()
    for text in (render_json(report), render_html(report), render_junit(report)):
        assert PSK not in text and PASSWORD not in text
    message = next(r['message'] for r in report['routers'] if r['name'] == 'sh-branch-02')
    assert message.endswith('identity secret=********')
    assert tunnels_of(report)[('cd-branch-04', 'to_tencent')]['ping']['error'] == 'ping used password ********'
    # the catalogue's fix names the field ("secret= (the identity ...)"): only a known secret value is masked in a fix
    assert 'secret= (the identity of this peer)' in tunnels_of(report)[('sh-branch-02', 'to_tencent')]['fix']
    leaky = build_report([{'name': 'r', 'status': 'ok', 'tunnels': [{'name': 't', 'state': 'down', 'fix': f'set secret={PSK}'}]}],
                         'p', secrets=[PSK])
    assert PSK not in leaky['routers'][0]['tunnels'][0]['fix']


def test_html_escapes_every_value():
    text = render_html(sample_report())
    page = PageReader(text)
    assert HOSTILE not in text and '<img' not in text and '<svg' not in text and '<i>t</i>' not in text
    assert page.tags.count('script') == 1 and not {'img', 'svg', 'i', 'b'} & set(page.tags)
    # the values are shown as text
    assert any(row['cells'][0] == HOSTILE for row in page.tables['routers'])
    hostile_tunnel = next(row for row in page.tables['tunnels'] if row['cells'][1] == '<i>t</i>')
    assert hostile_tunnel['cells'][7] == '<svg onload=alert(1)>' and hostile_tunnel['cells'][8] == 'a & b < c'


def test_html_has_the_totals_and_one_row_per_router_and_tunnel():
    report = sample_report()
    page = PageReader(render_html(report))
    totals = report['totals']
    assert page.cards == {**{s: str(totals['tunnels'][s]) for s in TUNNEL_STATES}, **{s: str(totals['routers'][s]) for s in ROUTER_STATUSES}}
    assert [(row['cells'][0], row['state']) for row in page.tables['routers']] == list(EXPECTED_ROUTERS.items())
    assert {(row['cells'][0], row['cells'][1]): row['state'] for row in page.tables['tunnels']} == EXPECTED_TUNNELS
    up = next(row for row in page.tables['tunnels'] if row['cells'][:2] == ['gz-branch-01', 'to_aliyun'])
    assert up['cells'][3:7] == ['3d4h', '2', '1.5 MiB', '—']
    assert not any(row['hidden'] for rows in page.tables.values() for row in rows)   # complete without JavaScript


def test_junit_has_a_testcase_per_router_and_tunnel_with_failures_and_skips():
    report = sample_report()
    root = ET.fromstring(render_junit(report))
    assert root.tag == 'testsuites'
    cases = {(case.get('classname'), case.get('name')): case for case in root.iter('testcase')}
    expected = {(name, 'router'): status for name, status in EXPECTED_ROUTERS.items()}
    expected.update({(router, f'tunnel {tunnel}'): state for (router, tunnel), state in EXPECTED_TUNNELS.items()})
    assert set(cases) == set(expected)
    for key, state in expected.items():
        outcome = [child.tag for child in cases[key] if child.tag in ('failure', 'skipped', 'error')]
        want = ['failure'] if state in ('down', 'partial', 'failed', 'unreachable') else ['skipped'] if state in ('not_verified', 'not_run') else []
        assert outcome == want, (key, state, outcome)
    psk_case = cases[('sh-branch-02', 'tunnel to_tencent')].find('failure')
    assert psk_case.get('type') == 'down' and psk_case.get('message') == 'pre-shared keys differ (psk, certain)'
    assert 'fix: Set the same pre-shared key' in psk_case.text
    assert root.get('tests') == str(len(expected))
    assert root.get('failures') == str(sum(1 for s in expected.values() if s in ('down', 'partial', 'failed', 'unreachable')))
    assert root.get('skipped') == str(sum(1 for s in expected.values() if s in ('not_verified', 'not_run')))
    assert sum(int(s.get('tests')) for s in root.iter('testsuite')) == len(expected)


def test_junit_drops_characters_xml_cannot_hold():
    records = [{'name': 'r\x00one', 'status': 'failed', 'message': 'log line with \x1b[31mcolour\x1b[0m and \x07bell'}]
    root = ET.fromstring(render_junit(build_report(records, 'p')))
    assert root.find('testsuite').get('name') == 'rone'
    assert root.find('.//failure').get('message') == 'log line with [31mcolour[0m and bell'


def test_written_files_are_changed_only_when_more_than_the_time_differs(tmp_path):
    dest = tmp_path / 'new' / 'reports'
    first = report_files.write_report(sample_report(generated='2026-01-01T00:00:00+00:00'), str(dest))
    assert first['changed'] is True and first['dest'] == str(dest)
    assert sorted(os.listdir(dest)) == ['fleet-report.html', 'fleet-report.json', 'fleet-report.xml']
    again = report_files.write_report(sample_report(generated='2026-01-01T01:00:00+00:00'), str(dest))
    assert again['changed'] is False
    # always written: the files carry this run's time
    assert json.loads((dest / 'fleet-report.json').read_text())['generated'] == '2026-01-01T01:00:00+00:00'
    assert '2026-01-01T01:00:00+00:00' in (dest / 'fleet-report.xml').read_text()
    records = sample_records()
    records[0]['tunnels'][0]['healthy'] = False
    changed = report_files.write_report(build_report(records, 'site.yml', secrets=[PSK, PASSWORD]), str(dest))
    assert changed['changed'] is True
    (dest / 'fleet-report.html').unlink()
    assert report_files.write_report(build_report(records, 'site.yml', secrets=[PSK, PASSWORD]), str(dest))['changed'] is True
    assert not [n for n in os.listdir(dest) if n.startswith('.')]   # no temporary file left behind


def test_relative_dest_is_taken_from_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = report_files.run({'routers': sample_records(), 'dest': 'reports', 'secrets': [PSK]}, 'site.yml')
    assert not result.get('failed'), result
    assert result['dest'] == str(tmp_path / 'reports') and result['files']['html'] == str(tmp_path / 'reports' / 'fleet-report.html')
    assert result['totals']['routers']['total'] == 7


def test_bad_records_write_nothing_and_an_unwritable_dest_says_where(tmp_path):
    bad = report_files.run({'routers': [{'name': 'r1', 'status': 'maybe'}], 'dest': str(tmp_path / 'r')}, 'site.yml')
    assert bad['failed'] and "routers[0].status: 'maybe'" in bad['msg'] and 'Nothing was written' in bad['msg']
    assert not (tmp_path / 'r').exists()
    blocker = tmp_path / 'file'
    blocker.write_text('not a directory')
    stuck = report_files.run({'routers': [], 'dest': str(blocker / 'reports')}, 'site.yml')
    assert stuck['failed'] and str(blocker / 'reports') in stuck['msg'] and 'writable' in stuck['msg']
