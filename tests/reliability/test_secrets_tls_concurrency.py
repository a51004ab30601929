# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Secrets never leave (every module, diff, check, injected failures); TLS; two runs at once on one router."""

import json
import logging
import socket
import threading

import pytest

from tests import labkit
from tests.reliability.conftest import BUILDERS, PSK, SECRETS, STEPS, TUNNEL, assert_clear_failure, config_state, conn, ok
from tests.unit.plugins.modules.conftest import run_action_path

MODULE_RUNS = list(STEPS) + [('tunnels', {'tunnels': [TUNNEL]}), ('ipsec_info', {'peer': 'vpc', 'log_lines': 50})]
# every way a run can end: (label, fault to set or None, check, diff)
MODES = [('check+diff', None, True, True), ('real+diff', None, False, True), ('warm+diff', None, False, True),
         ('trap-on-identity-add', {'kind': 'trap', 'command': '/ip/ipsec/identity/add', 'message': f'failure: echo secret={PSK}'},
          False, True),
         ('drop-on-identity-add', {'kind': 'drop', 'command': '/ip/ipsec/identity/add'}, False, True),
         ('login-fail', {'kind': 'login_fail'}, False, True),
         ('absent+diff', None, False, True)]


def leaks(text):
    return [s for s in SECRETS if s in text]


@pytest.mark.parametrize('name', ['v7', 'v6'])
def test_no_secret_in_results_diffs_errors_or_lab_logs(rlab, name, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    scanned = 0
    for label, fault, check, diff in MODES:
        rlab.clear_faults(name)
        if label in ('check+diff', 'trap-on-identity-add', 'drop-on-identity-add', 'login-fail'):
            rlab.reset(name)
        if fault:
            rlab.set_fault(name, **fault)
        for module_name, args in MODULE_RUNS:
            if label == 'absent+diff':
                args = dict(args, state='absent') if module_name not in ('tunnels', 'ipsec_info') else (
                    {'tunnels': [dict(TUNNEL, state='absent')]} if module_name == 'tunnels' else args)
            result = run_action_path(module_name, dict(conn(rlab, name), **args), check=check, diff=diff)
            text = json.dumps(result, default=str)
            scanned += 1
            assert not leaks(text), f'{label} {module_name}: {leaks(text)} in {text[:2000]}'
            if result.get('failed') and 'exception_type' not in result:
                assert_clear_failure(result)
    # the lab's own logs: RouterOS /log rows, every cloud log, the emulator's Python log
    rlab.clear_faults(name)
    router_log = json.dumps(rlab.dump(name)['tables'].get('/log', {}))
    assert not leaks(router_log)
    assert not leaks(caplog.text)
    # files: nothing these modules run writes a file; anything under tmp_path would be scanned
    for path in tmp_path.rglob('*'):
        if path.is_file():
            assert not leaks(path.read_text(errors='replace')), path
    assert scanned == len(MODES) * len(MODULE_RUNS)


# --- TLS --------------------------------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def tls_lab():
    """'named' has a certificate naming only localhost (lab tls_names); 'plain' has API-SSL with the fleet certificate."""
    with labkit.running_lab([labkit.router('named', '7.16.2', api_ssl_port=0, tls_names=['localhost']),
                             labkit.router('plain', '7.16.2', api_ssl_port=0)]) as lab, \
            labkit.running_lab([labkit.router('other', '7.16.2', api_ssl_port=0)]) as other:
        yield lab, other.ca_path


def tls_args(lab, name, **extra):
    args = {'hostname': 'localhost', 'port': lab.tls_port(name), 'username': 'admin', 'password': labkit.PASSWORD, 'timeout': 2,
            'tls': True, 'ca_path': lab.ca_path, 'name': 'tls-p', 'lifetime': '8h'}
    args.update(extra)
    return args


def test_tls_with_ca_and_hostname_validation_works(tls_lab):
    lab, _other = tls_lab
    result = run_action_path('ipsec_profile', tls_args(lab, 'named'))
    assert result['changed'] and not result.get('warnings'), result


@pytest.mark.parametrize('case, extra, needles', [
    ('wrong-ca', {'ca_path': 'OTHER'}, ['TLS certificate verification failed', 'ca_path']),
    ('wrong-hostname', {'hostname': '127.0.0.1'}, ['TLS certificate verification failed', 'validate_cert_hostname: false']),
    ('plain-to-tls-port', {'tls': False}, ['set tls: true']),
    ('tls-to-plain-port', {'port': 'PLAIN'}, ['TLS handshake with', 'plain API port']),
])
def test_tls_failures_are_clear(tls_lab, case, extra, needles):
    lab, other_ca = tls_lab
    extra = dict(extra)
    if extra.get('ca_path') == 'OTHER':
        extra['ca_path'] = other_ca
    if extra.get('port') == 'PLAIN':
        extra['port'] = lab.port('named')
    before = lab.counters('named')['writes']
    result = run_action_path('ipsec_profile', tls_args(lab, 'named', timeout=1, **extra))
    assert_clear_failure(result, *needles, router=False)
    assert lab.counters('named')['writes'] == before


def test_plaintext_login_to_a_non_loopback_name_warns(tls_lab, monkeypatch):
    """Documented rule (api.py): a plain-text login warns unless the hostname is loopback (127.0.0.0/8, ::1, localhost).
    The name ``router.lab.test`` is resolved to the lab's 127.0.0.1 in-process (getaddrinfo patched: loopback only),
    so the module sees a non-loopback NAME and must warn; the same router dialled as 127.0.0.1 must not."""
    lab, _other = tls_lab
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        return real('127.0.0.1' if host == 'router.lab.test' else host, *args, **kwargs)

    monkeypatch.setattr(socket, 'getaddrinfo', fake)
    result = run_action_path('ipsec_profile', dict(tls_args(lab, 'plain', hostname='router.lab.test', port=lab.port('plain'), tls=False)))
    assert result['changed'], result
    assert any('in clear text' in w and 'tls: true' in w for w in result.get('warnings', [])), result
    assert labkit.PASSWORD not in json.dumps(result)
    quiet = run_action_path('ipsec_profile', dict(tls_args(lab, 'plain', hostname='127.0.0.1', port=lab.port('plain'), tls=False)))
    assert not quiet.get('warnings'), quiet


# --- concurrency ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('builder', sorted(BUILDERS))
def test_two_runs_at_once_leave_no_duplicate(rlab, builder):
    """Two in-process runs against one router, started together, 10 times. Every round must end in the clean
    state, or (the documented limit, RouterOS has no transactions) one run fails and the next run converges; a
    duplicate, if a race ever made one, must be refused naming both ids rather than guessed."""
    name = 'v7'
    build = BUILDERS[builder]
    rlab.reset(name)
    assert ok(build(rlab, name))
    clean = config_state(rlab, name)
    outcomes = {}
    for _round in range(10):
        rlab.reset(name)
        barrier = threading.Barrier(2)
        results = [None, None]

        def run(slot, barrier, results):
            barrier.wait()
            results[slot] = build(rlab, name)

        threads = [threading.Thread(target=run, args=(i, barrier, results)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        failed = [r for res in results for r in res if r.get('failed')]
        for failure in failed:
            assert_clear_failure(failure)
        final = build(rlab, name)
        if ok(final):
            outcome = 'both ok' if not failed else 'one failed, next run converged'
        else:
            # the race made a duplicate of a keyless entry: refused, both ids named, nothing written
            refusal = [r for r in final if r.get('failed')][0]
            assert_clear_failure(refusal, '2 entries match this key', 'Remove the duplicates')
            assert all(i in refusal['msg'] for i in refusal['ids']) and len(refusal['ids']) == 2
            remove_newer_duplicates(rlab, name, refusal, build)
            final = build(rlab, name)
            outcome = 'duplicate refused, converged after removing one'
        assert ok(final), [r.get('msg') for r in final if r.get('failed')]
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        state = config_state(rlab, name)
        assert {m: len(v) for m, v in state.items()} == {m: len(v) for m, v in clean.items()}, 'a duplicate was left behind'
    assert sum(outcomes.values()) == 10
    print(f'{builder}: {outcomes}')


def remove_newer_duplicates(lab, name, refusal, build):
    """What the message tells the user to do: keep one, remove the other (here: every later duplicate)."""
    while refusal is not None:
        assert refusal.get('menu') and len(refusal.get('ids') or ()) >= 2, refusal
        api = labkit.connect(lab, name)
        try:
            tuple(api.rawCmd(refusal['menu'] + '/remove', '=.id=' + refusal['ids'][-1]))
        finally:
            api.close()
        again = [r for r in build(lab, name, check=True) if r.get('failed') and r.get('ids')]
        refusal = again[0] if again else None


def test_a_duplicate_is_refused_naming_both_ids(rlab):
    """What a race (or a hand) can leave: two NAT accept rules with our key. The next run refuses to guess."""
    name = 'v7'
    assert ok(BUILDERS['objects'](rlab, name))
    api = labkit.connect(rlab, name)
    try:
        nat = api.path('ip', 'firewall', 'nat')
        ours = [r for r in nat if r.get('comment') == 'vpclink:vpc bypass'][0]   # our mark, then the task's comment
        twin = nat.add(chain='srcnat', action='accept', **{'src-address': ours['src-address'], 'dst-address': ours['dst-address']})
    finally:
        api.close()
    rlab.reset_counters(name)
    results = BUILDERS['objects'](rlab, name)
    failure = results[-1]
    assert_clear_failure(failure, '2 entries match this key', ours['.id'], twin, 'Remove the duplicates')
    assert rlab.counters(name)['writes'] == 0
