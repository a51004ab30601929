"""Where does one router's time go inside our action plugin? cProfile of the engine the
`vpclink.routeros.tunnels` action plugin runs in the controller (runner.run, same parameters the role
passes), cold then warm, against a small benchmark lab. No Ansible around it: the difference between
these numbers and the per-host cost of the play is Ansible's own per-task/per-host overhead.

    .venv/bin/python -m benchmarks.profile_engine --n 6      # needs `make link`
Writes build/bench/profile-engine.txt and prints a summary.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
import urllib.request

from benchmarks import fleet
from tools.labproc import ROOT, LabProcess

sys.path.insert(0, os.path.join(ROOT, 'build', 'collections'))

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator  # noqa: E402

from ansible_collections.vpclink.routeros.plugins.module_utils import runner  # noqa: E402


def params_for(i, port):
    p = fleet.router_plan(i)
    args = {'hostname': '127.0.0.1', 'port': int(port), 'username': 'admin', 'password': p['password'], 'timeout': 30,
            'mode': 'apply', 'tunnels': fleet.tunnels(p), 'update_secret': 'always', 'fail_on_unhealthy': False}
    validation = ArgumentSpecValidator(runner.argument_spec('tunnels')).validate(args)
    if validation.error_messages:
        raise SystemExit('; '.join(validation.error_messages))
    return validation.validated_parameters


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--n', type=int, default=6)
    parser.add_argument('--negotiation-delay', type=float, default=0.5)
    args = parser.parse_args(argv)
    workdir = os.path.join(ROOT, 'build', 'bench', 'profile')
    os.makedirs(workdir, exist_ok=True)
    lab_file = os.path.join(workdir, 'lab.yml')
    fleet.write_yaml(lab_file, fleet.lab_dict(args.n, args.negotiation_delay))
    out = io.StringIO()
    with LabProcess(lab_file) as lab:
        ports = {name: info['api'] for name, info in lab.routers.items()}
        for phase in ('cold', 'warm'):
            prof = cProfile.Profile()
            walls = []
            for i in range(args.n):
                params = params_for(i, ports[fleet.router_name(i)])
                t0 = time.perf_counter()
                prof.enable()
                result = runner.run('tunnels', params)
                prof.disable()
                walls.append(time.perf_counter() - t0)
                if result.get('failed'):
                    raise SystemExit(f'{fleet.router_name(i)}: {result.get("msg")}')
            stats = pstats.Stats(prof, stream=io.StringIO())
            sleep = sum(v[3] for k, v in stats.stats.items() if 'sleep' in k[2])
            line = (f'{phase}: {1000 * sum(walls) / len(walls):.0f} ms wall per router (min {1000 * min(walls):.0f}, '
                    f'max {1000 * max(walls):.0f}); of which sleeping in the verify poll {1000 * sleep / args.n:.0f} ms, '
                    f'everything else (connect, login, reads, writes, polls) {1000 * (sum(walls) - sleep) / args.n:.0f} ms')
            print(line)
            out.write(f'== {line}\n')
            stream = io.StringIO()
            pstats.Stats(prof, stream=stream).sort_stats('cumulative').print_stats(25)
            out.write(stream.getvalue())
        counters = urllib.request.urlopen(lab.control_url + '/counters', timeout=30).read().decode()   # noqa: S310
        out.write(f'\ncounters after cold+warm: {counters[:2000]}\n')
    path = os.path.join(workdir, '..', 'profile-engine.txt')
    with open(path, 'w', encoding='utf-8') as fh:
        fh.write(out.getvalue())
    print(f'wrote {os.path.relpath(os.path.normpath(path), ROOT)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
