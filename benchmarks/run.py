"""`make bench`: the fleet benchmark (see benchmarks/README.md).

For each N: generate a lab file with N routers and a matching inventory, start the lab once, then run
  ours-cold   playbooks/site.yml on routers reset to the lab file (nothing of ours on them)
  ours-warm   the same again (nothing to change)
  floor       one ansible.builtin.ping per router (connection local)
  debug-floor one ansible.builtin.debug per router: the controller's own per-host cost, no module at all
  ours-verify playbooks/verify.yml: the read-only check (one ipsec_info per router, the fleet report)
  cr-cold     benchmarks/playbooks/baseline.yml (community.routeros, its own venv) on reset routers
  cr-warm     the same again
all with the same ansible.cfg and forks. Each run: wall time, CPU (user+sys) and max RSS of the
ansible-playbook process tree (os.wait4 on the child), the lab's CPU time, the lab's per-router
counters (reset before the run), per-task wall times (callback bench_timer). After each cold run:
how many tunnels established; after both warm runs: the routers' tunnel menus as the API prints
them, compared ours vs community.routeros.

Writes benchmarks/results/<date>.json and .md (and the plot, drawn by plot.py in the baseline venv).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
import urllib.request

from benchmarks import fleet
from tools.labproc import ROOT, LabProcess

HERE = os.path.join(ROOT, 'benchmarks')
MENUS = ('/ip/ipsec/profile', '/ip/ipsec/proposal', '/ip/ipsec/peer', '/ip/ipsec/identity', '/ip/ipsec/policy',
         '/ip/firewall/nat', '/ip/firewall/filter')
ORDERED = ('/ip/firewall/nat', '/ip/firewall/filter')
# status, counters and flags: not configuration
STATUS = {'.id', 'bytes', 'packets', 'invalid', 'dynamic', 'active', 'ph2-state', 'ph2-count', 'sa-src-address', 'sa-dst-address',
          'responder', 'default', 'builtin', 'template'}
WRITE_VERBS = ('add', 'set', 'remove', 'move', 'unset', 'enable', 'disable')
# case -> (play, reset the routers first?, extra ansible-playbook args)
CASES = {
    'ours-cold': ('ours', True, []),
    'ours-warm': ('ours', False, []),
    # what-if, same play and inventory: the role's cloud-sheet file/copy tasks (3 module executions per router) off
    'ours-nosheet-warm': ('ours', False, ['-e', 'vpc_tunnel_write_sheet=false']),
    'floor': ('floor', False, []),
    'debug-floor': ('debug', False, []),
    'ours-verify': ('verify', False, []),
    'cr-cold': ('cr', True, []),
    'cr-warm': ('cr', False, []),
}


# ----------------------------------------------------------------------------- lab control API
class Control:
    def __init__(self, url):
        self.url = url.rstrip('/')

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method, headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read() or b'null')

    def reset_all(self, names):
        for name in names:
            self.call('POST', f'/routers/{name}/reset')

    def established(self, names):
        up = 0
        for name in names:
            peers = self.call('GET', f'/routers/{name}/runtime').get('peers', [])
            up += bool(peers) and all(p.get('established') for p in peers)
        return up


def proc_cpu(pid):
    """utime + stime of a process (seconds), from /proc."""
    try:
        with open(f'/proc/{pid}/stat', encoding='ascii') as fh:
            fields = fh.read().rsplit(')', 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
    except OSError:
        return None


# ----------------------------------------------------------------------------- one measured run
def run_playbook(ansible_playbook, playbook, workdir, tag, env, lab_pid, extra=()):
    log = os.path.join(workdir, f'{tag}.log')
    timer = os.path.join(workdir, f'{tag}.tasks.json')
    env = dict(env, BENCH_TIMER_OUT=timer)
    # the fleet report of each run stays with the run's logs (not in the checkout)
    cmd = [ansible_playbook, '-i', os.path.join(workdir, 'inventory.yml'), playbook,
           '-e', 'vpc_tunnel_report_dir=' + os.path.join(workdir, f'{tag}-reports'), *extra]
    load0 = os.getloadavg()[0]
    lab_cpu0 = proc_cpu(lab_pid)
    t0 = time.perf_counter()
    with open(log, 'w', encoding='utf-8') as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # pylint: disable=consider-using-with
        _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    lab_cpu1 = proc_cpu(lab_pid)
    tasks = {}
    if os.path.exists(timer):
        with open(timer, encoding='utf-8') as fh:
            tasks = json.load(fh)
    return {
        'rc': proc.returncode, 'wall_s': round(wall, 3),
        'cpu_user_s': round(usage.ru_utime, 3), 'cpu_sys_s': round(usage.ru_stime, 3),
        'cpu_s': round(usage.ru_utime + usage.ru_stime, 3), 'max_rss_mb': round(usage.ru_maxrss / 1024, 1),
        'lab_cpu_s': round(lab_cpu1 - lab_cpu0, 3) if lab_cpu0 is not None and lab_cpu1 is not None else None,
        'load_1min_before': round(load0, 2), 'load_1min_after': round(os.getloadavg()[0], 2),
        'tasks': tasks.get('tasks', []), 'log': os.path.relpath(log, ROOT),
    }


def summarise_counters(counters):
    """Per-router counters -> min/max/mean per router and sums by command."""
    per = {'logins': [], 'sentences': [], 'writes': []}
    by_command = {}
    for _name, c in sorted(counters.items()):
        per['logins'].append(c['logins'])
        per['sentences'].append(sum(c['sentences'].values()))
        per['writes'].append(c['writes'])
        for command, count in c['sentences'].items():
            by_command[command] = by_command.get(command, 0) + count
    out = {}
    for key, values in per.items():
        out[key] = {'min': min(values), 'max': max(values), 'mean': round(sum(values) / len(values), 3), 'total': sum(values)}
    out['writes_by_command'] = {k: v for k, v in sorted(by_command.items()) if k.rsplit('/', 1)[-1] in WRITE_VERBS}
    out['sentences_by_command'] = dict(sorted(by_command.items()))
    out['per_router'] = {name: {'logins': c['logins'], 'sentences': sum(c['sentences'].values()), 'writes': c['writes']}
                         for name, c in sorted(counters.items())}
    return out


# ----------------------------------------------------------------------------- end state
def snapshot(ports, count):
    """The tunnel menus of every router as the API prints them (defaults omitted), status dropped."""
    import librouteros  # pylint: disable=import-outside-toplevel

    state = {}
    for i in range(count):
        p = fleet.router_plan(i)
        api = librouteros.connect(host='127.0.0.1', port=int(ports[p['name']]), username='admin', password=p['password'], timeout=30)
        try:
            menus = {}
            for menu in MENUS:
                rows = [{k: str(v) for k, v in row.items() if k not in STATUS} for row in api.path(*menu.strip('/').split('/'))
                        if not row.get('default') and not row.get('dynamic') and not row.get('builtin')]
                if menu not in ORDERED:
                    rows.sort(key=lambda r: json.dumps(r, sort_keys=True))
                menus[menu] = rows
            state[p['name']] = menus
        finally:
            api.close()
    return state


def compare(ours, theirs, ignore=('comment',)):
    """Differences between two snapshots (ignoring ``ignore`` fields): a list of short texts."""
    diffs = []
    for name in sorted(set(ours) | set(theirs)):
        for menu in MENUS:
            a = [{k: v for k, v in r.items() if k not in ignore} for r in ours.get(name, {}).get(menu, [])]
            b = [{k: v for k, v in r.items() if k not in ignore} for r in theirs.get(name, {}).get(menu, [])]
            if menu not in ORDERED:
                a.sort(key=lambda r: json.dumps(r, sort_keys=True))
                b.sort(key=lambda r: json.dumps(r, sort_keys=True))
            if a != b:
                diffs.append(f'{name} {menu}: ours={a} community.routeros={b}')
    return diffs


# ----------------------------------------------------------------------------- one fleet size
def bench_n(count, args, date):
    workdir = os.path.join(ROOT, 'build', 'bench', f'n{count}')   # generated lab, inventory, logs: outside every linter's scope
    os.makedirs(workdir, exist_ok=True)
    lab_file = os.path.join(workdir, 'lab.yml')
    fleet.write_yaml(lab_file, fleet.lab_dict(count, args.negotiation_delay), header=f'# fleet benchmark lab, N={count} (generated)\n')
    cfg = os.path.join(workdir, 'ansible.cfg')
    with open(cfg, 'w', encoding='utf-8') as fh:
        fh.write('[defaults]\n'
                 f'forks = {args.forks}\n'
                 f'collections_path = {os.path.join(ROOT, "build", "collections")}\n'
                 f'callback_plugins = {os.path.join(HERE, "callback_plugins")}\n'
                 'callbacks_enabled = bench_timer\n'
                 'host_key_checking = False\nretry_files_enabled = False\ninterpreter_python = auto_silent\n'
                 f'vault_identity_list = lab@{os.path.join(ROOT, "inventories", "lab", "vault-password.txt")}\n')
    env = dict(os.environ, ANSIBLE_CONFIG=cfg, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, 'build', 'collections'),
               ANSIBLE_FORCE_COLOR='0', ANSIBLE_NOCOLOR='1')
    env.pop('ANSIBLE_CALLBACKS_ENABLED', None)
    ours_bin = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    cr_bin = os.path.join(args.baseline_venv, 'bin', 'ansible-playbook')
    plays = {
        'ours': (ours_bin, os.path.join(ROOT, 'playbooks', 'site.yml')),
        'floor': (ours_bin, os.path.join(HERE, 'playbooks', 'floor.yml')),
        'debug': (ours_bin, os.path.join(HERE, 'playbooks', 'debug_floor.yml')),
        'verify': (ours_bin, os.path.join(ROOT, 'playbooks', 'verify.yml')),
        'cr': (cr_bin, os.path.join(HERE, 'playbooks', 'baseline.yml')),
    }
    result = {'n': count, 'forks': args.forks, 'negotiation_delay': args.negotiation_delay, 'runs': {}, 'checks': {}}
    print(f'== N={count}: starting the lab', flush=True)
    with LabProcess(lab_file, ready_timeout=120) as lab:
        ctl = Control(lab.control_url)
        ports = {name: info['api'] for name, info in lab.routers.items()}
        fleet.write_yaml(os.path.join(workdir, 'inventory.yml'), fleet.inventory_dict(count, ports, os.path.join(workdir, 'cloud-sheets')),
                         header=f'# fleet benchmark inventory, N={count} (generated; lab-only passwords and PSKs)\n')
        names = sorted(ports)
        snaps = {}
        for case in args.cases:
            family, cold, extra = CASES[case]
            if cold:
                ctl.reset_all(names)
            ctl.call('DELETE', '/counters')
            print(f'   {case:17s} ...', end=' ', flush=True)
            run = run_playbook(*plays[family], workdir, case, env, lab.proc.pid, extra)
            run['counters'] = summarise_counters(ctl.call('GET', '/counters'))
            if family not in ('floor', 'debug'):
                deadline = time.monotonic() + max(10.0, 4 * args.negotiation_delay)
                while True:
                    run['established'] = ctl.established(names)
                    if run['established'] == count or time.monotonic() > deadline:
                        break
                    time.sleep(0.5)
            if case in ('ours-warm', 'cr-warm'):
                snaps[family] = snapshot(ports, count)
            result['runs'][case] = run
            print(f"rc={run['rc']} wall={run['wall_s']:.1f}s cpu={run['cpu_s']:.1f}s rss={run['max_rss_mb']:.0f}MB "
                  f"logins/router={run['counters']['logins']['mean']} writes/router={run['counters']['writes']['mean']} load={run['load_1min_before']}"
                  + (f" established={run['established']}/{count}" if 'established' in run else ''), flush=True)
        if 'ours' in snaps and 'cr' in snaps:
            diffs = compare(snaps['ours'], snaps['cr'])
            full = compare(snaps['ours'], snaps['cr'], ignore=())
            result['checks']['same_end_state'] = not diffs
            result['checks']['end_state_differences'] = diffs[:10]
            result['checks']['end_state_differences_count'] = len(diffs)
            result['checks']['comment_only_differences_count'] = len(full) - len(diffs)
            with open(os.path.join(workdir, 'end-state.json'), 'w', encoding='utf-8') as fh:
                json.dump(snaps, fh, indent=1, sort_keys=True)
            if diffs:
                print(f'   end states differ on {len(diffs)} router menus, e.g. {diffs[0][:400]}', flush=True)
            else:
                print('   end states: ours == community.routeros on every router', flush=True)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--n', type=int, nargs='+', default=[10, 50, 200])
    parser.add_argument('--forks', type=int, default=10)
    parser.add_argument('--negotiation-delay', type=float, default=0.5)
    parser.add_argument('--baseline-venv', default=os.path.join(HERE, '.venv-baseline'))
    parser.add_argument('--cases', nargs='+', default=list(CASES), choices=list(CASES))
    parser.add_argument('--out', default=os.path.join(HERE, 'results'))
    parser.add_argument('--date', default=datetime.date.today().isoformat())
    args = parser.parse_args(argv)
    git = subprocess.run(['git', 'log', '-1', '--format=%h %s', '--', 'playbooks', 'roles', 'plugins'], cwd=ROOT,
                         capture_output=True, text=True, check=False).stdout.strip()
    report = {
        'date': args.date, 'host': {'cpus': os.cpu_count(), 'python': platform.python_version(), 'platform': platform.platform()},
        'forks': args.forks, 'negotiation_delay': args.negotiation_delay, 'site_yml_commit': git,
        'ansible_core': {'ours': _version(os.path.dirname(sys.executable)), 'community.routeros': _version(os.path.join(args.baseline_venv, 'bin'))},
        'results': [bench_n(n, args, args.date) for n in args.n],
    }
    os.makedirs(args.out, exist_ok=True)
    base = os.path.join(args.out, args.date)
    with open(base + '.json', 'w', encoding='utf-8') as fh:
        json.dump(report, fh, indent=1)
    from benchmarks import report as render  # pylint: disable=import-outside-toplevel
    with open(base + '.md', 'w', encoding='utf-8') as fh:
        fh.write(render.markdown(report))
    print(f'wrote {os.path.relpath(base, ROOT)}.json and .md', flush=True)
    return 0


def _version(bindir):
    if not os.path.exists(os.path.join(bindir, 'python')):   # the baseline venv is only needed for the cr-* cases
        return None
    out = subprocess.run([os.path.join(bindir, 'python'), '-c', 'import ansible.release as r; print(r.__version__)'],
                         capture_output=True, text=True, check=False).stdout.strip()
    return out or None


if __name__ == '__main__':
    sys.exit(main())
