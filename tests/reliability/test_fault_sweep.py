# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fault sweep: build a tunnel from empty while the lab breaks the k-th API sentence, for EVERY k of the
clean run; then a clean re-run must converge to exactly the clean run's configuration.

For each fault the test asserts what a user relies on:

* the faulted run fails with a clear message (router, menu/step, what to do), no traceback, no secret;
* right after the faulted run, every entry that is not ours is exactly as before (values and order);
* the re-run succeeds and the configuration equals the clean run's, ids included (see ``config_state``):
  so nothing is duplicated, nothing is left half-changed;
* one more run writes nothing (converged means idempotent).

Faults: ``drop`` (closed before the router executes the sentence), ``close_mid_reply`` (the router
EXECUTES it and the reply is cut: the "did my add happen?" case), ``stall`` (no reply: bounded by the
API timeout of 1 s) and ``trap`` on every write command of the clean run (RouterOS refuses it).
"""

import time

import pytest

from tests.reliability.conftest import BUILDERS, VERSIONS, assert_clear_failure, config_state, ok

# Sentences (logins included) of a clean build from empty, per build path. If the engine gets cheaper or dearer
# this changes: update it (test_clean_run_cost says the new figure), the sweep must cover every sentence.
CLEAN_SENTENCES = {'objects': 26, 'tunnels': 16}
FAULT_MESSAGES = {
    'drop': ('connection was closed', 'closed during'),
    'close_mid_reply': ('connection was closed', 'closed during'),
    'stall': ('no reply within 1 s', 'no answer within 1 s'),
}


@pytest.fixture(scope='module')
def clean(rel_lab):
    """The clean run's end state and write commands, per (builder, router)."""
    out = {}
    for builder, build in BUILDERS.items():
        for name in VERSIONS:
            rel_lab.reset(name)
            rel_lab.clear_faults(name)
            base = config_state(rel_lab, name)
            rel_lab.reset_counters(name)
            results = build(rel_lab, name)
            assert ok(results), results
            counters = rel_lab.counters(name)
            writes = [cmd for cmd in counters['sentences'] if cmd.rsplit('/', 1)[-1] in ('add', 'set', 'remove', 'move', 'unset')]
            out[builder, name] = {'base': base, 'end': config_state(rel_lab, name), 'sentences': sum(counters['sentences'].values()),
                                  'writes': {cmd: counters['sentences'][cmd] for cmd in writes}}
            rel_lab.reset(name)
    return out


def foreign_unchanged(base, now):
    """Every entry the router started with is still there, same values, same relative order."""
    for menu, entries in base.items():
        ids = {e.split('"values"')[0] for e in entries}
        kept = [e for e in now[menu] if e.split('"values"')[0] in ids]
        assert kept == entries, f'{menu}: an entry that is not ours changed'


def converge(lab, name, builder, clean_run):
    lab.clear_faults(name)
    results = BUILDERS[builder](lab, name)
    assert ok(results), [r.get('msg') for r in results if r.get('failed')]
    assert config_state(lab, name) == clean_run['end']
    lab.reset_counters(name)
    assert ok(BUILDERS[builder](lab, name)) and lab.counters(name)['writes'] == 0


def one_fault(lab, name, builder, clean_run, kind, timeout=2, **fault):
    lab.reset(name)
    lab.clear_faults(name)
    lab.set_fault(name, kind, **fault)
    started = time.monotonic()
    results = BUILDERS[builder](lab, name, timeout=timeout)
    # bounded: a fault costs at most one API timeout (plus the fast steps before it)
    assert time.monotonic() - started < timeout + 1.5, f'{kind} {fault}: the run took too long'
    failed = [r for r in results if r.get('failed')]
    assert failed, f'{kind} {fault}: the run did not notice the fault'
    yield failed[0]
    foreign_unchanged(clean_run['base'], config_state(lab, name))
    converge(lab, name, builder, clean_run)


@pytest.mark.parametrize('builder', sorted(BUILDERS))
def test_clean_run_cost(clean, builder):
    for name in VERSIONS:
        assert clean[builder, name]['sentences'] == CLEAN_SENTENCES[builder], clean[builder, name]


@pytest.mark.parametrize('kind', ['drop', 'close_mid_reply'])
@pytest.mark.parametrize('name', sorted(VERSIONS))
@pytest.mark.parametrize('builder', sorted(BUILDERS))
def test_connection_lost_at_every_sentence_then_rerun_converges(rlab, clean, builder, name, kind):
    clean_run = clean[builder, name]
    for k in range(1, clean_run['sentences'] + 1):
        for failure in one_fault(rlab, name, builder, clean_run, kind, after=k - 1):
            assert_clear_failure(failure)
            assert any(text in failure['msg'] for text in FAULT_MESSAGES[kind]), (k, failure['msg'])


@pytest.mark.parametrize('k', range(1, max(CLEAN_SENTENCES.values()) + 1))
@pytest.mark.parametrize('builder', sorted(BUILDERS))
def test_stall_at_every_sentence_is_a_bounded_timeout_then_rerun_converges(rlab, clean, builder, k):
    """On the 7.x router (the 6.49 one answers the same sentences; each stall costs the 1 s timeout)."""
    clean_run = clean[builder, 'v7']
    if k > clean_run['sentences']:
        return  # the shorter path has fewer sentences; nothing to break here (counted in test_clean_run_cost)
    for failure in one_fault(rlab, 'v7', builder, clean_run, 'stall', timeout=1, after=k - 1, once=True):
        assert_clear_failure(failure)
        assert any(text in failure['msg'] for text in FAULT_MESSAGES['stall']), (k, failure['msg'])


@pytest.mark.parametrize('name', sorted(VERSIONS))
@pytest.mark.parametrize('builder', sorted(BUILDERS))
def test_trap_on_every_write_then_rerun_converges(rlab, clean, builder, name):
    clean_run = clean[builder, name]
    assert clean_run['writes'], 'the clean run wrote nothing?'
    for command, count in clean_run['writes'].items():
        for occurrence in range(count):
            for failure in one_fault(rlab, name, builder, clean_run, 'trap', command=command, after=occurrence, once=True,
                                     message='failure: emulated refusal', category=4):
                menu, verb = command.rsplit('/', 1)
                assert_clear_failure(failure, menu, verb, 'RouterOS said "failure: emulated refusal"')
