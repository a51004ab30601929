"""verify.rekey through the role (site.yml) against the modelled lab: the IKEv2 PFS mismatch a new user meets.

Two routers, each facing a Tencent connection with PFS DH-GROUP14 while the router writes pfs-group=none over IKEv2.
Without verify.rekey the rollout reports the tunnel UP with both SAs (IKE_AUTH builds the first CHILD SA without a key
exchange) although it will fail at its first rekey; with verify.rekey the forced rekey fails during the rollout and
the role names PFS. tests/realike/test_role_real.py runs the same case against real strongSwan."""

import re

from tests.integration import kit


def test_verify_rekey_catches_the_ikev2_pfs_mismatch_that_the_rollout_reports_up(lab_factory, tmp_path):
    routers = [kit.router_entry('trusting', 1), kit.router_entry('rekeyed', 2)]
    clouds = [kit.cloud_entry(f'c{index}', index, [(name, index, [f'{kit.lan(index)}/24'])])
              for index, name in ((1, 'trusting'), (2, 'rekeyed'))]
    lab = kit.start_lab(lab_factory, routers, clouds)
    tunnels = {}
    for index, name in ((1, 'trusting'), (2, 'rekeyed')):
        entry = kit.tunnel('vpc', name, index, index, esp={'pfs_group': 'none'})
        entry['verify'] = dict(entry['verify'], timeout=5, rekey=name == 'rekeyed')
        tunnels[name] = [entry]
    run = kit.playbook('site.yml', kit.write_inventory(tmp_path, lab, tunnels), '-f', '2',
                       extra_vars={'vpc_tunnel_serial': '100%', 'vpc_tunnel_max_fail_percentage': 100})
    assert run.recap['trusting']['failed'] == 0 and ('trusting', 'vpc', 'up') in run.summary, run
    assert re.search(r'trusting / vpc: UP phase1=established uptime=\S+ SAs=2 ping=1/1', run.out), run
    assert run.recap['rekeyed']['failed'] == 1, run
    block = re.search(r'rekeyed: tunnel vpc is not up: (\w+) \(phase phase2, likely\).*?fix: [^\n]*', run.out, re.S)
    assert block and block.group(1) == 'pfs', run
    assert 'forced CHILD SA rekey' in block.group(0) and 'child SA negotiation failed: NO_PROPOSAL_CHOSEN' in block.group(0)
    assert lab.counters('rekeyed')['sentences'].get('/ip/ipsec/installed-sa/flush') == 1
    assert lab.counters('trusting')['sentences'].get('/ip/ipsec/installed-sa/flush') is None
