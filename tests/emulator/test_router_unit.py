"""Router model tested directly (no sockets): contract, seeding, commands, errors, state."""

import pytest

from emulator.clock import ManualClock
from emulator.lab import RouterSpec
from emulator.router import QuiescentRuntime, Router


def make(version='7.16.2', **kw):
    kw.setdefault('lan_subnets', ['192.168.1.0/24'])
    return Router(RouterSpec(name='r1', version=version, password='pw', wan_address='113.87.48.200/24', **kw), ManualClock())


def run(router, command, queries=(), **attrs):
    return router.execute(command, attrs, list(queries))


def rows(router, command, queries=(), **attrs):
    replies = run(router, command, queries, **attrs)
    assert replies[-1][0] == '!done', replies
    assert all(reply[0] == '!re' for reply in replies[:-1]), replies
    return [reply[1] for reply in replies[:-1]]


def ret(router, command, **attrs):
    replies = run(router, command, **attrs)
    assert replies == [('!done', replies[-1][1])], replies
    return replies[-1][1].get('ret')


def trap(router, command, **attrs):
    replies = run(router, command, **attrs)
    assert replies[-1] == ('!done', {}), replies
    traps = [w for word, w in replies[:-1] if word == '!trap']
    assert len(traps) == len(replies) - 1 and traps, replies
    return traps if len(traps) > 1 else traps[0]


def test_contract_identity_resource_login_counters():
    r = make()
    assert (r.name, r.version) == ('r1', '7.16.2')
    assert r.check_login('admin', 'pw') and not r.check_login('admin', 'bad')
    r.note_login(True)
    r.note_login(False)
    assert rows(r, '/system/identity/print') == [{'name': 'r1'}]
    res = rows(r, '/system/resource/print')[0]
    assert res['board-name'] == 'CHR' and res['version'] == '7.16.2 (stable)' and res['uptime'] == '0s'
    r.clock.advance(3725)
    assert rows(r, '/system/resource/print')[0]['uptime'] == '1h2m5s'
    ret(r, '/ip/ipsec/profile/add', name='p')
    assert r.counters['logins'] == 1 and r.counters['login_failures'] == 1 and r.counters['writes'] == 1
    assert r.counters['sentences']['/system/resource/print'] == 2


def test_seeding_interfaces_and_addresses():
    r = make(lan_subnets=['192.168.1.0/24', '10.9.0.0/16'])
    assert [i['name'] for i in rows(r, '/interface/print')] == ['ether1', 'ether2', 'bridge']
    addrs = rows(r, '/ip/address/print')
    assert [(a['address'], a['interface'], a['network']) for a in addrs] == [
        ('113.87.48.200/24', 'ether1', '113.87.48.0'), ('192.168.1.1/24', 'bridge', '192.168.1.0'), ('10.9.0.1/16', 'bridge', '10.9.0.0')]


def test_seeding_config_is_validated_and_ordered():
    cfg = {'/ip/ipsec/peer': [{'name': 'p1', 'address': '203.0.113.9', 'profile': 'prof'}],
           '/ip/ipsec/profile': [{'name': 'prof', 'dh-group': 'modp2048'}],
           '/ip/firewall/nat': [{'chain': 'srcnat', 'action': 'masquerade', 'out-interface': 'ether1'}]}
    r = make(config=cfg)
    assert rows(r, '/ip/ipsec/peer/print')[0]['profile'] == 'prof'
    with pytest.raises(ValueError, match='input does not match any value of profile'):
        make(config={'/ip/ipsec/peer': [{'name': 'p1', 'profile': 'missing'}]})


def test_unknown_menu_and_verb():
    assert [t['message'] for t in trap(make(), '/caps-man/print')] == ['no such command or directory (caps-man)', 'no such command prefix']
    assert trap(make('6.49.17'), '/caps-man/print') == {'message': 'no such command prefix'}
    assert trap(make(), '/ip/ipsec/peer/frobnicate') == {'message': 'no such command'}
    assert trap(make(), '/ip/ipsec/print') == {'message': 'no such command'}


def test_ids_monotonic_never_reused_and_per_table():
    r = make()
    a = ret(r, '/ip/firewall/nat/add', chain='srcnat')
    b = ret(r, '/ip/firewall/nat/add', chain='srcnat')
    assert (a, b) == ('*1', '*2')
    ret(r, '/ip/firewall/nat/remove', numbers=b)
    assert ret(r, '/ip/firewall/nat/add', chain='srcnat') == '*3'
    assert ret(r, '/ip/ipsec/profile/add', name='p') == '*B'      # default profile is *A
    assert ret(r, '/ip/ipsec/proposal/add', name='p') == '*1'      # default proposal is *0
    assert ret(r, '/ip/ipsec/policy/add', **{'src-address': '10.0.0.0/8'}) == '*1000001'


def test_numbers_forms_names_positions_lists():
    r = make()
    for n in range(4):
        ret(r, '/ip/ipsec/proposal/add', name=f'p{n}')
    ret(r, '/ip/ipsec/proposal/set', numbers='p1,*3', lifetime='1h')
    ret(r, '/ip/ipsec/proposal/disable', numbers='0')          # console position 0 = the default proposal
    got = {p['name']: (p['lifetime'], p['disabled']) for p in rows(r, '/ip/ipsec/proposal/print')}
    assert got == {'default': ('30m', 'true'), 'p0': ('30m', 'false'), 'p1': ('1h', 'false'), 'p2': ('1h', 'false'), 'p3': ('30m', 'false')}
    assert trap(r, '/ip/ipsec/proposal/remove', **{'.id': '*99'}) == {'message': 'no such item (4)'}
    assert trap(make('6.49.17'), '/ip/ipsec/proposal/remove', **{'.id': '*99'}) == {'message': 'no such item'}


def test_get_unset_comment_reset_counters():
    r = make()
    i = ret(r, '/ip/firewall/nat/add', chain='srcnat', action='accept', **{'dst-address': '10.0.0.0/8'})
    assert ret(r, '/ip/firewall/nat/get', number=i, **{'value-name': 'dst-address'}) == '10.0.0.0/8'
    ret(r, '/ip/firewall/nat/unset', numbers=i, **{'value-name': 'dst-address'})
    ret(r, '/ip/firewall/nat/comment', numbers=i, comment='hello')
    row = rows(r, '/ip/firewall/nat/print')[0]
    assert 'dst-address' not in row and row['comment'] == 'hello'
    assert trap(r, '/ip/firewall/nat/unset', numbers=i, **{'value-name': 'chain'})['message'] == 'input does not match any value of value-name'
    ret(r, '/ip/firewall/nat/reset-counters', numbers=i)
    assert ret(r, '/ip/ipsec/settings/get', **{'value-name': 'accounting'}) == 'true'


def test_validation_texts_v7_and_v6():
    r7, r6 = make(), make('6.49.17')
    assert trap(r7, '/ip/ipsec/profile/add', name='x', bogus='1') == {'message': 'unknown parameter bogus'}
    assert trap(r6, '/ip/ipsec/profile/add', name='x', bogus='1') == {'message': 'unknown parameter'}
    assert trap(r7, '/ip/ipsec/profile/add', name='x', **{'hash-algorithm': 'sha3'}) == {
        'message': 'input does not match any value of hash-algorithm', 'category': '1'}
    assert trap(r7, '/ip/ipsec/identity/add', secret='s')['message'] == 'missing value(s) of argument(s) peer'
    assert trap(r7, '/ip/ipsec/profile/add', name='x', **{'dpd-maximum-failures': '0'})['message'] == \
        'value of dpd-maximum-failures out of range (1..100)'
    assert trap(r7, '/ip/ipsec/profile/add', name='x', lifetime='soon')['message'] == 'invalid value for argument lifetime'
    assert trap(r7, '/ip/ipsec/peer/add', dynamic='yes') == {'message': 'unknown parameter dynamic'}   # read-only


def test_rename_follows_references_and_in_use():
    r = make()
    ret(r, '/ip/ipsec/profile/add', name='p')
    ret(r, '/ip/ipsec/peer/add', name='peer', profile='p', passive='yes')
    ret(r, '/ip/ipsec/profile/set', numbers='p', name='q')
    assert rows(r, '/ip/ipsec/peer/print')[0]['profile'] == 'q'
    assert trap(r, '/ip/ipsec/profile/remove', numbers='q')['message'] == 'failure: profile is in use'
    assert trap(r, '/ip/ipsec/profile/set', numbers='default', name='x')['message'] == 'failure: can not change name of default entry'


def test_peer_auto_name_and_initiator_rule():
    r = make()
    assert rows(r, '/ip/ipsec/peer/print', [], **{'.proplist': 'name'}) == []
    ret(r, '/ip/ipsec/peer/add', address='203.0.113.9')
    ret(r, '/ip/ipsec/peer/add', address='203.0.113.9', passive='yes')            # a responder may share it
    ret(r, '/ip/ipsec/peer/add', address='203.0.113.9', **{'exchange-mode': 'ike2'})  # exchange-mode tells peers apart
    assert trap(r, '/ip/ipsec/peer/add', address='203.0.113.9/32')['message'] == 'Multiple initiator peers for the same address'
    assert [p['name'] for p in rows(r, '/ip/ipsec/peer/print')] == ['peer1', 'peer2', 'peer3']


def test_policy_duplicate_is_invalid_and_template_kept():
    r = make()
    ret(r, '/ip/ipsec/policy/add', **{'src-address': '192.168.1.0/24', 'dst-address': '10.0.0.0/8'})
    ret(r, '/ip/ipsec/policy/add', **{'src-address': '192.168.1.0/24', 'dst-address': '10.0.0.0/8'})
    got = rows(r, '/ip/ipsec/policy/print')
    assert [(p['.id'], p.get('template'), p['invalid']) for p in got] == [
        ('*1000000', 'true', 'false'), ('*1000001', None, 'false'), ('*1000002', None, 'true')]
    assert trap(r, '/ip/ipsec/policy/remove', numbers='*1000000')['message'] == 'failure: can not remove default entry'


def test_dump_load_reset():
    r = make()
    ret(r, '/ip/ipsec/profile/add', name='p')
    state = r.dump()
    r.reset()
    assert [p['name'] for p in rows(r, '/ip/ipsec/profile/print')] == ['default']
    r.load(state)
    assert [p['name'] for p in rows(r, '/ip/ipsec/profile/print')] == ['default', 'p']
    assert ret(r, '/ip/ipsec/profile/add', name='p2') == '*C'


def test_runtime_hook_is_consulted():
    r = make()
    seen = []

    class Up(QuiescentRuntime):
        def fields(self, path, entry):
            out = super().fields(path, entry)
            if path == '/ip/ipsec/policy' and 'active' in out:
                out.update({'active': 'true', 'ph2-state': 'established', 'ph2-count': '1'})
            return out

        def rows(self, path):
            return [{'.id': '*1', 'state': 'established'}] if path == '/ip/ipsec/active-peers' else []

        def on_config_change(self, path):
            seen.append(path)

    r.set_runtime(Up(r))
    ret(r, '/ip/ipsec/policy/add', **{'src-address': '10.1.0.0/16'})
    assert rows(r, '/ip/ipsec/policy/print', ['=active=yes'])[0]['ph2-state'] == 'established'
    assert rows(r, '/ip/ipsec/active-peers/print', ['=state=established']) == [{'.id': '*1', 'state': 'established'}]
    assert seen == ['/ip/ipsec/policy']


def test_log_rows_and_login_lines():
    r = make()
    r.note_login(True, 'admin', '127.0.0.1')
    r.log('ipsec,info', 'hello')
    got = rows(r, '/log/print', ['=topics=ipsec,info'])
    assert got == [{'.id': '*2', 'time': '2026-01-01 00:00:00', 'topics': 'ipsec,info', 'message': 'hello'}]
    assert rows(r, '/log/print')[0]['message'] == 'user admin logged in from 127.0.0.1 via api'
