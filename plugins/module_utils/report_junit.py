# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fleet report as JUnit XML, the test-result format CI systems (Jenkins, GitLab, GitHub Actions
reporters) display: one ``testsuite`` per router, one ``testcase`` for the router itself and one per
tunnel. ``down``, ``partial``, ``failed`` and ``unreachable`` are ``failure`` elements (message: the
cause, text: the readings and the fix); ``not_verified`` and ``not_run`` are ``skipped``; ``up``, ``ok`` and
``absent`` (removed as asked) pass.

Element and attribute names follow the Apache Ant JUnit schema
(https://github.com/windyroad/JUnit-Schema/blob/master/JUnit.xsd) with the ``skipped`` element that
Jenkins' JUnit plugin and GitLab read. ElementTree escapes every value; characters XML 1.0 cannot hold
(control characters a log line may carry) are removed first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ansible_collections.vpclink.routeros.plugins.module_utils.report import label

FAILURES = ('down', 'partial', 'failed', 'unreachable')
SKIPPED = ('not_verified', 'not_run')
# XML 1.0 allows tab, newline, carriage return and everything from U+0020 on (https://www.w3.org/TR/xml/#charsets).
_NOT_XML = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]')


def _clean(value):
    return _NOT_XML.sub('', '' if value is None else str(value))


def _testcase(suite, router, name, state, message, details):
    case = ET.SubElement(suite, 'testcase', classname=_clean(router), name=_clean(name), time='0')
    if state in FAILURES:
        element = ET.SubElement(case, 'failure', message=_clean(message or label(state)), type=state)
        element.text = _clean(details)
    elif state in SKIPPED:
        ET.SubElement(case, 'skipped', message=_clean(message or label(state)))
    return state in FAILURES, state in SKIPPED


def _tunnel_details(tunnel):
    lines = [f"state: {label(tunnel['state'])}"]
    for key in ('uptime', 'sas', 'bytes'):
        if tunnel[key] is not None:
            lines.append(f'{key}: {tunnel[key]}')
    if tunnel['ping'] is not None:
        lines.append('ping: {received}/{sent} replies'.format(**tunnel['ping']) + (f" ({tunnel['ping']['error']})" if tunnel['ping'].get('error') else ''))
    if tunnel['down_pairs']:
        lines.append('selector pairs down: ' + ', '.join(tunnel['down_pairs']))
    if tunnel['fix']:
        lines.append(f"fix: {tunnel['fix']}")
    return '\n'.join(lines)


def render_junit(report):
    root = ET.Element('testsuites', name=_clean(f"vpclink.routeros fleet report: {report['playbook']}"))
    counts = {'tests': 0, 'failures': 0, 'skipped': 0}
    for router in report['routers']:
        suite = ET.SubElement(root, 'testsuite', name=_clean(router['name']), timestamp=_clean(report['generated']))
        results = [_testcase(suite, router['name'], 'router', router['status'], router['message'], router['message'])]
        for tunnel in router['tunnels']:
            results.append(_testcase(suite, router['name'], f"tunnel {tunnel['name']}", tunnel['state'], tunnel['cause'],
                                     _tunnel_details(tunnel)))
        suite_counts = {'tests': len(results), 'failures': sum(f for f, _s in results), 'skipped': sum(s for _f, s in results)}
        for key, value in suite_counts.items():
            suite.set(key, str(value))
            counts[key] += value
        suite.set('errors', '0')
        suite.set('time', '0')
    for key, value in counts.items():
        root.set(key, str(value))
    root.set('errors', '0')
    root.set('time', '0')
    if hasattr(ET, 'indent'):   # Python 3.9+; the module fallback may run on an older target Python
        ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding='unicode') + '\n'
