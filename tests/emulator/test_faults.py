"""Each fault as librouteros sees it (emulator/faults.py)."""

import time

import pytest
from librouteros.exceptions import ConnectionClosed, TrapError

from emulator.faults import FaultError, FaultSet
from tests.labkit import connect

IDENTITY = ('system', 'identity')


def identity(api):
    return tuple(api.path(*IDENTITY))


def test_refuse_then_clear(lab):
    port = lab.port('v7')
    lab.set_fault('v7', 'refuse')
    with pytest.raises(ConnectionRefusedError):
        connect(lab, 'v7')
    connect(lab, 'v6').close()  # other routers are unaffected
    lab.clear_faults('v7')
    assert lab.port('v7') == port
    assert identity(connect(lab, 'v7'))


def test_refuse_covers_the_tls_port(lab):
    lab.set_fault('v7', 'refuse')
    with pytest.raises(ConnectionRefusedError):
        connect(lab, 'v7', tls=True)
    lab.clear_faults('v7', 'refuse')
    assert identity(connect(lab, 'v7', tls=True))


def test_drop_after_login_is_one_shot(lab):
    api = connect(lab, 'v7')
    lab.set_fault('v7', 'drop')
    with pytest.raises(ConnectionClosed):
        identity(api)
    assert lab.faults('v7') == []  # one-shot: a re-run converges
    assert identity(connect(lab, 'v7'))


def test_drop_during_login(lab):
    lab.set_fault('v7', 'drop', after=0)
    with pytest.raises(ConnectionClosed):
        connect(lab, 'v7')


def test_drop_counts_sentences_per_router_over_connections(lab):
    lab.set_fault('v7', 'drop', after=2)
    first = connect(lab, 'v7')     # sentence 1: its login
    second = connect(lab, 'v7')    # sentence 2: its login
    with pytest.raises(ConnectionClosed):
        identity(first)            # sentence 3 is dropped
    assert identity(second)


def test_drop_only_on_a_given_command_and_persistent(lab):
    api = connect(lab, 'v7')
    lab.set_fault('v7', 'drop', command='/ip/address/print', once=False)
    assert identity(api)
    with pytest.raises(ConnectionClosed):
        tuple(api.path('ip', 'address'))
    with pytest.raises(ConnectionClosed):
        tuple(connect(lab, 'v7').path('ip', 'address'))
    assert lab.faults('v7')[0]['fired'] == 2


def test_stall_gives_a_client_timeout(lab):
    lab.set_fault('v7', 'stall', after=1)
    api = connect(lab, 'v7', timeout=0.3)
    with pytest.raises(TimeoutError):
        identity(api)
    lab.clear_faults('v7')
    assert identity(connect(lab, 'v7'))


def test_stall_at_login(lab):
    lab.set_fault('v6', 'stall')
    with pytest.raises(TimeoutError):
        connect(lab, 'v6', timeout=0.3)


def test_close_mid_reply(lab):
    api = connect(lab, 'v718')
    lab.set_fault('v718', 'close_mid_reply')
    with pytest.raises(ConnectionClosed):
        identity(api)
    assert identity(connect(lab, 'v718'))


def test_trap_on_a_command(lab):
    api = connect(lab, 'v7')
    lab.set_fault('v7', 'trap', command='/ip/address/print', message='failure: emulated disk full', category=4)
    with pytest.raises(TrapError) as info:
        tuple(api.path('ip', 'address'))
    assert info.value.message == 'failure: emulated disk full'
    assert info.value.category == 4
    assert identity(api)  # the session goes on; other commands work
    with pytest.raises(TrapError):
        tuple(api.path('ip', 'address'))  # persistent until cleared
    lab.clear_faults('v7', 'trap')
    assert isinstance(tuple(api.path('ip', 'address')), tuple)


def test_trap_once(lab):
    api = connect(lab, 'v7')
    lab.set_fault('v7', 'trap', command='/ip/address/print', message='x', once=True)
    with pytest.raises(TrapError):
        tuple(api.path('ip', 'address'))
    assert isinstance(tuple(api.path('ip', 'address')), tuple)


def test_login_fail(lab):
    lab.set_fault('v6', 'login_fail')
    with pytest.raises(TrapError) as info:
        connect(lab, 'v6')
    assert info.value.message == 'invalid user name or password (6)'
    with pytest.raises(TrapError):
        connect(lab, 'v6', legacy=True)
    assert lab.counters('v6')['login_failures'] == 2
    lab.clear_faults('v6')
    assert identity(connect(lab, 'v6'))


def test_slow_replies(lab):
    api = connect(lab, 'v7', timeout=0.1)
    lab.set_fault('v7', 'slow', delay=0.5)
    with pytest.raises(TimeoutError):
        identity(api)
    started = time.monotonic()
    assert identity(connect(lab, 'v7', timeout=5))
    assert time.monotonic() - started >= 1.0  # login and print are both delayed


@pytest.mark.parametrize(('kind', 'params', 'text'), [
    ('explode', {}, 'unknown fault kind'),
    ('drop', {'after': -1}, 'after=-1'),
    ('drop', {'delay': 1}, "no parameter 'delay'"),
    ('trap', {'message': 'x'}, 'needs command'),
    ('trap', {'command': 'ip/x', 'message': 'x'}, 'command word'),
    ('trap', {'command': '/x', 'category': 9}, 'category=9'),
    ('slow', {'delay': 'soon'}, 'delay='),
    ('stall', {'once': 'yes'}, 'once='),
])
def test_bad_fault_parameters(kind, params, text):
    with pytest.raises(FaultError, match=text):
        FaultSet().set(kind, **params)


def test_fault_listing():
    faults = FaultSet()
    faults.set('drop', after=3)
    faults.set('slow', delay=0.25)
    assert faults.list() == [{'kind': 'drop', 'after': 3, 'once': True, 'fired': 0}, {'kind': 'slow', 'delay': 0.25, 'fired': 0}]
    assert faults.delay == 0.25
    faults.clear('slow')
    assert faults.delay == 0.0
