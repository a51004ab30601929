"""The HTTP JSON control API (emulator/control.py)."""

import urllib.error
import urllib.request

import pytest

from emulator.clock import Clock
from tests.labkit import connect, control, router, running_lab


def test_summary_and_router_list(lab):
    status, body = control(lab, 'GET', '/')
    assert status == 200 and body['routers'] == 3 and body['ca_path'] == lab.ca_path
    assert body['clock']['manual'] is True
    status, routers = control(lab, 'GET', '/routers')
    assert status == 200
    assert [(r['name'], r['version']) for r in routers] == [('v7', '7.16.2'), ('v718', '7.19.4'), ('v6', '6.49.17')]
    assert routers[0]['api_port'] == lab.port('v7') and routers[0]['api_ssl_port'] == lab.tls_port('v7')
    assert routers[1]['api_ssl_port'] is None
    status, one = control(lab, 'GET', '/routers/v6')
    assert status == 200 and one['faults'] == [] and one['hostname'] == 'v6.lab.invalid'


def test_counters_read_and_reset(lab):
    api = connect(lab, 'v7')
    tuple(api.path('system', 'identity'))
    status, counters = control(lab, 'GET', '/routers/v7/counters')
    assert status == 200 and counters['logins'] == 1
    assert counters['sentences']['/system/identity/print'] == 1
    status, everything = control(lab, 'GET', '/counters')
    assert set(everything) == {'v7', 'v718', 'v6'} and everything['v6']['logins'] == 0
    assert control(lab, 'DELETE', '/routers/v7/counters')[0] == 200
    assert control(lab, 'GET', '/routers/v7/counters')[1]['logins'] == 0
    connect(lab, 'v6').close()
    assert control(lab, 'POST', '/routers/v6/counters/reset')[0] == 200
    assert control(lab, 'GET', '/counters')[1]['v6']['logins'] == 0
    connect(lab, 'v6').close()
    assert control(lab, 'DELETE', '/counters')[0] == 200
    assert control(lab, 'GET', '/counters')[1]['v6']['logins'] == 0


def test_state_dump_load_and_reset(lab):
    api = connect(lab, 'v7')
    tuple(api('/system/identity/set', name='changed'))
    status, state = control(lab, 'GET', '/routers/v7/state')
    assert status == 200
    assert control(lab, 'POST', '/routers/v7/reset')[0] == 200
    assert tuple(api.path('system', 'identity'))[0]['name'] == 'v7'
    assert control(lab, 'PUT', '/routers/v7/state', state) == (200, {'loaded': 'v7'})
    assert tuple(api.path('system', 'identity'))[0]['name'] == 'changed'
    status, everything = control(lab, 'GET', '/state')
    assert status == 200 and set(everything) == {'v7', 'v718', 'v6'}


def test_faults_set_list_clear(lab):
    status, fault = control(lab, 'POST', '/routers/v718/faults', {'kind': 'trap', 'command': '/system/identity/print', 'message': 'boom'})
    assert status == 200 and fault['kind'] == 'trap' and fault['message'] == 'boom'
    control(lab, 'POST', '/routers/v718/faults', {'kind': 'slow', 'delay': 0})
    assert [f['kind'] for f in control(lab, 'GET', '/routers/v718/faults')[1]] == ['trap', 'slow']
    assert [f['kind'] for f in control(lab, 'DELETE', '/routers/v718/faults/trap')[1]] == ['slow']
    assert control(lab, 'DELETE', '/routers/v718/faults') == (200, [])
    control(lab, 'POST', '/routers/v718/faults', {'kind': 'refuse'})
    with pytest.raises(ConnectionRefusedError):
        connect(lab, 'v718')
    assert control(lab, 'GET', '/routers/v718')[1]['listening'] is False
    control(lab, 'DELETE', '/routers/v718/faults')
    connect(lab, 'v718').close()


def test_clock_advance(lab):
    status, clock = control(lab, 'POST', '/clock/advance', {'seconds': 30})
    assert status == 200 and clock['monotonic'] == 30.0
    assert control(lab, 'GET', '/clock')[1]['monotonic'] == 30.0
    assert lab.clock.monotonic() == 30.0


def test_clock_advance_needs_a_manual_clock():
    with running_lab([router()], clock=Clock()) as lab:
        status, body = control(lab, 'POST', '/clock/advance', {'seconds': 1})
        assert status == 409 and 'real clock' in body['error']


@pytest.mark.parametrize(('method', 'path', 'body', 'status', 'text'), [
    ('GET', '/routers/nope', None, 404, "no router 'nope'"),
    ('GET', '/routers/nope/counters', None, 404, "no router 'nope'"),
    ('GET', '/nothing/here', None, 404, 'no such endpoint'),
    ('GET', '/routers/v7/bogus', None, 404, 'no such endpoint'),
    ('DELETE', '/routers', None, 405, 'DELETE not allowed'),
    ('POST', '/routers/v7/faults', {'kind': 'explode'}, 400, 'unknown fault kind'),
    ('POST', '/routers/v7/faults', {'after': 1}, 400, 'needs "kind"'),
    ('POST', '/routers/v7/faults', [1, 2], 400, 'JSON object'),
    ('POST', '/routers/v7/faults', {'kind': 'drop', 'after': 'x'}, 400, 'after='),
    ('POST', '/clock/advance', {'seconds': -1}, 400, 'seconds=-1'),
    ('PUT', '/routers/v7/state', 'text', 400, 'JSON object'),
])
def test_errors_are_json_4xx(lab, method, path, body, status, text):
    got_status, got = control(lab, method, path, body)
    assert got_status == status
    assert text in got['error']


def test_malformed_json_body(lab):
    request = urllib.request.Request(lab.control_url + '/routers/v7/faults', data=b'{nope', method='POST')
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=5)
    assert info.value.code == 400 and b'not valid JSON' in info.value.read()
