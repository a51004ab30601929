"""Taking over a working hand-built tunnel through site.yml (the README's steps): without adopt_from the run stops
before any write naming the conflict and the way out; the check run lists what would be adopted; the real run
adopts it under the inventory's name (the tunnel stays up, the summary says adopted); teardown of a tunnel that is
not ours leaves it byte for byte."""

from tests.integration import kit

LAN = f'{kit.lan(1)}/24'
VPC = '10.101.0.0/24'


def hand_built(psk):
    """The guide's tunnel to cloud 1, typed by hand: it works, and none of it is marked."""
    return {
        '/ip/firewall/nat': [{'chain': 'srcnat', 'action': 'accept', 'src-address': LAN, 'dst-address': VPC},
                             {'chain': 'srcnat', 'action': 'masquerade', 'out-interface': 'ether1'}],
        '/ip/ipsec/profile': [{'name': 'prod', 'hash-algorithm': 'sha256', 'enc-algorithm': 'aes-256', 'dh-group': 'modp2048'}],
        '/ip/ipsec/proposal': [{'name': 'prod', 'auth-algorithms': 'sha256', 'enc-algorithms': 'aes-256-cbc', 'pfs-group': 'modp2048',
                                'lifetime': '1h'}],
        '/ip/ipsec/peer': [{'name': 'prod', 'address': f'{kit.gateway(1)}/32', 'profile': 'prod', 'exchange-mode': 'ike2'}],
        '/ip/ipsec/identity': [{'peer': 'prod', 'auth-method': 'pre-shared-key', 'secret': psk}],
        '/ip/ipsec/policy': [{'peer': 'prod', 'src-address': LAN, 'dst-address': VPC, 'tunnel': 'yes', 'proposal': 'prod'}],
    }


def test_take_over_a_working_hand_built_tunnel(lab_factory, tmp_path):
    psk = kit.PSK.format(name='r1')
    lab = kit.start_lab(lab_factory, [kit.router_entry('r1', 1, '7.19.4', config=hand_built(psk))],
                        [kit.cloud_entry('gz', 1, [('r1', 1, [LAN])])])
    tunnel = kit.tunnel('vpc-gz', 'r1', 1, 1)
    before = kit.config_state(lab, 'r1')

    refused = kit.playbook('site.yml', kit.write_inventory(tmp_path, lab, {'r1': [tunnel]}))
    # ansible-core 2.21 shows the router's lines as YAML single-quoted strings (a quote doubled)
    assert refused.rc != 0 and "peer 'prod'" in refused.out.replace("''", "'") and 'adopt_from: prod' in refused.out, refused
    assert lab.counters('r1')['writes'] == 0 and kit.config_state(lab, 'r1') == before
    untouched = kit.playbook('teardown.yml', kit.write_inventory(tmp_path, lab, {'r1': [tunnel]}))
    assert untouched.rc == 0 and kit.config_state(lab, "r1") == before, untouched.out[-3000:]

    inventory = kit.write_inventory(tmp_path, lab, {'r1': [dict(tunnel, adopt_from='prod')]})
    check = kit.playbook('site.yml', inventory, '--check', '--diff')
    assert check.rc == 0 and lab.counters("r1")["writes"] == 0, check.out[-3000:]
    run = kit.playbook('site.yml', inventory)
    assert run.rc == 0 and run.summary == [('r1', 'vpc-gz', 'up')] and 'adopted: ' in run.out, run
    peers = [p['peer'] for p in lab.runtime('r1')['peers']]
    assert peers == ['vpc-gz']                       # renamed, not doubled
    again = kit.playbook('site.yml', kit.write_inventory(tmp_path, lab, {'r1': [tunnel]}))
    assert again.rc == 0 and again.recap['r1']['changed'] == 0, again
    for out in (refused, check, run, again):
        assert psk not in out.out
