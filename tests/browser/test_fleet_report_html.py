# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""fleet-report.html in a real browser: headless Chromium (Debian packages ``chromium`` and ``chromium-driver``)
opens the file from disk, runs its script, and the test reads the rendered DOM (``--dump-dom``): the totals,
one row per router and tunnel, the rows sorted worst first by the script, the filters and sorting chosen in the
address's fragment. A screenshot of the page is saved as tests/output/fleet-report.png.

Chromium runs offline: no network service, unresolvable host names, a profile in the test's temporary
directory. Without Chromium the tests are skipped and say why."""

import os
import shutil
import struct
import subprocess
import zlib

import pytest

from ansible_collections.vpclink.routeros.plugins.module_utils.report import ROUTER_STATUSES, SEVERITY, TUNNEL_STATES, build_report
from ansible_collections.vpclink.routeros.plugins.module_utils.report_files import write_report
from ansible_collections.vpclink.routeros.plugins.module_utils.report_html import render_html
from tests.reportkit import EXPECTED_ROUTERS, EXPECTED_TUNNELS, PASSWORD, PSK, PageReader, sample_records

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUTPUT = os.path.join(ROOT, 'tests', 'output')
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
WINDOW = (1400, 1050)   # the whole sample fleet in one picture

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason='Chromium is not installed, the report page was not rendered (Debian: apt-get install chromium chromium-driver)')


def chromium(tmp_path, *args):
    command = [CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
               '--disable-background-networking', '--disable-component-update', '--disable-sync',
               '--host-resolver-rules=MAP * ~NOTFOUND', f'--user-data-dir={tmp_path / "chromium-profile"}', *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture
def page_file(tmp_path):
    report = build_report(sample_records(), 'site.yml', secrets=[PSK, PASSWORD])
    written = write_report(report, str(tmp_path / 'reports'))
    return report, 'file://' + written['files']['html']


def rendered(tmp_path, url):
    return PageReader(chromium(tmp_path, '--dump-dom', url))


def visible(rows):
    return [(row['cells'][0], row['cells'][1], row['state']) for row in rows if not row['hidden']]


def test_the_script_ran_totals_and_every_row_worst_first(tmp_path, page_file):
    report, url = page_file
    page = rendered(tmp_path, url)
    assert page.body.get('data-ready') == 'true'
    totals = report['totals']
    assert page.cards == {**{s: str(totals['tunnels'][s]) for s in TUNNEL_STATES}, **{s: str(totals['routers'][s]) for s in ROUTER_STATUSES}}
    rows = len(EXPECTED_ROUTERS) + len(EXPECTED_TUNNELS)
    assert page.by_id['shown']['text'] == f'Showing {rows} of {rows} rows'
    # every router and tunnel, none hidden, worst state first; equal states keep the play's order
    assert sorted((row['cells'][0], row['state']) for row in page.tables['routers']) == sorted(EXPECTED_ROUTERS.items())
    assert [row['state'] for row in page.tables['routers']] == sorted(EXPECTED_ROUTERS.values(), key=SEVERITY.index)
    play_order = [(router, tunnel, state) for (router, tunnel), state in EXPECTED_TUNNELS.items()]
    worst_first = sorted(play_order, key=lambda row: SEVERITY.index(row[2]))
    assert visible(page.tables['tunnels']) == worst_first
    # the page as written is in the play's order: the order above is the script's work
    assert visible(PageReader(render_html(report)).tables['tunnels']) == play_order != worst_first


def test_the_fragment_chooses_state_text_and_sort(tmp_path, page_file):
    _report, url = page_file
    rows = len(EXPECTED_ROUTERS) + len(EXPECTED_TUNNELS)

    down = rendered(tmp_path, url + '#state=down')
    assert {state for _r, _t, state in visible(down.tables['tunnels'])} == {'down'}
    assert len(visible(down.tables['tunnels'])) == 2 and visible(down.tables['routers']) == []
    assert down.by_id['routers-empty']['hidden'] is False and down.by_id['tunnels-empty']['hidden'] is True
    assert down.by_id['shown']['text'] == f'Showing 2 of {rows} rows'

    text = rendered(tmp_path, url + '#q=BRANCH-04')
    assert [r for r, _t, _s in visible(text.tables['tunnels'])] == ['cd-branch-04']
    assert [row['cells'][0] for row in text.tables['routers'] if not row['hidden']] == ['cd-branch-04']

    attention = rendered(tmp_path, url + '#state=attention')
    assert {s for _r, _t, s in visible(attention.tables['tunnels'])} == {'down', 'partial', 'not_verified'}

    by_uptime = rendered(tmp_path, url + '#tunnels=uptime.desc')
    uptimes = [row['cells'][3] for row in by_uptime.tables['tunnels']]
    assert uptimes[:3] == ['3d4h', '2h14m7s', '15m2s'] and set(uptimes[3:]) == {'—'}   # unknown uptimes last


def png_size_and_colours(path):
    """(width, height) from the PNG header, and how many distinct byte values the image data holds."""
    with open(path, 'rb') as fh:
        data = fh.read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG file'
    width, height = struct.unpack('>II', data[16:24])
    chunks, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        if kind == b'IDAT':
            chunks.append(data[pos + 8:pos + 8 + length])
        pos += 12 + length
    return (width, height), len(set(zlib.decompress(b''.join(chunks))))


def test_screenshot_of_the_report(tmp_path):
    # the screenshot shows a realistic fleet: the sample without its markup-injection record
    report = build_report(sample_records()[:-1], 'site.yml', secrets=[PSK, PASSWORD])
    written = write_report(report, str(tmp_path / 'reports'))
    os.makedirs(OUTPUT, exist_ok=True)
    shot = os.path.join(OUTPUT, 'fleet-report.png')
    if os.path.exists(shot):
        os.unlink(shot)
    chromium(tmp_path, f'--screenshot={shot}', '--window-size={},{}'.format(*WINDOW), '--hide-scrollbars', 'file://' + written['files']['html'])
    size, colours = png_size_and_colours(shot)
    assert size == WINDOW
    assert colours > 64, 'the screenshot is (nearly) blank'
