"""Write the IKE corpus: real strongSwan logs of every case in ``tools/ike_corpus_cases.py``.

``make corpus`` (root, strongSwan installed) runs each case between two charons in network namespaces and
writes ``tests/data/ike-corpus/<class>.jsonl``: one record per case, side and log level, with the log lines
of that negotiation verbatim, timestamps removed. Each charon logs at two levels at once (two filelogs), so
both levels describe the very same exchange. A case whose outcome is not the one its class implies stops
the run: a mislabelled record would teach the diagnosis something false.
"""

import argparse
import concurrent.futures
import json
import os
import re
import sys
import time

from emulator.strongswan import host
from emulator.strongswan.pair import SIDES, TunnelPair
from emulator.strongswan.render import LOG_LEVELS, DaemonSettings
from tools.ike_corpus_cases import CASES, specs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS_DIR = os.path.join(ROOT, 'tests', 'data', 'ike-corpus')
# Short retransmits so a peer that never answers gives up after 1 + 1.4 + 1.96 s instead of charon's ~165 s
# (https://docs.strongswan.org/docs/5.9/config/retransmission.html).
RETRANSMIT = {'retransmit_tries': 2, 'retransmit_timeout': 1.0, 'retransmit_base': 1.4}
QUIET = 2.5        # seconds without a new log line (longer than the longest retransmit gap): the exchange is over
SETTLE_MAX = 40.0
_TIMESTAMP = re.compile(r'^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d ')


class CaseError(RuntimeError):
    """Real IKE did not do what the case says (or the case could not run)."""


def _sizes(pair):
    return {(side, level): os.path.getsize(pair.charons[side].log_path(level)) for side in SIDES for level in LOG_LEVELS}


def _settle(pair):
    """Wait until no charon has written a line for QUIET seconds."""
    deadline = time.monotonic() + SETTLE_MAX
    last, quiet_since = _sizes(pair), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = _sizes(pair)
        if now != last:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= QUIET:
            return
    raise CaseError(f'the charons were still logging after {SETTLE_MAX:.0f} s')


def _run_action(case, pair, child):
    """-> 'up' or 'down': whether the CHILD SA the case's last action asked for is installed."""
    initiator = pair.charons[case.initiator]
    up = initiator.initiate(child)
    if case.action == 'initiate':
        _settle(pair)
        return 'up' if initiator.installed(child) else 'down'
    if not up:
        raise CaseError(f'the first CHILD SA did not come up, so there is nothing to {case.action}')
    if case.action == 'rekey':
        before = initiator.installed(child)
        initiator.rekey(child)
        _settle(pair)
        return 'up' if initiator.installed(child) - before else 'down'
    # 'silence': the other end stops answering; the initiator's dead peer detection has to notice
    pair.charons['cloud' if case.initiator == 'router' else 'router'].freeze()
    _settle(pair)
    return 'up' if initiator.installed(child) else 'down'


def _lines(path, start, end):
    """The lines logged between two byte offsets (during the case), timestamps removed."""
    with open(path, 'rb') as handle:
        handle.seek(start)
        text = handle.read(end - start).decode(errors='replace')
    return [_TIMESTAMP.sub('', line) for line in text.splitlines() if line.strip()]


def run_case(index, case):
    """-> the records of one case (one per side and log level)."""
    ends = specs(case, index)
    daemons = {'router': DaemonSettings(allow_aggressive_psk=True, **RETRANSMIT),
               'cloud': DaemonSettings(allow_aggressive_psk=case.cloud_allows_aggressive_psk, **RETRANSMIT)}
    with TunnelPair(f'c{index}', ends, daemons) as pair:
        version = pair.charons['router'].session.version()['version'].decode()
        start = _sizes(pair)
        outcome = _run_action(case, pair, ends[case.initiator].name)
        end = _sizes(pair)
        if outcome != case.expect:
            raise CaseError(f'expected the tunnel {case.expect}, real IKE left it {outcome}')
        if outcome == 'up' and pair.ping(case.initiator) == 0:
            raise CaseError('both SAs are up but no ping crossed the tunnel')
        records = []
        for side in SIDES:
            for level in LOG_LEVELS:
                records.append({
                    'case': case.name, 'class': case.cls, 'side': side, 'initiator': case.initiator, 'action': case.action,
                    'ike_version': ends[side].ike_version,
                    'exchange_mode': ends[side].exchange_mode if ends[side].ike_version == 1 else None,
                    'log_level': level, 'strongswan': version,
                    'lines': _lines(pair.charons[side].log_path(level), start[(side, level)], end[(side, level)]),
                })
    return records


def write_corpus(records, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for name in os.listdir(out_dir):
        if name.endswith('.jsonl'):
            os.remove(os.path.join(out_dir, name))
    by_class = {}
    for record in records:
        by_class.setdefault(record['class'], []).append(record)
    for cls, items in sorted(by_class.items()):
        with open(os.path.join(out_dir, f'{cls}.jsonl'), 'w', encoding='utf-8') as handle:
            for record in items:
                handle.write(json.dumps(record, sort_keys=False) + '\n')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default=CORPUS_DIR, help='directory for <class>.jsonl (default: %(default)s)')
    parser.add_argument('--case', action='append', help='run only this case (repeatable); nothing is written')
    parser.add_argument('--jobs', type=int, default=2, help='cases run at the same time (default: %(default)s)')
    args = parser.parse_args(argv)
    reasons = host.missing()
    if reasons:
        print('corpus: cannot run real IKE here: ' + '; '.join(reasons), file=sys.stderr)
        return 2
    known = {case.name for case in CASES}
    unknown = sorted(set(args.case or ()) - known)
    if unknown:
        print(f'corpus: unknown case(s) {", ".join(unknown)}; known: {", ".join(sorted(known))}', file=sys.stderr)
        return 2
    chosen = [(i, c) for i, c in enumerate(CASES) if not args.case or c.name in args.case]
    started = time.monotonic()
    results, failures = {}, []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {pool.submit(run_case, i, c): c for i, c in chosen}
        for future in concurrent.futures.as_completed(futures):
            case = futures[future]
            try:
                results[case.name] = future.result()
                print(f'ok   {case.name}', flush=True)
            except Exception as exc:  # noqa: BLE001 - every case is reported, then the run fails
                failures.append(case.name)
                print(f'FAIL {case.name}: {exc}', flush=True)
    print(f'corpus: {len(results)} of {len(chosen)} cases in {time.monotonic() - started:.0f} s')
    if failures:
        print(f'corpus: {len(failures)} case(s) failed, nothing written: {", ".join(sorted(failures))}', file=sys.stderr)
        return 1
    records = [r for _i, c in chosen for r in results[c.name]]
    if args.case:
        for record in records:
            print(json.dumps(record))
        return 0
    write_corpus(records, args.out)
    print(f'corpus: {len(records)} records written to {os.path.relpath(args.out, ROOT)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
