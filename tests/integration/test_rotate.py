"""playbooks/rotate.yml against the lab (router + Tencent's VPC API): a PSK rotated on both ends and proven up; an
algorithm rotation that cannot come up within its timeout (the lab, like a real gateway, needs its negotiation time)
rolled back on both ends; a rotation whose router step fails (the router's API connection drops mid-change) rolled
back too. Neither the API secret key nor any PSK, old or new, appears in the output or in a file the runs wrote."""

import json

import yaml

from tests.integration import bothkit, kit
from tests.integration.bothkit import assert_no_secret
from tests.tencentkit import sdk

NEW_PSK = 'rotated-psk-7c1d-0001'


def _built(lab_factory, tmp_path, **settings):
    """Both ends built by the role (vpc_tunnel_cloud_apply), the tunnel up; returns (lab, tunnels, inventory)."""
    lab, tunnels = bothkit.both_ends_lab(lab_factory, **settings)
    inventory = kit.write_inventory(tmp_path, lab, tunnels, bothkit.cloud_vars(lab))
    run = kit.playbook('site.yml', inventory)
    assert run.rc == 0 and run.summary == [('r1', 'vpc-tc', 'up')], run
    return lab, tunnels, inventory


def _router_psk(lab):
    identity = next(e for e in lab.dump('r1')['tables']['/ip/ipsec/identity']['entries'] if e['values'].get('peer') == 'vpc-tc')
    return identity['values']['secret']


def _cloud(lab):
    """The tunnel's connection as DescribeVpnConnections returns it (PreShareKey included, as the API does)."""
    found = json.loads(sdk(lab).call('DescribeVpnConnections', {}))['Response']['VpnConnectionSet']
    return next(c for c in found if c['VpnConnectionName'] == 'vpc-tc')


def _report(run):
    """{tunnel: outcome} from the summary table."""
    flat = ' '.join(run.out.split())
    return {t: o for t, o in (('vpc-tc', o) for o in ('rotated', 'rolled back', 'failed')
                              if f"r1 vpc-tc {o}" in flat)}


def _up(lab):
    peer = next(p for p in lab.runtime('r1')['peers'] if p['peer'] == 'vpc-tc')
    return peer['established'] and all(pol['ph2-state'] == 'established' for pol in peer['policies'])


def _clean(tmp_path, run, *psks):
    assert_no_secret(run.out, *psks)
    for path in tmp_path.rglob('*'):
        if path.is_file() and path.name not in ('inventory.yml', 'psks.yml'):
            assert_no_secret(path.read_text(encoding='utf-8', errors='replace'), *psks)


def _psk_file(tmp_path, psk):
    """The new PSK as the user keeps it: a vars file given with -e @file (a vault file in real use)."""
    path = tmp_path / 'psks.yml'
    path.write_text(yaml.safe_dump({'rotate_psks': {'vpc-tc': psk}}), encoding='utf-8')
    return '@' + str(path)


def test_psk_rotated_on_both_ends(lab_factory, tmp_path):
    lab, tunnels, inventory = _built(lab_factory, tmp_path)
    old_psk = tunnels['r1'][0]['psk']
    run = kit.playbook('rotate.yml', inventory, '-v', '-e', _psk_file(tmp_path, NEW_PSK))
    assert run.rc == 0, run
    assert _report(run) == {'vpc-tc': 'rotated'}, run
    assert _router_psk(lab) == NEW_PSK and _cloud(lab)['PreShareKey'] == NEW_PSK
    assert _up(lab)
    _clean(tmp_path, run, old_psk, NEW_PSK)


def test_algorithms_not_up_in_time_are_rolled_back_on_both_ends(lab_factory, tmp_path):
    # The lab needs negotiation_delay (3 s) for any negotiation, so a 1 s timeout cannot see the new values up.
    lab, tunnels, inventory = _built(lab_factory, tmp_path, negotiation_delay=3)
    before = _cloud(lab)['IPSECOptionsSpecification']['PfsDhGroup']
    run = kit.playbook('rotate.yml', inventory, extra_vars={'rotate_esp': {'pfs_group': 'ecp256'}, 'rotate_timeout': 1,
                                                             'rotate_rollback_timeout': 30})
    assert run.rc != 0, run
    assert _report(run) == {'vpc-tc': 'rolled back'}, run
    assert 'not up within 1 s' in ' '.join(run.out.split()), run
    assert _cloud(lab)['IPSECOptionsSpecification']['PfsDhGroup'] == before == 'DH-GROUP14'
    proposal = next(e for e in lab.dump('r1')['tables']['/ip/ipsec/proposal']['entries'] if e['values'].get('name') == 'vpc-tc')
    assert proposal['values']['pfs-group'] == 'modp2048'
    assert _up(lab)
    writes = bothkit.cloud_writes(lab)
    assert writes['ModifyVpnConnectionAttribute'] == 2, writes          # there and back again
    _clean(tmp_path, run, tunnels['r1'][0]['psk'])


def test_a_failed_router_step_is_rolled_back_on_both_ends(lab_factory, tmp_path):
    lab, tunnels, inventory = _built(lab_factory, tmp_path)
    old_psk = tunnels['r1'][0]['psk']
    # The router's API connection drops when the new secret is sent: the cloud has the new key, the router the old one.
    lab.set_fault('r1', 'drop', command='/ip/ipsec/identity/set')
    run = kit.playbook('rotate.yml', inventory, '-v', '-e', _psk_file(tmp_path, NEW_PSK))
    assert run.rc != 0, run
    assert _report(run) == {'vpc-tc': 'rolled back'}, run
    assert _router_psk(lab) == old_psk and _cloud(lab)['PreShareKey'] == old_psk
    assert _up(lab)
    _clean(tmp_path, run, old_psk, NEW_PSK)
