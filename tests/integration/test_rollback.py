"""Backup and rollback through the playbooks against the lab: a change that breaks a working tunnel (a phase 2
proposal the cloud refuses) is undone by playbooks/rollback.yml (configuration equal to the backup, tunnel up
again), and with vpc_tunnel_rollback_on_failure the run undoes it itself, verifies and reports it. No secret in
any backup file or output."""

import json
import os
import stat

import pytest

from tests.integration import kit

IPSEC_MENUS = ('/ip/ipsec/profile', '/ip/ipsec/proposal', '/ip/ipsec/peer', '/ip/ipsec/identity', '/ip/ipsec/policy', '/ip/firewall/nat')
# Tencent's side keeps AES-CBC-256 for phase 2: a router proposing only aes-128-cbc gets NO_PROPOSAL_CHOSEN.
BAD_ESP = {'encryption': ['aes-128-cbc']}


def working(lab_factory, tmp_path, version):
    lab = kit.start_lab(lab_factory, [kit.router_entry('r1', 1, version)], [kit.cloud_entry('gz', 1, [('r1', 1, [f'{kit.lan(1)}/24'])])])
    good = kit.tunnel('vpc', 'r1', 1, 1)
    inventory = kit.write_inventory(tmp_path, lab, {'r1': [good]})
    first = kit.playbook('site.yml', inventory)
    assert first.rc == 0 and first.summary == [('r1', 'vpc', 'up')], first
    return lab, good


def ipsec_state(lab):
    state = kit.config_state(lab, 'r1')
    return {menu: state[menu] for menu in IPSEC_MENUS}


def no_psk_in(tmp_path, *outputs):
    psk = kit.PSK.format(name='r1')
    for run in outputs:
        assert psk not in run.out
    for path in (tmp_path / 'backups').rglob('*'):
        if path.is_file():
            assert psk not in path.read_text(encoding='utf-8'), path


@pytest.mark.parametrize('version', ['7.16.2', '6.49.17'])
def test_rollback_restores_a_tunnel_broken_by_a_bad_proposal(lab_factory, tmp_path, version):
    lab, good = working(lab_factory, tmp_path, version)
    before = ipsec_state(lab)
    bad = dict(good, esp=BAD_ESP, verify=dict(good['verify'], timeout=4))
    inventory = kit.write_inventory(tmp_path, lab, {'r1': [bad]})
    broken = kit.playbook('site.yml', inventory)
    assert broken.rc != 0 and 'r1 / vpc: DOWN' in broken.out and 'phase2_proposal' in broken.out, broken
    # the backup of that run: the menus it wrote, as JSON and as export lines, on the controller
    last = (tmp_path / 'backups' / 'r1' / 'LAST').read_text(encoding='utf-8').strip()
    run_dir = tmp_path / 'backups' / 'r1' / last
    record = json.loads((run_dir / 'backup.json').read_text(encoding='utf-8'))
    assert [c['menu'] for c in record['changes']] == ['/ip/ipsec/proposal'] and record['changes'][0]['action'] == 'updated'
    assert '/ip ipsec proposal' in (run_dir / 'backup.rsc').read_text(encoding='utf-8')
    assert stat.S_IMODE(os.stat(run_dir / 'backup.json').st_mode) == 0o644     # secrets masked: not a secret file

    back = kit.playbook('rollback.yml', inventory)
    assert back.rc == 0, back
    assert ipsec_state(lab) == before                       # ids and values as before the bad run
    verify = kit.playbook('verify.yml', kit.write_inventory(tmp_path, lab, {'r1': [good]}))
    assert verify.rc == 0, verify
    again = kit.playbook('rollback.yml', inventory)          # a second rollback finds nothing to do
    assert again.rc == 0 and again.recap['r1']['changed'] == 0 and ipsec_state(lab) == before, again
    no_psk_in(tmp_path, broken, back, verify, again)


def test_rollback_on_failure_restores_at_once_and_reports(lab_factory, tmp_path):
    lab, good = working(lab_factory, tmp_path, '7.16.2')
    before = ipsec_state(lab)
    bad = dict(good, esp=BAD_ESP, verify=dict(good['verify'], timeout=4))
    inventory = kit.write_inventory(tmp_path, lab, {'r1': [bad]}, {'vpc_tunnel_rollback_on_failure': True})
    run = kit.playbook('site.yml', inventory)
    assert run.rc != 0, run                                  # the change failed: said so, with the rollback
    assert 'r1 / vpc: DOWN' in run.out and 'rolled back' in run.out and 'after the rollback: up' in run.out, run
    assert ipsec_state(lab) == before
    assert next(p for p in lab.runtime('r1')['peers'] if p['peer'] == 'vpc')['established']
    no_psk_in(tmp_path, run)


def test_backup_with_secrets_is_private(lab_factory, tmp_path):
    lab, good = working(lab_factory, tmp_path, '7.16.2')
    inventory = kit.write_inventory(tmp_path, lab, {'r1': [dict(good, psk='Changed-PSK-7d1e')]}, {'vpc_tunnel_backup_secrets': True})
    run = kit.playbook('site.yml', inventory, '-e', 'vpc_tunnel_fail_on_unhealthy=false')
    last = (tmp_path / 'backups' / 'r1' / 'LAST').read_text(encoding='utf-8').strip()
    for name in ('backup.json', 'backup.rsc'):
        path = tmp_path / 'backups' / 'r1' / last / name
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert kit.PSK.format(name='r1') in path.read_text(encoding='utf-8')    # asked for: the old PSK is there
    assert 'Changed-PSK-7d1e' not in run.out and kit.PSK.format(name='r1') not in run.out
