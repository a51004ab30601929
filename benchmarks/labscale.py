"""Does one lab process slow down with more routers? (Why `make bench` caps a lab process at fleet.MAX_PER_LAB.)

For each size S: one ``python -m emulator serve`` with the benchmark fleet of S routers (fleet.lab_dict); the time
until it is ready, its RSS, then the physical reference's sentences (one login + the warm prints,
benchmarks/physical.py) on the first ``--probe`` routers (the same routers at every S: comparable) and on all S,
best of ``--repeat`` passes. The routers hold the lab file's state (no tunnel): the prints measure the lab's
per-connection and per-sentence cost, not the negotiation.

    .venv/bin/python -m benchmarks.labscale --sizes 200 1000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from benchmarks import fleet, physical
from tools.labproc import ROOT, LabProcess


def rss_mb(pid):
    with open(f'/proc/{pid}/status', encoding='ascii') as fh:
        for line in fh:
            if line.startswith('VmRSS:'):
                return round(int(line.split()[1]) / 1024, 1)
    return None


def cpu_s(pid):
    with open(f'/proc/{pid}/stat', encoding='ascii') as fh:
        fields = fh.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def best_pass(targets, concurrency, repeat, pid):
    passes = []
    for _pass in range(repeat):
        cpu0 = cpu_s(pid)
        t = physical.trial(targets, list(physical.WARM_PRINTS), concurrency)
        t['lab_cpu_s'] = round(cpu_s(pid) - cpu0, 3)
        passes.append(t)
    best = min(passes, key=lambda t: t['wall_s'])
    return {'routers': len(targets), 'wall_s': best['wall_s'], 'ms_per_router': round(1000 * best['wall_s'] / len(targets), 2),
            'lab_cpu_ms_per_router': round(1000 * best['lab_cpu_s'] / len(targets), 2), 'errors': best['errors'],
            'passes_s': [t['wall_s'] for t in passes]}


def measure(size, probe, concurrency, repeat, workdir):
    lab_file = os.path.join(workdir, f'lab-{size}.yml')
    fleet.write_yaml(lab_file, fleet.lab_dict(size), header=f'# lab scale check, {size} routers in one process (generated)\n')
    t0 = time.perf_counter()
    with LabProcess(lab_file, ready_timeout=600) as lab:
        start = time.perf_counter() - t0
        pid = lab.proc.pid
        targets = [(name, '127.0.0.1', int(lab.routers[name]['api']), 'admin', fleet.router_plan(i)['password'])
                   for i, name in enumerate(fleet.router_name(i) for i in range(size))]
        out = {'size': size, 'ready_s': round(start, 2), 'lab_cpu_at_ready_s': round(cpu_s(pid), 2), 'rss_mb': rss_mb(pid),
               'probe': best_pass(targets[:probe], concurrency, repeat, pid)}
        if size > probe:
            out['all'] = best_pass(targets, concurrency, repeat, pid)
        out['rss_mb_after'] = rss_mb(pid)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--sizes', type=int, nargs='+', default=[fleet.MAX_PER_LAB, 5 * fleet.MAX_PER_LAB])
    parser.add_argument('--probe', type=int, default=fleet.MAX_PER_LAB, help='routers probed at every size (the first ones)')
    parser.add_argument('--concurrency', type=int, default=25)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--json', help='write the result here (default: stdout only)')
    args = parser.parse_args(argv)
    workdir = os.path.join(ROOT, 'build', 'bench', 'labscale')
    os.makedirs(workdir, exist_ok=True)
    results = []
    for size in args.sizes:
        res = measure(size, min(args.probe, size), args.concurrency, args.repeat, workdir)
        results.append(res)
        line = (f"{size:5d} routers: ready in {res['ready_s']:.1f} s ({res['lab_cpu_at_ready_s']:.1f} CPU-s), RSS {res['rss_mb']} MB; "
                f"first {res['probe']['routers']}: {res['probe']['ms_per_router']} ms/router "
                f"(lab CPU {res['probe']['lab_cpu_ms_per_router']} ms/router)")
        if 'all' in res:
            line += f"; all {size}: {res['all']['ms_per_router']} ms/router (lab CPU {res['all']['lab_cpu_ms_per_router']} ms/router)"
        print(line, flush=True)
    if args.json:
        with open(args.json, 'w', encoding='utf-8') as fh:
            json.dump(results, fh, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
