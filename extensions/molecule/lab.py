"""Start or stop the RouterOS lab of a Molecule scenario, detached from the playbook that asks for it.

    python extensions/molecule/lab.py start LAB_FILE STATE_DIR   # prints the state as JSON once every port listens
    python extensions/molecule/lab.py stop STATE_DIR             # SIGTERM to the lab process started above, by its pid

`start` runs ``python -m emulator serve --lab LAB_FILE --tls-dir STATE_DIR/tls`` in its own session (so it outlives
the task), waits for its ``ready`` line and writes STATE_DIR/lab.json:
``{pid, control, ca, routers: {name: {version, api, api_ssl}}}``. The scenario inventories read the ports from it.
"""

import json
import os
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def read_ready(out_path, proc, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(out_path, encoding='utf-8') as handle:
            lines = handle.read().splitlines()
        ready = [line for line in lines if line.startswith('ready')]
        if ready:
            info = dict(w.split('=', 1) for w in ready[0].split()[1:] if '=' in w)
            routers = [line.split() for line in lines if line.startswith('router ')]
            if len(routers) == int(info.get('routers', '0')):
                return info, routers
        if proc.poll() is not None:
            # the lab names why it could not start on stderr (for example what the real-IKE mode misses here)
            with open(os.path.join(os.path.dirname(out_path), 'lab.err'), encoding='utf-8') as handle:
                errors = handle.read().splitlines()
            sys.exit(f'lab: the lab exited with status {proc.returncode} before it was ready:\n' + '\n'.join(lines + errors))
        time.sleep(0.1)
    proc.terminate()
    sys.exit(f'lab: no "ready" line within {timeout} s')


def start(lab_file, state_dir):
    os.makedirs(state_dir, exist_ok=True)
    stop(state_dir, quiet=True)
    out_path = os.path.join(state_dir, 'lab.out')
    with open(out_path, 'w', encoding='utf-8') as out, open(os.path.join(state_dir, 'lab.err'), 'w', encoding='utf-8') as err:
        proc = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, '-m', 'emulator', 'serve', '--lab', os.path.abspath(lab_file), '--tls-dir', os.path.join(state_dir, 'tls')],
            cwd=ROOT, stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)
    info, routers = read_ready(out_path, proc, 30)
    state = {'pid': proc.pid, 'control': info.get('control'), 'ca': info.get('ca'), 'routers': {}}
    for words in routers:
        fields = dict(w.split('=', 1) for w in words[2:] if '=' in w)
        api_ssl = fields.get('api-ssl', '-')
        state['routers'][words[1]] = {'version': fields.get('version'), 'api': int(fields['api']),
                                      'api_ssl': None if api_ssl == '-' else int(api_ssl)}
    with open(os.path.join(state_dir, 'lab.json'), 'w', encoding='utf-8') as handle:
        json.dump(state, handle, indent=2)
    print(json.dumps(state))


def stop(state_dir, quiet=False):
    path = os.path.join(state_dir, 'lab.json')
    if not os.path.exists(path):
        if not quiet:
            print('lab: not running (no lab.json)')
        return
    with open(path, encoding='utf-8') as handle:
        pid = json.load(handle)['pid']
    try:
        os.kill(pid, signal.SIGTERM)
        for _attempt in range(100):
            os.kill(pid, 0)
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.remove(path)
    if not quiet:
        print(f'lab: stopped (pid {pid})')


def main(argv):
    if len(argv) == 3 and argv[0] == 'start':
        start(argv[1], argv[2])
    elif len(argv) == 2 and argv[0] == 'stop':
        stop(argv[1])
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv[1:])
