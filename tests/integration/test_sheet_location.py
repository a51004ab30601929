"""Where the cloud sheets go by default: under the directory ansible-playbook runs in, never into the collection.

The collection is built with ``ansible-galaxy collection build`` from a copy of the source that already holds
stray ``cloud-sheets`` folders (as a checkout does after a run), installed from the tarball into a private
collections path, and ``vpclink.routeros.site`` is run by its name from an empty directory with the role's
default ``vpc_tunnel_sheet_dir``. The installed collection must be byte for byte what was installed, the tarball
must not hold the stray folders, and git must ignore them.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile

import yaml

from tests.integration import kit

GALAXY = os.path.join(os.path.dirname(sys.executable), 'ansible-galaxy')
PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
# Folders a run leaves behind in a checkout: the current default's folder, and the old default's (playbook_dir).
STRAY = ('cloud-sheets/r7.yml', 'playbooks/cloud-sheets/r7.yml')
NOT_SHIPPED = shutil.ignore_patterns('.git', '.venv*', 'build', 'tests', 'emulator', 'benchmarks', '__pycache__',
                                     '.pytest_cache', '.ruff_cache')


def tree_digest(top):
    """{relative path: sha256} of every file under top (symlinks followed), for before/after equality."""
    digest = {}
    for dirpath, _dirs, files in os.walk(top, followlinks=True):
        for name in files:
            path = os.path.join(dirpath, name)
            with open(path, 'rb') as handle:
                digest[os.path.relpath(path, top)] = hashlib.sha256(handle.read()).hexdigest()
    return digest


def clean_env(tmp_path, collections):
    """No ansible setting of the checkout (ansible.cfg, build/collections): only the private collections path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith('ANSIBLE_')}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_HOME=str(tmp_path / 'ansible-home'),
               ANSIBLE_LOCAL_TEMP=str(tmp_path / 'ansible-tmp'), ANSIBLE_NOCOLOR='1')
    return env


def build_and_install(tmp_path, collections):
    """Build from a source copy holding stray sheet folders; install the tarball into collections. -> tarball."""
    src = tmp_path / 'src'
    shutil.copytree(kit.ROOT, src, ignore=NOT_SHIPPED)
    for name in STRAY:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text('tunnels: {}\n', encoding='utf-8')
    dist, env = tmp_path / 'dist', clean_env(tmp_path, collections)
    subprocess.run([GALAXY, 'collection', 'build', '--output-path', str(dist), str(src)], env=env, check=True,
                   capture_output=True)
    tarball = next(dist.glob('*.tar.gz'))
    subprocess.run([GALAXY, 'collection', 'install', '--offline', '-p', str(collections), str(tarball)], env=env,
                   check=True, capture_output=True)
    return tarball


def test_site_by_fqcn_writes_the_sheet_under_the_current_directory_and_nothing_into_the_collection(lab_factory, tmp_path):
    collections = tmp_path / 'collections'
    tarball = build_and_install(tmp_path, collections)
    with tarfile.open(tarball) as tar:
        shipped = [m.name for m in tar.getmembers() if 'cloud-sheets' in m.name]
    assert shipped == []
    installed = collections / 'ansible_collections' / 'vpclink' / 'routeros'
    before = tree_digest(installed)
    assert 'playbooks/site.yml' in before and 'roles/vpc_tunnel/defaults/main.yml' in before

    lab = kit.start_lab(lab_factory, [kit.router_entry('r7', 1, '7.19.4')], [kit.cloud_entry('gz', 1, [('r7', 1, ['192.168.11.0/24'])])])
    inventory = tmp_path / 'inventory.yml'
    kit.write_inventory(tmp_path, lab, {'r7': [kit.tunnel('vpc-gz', 'r7', 1, 1)]})
    data = yaml.safe_load(inventory.read_text(encoding='utf-8'))
    del data['routers']['vars']['vpc_tunnel_sheet_dir']   # the role's default is what is tested
    inventory.write_text(yaml.safe_dump(data, sort_keys=False), encoding='utf-8')

    workdir = tmp_path / 'run'
    workdir.mkdir()
    proc = subprocess.run([PLAYBOOK, '-i', str(inventory), 'vpclink.routeros.site'], cwd=workdir, env=clean_env(tmp_path, collections),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=kit.PLAYBOOK_TIMEOUT, check=False)
    assert proc.returncode == 0, proc.stdout[-12000:]

    sheet = workdir / 'cloud-sheets' / 'r7.yml'
    assert set(yaml.safe_load(sheet.read_text(encoding='utf-8'))['tunnels']) == {'vpc-gz'}
    assert f'sheet file: {sheet}' in proc.stdout
    assert tree_digest(installed) == before


def test_git_ignores_the_sheet_folders():
    proc = subprocess.run(['git', 'check-ignore', '--no-index', *STRAY], cwd=kit.ROOT, capture_output=True, text=True,
                          check=False)
    assert proc.stdout.split() == list(STRAY)
