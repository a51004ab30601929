# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Secrets, end to end through the playbooks: site, verify, diagnose and teardown, each with ``-vvvv``, with
``--diff``, with ``--check`` and with injected failures (connection dropped mid-run, a trap on a write whose text
echoes the PSK, a failed login, a cloud whose PSK does not match so the tunnel fails with a diagnosis).

Every byte is scanned for every PSK and the router password: the play output (stdout and stderr), the JSON of
every task result (``oneline`` stdout callback on half the runs, the ``tree`` callback's per-host JSON files, the
``junit`` callback's reports), the Ansible log file, every file the playbooks wrote (cloud sheets), the routers'
``/log`` rows read through the control API, every cloud's tunnel log and the lab process's own log. The inventory
(it holds the secrets on purpose) is the only file not scanned. Zero hits allowed.

Runs with the playbook tier (``make integration``), like test_rollout.py.
"""

import json
import logging
import time

import pytest

from tests import labkit
from tests.integration import kit

ROUTERS = (('r7', 1, '7.16.2'), ('r6', 2, '6.49.17'))
WRONG_CLOUD_PSK = 'cloud-side-psk-9d41'      # r6's cloud connection: PSK mismatch, verify fails with a diagnosis
SECRETS = (kit.PSK.format(name='r7'), kit.PSK.format(name='r6'), WRONG_CLOUD_PSK, labkit.PASSWORD)
VERIFY = {'timeout': 4, 'interval': 0.5}
PLAY = {'vpc_tunnel_serial': '100%', 'vpc_tunnel_max_fail_percentage': 100}   # every router runs, whatever fails

# (label, playbook, extra CLI args, faults {router: fault}, oneline JSON stdout, expected outcome)
# expected: 'ok' = rc 0; 'r6' = only r6 fails (its PSK mismatch); 'both' = both routers fail
RUNS = [
    ('site --check --diff', 'site.yml', ['--check', '--diff'], {}, False, 'ok'),
    ('site --diff (create)', 'site.yml', ['--diff'], {}, True, 'r6'),
    ('site warm', 'site.yml', [], {}, False, 'r6'),
    ('verify', 'verify.yml', [], {}, True, 'r6'),
    ('diagnose + pasted cloud log', 'diagnose.yml', [], {}, False, 'ok'),
    ('diagnose --diff json', 'diagnose.yml', ['--diff'], {}, True, 'ok'),
    ('teardown --check --diff', 'teardown.yml', ['--check', '--diff'], {}, True, 'ok'),
    ('teardown --diff', 'teardown.yml', ['--diff'], {}, False, 'ok'),
    ('site: drop mid-run (r7), trap echoing the PSK on identity add (r6)', 'site.yml', ['--diff'],
     {'r7': {'kind': 'drop', 'command': '/ip/ipsec/identity/add'},
      'r6': {'kind': 'trap', 'command': '/ip/ipsec/identity/add', 'message': 'failure: bad secret ' + kit.PSK.format(name='r6')}},
     True, 'both'),
    ('site: re-run after the faults converges', 'site.yml', ['--diff'], {}, False, 'r6'),
    ('site: login fails', 'site.yml', ['--diff'], {'r7': {'kind': 'login_fail'}, 'r6': {'kind': 'login_fail'}}, True, 'both'),
    ('verify: login fails', 'verify.yml', [], {'r7': {'kind': 'login_fail'}, 'r6': {'kind': 'login_fail'}}, False, 'both'),
    ('diagnose: drop', 'diagnose.yml', [], {'r7': {'kind': 'drop', 'after': 2}, 'r6': {'kind': 'login_fail'}}, True, 'both'),
    ('teardown: trap echoing the PSK on identity remove, drop (r6)', 'teardown.yml', ['--diff'],
     {'r7': {'kind': 'trap', 'command': '/ip/ipsec/identity/remove', 'message': 'failure: ' + kit.PSK.format(name='r7')},
      'r6': {'kind': 'drop', 'command': '/ip/ipsec/policy/remove'}}, False, 'both'),
    ('teardown: clean up', 'teardown.yml', [], {}, True, 'ok'),
]


def leaks(text):
    return [secret for secret in SECRETS if secret in text]


def scan_files(root, skip):
    """(bytes scanned, [(path, leaked secrets)]) over every file under root except ``skip``."""
    scanned, found = 0, []
    for path in sorted(root.rglob('*')):
        if path.is_file() and path not in skip:
            text = path.read_bytes().decode('utf-8', 'replace')
            scanned += len(text.encode())
            if leaks(text):
                found.append((str(path), leaks(text)))
    return scanned, found


class LabLog(logging.Handler):
    """The lab process's own log (every emulator logger, DEBUG), kept as text."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.mark.slow
def test_no_secret_anywhere_in_any_playbook_run(lab_factory, tmp_path, monkeypatch):
    lab_log = LabLog()
    emulator_logger = logging.getLogger('emulator')
    old_level = emulator_logger.level
    emulator_logger.setLevel(logging.DEBUG)
    emulator_logger.addHandler(lab_log)
    try:
        _run_all(lab_factory, tmp_path, monkeypatch, lab_log)
    finally:
        emulator_logger.removeHandler(lab_log)
        emulator_logger.setLevel(old_level)


def _run_all(lab_factory, tmp_path, monkeypatch, lab_log):
    routers = [kit.router_entry(name, index, version) for name, index, version in ROUTERS]
    cloud = kit.cloud_entry('gz', 1, [(name, index, [f'{kit.lan(index)}/24']) for name, index, _version in ROUTERS])
    cloud['connections'][1]['psk'] = WRONG_CLOUD_PSK
    lab = kit.start_lab(lab_factory, routers, [cloud], delay=0.3, retry=1)
    tunnels = {name: [kit.tunnel('vpc-gz', name, index, 1, verify=dict(VERIFY))] for name, index, _version in ROUTERS}
    inventory = kit.write_inventory(tmp_path, lab, tunnels)
    out_dir = tmp_path / 'out'
    monkeypatch.setenv('ANSIBLE_LOG_PATH', str(out_dir / 'ansible.log'))
    monkeypatch.setenv('ANSIBLE_CALLBACKS_ENABLED', 'ansible.builtin.tree,ansible.builtin.junit')
    monkeypatch.setenv('ANSIBLE_CALLBACK_TREE_DIR', str(out_dir / 'tree'))
    monkeypatch.setenv('JUNIT_OUTPUT_DIR', str(out_dir / 'junit'))

    scanned, report = 0, []
    for label, book, args, faults, oneline, expected in RUNS:
        lab.clear_faults('r7')
        lab.clear_faults('r6')
        for name, fault in faults.items():
            lab.set_fault(name, **fault)
        if oneline:
            monkeypatch.setenv('ANSIBLE_STDOUT_CALLBACK', 'ansible.builtin.oneline')
        else:
            monkeypatch.delenv('ANSIBLE_STDOUT_CALLBACK', raising=False)
        extra = dict(PLAY)
        if book == 'diagnose.yml':
            extra['diagnose_cloud_log'] = lab.cloud_messages('gz')
        started = time.monotonic()
        run = kit.playbook(book, inventory, '-vvvv', *args, extra_vars=extra, timeout=120)
        print(f'{label}: rc={run.rc} {time.monotonic() - started:.1f}s {len(run.out)} bytes')
        scanned += len(run.out.encode())
        assert not leaks(run.out), f'{label}: {leaks(run.out)} in the play output\n{run}'
        # the run ended the way it should: a leak test on runs that never reached the router proves little
        failed = {host for host, row in run.recap.items() if row.get('failed') or row.get('unreachable')} if not oneline else \
            {host for host in ('r7', 'r6') if f'{host} | FAILED' in run.out or f'{host} | UNREACHABLE' in run.out}
        assert failed == {'ok': set(), 'r6': {'r6'}, 'both': {'r7', 'r6'}}[expected], f'{label}: failed {failed}\n{run}'
        if expected == 'r6' and book == 'site.yml':
            assert 'psk' in run.out.lower(), f'{label}: no PSK-mismatch diagnosis\n{run}'
        report.append((label, run.rc))
    lab.clear_faults('r7')
    lab.clear_faults('r6')

    # every file written: Ansible log, tree and junit JSON, cloud sheets; never the inventory (it holds them on purpose)
    file_bytes, found = scan_files(tmp_path, skip={tmp_path / 'inventory.yml'})
    assert not found, found
    assert (tmp_path / 'sheets' / 'r7.yml').is_file() and list((out_dir / 'tree').iterdir()) and list((out_dir / 'junit').iterdir())
    scanned += file_bytes
    # the lab: /log rows through the control API dump, the cloud's tunnel log, the lab process's log
    status, state = labkit.control(lab, 'GET', '/state')
    assert status == 200
    router_logs = json.dumps({name: dump['tables'].get('/log', {}) for name, dump in state.items()})
    status, cloud_log = labkit.control(lab, 'GET', '/clouds/gz/log')
    assert status == 200 and cloud_log
    process_log = '\n'.join(lab_log.lines)
    for what, text in (('router /log', router_logs), ('cloud log', json.dumps(cloud_log)), ('lab process log', process_log)):
        assert not leaks(text), f'{what}: {leaks(text)}'
        scanned += len(text.encode())
    assert 'ipsec' in router_logs and process_log
    print(f'\nsecrets scan: {len(RUNS)} playbook runs, {scanned} bytes scanned, 0 leaks')
