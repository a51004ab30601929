"""`make bench`: the fleet benchmark (see benchmarks/README.md).

For each N: generate the lab files (N routers over ceil(N / --per-lab) lab processes, router i and its cloud in the
same one) and an inventory mapping each router to its process's port, start the labs once, then run, each case at
every --forks value in turn:
  ours-cold   playbooks/site.yml on routers reset to the lab file (nothing of ours on them)
  ours-warm   the same again (nothing to change)
  ours-verify playbooks/verify.yml: the read-only check with the fleet report
  floor       one ansible.builtin.ping per router (connection local)
  debug-floor one ansible.builtin.debug per router: the controller's own per-host cost, no module at all
  cr-cold     benchmarks/playbooks/baseline.yml (community.routeros, its own venv) on reset routers; --baseline only
  cr-warm     the same again
and once, after the warm runs, the physical reference (benchmarks/physical.py: the warm run's sentences over
librouteros from a thread pool, no Ansible). Each run: wall time, CPU (user+sys) and max RSS of the
ansible-playbook process tree (os.wait4 on the child), the labs' CPU time, the labs' per-router counters (reset
before the run), per-task wall times (callback bench_timer). After each cold run: how many tunnels established;
with --baseline, after the first warm runs: the routers' tunnel menus as the API prints them, ours vs
community.routeros.

Writes benchmarks/results/<date>.json and .md (and the plot, drawn by plot.py in the baseline venv).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import subprocess
import sys
import time
import urllib.request

from benchmarks import fleet, physical
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
    """The HTTP control API of one lab process (emulator/control.py)."""

    def __init__(self, url):
        self.url = url.rstrip('/')

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method, headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read() or b'null')


class Labs:
    """The lab processes of one fleet size: at most ``per_lab`` routers each (fleet.shards), router i and its
    cloud in the same process. Every per-router control call goes to the process that serves the router."""

    def __init__(self, workdir, count, per_lab, negotiation_delay, ready_timeout=300):
        self.workdir, self.count, self.per_lab = workdir, count, per_lab
        self.negotiation_delay, self.ready_timeout = negotiation_delay, ready_timeout
        self.procs, self.controls = [], []
        self.ports, self.lab_of = {}, {}
        self._stack = contextlib.ExitStack()

    def __enter__(self):
        try:
            for k, indices in enumerate(fleet.shards(self.count, self.per_lab)):
                lab_file = os.path.join(self.workdir, f'lab-{k}.yml')
                fleet.write_yaml(lab_file, fleet.lab_dict(self.count, self.negotiation_delay, indices),
                                 header=f'# fleet benchmark lab {k}: routers {indices.start}..{indices.stop - 1} of N={self.count} (generated)\n')
                lab = self._stack.enter_context(LabProcess(lab_file, ready_timeout=self.ready_timeout))
                self.procs.append(lab)
                self.controls.append(Control(lab.control_url))
                for name, info in lab.routers.items():
                    self.ports[name] = info['api']
                    self.lab_of[name] = k
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc):
        self._stack.close()

    @property
    def pids(self):
        return [lab.proc.pid for lab in self.procs]

    def router_call(self, method, name, rest=''):
        return self.controls[self.lab_of[name]].call(method, f'/routers/{name}{rest}')

    def reset_all(self, names):
        for name in names:
            self.router_call('POST', name, '/reset')

    def clear_counters(self):
        for ctl in self.controls:
            ctl.call('DELETE', '/counters')

    def counters(self):
        merged = {}
        for ctl in self.controls:
            merged.update(ctl.call('GET', '/counters'))
        return merged

    def established(self, names):
        up = 0
        for name in names:
            peers = self.router_call('GET', name, '/runtime').get('peers', [])
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
def labs_cpu(pids):
    values = [proc_cpu(pid) for pid in pids]
    return None if None in values else sum(values)


def run_playbook(ansible_playbook, playbook, workdir, tag, env, lab_pids, extra=()):
    log = os.path.join(workdir, f'{tag}.log')
    timer = os.path.join(workdir, f'{tag}.tasks.json')
    env = dict(env, BENCH_TIMER_OUT=timer)
    # the fleet report of each run stays with the run's logs (not in the checkout)
    cmd = [ansible_playbook, '-i', os.path.join(workdir, 'inventory.yml'), playbook,
           '-e', 'vpc_tunnel_report_dir=' + os.path.join(workdir, f'{tag}-reports'), *extra]
    load0 = os.getloadavg()[0]
    lab_cpu0 = labs_cpu(lab_pids)
    t0 = time.perf_counter()
    with open(log, 'w', encoding='utf-8') as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # pylint: disable=consider-using-with
        _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    lab_cpu1 = labs_cpu(lab_pids)
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
def write_cfg(workdir, forks):
    """The ansible.cfg of every case at ``forks``: same callback, same collections, only the forks differ."""
    cfg = os.path.join(workdir, f'ansible-f{forks}.cfg')
    with open(cfg, 'w', encoding='utf-8') as fh:
        fh.write('[defaults]\n'
                 f'forks = {forks}\n'
                 f'collections_path = {os.path.join(ROOT, "build", "collections")}\n'
                 f'callback_plugins = {os.path.join(HERE, "callback_plugins")}\n'
                 'callbacks_enabled = bench_timer\n'
                 'host_key_checking = False\nretry_files_enabled = False\ninterpreter_python = auto_silent\n'
                 f'vault_identity_list = lab@{os.path.join(ROOT, "inventories", "lab", "vault-password.txt")}\n')
    env = dict(os.environ, ANSIBLE_CONFIG=cfg, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, 'build', 'collections'),
               ANSIBLE_FORCE_COLOR='0', ANSIBLE_NOCOLOR='1')
    env.pop('ANSIBLE_CALLBACKS_ENABLED', None)
    return env


def cases_for(count, args):
    """The cases at this N: --cases, plus community.routeros's when asked (--baseline) and N <= --baseline-max-n."""
    cases = list(args.cases)
    if args.baseline and count <= args.baseline_max_n:
        cases += [c for c in ('cr-cold', 'cr-warm') if c not in cases]
    if count > args.baseline_max_n:
        cases = [c for c in cases if not c.startswith('cr-')]
    return cases


def run_physical(workdir, labs, warm, concurrency):
    """benchmarks/physical.py in its own process (its CPU apart from ours): the warm run's prints per router."""
    counters = os.path.join(workdir, 'physical-commands.json')
    with open(counters, 'w', encoding='utf-8') as fh:
        json.dump(warm['counters']['sentences_by_command'] if warm else {}, fh)
    out = os.path.join(workdir, 'physical.json')
    cmd = [sys.executable, '-m', 'benchmarks.physical', '--inventory', os.path.join(workdir, 'inventory.yml'),
           '--json', out, '--concurrency', *map(str, concurrency)]
    if warm and warm['counters']['sentences_by_command']:
        cmd += ['--counters', counters]
    labs.clear_counters()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if not os.path.exists(out):
        return {'rc': proc.returncode, 'wall_s': None, 'error': proc.stderr[-2000:]}
    with open(out, encoding='utf-8') as fh:
        result = json.load(fh)
    result['rc'] = proc.returncode
    # the labs counted every trial: per trial and router, what one reference pass sent (1 login + the prints)
    counters = summarise_counters(labs.counters())
    trials = max(1, len(result['trials']))
    result['per_router_per_trial'] = {'logins': counters['logins']['mean'] / trials, 'sentences': counters['sentences']['mean'] / trials}
    return result


def bench_n(count, args):
    workdir = os.path.join(ROOT, 'build', 'bench', f'n{count}')   # generated labs, inventory, logs: outside every linter's scope
    os.makedirs(workdir, exist_ok=True)
    ours_bin = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    cr_bin = os.path.join(args.baseline_venv, 'bin', 'ansible-playbook')
    plays = {
        'ours': (ours_bin, os.path.join(ROOT, 'playbooks', 'site.yml')),
        'floor': (ours_bin, os.path.join(HERE, 'playbooks', 'floor.yml')),
        'debug': (ours_bin, os.path.join(HERE, 'playbooks', 'debug_floor.yml')),
        'verify': (ours_bin, os.path.join(ROOT, 'playbooks', 'verify.yml')),
        'cr': (cr_bin, os.path.join(HERE, 'playbooks', 'baseline.yml')),
    }
    envs = {forks: write_cfg(workdir, forks) for forks in args.forks}
    cases = cases_for(count, args)
    labs_n = len(fleet.shards(count, args.per_lab))
    result = {'n': count, 'forks': list(args.forks), 'per_lab': args.per_lab, 'labs': labs_n,
              'negotiation_delay': args.negotiation_delay, 'runs': {}, 'checks': {}}
    print(f'== N={count}: starting {labs_n} lab process(es), at most {args.per_lab} routers each', flush=True)
    t0 = time.perf_counter()
    with Labs(workdir, count, args.per_lab, args.negotiation_delay) as labs:
        result['labs_start_s'] = round(time.perf_counter() - t0, 2)
        fleet.write_yaml(os.path.join(workdir, 'inventory.yml'),
                         fleet.inventory_dict(count, labs.ports, os.path.join(workdir, 'cloud-sheets'), labs.lab_of),
                         header=f'# fleet benchmark inventory, N={count} (generated; lab-only passwords and PSKs)\n')
        names = sorted(labs.ports)
        snaps = {}
        # case by case, each at every forks value in turn: the runs compared with each other are close in time (and load)
        for case in cases:
            family, cold, extra = CASES[case]
            for forks in args.forks:
                if cold:
                    labs.reset_all(names)
                labs.clear_counters()
                key = f'{case} f{forks}'
                print(f'   {key:21s} ...', end=' ', flush=True)
                run = run_playbook(*plays[family], workdir, f'{case}-f{forks}', envs[forks], labs.pids, extra)
                run.update(case=case, forks=forks)
                run['counters'] = summarise_counters(labs.counters())
                if family not in ('floor', 'debug'):
                    deadline = time.monotonic() + max(10.0, 4 * args.negotiation_delay)
                    while True:
                        run['established'] = labs.established(names)
                        if run['established'] == count or time.monotonic() > deadline:
                            break
                        time.sleep(0.5)
                if case in ('ours-warm', 'cr-warm') and family not in snaps and 'cr-warm' in cases:
                    snaps[family] = snapshot(labs.ports, count)
                result['runs'][key] = run
                print(f"rc={run['rc']} wall={run['wall_s']:.1f}s cpu={run['cpu_s']:.1f}s rss={run['max_rss_mb']:.0f}MB "
                      f"logins/router={run['counters']['logins']['mean']} writes/router={run['counters']['writes']['mean']} "
                      f"load={run['load_1min_before']}" + (f" established={run['established']}/{count}" if 'established' in run else ''),
                      flush=True)
            if case == 'ours-warm' and args.physical:
                # the routers now hold the tunnels: the reference reads what a warm run reads
                warm = result['runs'].get(f'ours-warm f{args.forks[0]}')
                print('   physical reference    ...', end=' ', flush=True)
                phys = run_physical(workdir, labs, warm, args.physical_concurrency)
                result['physical'] = phys
                trials = ', '.join(f"{t['concurrency']}: {t['wall_s']:.2f}s" + (f" ({t['errors']} errors)" if t['errors'] else '')
                                   for t in phys.get('trials', []))
                print(f"best={phys['wall_s']} s ({len(phys.get('commands_per_router', []))} sentences + 1 login per router; "
                      f"threads {trials})", flush=True)
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


DEFAULT_CASES = ('ours-cold', 'ours-warm', 'ours-verify', 'floor', 'debug-floor')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--n', type=int, nargs='+', default=[50, 200])
    parser.add_argument('--forks', type=int, nargs='+', default=[10, 50], help='every case runs at each of these forks values')
    parser.add_argument('--per-lab', type=int, default=fleet.MAX_PER_LAB,
                        help=f'at most this many routers per lab process (default {fleet.MAX_PER_LAB})')
    parser.add_argument('--negotiation-delay', type=float, default=0.5)
    parser.add_argument('--baseline', action='store_true', help='add the community.routeros cases (cr-cold, cr-warm; its own venv)')
    parser.add_argument('--baseline-max-n', type=int, default=200, help='never run the community.routeros cases above this N')
    parser.add_argument('--baseline-venv', default=os.path.join(HERE, '.venv-baseline'))
    parser.add_argument('--cases', nargs='+', default=list(DEFAULT_CASES), choices=list(CASES))
    parser.add_argument('--no-physical', dest='physical', action='store_false', help='skip the physical reference (benchmarks/physical.py)')
    parser.add_argument('--physical-concurrency', type=int, nargs='+', default=list(physical.CONCURRENCY),
                        help='thread pool sizes the physical reference tries (the best counts)')
    parser.add_argument('--out', default=os.path.join(HERE, 'results'))
    parser.add_argument('--date', default=datetime.date.today().isoformat())
    args = parser.parse_args(argv)
    if (args.baseline or any(c.startswith('cr-') for c in args.cases)) and not os.path.exists(os.path.join(args.baseline_venv, 'bin', 'ansible-playbook')):
        parser.error(f'the community.routeros cases need the baseline venv {args.baseline_venv} (make bench BENCH_BASELINE=1 creates it)')
    git = subprocess.run(['git', 'log', '-1', '--format=%h %s', '--', 'playbooks', 'roles', 'plugins'], cwd=ROOT,
                         capture_output=True, text=True, check=False).stdout.strip()
    report = {
        'date': args.date, 'host': {'cpus': os.cpu_count(), 'python': platform.python_version(), 'platform': platform.platform()},
        'forks': list(args.forks), 'per_lab': args.per_lab, 'negotiation_delay': args.negotiation_delay, 'site_yml_commit': git,
        'ansible_core': {'ours': _version(os.path.dirname(sys.executable)), 'community.routeros': _version(os.path.join(args.baseline_venv, 'bin'))},
        'results': [bench_n(n, args) for n in args.n],
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
