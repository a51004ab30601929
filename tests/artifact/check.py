"""Release-artifact test (`make artifact`, part of `make test`).

1. `ansible-galaxy collection build` from a copy of the committed and untracked-but-not-ignored files,
   then check the tarball's file list: the collection's content is there, and the lab, tests,
   benchmarks, tools, inventories, Molecule scenarios, CI and tool state are not.
2. Install the tarball into a fresh venv that has only the runtime requirements (requirements.txt).
3. There, outside the checkout (no ansible.cfg, no build/collections): `ansible-doc` renders every
   module (listed from meta/runtime.yml and plugins/modules, which must agree) and every role; a module
   run against a closed loopback port fails with a clear message (librouteros is installed and the
   error path works); a play giving a role bad input fails with the argument-spec message, without any router.
"""

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = os.path.join(ROOT, 'build', 'artifact')
FORBIDDEN = ('emulator', 'tests', 'benchmarks', 'tools', 'inventories', 'extensions', '.ci', 'build',
             'collections', '.git', '.venv', 'Makefile', 'requirements-dev.txt', 'pyproject.toml', 'ansible.cfg')
FORBIDDEN_PARTS = ('__pycache__', '.pytest_cache', '.ruff_cache')


def log(msg):
    print(f'artifact: {msg}', flush=True)


def run(cmd, *, env=None, cwd=None, check=True):
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if check and proc.returncode:
        sys.exit(f'artifact: FAILED: {" ".join(cmd)} (exit {proc.returncode})\n{proc.stdout}\n{proc.stderr}')
    return proc


def fail(msg):
    sys.exit(f'artifact: FAILED: {msg}')


def source_copy():
    """The files git would ship (tracked + untracked-not-ignored); the whole tree when there is no git."""
    src = os.path.join(WORK, 'src', 'ansible_collections', 'vpclink', 'routeros')
    shutil.rmtree(os.path.join(WORK, 'src'), ignore_errors=True)
    os.makedirs(src)
    if os.path.isdir(os.path.join(ROOT, '.git')):
        names = run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=ROOT).stdout.split('\0')
        for name in filter(None, names):
            if not os.path.isfile(os.path.join(ROOT, name)):
                continue  # deleted in the work tree, not yet committed
            os.makedirs(os.path.join(src, os.path.dirname(name)), exist_ok=True)
            shutil.copy2(os.path.join(ROOT, name), os.path.join(src, name))
        return src
    shutil.rmtree(os.path.join(WORK, 'src'))
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns('.venv*', 'build', '__pycache__', 'tests/output'))
    return src


def build(src):
    out = os.path.join(WORK, 'dist')
    shutil.rmtree(out, ignore_errors=True)
    galaxy = os.path.join(os.path.dirname(sys.executable), 'ansible-galaxy')
    run([galaxy, 'collection', 'build', '--force', '--output-path', out, src])
    tarballs = [n for n in os.listdir(out) if n.endswith('.tar.gz')]
    if len(tarballs) != 1:
        fail(f'expected one tarball in {out}, found {tarballs}')
    return os.path.join(out, tarballs[0])


def check_file_list(tarball, src):
    with tarfile.open(tarball) as tar:
        names = sorted(m.name for m in tar.getmembers())
    with open(os.path.join(WORK, 'files.txt'), 'w', encoding='utf-8') as handle:
        handle.write('\n'.join(names) + '\n')
    tops = sorted({n.split('/', 1)[0] for n in names})
    log(f'{os.path.basename(tarball)}: {len(names)} entries; top level: {" ".join(tops)} (full list: build/artifact/files.txt)')
    bad = [n for n in names if n.split('/', 1)[0] in FORBIDDEN or n.split('/', 1)[0].startswith('.venv')
           or any(part in FORBIDDEN_PARTS for part in n.split('/')) or n.endswith(('.pyc', '.tar.gz'))]
    if bad:
        fail('the artifact holds files it must not ship:\n  ' + '\n  '.join(bad[:40]))
    required = ['MANIFEST.json', 'FILES.json', 'README.md', 'meta/runtime.yml', 'plugins/doc_fragments/api.py']
    for kind in ('modules', 'action', 'module_utils'):
        folder = os.path.join(src, 'plugins', kind)
        required += [f'plugins/{kind}/{n}' for n in os.listdir(folder) if n.endswith('.py')]
    for top in ('roles', 'playbooks', 'docs', 'changelogs', 'meta'):
        folder = os.path.join(src, top)
        if os.path.isdir(folder):
            for dirpath, _dirs, files in os.walk(folder):
                required += [os.path.relpath(os.path.join(dirpath, f), src) for f in files]
    missing = sorted(set(required) - set(names))
    if missing:
        fail('the artifact lacks collection content:\n  ' + '\n  '.join(missing))
    log(f'file list ok: {len(required)} content files present, none of {", ".join(FORBIDDEN[:6])}, ... shipped')


def runtime_venv(python):
    venv = os.path.join(WORK, 'venv')
    shutil.rmtree(venv, ignore_errors=True)
    run([python, '-m', 'venv', venv])
    pip = [os.path.join(venv, 'bin', 'python'), '-m', 'pip', '--disable-pip-version-check', '-q']
    run(pip + ['install', '-r', os.path.join(ROOT, 'requirements.txt')])
    installed = {line.split('==')[0].lower() for line in run(pip + ['freeze']).stdout.split()}
    dev_only = sorted(installed & {'pytest', 'molecule', 'ansible-lint', 'ruff', 'yamllint', 'antsibull-changelog'})
    if dev_only:
        fail(f'the runtime venv holds dev tools: {dev_only}')
    version = run([os.path.join(venv, 'bin', 'python'), '-c',
                   'import ansible, platform; print(ansible.__version__, platform.python_version())']).stdout.split()
    log(f'fresh runtime venv: ansible-core {version[0]} on Python {version[1]}, only requirements.txt ({len(installed)} packages)')
    return venv


def installed_env(venv, home):
    env = {k: v for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'VIRTUAL_ENV', 'PYTHON'))}
    env.update(PATH=os.path.join(venv, 'bin') + os.pathsep + env.get('PATH', ''), HOME=home,
               ANSIBLE_COLLECTIONS_PATH=os.path.join(home, 'collections'), ANSIBLE_NOCOLOR='1',
               ANSIBLE_LOCAL_TEMP=os.path.join(home, 'tmp'), ANSIBLE_HOME=os.path.join(home, 'ansible'))
    return env


def install(venv, tarball, env, home):
    run([os.path.join(venv, 'bin', 'ansible-galaxy'), 'collection', 'install', '--offline', '-p',
         os.path.join(home, 'collections'), tarball], env=env, cwd=home)
    listed = run([os.path.join(venv, 'bin', 'ansible-galaxy'), 'collection', 'list', 'vpclink.routeros', '--format', 'json'],
                 env=env, cwd=home).stdout
    where = next(iter(json.loads(listed)))
    log(f'installed with ansible-galaxy into {os.path.relpath(where, ROOT)}')


def modules_of(coll):
    with open(os.path.join(coll, 'meta', 'runtime.yml'), encoding='utf-8') as handle:
        runtime = yaml.safe_load(handle)
    grouped = set(runtime.get('action_groups', {}).get('api', []))
    modules_dir = os.path.join(coll, 'plugins', 'modules')
    files = {n[:-3] for n in os.listdir(modules_dir) if n.endswith('.py') and n != '__init__.py'}
    # the api group is every module that takes the RouterOS connection options (the vpclink.routeros.api fragment)
    api = set()
    for name in files:
        with open(os.path.join(modules_dir, name + '.py'), encoding='utf-8') as handle:
            if 'vpclink.routeros.api' in handle.read():
                api.add(name)
    if grouped != api:
        fail(f'meta/runtime.yml action group api {sorted(grouped)} differs from the modules with the api options {sorted(api)}')
    return sorted(files)


def check_docs(venv, env, home, coll):
    doc = os.path.join(venv, 'bin', 'ansible-doc')
    modules = modules_of(coll)
    fqcns = [f'vpclink.routeros.{m}' for m in modules]
    listed = run([doc, '-t', 'module', '-l', 'vpclink.routeros', '--json'], env=env, cwd=home).stdout
    if set(json.loads(listed)) != set(fqcns):
        fail(f'ansible-doc -l lists {sorted(json.loads(listed))}, expected {fqcns}')
    for fqcn in fqcns:
        proc = run([doc, '-t', 'module', fqcn], env=env, cwd=home)
        if 'OPTIONS' not in proc.stdout or 'EXAMPLES' not in proc.stdout or 'WARNING' in proc.stderr or 'ERROR' in proc.stderr:
            fail(f'ansible-doc {fqcn} did not render cleanly:\n{proc.stdout[:2000]}\n{proc.stderr}')
        data = json.loads(run([doc, '-t', 'module', '--json', fqcn], env=env, cwd=home).stdout)[fqcn]
        if not data.get('doc', {}).get('options') or not data.get('return') or not data.get('examples'):
            fail(f'ansible-doc --json {fqcn}: options, return or examples missing')
    log(f'ansible-doc renders all {len(fqcns)} modules: {" ".join(modules)}')
    roles = sorted(os.listdir(os.path.join(coll, 'roles'))) if os.path.isdir(os.path.join(coll, 'roles')) else []
    for role in roles:
        fqcn = f'vpclink.routeros.{role}'
        proc = run([doc, '-t', 'role', fqcn], env=env, cwd=home)
        data = json.loads(run([doc, '-t', 'role', '--json', fqcn], env=env, cwd=home).stdout)[fqcn]
        entry_points = sorted(data.get('entry_points', {}))
        missing = [e for e in entry_points if f'ENTRY POINT: *{e}*' not in proc.stdout]
        if not entry_points or missing or 'options' not in proc.stdout.lower() or 'ERROR' in proc.stderr:
            fail(f'ansible-doc -t role {fqcn} did not render (entry points {entry_points}, missing {missing}):\n'
                 f'{proc.stdout[:2000]}\n{proc.stderr}')
        log(f'ansible-doc renders role {fqcn}: entry points {" ".join(entry_points)}')
    return modules, roles


def write(path, data):
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(data)


def check_module_runs(venv, env, home):
    """A module from the installed artifact, aimed at a closed loopback port: a clear error, no traceback."""
    port = free_port()
    write(os.path.join(home, 'module.yml'), f"""---
- name: The installed collection runs without the checkout
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Read the tunnels of a router that is not there
      vpclink.routeros.ipsec_info:
        hostname: 127.0.0.1
        port: {port}
        username: admin
        password: artifact-test-password
        timeout: 2
""")
    proc = run([os.path.join(venv, 'bin', 'ansible-playbook'), '-i', 'localhost,', '-c', 'local', 'module.yml'],
               env=env, cwd=home, check=False)
    out = proc.stdout + proc.stderr
    if proc.returncode == 0 or 'refused' not in out or 'Traceback' in out or 'artifact-test-password' in out:
        fail(f'expected a clean "connection refused" failure (exit {proc.returncode}):\n{out[-3000:]}')
    log('a module of the installed collection fails cleanly against a closed port (librouteros present, no traceback)')


def free_port():
    """A loopback port number nothing listens on (bound for a moment, then closed again)."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def check_role_validation(venv, env, home, roles):
    for role in roles:
        write(os.path.join(home, f'role-{role}.yml'), f"""---
- name: Bad input stops the role before it reaches any router
  hosts: localhost
  gather_facts: false
  roles:
    - role: vpclink.routeros.{role}
      vars:
        {role}_this_option_does_not_exist: true
        {role}_tunnels: not-a-list
""")
        proc = run([os.path.join(venv, 'bin', 'ansible-playbook'), '-i', 'localhost,', '-c', 'local', f'role-{role}.yml'],
                   env=env, cwd=home, check=False)
        out = proc.stdout + proc.stderr
        expected = ('Validating arguments against arg spec', 'Validation of arguments failed',
                    f'missing required arguments: {role}_api', f"'{role}_tunnels' is of type str")
        if proc.returncode == 0 or not all(text in out for text in expected):
            fail(f'role {role}: bad input did not fail on the argument spec (exit {proc.returncode}); expected {expected}:\n{out[-3000:]}')
        log(f'role {role}: bad input fails on the argument spec without any router ("Validation of arguments failed: ... '
            f'missing required arguments: {role}_api ...")')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--python', default=sys.executable, help='interpreter for the fresh runtime venv')
    args = parser.parse_args()
    os.makedirs(WORK, exist_ok=True)
    src = source_copy()
    tarball = build(src)
    check_file_list(tarball, src)
    venv = runtime_venv(args.python)
    home = tempfile.mkdtemp(prefix='home-', dir=WORK)
    try:
        env = installed_env(venv, home)
        install(venv, tarball, env, home)
        coll = os.path.join(home, 'collections', 'ansible_collections', 'vpclink', 'routeros')
        _modules, roles = check_docs(venv, env, home, coll)
        check_module_runs(venv, env, home)
        check_role_validation(venv, env, home, roles)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    log(f'PASSED: {os.path.relpath(tarball, ROOT)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
