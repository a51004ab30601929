"""The physical reference of the fleet benchmark: the API sentences a warm ``site.yml`` run sends, over
librouteros from a thread pool, no Ansible. What the routers' side of a warm run costs at least.

Per router: one connection and login, then the given commands in order (by default the prints a warm run
sent, as the lab counted them: ``run.py`` passes the ours-warm run's sentences by command), then close.
Every router once per trial; one trial per concurrency value; the best trial is the reference. The socket is read
through the collection's own buffered transport (``api.read_through_buffer``), as the collection reads it: librouteros's
default transport issues two ``recv`` calls per API word, which costs more than the work itself with many threads, and a
floor slower than what it is the floor of would measure nothing.

    .venv/bin/python -m benchmarks.physical --inventory build/bench/n200/inventory.yml --concurrency 10 25 50
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import librouteros
import yaml
from librouteros.login import plain

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'build', 'collections'))
from ansible_collections.vpclink.routeros.plugins.module_utils.api import read_through_buffer  # noqa: E402

# What a warm site.yml run sent per router before the fleet report (results/2026-12-02, the lab's counters);
# used when no warm run's counters are given.
WARM_PRINTS = ('/system/resource/print', '/ip/ipsec/profile/print', '/ip/ipsec/proposal/print', '/ip/ipsec/peer/print',
               '/ip/ipsec/identity/print', '/ip/ipsec/policy/print', '/ip/firewall/nat/print', '/ip/ipsec/active-peers/print',
               '/ip/ipsec/installed-sa/print')
CONCURRENCY = (10, 25, 50, 100)


def commands_from_counters(sentences_by_command, count):
    """Per-router command list from a run's summed counters (``{command: total}`` over ``count`` routers).

    Each command as often as the run sent it per router (rounded, at least once when sent at all); read-only
    commands only (a warm run writes nothing; a reference that writes would not be repeatable)."""
    out = []
    for command, total in sorted(sentences_by_command.items()):
        if not command.endswith('/print'):
            continue
        out += [command] * max(1, round(total / count))
    return out


def targets_from_inventory(path):
    """[(name, host, port, username, password)] of the benchmark inventory (benchmarks/fleet.py inventory_dict)."""
    with open(path, encoding='utf-8') as fh:
        inv = yaml.safe_load(fh)
    group = inv['routers']
    host = group['vars'].get('ansible_host', '127.0.0.1')
    return [(name, host, int(hv['routeros_api_port']), 'admin', hv['routeros_password']) for name, hv in group['hosts'].items()]


def buffered_login(api, username, password):
    """librouteros's plain login, after its transport is swapped for the buffered one (before anything is read)."""
    read_through_buffer(api)
    plain(api, username, password)


def one_router(target, commands, timeout):
    """Login + the commands on one router; returns (sentences answered, error or None)."""
    _name, host, port, username, password = target
    try:
        api = librouteros.connect(host=host, username=username, password=password, port=port, timeout=timeout, login_method=buffered_login)
    except Exception as exc:  # pylint: disable=broad-exception-caught
        return 0, f'{type(exc).__name__}: {exc}'
    try:
        done = 0
        for command in commands:
            tuple(api(command))
            done += 1
        return done, None
    except Exception as exc:  # pylint: disable=broad-exception-caught
        return done, f'{type(exc).__name__}: {exc}'
    finally:
        api.close()


def trial(targets, commands, concurrency, timeout=30):
    """Every router once with ``concurrency`` threads: wall, this process's CPU, errors."""
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(lambda t: one_router(t, commands, timeout), targets))
    wall = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    errors = [f'{t[0]}: {err}' for t, (_done, err) in zip(targets, results, strict=True) if err]
    return {'concurrency': concurrency, 'wall_s': round(wall, 3),
            'cpu_s': round(cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime, 3),
            'routers': len(targets), 'sentences': sum(done for done, _err in results), 'errors': len(errors), 'first_errors': errors[:3]}


def measure(targets, commands, concurrency=CONCURRENCY, timeout=30):
    """One trial per concurrency value; ``best`` is the fastest trial without errors (None when all failed)."""
    trials = [trial(targets, commands, c, timeout) for c in concurrency]
    clean = [t for t in trials if not t['errors']]
    best = min(clean, key=lambda t: t['wall_s']) if clean else None
    return {'commands_per_router': list(commands), 'logins_per_router': 1, 'trials': trials,
            'best': best, 'wall_s': best['wall_s'] if best else None}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--inventory', required=True, help='the benchmark inventory (build/bench/n<N>/inventory.yml)')
    parser.add_argument('--concurrency', type=int, nargs='+', default=list(CONCURRENCY), help='thread pool sizes to try')
    parser.add_argument('--commands', nargs='+', default=list(WARM_PRINTS), help='API commands per router after the login')
    parser.add_argument('--counters', help="JSON {command: total} of a run's sentences (overrides --commands)")
    parser.add_argument('--timeout', type=float, default=30)
    parser.add_argument('--json', help='write the result here (default: stdout)')
    args = parser.parse_args(argv)
    targets = targets_from_inventory(args.inventory)
    commands = args.commands
    if args.counters:
        with open(args.counters, encoding='utf-8') as fh:
            commands = commands_from_counters(json.load(fh), len(targets))
    result = measure(targets, commands, args.concurrency, args.timeout)
    text = json.dumps(result, indent=1)
    if args.json:
        with open(args.json, 'w', encoding='utf-8') as fh:
            fh.write(text)
    else:
        print(text)
    return 0 if result['best'] else 1


if __name__ == '__main__':
    sys.exit(main())
