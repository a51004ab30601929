"""site.yml the way AWX / Automation Platform runs it: through ansible-runner, from a private data directory
(project/, inventory/, env/), with runner's own event callback. The fleet report lands among the job's artifacts:
the files in the job's artifact directory (runner names it in AWX_ISOLATED_DATA_DIR) and the totals in the
set_stats data AWX shows with the job, also when a router fails."""

import json
import os
import subprocess
import sys

import yaml

from tests.integration import kit

ROUTERS = {'gz-1': 1, 'gz-2': 2}
JOB = '42'


def private_data_dir(tmp_path, inventory):
    data = tmp_path / 'job'
    (data / 'project').mkdir(parents=True)
    (data / 'inventory').mkdir()
    (data / 'env').mkdir()
    # the project a user keeps in source control: a playbook that runs the collection's rollout
    (data / 'project' / 'site.yml').write_text('- name: Roll out the tunnels\n  ansible.builtin.import_playbook: vpclink.routeros.site\n',
                                               encoding='utf-8')
    with open(inventory, encoding='utf-8') as fh:
        hosts = yaml.safe_load(fh)
    del hosts['routers']['vars']['vpc_tunnel_report_dir']     # the role's own default, as in a real job
    (data / 'inventory' / 'hosts.yml').write_text(yaml.safe_dump(hosts), encoding='utf-8')
    # the collection, installed where the execution environment would have it
    (data / 'env' / 'envvars').write_text(yaml.safe_dump({'ANSIBLE_COLLECTIONS_PATH': os.path.join(kit.ROOT, 'build', 'collections')}),
                                          encoding='utf-8')
    (data / 'env' / 'extravars').write_text(yaml.safe_dump({'vpc_tunnel_serial': ['100%']}), encoding='utf-8')
    return data


def test_site_through_ansible_runner_leaves_the_report_among_the_job_artifacts(lab_factory, tmp_path):
    routers = [kit.router_entry(name, index) for name, index in ROUTERS.items()]
    cloud = kit.cloud_entry('gz', 9, [(name, index, [f'{kit.lan(index)}/24']) for name, index in ROUTERS.items()])
    cloud['connections'][1]['psk'] = 'not-what-gz-2-has'
    lab = kit.start_lab(lab_factory, routers, [cloud])
    timeouts = {'gz-1': kit.VERIFY_TIMEOUT, 'gz-2': kit.DOWN_VERIFY_TIMEOUT}
    inventory = kit.write_inventory(tmp_path, lab, {name: [kit.tunnel('vpc', name, index, 9, verify_timeout=timeouts[name])]
                                                    for name, index in ROUTERS.items()})
    data = private_data_dir(tmp_path, inventory)
    bin_dir = os.path.dirname(sys.executable)
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get('PATH', ''))
    env.pop('ANSIBLE_CONFIG', None)

    done = subprocess.run([os.path.join(bin_dir, 'ansible-runner'), 'run', str(data), '-p', 'site.yml', '--ident', JOB],
                          env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=kit.PLAYBOOK_TIMEOUT, check=False)
    artifacts = data / 'artifacts' / JOB
    assert (artifacts / 'status').read_text(encoding='utf-8') == 'failed', done.stdout[-6000:]   # gz-2's tunnel is down

    report = json.loads((artifacts / 'reports' / 'fleet-report.json').read_text(encoding='utf-8'))
    assert {r['name']: r['status'] for r in report['routers']} == {'gz-1': 'ok', 'gz-2': 'failed'}
    assert {(artifacts / 'reports' / name).is_file() for name in ('fleet-report.html', 'fleet-report.xml')} == {True}
    assert not (data / 'project' / 'reports').exists() and not os.path.exists(os.path.join(kit.ROOT, 'reports'))

    stats = [json.loads(p.read_text(encoding='utf-8')) for p in (artifacts / 'job_events').glob('*.json')]
    (end,) = [e for e in stats if e.get('event') == 'playbook_on_stats']
    fleet = end['event_data']['artifact_data']['vpc_tunnel_fleet_report']
    assert fleet['totals']['routers'] == {'total': 2, 'ok': 1, 'failed': 1, 'unreachable': 0, 'not_run': 0}
    assert fleet['files']['json'] == str(artifacts / 'reports' / 'fleet-report.json')
    for path in artifacts.rglob('*'):
        if path.is_file():
            text = path.read_text(encoding='utf-8', errors='replace')
            assert not [name for name in ROUTERS if kit.PSK.format(name=name) in text], path
