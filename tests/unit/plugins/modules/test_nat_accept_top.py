# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nat_accept_top against a 7.x and a 6.49 lab router, through the module and the action plugin."""

import pytest

from tests import labkit
from tests.unit.plugins.modules.conftest import conn, undocumented, writes

MASQ = {'chain': 'srcnat', 'action': 'masquerade', 'out-interface': 'ether1', 'comment': 'defconf: masquerade'}
ROUTERS = {'v7': '7.16.2', 'v6': '6.49.17'}
RULE = {'src_address': '192.168.1.0/24', 'dst_address': '10.0.0.0/16', 'comment': 'vpc bypass'}


@pytest.fixture(scope='module')
def nat_lab():
    routers = [labkit.router(name, version, config={'/ip/firewall/nat': [
        {'chain': 'dstnat', 'action': 'dst-nat', 'protocol': 'tcp', 'dst-port': '8080', 'to-addresses': '192.168.1.9'}, MASQ]})
        for name, version in ROUTERS.items()]
    with labkit.running_lab(routers) as lab:
        yield lab


@pytest.fixture
def nlab(nat_lab):
    return labkit.fresh(nat_lab, ROUTERS)


def dump(lab, router):
    api = labkit.connect(lab, router)
    try:
        return list(api.path('ip', 'firewall', 'nat'))
    finally:
        api.close()


def add_rule(lab, router, **attrs):
    api = labkit.connect(lab, router)
    try:
        return api.path('ip', 'firewall', 'nat').add(**attrs)
    finally:
        api.close()


def srcnat_ids(lab, router):
    return [r['.id'] for r in dump(lab, router) if r['chain'] == 'srcnat']


def others(rows, our_id):
    return [r for r in rows if r['.id'] != our_id]


@pytest.mark.parametrize('router', sorted(ROUTERS))
def test_create_above_masquerade_then_zero_writes(nlab, router, path):
    before = dump(nlab, router)
    masq = [r['.id'] for r in before if r.get('action') == 'masquerade'][0]
    args = dict(conn(nlab, router), **RULE)
    predicted = path('nat_accept_top', args, check=True, diff=True)
    assert writes(nlab, router) == 0 and dump(nlab, router) == before
    created = path('nat_accept_top', args, diff=True)
    assert created['action'] == 'created' and created['changed'] and writes(nlab, router) == 1
    assert created['commands'] == predicted['commands'] and created['commands'][0].endswith(f'=place-before={masq}')
    assert predicted['placement'] == created['placement'] and created['placement']['before'] == masq
    assert predicted['diff']['after'] == {k: v for k, v in created['diff']['after'].items() if k != '.id'}
    assert srcnat_ids(nlab, router) == [created['id'], masq]
    assert others(dump(nlab, router), created['id']) == before          # nothing else touched
    again = path('nat_accept_top', args)
    assert again['changed'] is False and again['action'] == 'unchanged' and again['commands'] == []
    assert writes(nlab, router) == 1


@pytest.mark.parametrize('router', sorted(ROUTERS))
def test_rules_that_cannot_catch_do_not_force_a_move(nlab, router, path):
    args = dict(conn(nlab, router), **RULE)
    ours = path('nat_accept_top', args)['id']
    # placed above ours afterwards: other LAN, other destination, a negation that excludes us, defconf's out,none, an accept, disabled
    for attrs in ({'chain': 'srcnat', 'action': 'masquerade', 'src-address': '192.168.77.0/24'},
                  {'chain': 'srcnat', 'action': 'src-nat', 'dst-address': '172.16.0.0-172.16.0.255', 'to-addresses': '203.0.113.1'},
                  {'chain': 'srcnat', 'action': 'masquerade', 'dst-address': '!10.0.0.0/8'},
                  {'chain': 'srcnat', 'action': 'masquerade', 'ipsec-policy': 'out,none', 'out-interface': 'ether1'},
                  {'chain': 'srcnat', 'action': 'accept', 'src-address': '192.168.1.0/24'},
                  {'chain': 'srcnat', 'action': 'masquerade', 'disabled': 'yes'}):
        add_rule(nlab, router, **dict(attrs, **{'place-before': ours}))
    before = dump(nlab, router)
    w0 = writes(nlab, router)
    result = path('nat_accept_top', args)
    assert result['changed'] is False and result['placement']['before'] is None and result['placement']['position'] == 6, result
    assert writes(nlab, router) == w0 and dump(nlab, router) == before


@pytest.mark.parametrize('catcher', [
    {'chain': 'srcnat', 'action': 'masquerade', 'src-address-list': 'lan'},            # unknown list: could match
    {'chain': 'srcnat', 'action': 'src-nat', 'dst-address': '!10.0.5.0/24', 'to-addresses': '203.0.113.1'},   # negation leaves part
    {'chain': 'srcnat', 'action': 'netmap', 'src-address': '192.168.1.128/25', 'to-addresses': '100.64.0.0/25'},  # overlaps
    {'chain': 'srcnat', 'action': 'masquerade', 'src-address': '192.168.1.0/25', 'out-interface': 'ether1'},  # half the LAN
    {'chain': 'srcnat', 'action': 'jump', 'jump-target': 'to-wan'},    # the target chain may masquerade
])
def test_a_catching_rule_above_is_repaired_with_one_move(nlab, catcher, path):
    router = 'v7'
    args = dict(conn(nlab, router), **RULE)
    ours = path('nat_accept_top', args)['id']
    bad = add_rule(nlab, router, **dict(catcher, **{'place-before': ours}))
    before = dump(nlab, router)
    w0 = writes(nlab, router)
    predicted = path('nat_accept_top', args, check=True, diff=True)
    assert writes(nlab, router) == w0
    moved = path('nat_accept_top', args, diff=True)
    assert moved == predicted and moved['action'] == 'moved' and moved['moved'] and moved['placement']['before'] == bad
    assert moved['commands'] == [f'/ip/firewall/nat/move =numbers={ours} =destination={bad}']
    assert moved['diff']['before']['position'] == 1 and moved['diff']['after']['position'] == 0
    assert writes(nlab, router) == w0 + 1
    after = dump(nlab, router)
    assert srcnat_ids(nlab, router)[:2] == [ours, bad]
    assert sorted(others(after, ours), key=lambda r: r['.id']) == sorted(others(before, ours), key=lambda r: r['.id'])
    assert path('nat_accept_top', args)['changed'] is False and writes(nlab, router) == w0 + 1


@pytest.mark.parametrize('router', sorted(ROUTERS))
def test_user_moved_our_rule_below_masquerade_exactly_one_move(nlab, router, path):
    args = dict(conn(nlab, router), **RULE)
    ours = path('nat_accept_top', args)['id']
    masq = [r['.id'] for r in dump(nlab, router) if r.get('action') == 'masquerade'][0]
    api = labkit.connect(nlab, router)
    tuple(api.rawCmd('/ip/firewall/nat/move', f'=numbers={ours}'))     # to the bottom, below the masquerade
    api.close()
    assert srcnat_ids(nlab, router) == [masq, ours]
    before = dump(nlab, router)
    w0 = writes(nlab, router)
    predicted = path('nat_accept_top', args, check=True)
    result = path('nat_accept_top', args)
    assert predicted == result and result['action'] == 'moved' and writes(nlab, router) == w0 + 1
    assert srcnat_ids(nlab, router) == [ours, masq]
    assert {r['.id']: r for r in dump(nlab, router)} == {r['.id']: r for r in before}   # same rules, same values
    assert path('nat_accept_top', args)['changed'] is False and writes(nlab, router) == w0 + 1


@pytest.mark.parametrize('router', sorted(ROUTERS))
def test_update_comment_in_place_and_absent_removes_only_ours(nlab, router, path):
    before = dump(nlab, router)
    args = dict(conn(nlab, router), **RULE)
    ours = path('nat_accept_top', args)['id']
    updated = path('nat_accept_top', dict(args, comment='renamed'))
    assert updated['action'] == 'updated' and updated['commands'] == [f'/ip/firewall/nat/set =.id={ours} =comment=renamed']
    keys = dict(conn(nlab, router), src_address=RULE['src_address'], dst_address=RULE['dst_address'], state='absent')
    predicted = path('nat_accept_top', keys, check=True)
    removed = path('nat_accept_top', keys)
    assert predicted == removed and removed['action'] == 'deleted' and removed['id'] == ours
    assert dump(nlab, router) == before
    assert path('nat_accept_top', keys)['changed'] is False


@pytest.mark.parametrize('router', sorted(ROUTERS))
def test_two_matching_rules_refused_naming_both(nlab, router, path):
    ids = [add_rule(nlab, router, chain='srcnat', action='accept', **{'src-address': '192.168.1.0/24', 'dst-address': '10.0.0.0/16'})
           for _i in range(2)]
    w0 = writes(nlab, router)
    result = path('nat_accept_top', dict(conn(nlab, router), **RULE))
    assert result['failed'] and ids[0] in result['msg'] and ids[1] in result['msg'] and 'refusing to guess' in result['msg']
    assert writes(nlab, router) == w0


@pytest.mark.parametrize('bad,expected', [
    ({'src_address': '192.168.1.5/24'}, "src-address (option src_address): '192.168.1.5/24' has host bits set"),
    ({'dst_address': '10.0.0.0/33'}, "dst-address (option dst_address): '10.0.0.0/33' is not an IP prefix"),
    ({'dst_address': 'vpc'}, "'vpc' is not an IP prefix"),
])
@pytest.mark.parametrize('router', sorted(ROUTERS))
def test_bad_cidr_fails_before_writes(nlab, router, bad, expected, path):
    before = dump(nlab, router)
    w0 = writes(nlab, router)
    result = path('nat_accept_top', dict(conn(nlab, router), **dict(RULE, **bad)))
    assert result['failed'] and expected in result['msg'] and 'nothing was changed' in result['msg'], result
    assert writes(nlab, router) == w0 and dump(nlab, router) == before
    assert labkit.PASSWORD not in str(result)


def test_dynamic_catcher_is_a_warning_not_a_move():
    """Engine level: a dynamic rule cannot have a rule placed above it (RouterOS refuses ``place-before`` a dynamic rule)."""
    from ansible_collections.vpclink.routeros.plugins.module_utils.firewall import NAT
    from ansible_collections.vpclink.routeros.plugins.module_utils.menu import reconcile
    from tests.unit.plugins.module_utils.test_menu import FakeSession

    rows = [{'.id': '*9', 'chain': 'srcnat', 'action': 'masquerade', 'dynamic': True},
            {'.id': '*1', 'chain': 'srcnat', 'action': 'masquerade', 'out-interface': 'ether1'}]
    session = FakeSession(menus={'/ip/firewall/nat': rows})
    warnings = []
    result = reconcile(session, NAT, {'src_address': '192.168.1.0/24', 'dst_address': '10.0.0.0/16'}, warn=warnings.append)
    assert result['placement']['before'] == '*1' and 'dynamic rule *9' in warnings[0]


RAW = [{'chain': 'prerouting', 'action': 'drop', 'src-address': '10.0.0.0/16', 'comment': 'not ours: drop'},  # never a reason to move
       {'chain': 'prerouting', 'action': 'accept', 'in-interface': 'ether1', 'comment': 'not ours: accept'},  # catches: accept ends raw
       {'chain': 'output', 'action': 'notrack', 'comment': 'not ours: output'}]


def raw_rows(lab, router):
    api = labkit.connect(lab, router)
    try:
        return list(api.path('ip', 'firewall', 'raw'))
    finally:
        api.close()


@pytest.mark.parametrize('router', sorted(ROUTERS))
def test_fasttrack_bypass_raw_notrack_against_the_lab(nlab, router, path):
    """NAT accept rule plus both raw notrack rules (MikroTik "IPsec" manual, FastTrack bypass) on the lab's /ip/firewall/raw: check mode writes
    nothing, the real run places both notrack rules above the raw accept that would end the chain first (the drop
    is never a reason), a warm run writes nothing, absent removes raw first and the NAT rule last (reverse dependency order)
    and leaves every rule that is not ours as it was."""
    api = labkit.connect(nlab, router)
    try:
        for rule in RAW:
            api.path('ip', 'firewall', 'raw').add(**rule)
    finally:
        api.close()
    before_raw, before_nat = raw_rows(nlab, router), dump(nlab, router)
    accept_id = [r['.id'] for r in before_raw if r['action'] == 'accept'][0]
    nlab.reset_counters(router)
    args = dict(conn(nlab, router), **RULE, fasttrack_bypass=True)

    check = path('nat_accept_top', args, check=True, diff=True)
    assert check['changed'] and writes(nlab, router) == 0 and raw_rows(nlab, router) == before_raw
    assert [r['action'] for r in check['fasttrack_bypass']] == ['created', 'created']

    done = path('nat_accept_top', args)
    assert done['changed'] and done['commands'] == check['commands'] and writes(nlab, router) == 3
    assert not undocumented('nat_accept_top', done)
    rows = raw_rows(nlab, router)
    ours = [r for r in rows if r.get('comment') == RULE['comment']]
    assert [(r['chain'], r['action'], r['src-address'], r['dst-address']) for r in ours] == [
        ('prerouting', 'notrack', '192.168.1.0/24', '10.0.0.0/16'), ('prerouting', 'notrack', '10.0.0.0/16', '192.168.1.0/24')]
    order = [r['.id'] for r in rows]
    assert all(order.index(r['.id']) < order.index(accept_id) for r in ours)
    assert [r for r in rows if r not in ours] == before_raw        # unrelated raw rules untouched, same order

    nlab.reset_counters(router)
    warm = path('nat_accept_top', args)
    assert warm['changed'] is False and writes(nlab, router) == 0

    gone = path('nat_accept_top', dict(args, state='absent'))
    assert gone['changed'] and [c.split(' ', 1)[0] for c in gone['commands']] == [
        '/ip/firewall/raw/remove', '/ip/firewall/raw/remove', '/ip/firewall/nat/remove']
    assert raw_rows(nlab, router) == before_raw and dump(nlab, router) == before_nat


@pytest.mark.parametrize('catcher', [
    {'chain': 'srcnat', 'action': 'masquerade', 'src-address': '192.168.10.0/25', 'out-interface': 'ether1'},   # half the LAN
    {'chain': 'srcnat', 'action': 'jump', 'jump-target': 'to-wan'},                # the masquerade is in the jumped-to chain
])
def test_a_rule_in_the_way_breaks_the_ping_is_diagnosed_and_repaired(lab_factory, catcher, path):
    """Against a lab tunnel that is up: the rule makes the ping fail, ipsec_info names the NAT class, nat_accept_top
    places our accept rule above that rule (the same rule_match decision) and the ping goes through."""
    from tests.emulator.test_runtime import LAN, LAN_IP, VPC, VPC_HOST, start

    lab, api = start(lab_factory)
    nat = api.path('ip', 'firewall', 'nat')
    top = list(nat)[0]['.id']
    nat.add(chain='to-wan', action='masquerade', **{'out-interface': 'ether1'})
    in_the_way = nat.add(**dict(catcher, **{'place-before': top}))
    api.close()
    lab.advance(5)
    probe = dict(conn(lab, 'r'), peer='tc', ping={'src_address': LAN_IP, 'address': VPC_HOST})
    broken = path('ipsec_info', probe)
    (tunnel,) = broken['tunnels']
    assert not broken['healthy'] and tunnel['diagnosis']['class'] == 'nat_bypass', tunnel['diagnosis']
    placed = path('nat_accept_top', dict(conn(lab, 'r'), src_address=LAN, dst_address=VPC, comment='vpc bypass'))
    assert placed['action'] == 'created' and placed['placement']['before'] == in_the_way
    repaired = path('ipsec_info', probe)
    assert repaired['healthy'] and repaired['tunnels'][0]['ping']['success'], repaired['tunnels'][0].get('diagnosis')
