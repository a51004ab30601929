"""`make demo`: start the built-in lab, run the main job against it twice, show the outcome, stop the lab.

The second run must change nothing; the demo says so, or fails.
"""

import os
import re
import subprocess
import sys

from tools.labproc import ROOT, LabProcess

LAB = 'emulator/labs/demo.yml'
INVENTORY = 'inventories/lab/hosts.yml'
BIN = os.path.dirname(sys.executable)


def playbook(name, *args):
    """Run one playbook against the lab inventory, echoing its output; return (rc, output)."""
    cmd = [os.path.join(BIN, 'ansible-playbook'), '-i', INVENTORY, os.path.join('playbooks', name), *args]
    print('\n$ ' + ' '.join(cmd[1:]), flush=True)
    proc = subprocess.run(cmd, cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    print(proc.stdout, end='', flush=True)
    return proc.returncode, proc.stdout


def _env():
    env = dict(os.environ)
    env.setdefault('ANSIBLE_COLLECTIONS_PATH', os.path.join(ROOT, 'build', 'collections'))
    env.setdefault('ANSIBLE_CONFIG', os.path.join(ROOT, 'ansible.cfg'))
    env['ANSIBLE_FORCE_COLOR'] = '0'
    return env


def changed_counts(output):
    """{host: changed} from the PLAY RECAP lines."""
    return {m.group(1): int(m.group(2)) for m in re.finditer(r'^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)', output, re.M)}


def main():
    print(f'Starting the RouterOS lab ({LAB}) ...', flush=True)
    with LabProcess(LAB) as lab:
        for name, info in lab.routers.items():
            print(f'  {name}: RouterOS {info["version"]} on 127.0.0.1:{info["api"]}')
        rc, _ = playbook('site.yml')
        if rc:
            print(f'\nmake demo: the rollout failed (exit {rc}); see the play output above.')
            return rc
        rc, output = playbook('site.yml')
        changed = changed_counts(output)
        if rc or any(changed.values()):
            print(f'\nmake demo: the second run was expected to change nothing, but it reported {changed} (exit {rc}).')
            return rc or 1
        print('\nmake demo: second run changed nothing on ' + ', '.join(sorted(changed)) + ' (idempotent).')
    print('make demo: lab stopped.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
