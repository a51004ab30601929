# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rollout under faults: playbooks/site.yml over 50 lab routers, 10 % of them unreachable (ports closed) or refusing
the login. The play must name each failed router and why, the other 45 converge (a second run writes nothing), and
``max_fail_percentage`` decides whether the rollout goes on."""

import pytest

from tests.integration import kit

N = 50
REFUSE = ('r03', 'r17', 'r31')
LOGIN_FAIL = ('r09', 'r44')


@pytest.mark.slow
def test_fifty_routers_ten_percent_broken(lab_factory, tmp_path):
    names = [f'r{i:02d}' for i in range(N)]
    routers = [kit.router_entry(name, i) for i, name in enumerate(names)]
    cloud = kit.cloud_entry('tencent-gz', 0, [(name, i, [f'{kit.lan(i)}/24']) for i, name in enumerate(names)])
    lab = kit.start_lab(lab_factory, routers, [cloud])
    tunnels = {name: [kit.tunnel('vpc', name, i, 0, verify={'timeout': 20, 'interval': 0.5})] for i, name in enumerate(names)}
    inventory = kit.write_inventory(tmp_path, lab, tunnels)
    for name in REFUSE:
        lab.set_fault(name, 'refuse')
    for name in LOGIN_FAIL:
        lab.set_fault(name, 'login_fail')

    run = kit.playbook('site.yml', inventory, extra_vars={'vpc_tunnel_serial': ['100%'], 'vpc_tunnel_max_fail_percentage': 10})
    recap = run.recap
    broken = set(REFUSE + LOGIN_FAIL)
    assert {h for h, r in recap.items() if r.get('failed') or r.get('unreachable')} == broken, run
    for name in REFUSE:
        assert f'[{name}]' in run.out and 'refused' in run.out, run
    for name in LOGIN_FAIL:
        assert f'[{name}]' in run.out and 'invalid user name or password' in run.out, run
    assert kit.PSK.format(name='r00') not in run.out and 'lab-password' not in run.out
    # 10 % failed = max_fail_percentage 10: the rollout went on; the summary play ran
    assert 'Summary' in run.out
    for name in set(names) - broken:
        assert lab.counters(name)['writes'] > 0, name
    lab.reset_counters()
    again = kit.playbook('site.yml', inventory, extra_vars={'vpc_tunnel_serial': ['100%'], 'vpc_tunnel_max_fail_percentage': 10})
    assert all(lab.counters(name)['writes'] == 0 for name in set(names) - broken), again


@pytest.mark.slow
def test_max_fail_percentage_stops_the_rollout(lab_factory, tmp_path):
    """Same 10 % broken, max_fail_percentage 5, batches of 10: the first batch holding a broken router stops the rest."""
    names = [f'r{i:02d}' for i in range(20)]
    routers = [kit.router_entry(name, i) for i, name in enumerate(names)]
    cloud = kit.cloud_entry('tencent-gz', 0, [(name, i, [f'{kit.lan(i)}/24']) for i, name in enumerate(names)])
    lab = kit.start_lab(lab_factory, routers, [cloud])
    tunnels = {name: [kit.tunnel('vpc', name, i, 0)] for i, name in enumerate(names)}
    inventory = kit.write_inventory(tmp_path, lab, tunnels)
    lab.set_fault('r03', 'refuse')
    lab.set_fault('r05', 'login_fail')
    run = kit.playbook('site.yml', inventory, extra_vars={'vpc_tunnel_serial': [10], 'vpc_tunnel_max_fail_percentage': 5})
    assert run.rc != 0, run
    assert all(lab.counters(name)['logins'] == 0 for name in names[10:]), 'the second batch was touched'
