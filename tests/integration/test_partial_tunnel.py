"""A tunnel with two selector pairs of which only one gets phase 2 is reported the same everywhere: partial, not
healthy, naming the pair that is down, by playbooks/site.yml (the tunnels module's verify), playbooks/verify.yml,
playbooks/diagnose.yml and the ipsec_info module.

The lab builds the case the way a cloud does: the connection's security policy database covers only the first of
the router's two LAN subnets, so the gateway refuses the child SA of the second pair and accepts the first."""

from tests.integration import kit
from tests.unit.plugins.modules.conftest import conn, run_action_path

LANS = ['192.168.11.0/27', '192.168.11.32/27']
UP_PAIR = '192.168.11.0/27 -> 10.101.0.0/24'
DOWN_PAIR = '192.168.11.32/27 -> 10.101.0.0/24'


def flat(run):
    """The play output with every run of whitespace as one space (the callback folds long lines)."""
    return ' '.join(run.out.split())


def partial_lab(lab_factory, tmp_path):
    lab = kit.start_lab(lab_factory, [kit.router_entry('r', 1, lans=2)], [kit.cloud_entry('gz', 1, [('r', 1, LANS[:1])])])
    tunnel = kit.tunnel('vpc-gz', 'r', 1, 1, lans=LANS)
    tunnel['verify']['timeout'] = 3          # it never comes up fully: do not wait long for it
    return lab, kit.write_inventory(tmp_path, lab, {'r': [tunnel]})


def test_one_of_two_selector_pairs_without_phase2_is_partial_in_every_report(lab_factory, tmp_path):
    lab, inventory = partial_lab(lab_factory, tmp_path)

    # site.yml: the router fails, the tunnel is PARTIAL with the down pair named, the cause is phase 2's
    site = kit.playbook('site.yml', inventory)
    assert site.rc != 0 and site.recap['r']['failed'] == 1, site
    out = flat(site)
    assert 'r / vpc-gz: PARTIAL' in out and f'down={DOWN_PAIR}' in out and f'down={UP_PAIR}' not in out, site
    assert 'tunnel vpc-gz is not up: traffic_selectors' in out, site
    assert f'partially up: selector pairs down: {DOWN_PAIR}' in out, site
    # the lab agrees: phase 1 up, the first pair established, the second not
    (peer,) = lab.runtime('r')['peers']
    assert peer['established'] and [p['ph2-state'] for p in peer['policies']] == ['established', 'no-phase2'], peer

    # the summary of a run that tolerates the unhealthy tunnel says partial and names the pair
    tolerant = kit.playbook('site.yml', inventory, extra_vars={'vpc_tunnel_fail_on_unhealthy': False})
    assert tolerant.rc == 0, tolerant
    assert tolerant.summary == [('r', 'vpc-gz', 'partial')], tolerant
    assert f'cause: phase 2 not established for {DOWN_PAIR}' in flat(tolerant), tolerant

    # verify.yml (ipsec_info's healthy, read-only): the same verdict, the same pair, the same report
    verify = kit.playbook('verify.yml', inventory)
    assert verify.rc != 0 and verify.recap['r']['failed'] == 1, verify
    out = flat(verify)
    assert 'r / vpc-gz: PARTIAL' in out and f'down={DOWN_PAIR}' in out and f'down={UP_PAIR}' not in out, verify
    assert f'partially up: selector pairs down: {DOWN_PAIR}' in out and 'tunnel vpc-gz is not up: traffic_selectors' in out, verify
    assert verify.summary == [('r', 'vpc-gz', 'partial')], verify

    # diagnose.yml: read-only, PARTIAL with the pair and the phase-2 cause
    diagnosis = kit.playbook('diagnose.yml', inventory)
    assert diagnosis.rc == 0, diagnosis
    assert f'r / vpc-gz (inventory tunnel): PARTIAL (down: {DOWN_PAIR})' in flat(diagnosis), diagnosis
    assert 'cause: traffic_selectors' in flat(diagnosis), diagnosis

    # ipsec_info itself: not healthy, partial, the down pair; waiting for it times out naming the pair
    info = run_action_path('ipsec_info', conn(lab, 'r', timeout=10))
    (tunnel,) = info['tunnels']
    assert info['healthy'] is False and not info.get('failed'), info
    assert (tunnel['healthy'], tunnel['status'], tunnel['down_selectors']) == (False, 'partial', [DOWN_PAIR]), tunnel
    assert tunnel['diagnosis']['class'] == 'traffic_selectors', tunnel['diagnosis']
    waited = run_action_path('ipsec_info', conn(lab, 'r', timeout=10, wait_for='established', wait_timeout=1, wait_interval=0.5))
    assert waited['failed'] and waited['timed_out'] and DOWN_PAIR in waited['msg'], waited
