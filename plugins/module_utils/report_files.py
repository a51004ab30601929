# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Write the fleet report files: ``fleet-report.json``, ``fleet-report.html`` and ``fleet-report.xml``.

The files are the run's output, not managed state: they are always written (in check mode too, so the
user sees what the check found) with this run's time. ``changed`` says whether anything but
``generated`` differs from the report already there, so a run that finds the fleet as the previous run
did reports no change.
"""

from __future__ import annotations

import json
import os

from ansible_collections.vpclink.routeros.plugins.module_utils.files import write_atomically
from ansible_collections.vpclink.routeros.plugins.module_utils.report import build_report, group_warnings, render_json, summary_lines
from ansible_collections.vpclink.routeros.plugins.module_utils.report_html import render_html
from ansible_collections.vpclink.routeros.plugins.module_utils.report_junit import render_junit

FILES = {'json': 'fleet-report.json', 'html': 'fleet-report.html', 'xml': 'fleet-report.xml'}


def _without_time(report):
    return {k: v for k, v in report.items() if k != 'generated'}


def _previous(path):
    try:
        with open(path, encoding='utf-8') as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def write_report(report, dest):
    """Write the three files into ``dest`` (created as needed; a relative ``dest`` is taken from the
    current directory). Returns ``changed``, ``dest`` (absolute) and ``files`` (kind -> absolute path)."""
    directory = os.path.abspath(os.path.expanduser(dest))
    paths = {kind: os.path.join(directory, name) for kind, name in FILES.items()}
    texts = {'json': render_json(report), 'html': render_html(report), 'xml': render_junit(report)}
    before = _previous(paths['json'])
    changed = (before is None or _without_time(before) != _without_time(json.loads(texts['json']))
               or not all(os.path.exists(p) for p in paths.values()))
    for kind, text in texts.items():
        write_atomically(paths[kind], text)
    return {'changed': changed, 'dest': directory, 'files': paths}


def report_files(routers, dest, playbook, secrets=(), generated=None):
    """What the module and the action plugin run: build, write, and the task result. Bad input raises
    ``ValueError`` before anything is written; a directory that cannot be written raises ``OSError``."""
    report = build_report(routers, playbook, secrets=secrets, generated=generated)
    written = write_report(report, dest)
    return dict(written, totals=report['totals'], generated=report['generated'], summary=summary_lines(report))


def run(params, playbook):
    """The task result of the module and of the action plugin for validated ``params``: never raises for
    bad records or an unwritable directory, returns ``failed`` and a message naming the cause instead."""
    dest = params.get('dest') or 'reports'
    try:
        result = report_files(params['routers'], dest, playbook, secrets=params.get('secrets') or ())
        warnings = group_warnings(params['routers'], secrets=params.get('secrets') or ())
        if warnings:
            result['warnings'] = warnings
        return result
    except ValueError as exc:
        return {'failed': True, 'changed': False, 'msg': f'fleet_report: {exc}. Nothing was written.'}
    except OSError as exc:
        return {'failed': True, 'changed': False,
                'msg': f'fleet_report: cannot write the report into {os.path.abspath(os.path.expanduser(dest))}: {exc.strerror or exc}. '
                       'Check that the directory is writable by the user running Ansible, or set another dest.'}
