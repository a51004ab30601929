"""Score the diagnosis on the IKE corpus of real strongSwan logs (``make diagnose-score``).

Every case of ``tests/data/ike-corpus/*.jsonl`` (see its README) has, per log level, one record of lines
per side. Each is fed to ``diagnose()`` three ways, with no runtime state and no preflight comparison, so
the score is what the lines alone say:

- ``router``: the router side's lines as ``router_log``. They are charon's lines, not RouterOS's
  ``/log`` wording (RouterOS prints its own texts for some events; the corpus is strongSwan on both
  sides), so they go in as plain strings, without ``topics`` and without a RouterOS ``time``: the way
  ``diagnose()`` takes lines a user pasted. For plain strings ``diagnose()`` treats ``router_log`` and
  ``cloud_log`` alike except for where the evidence says the line came from, so feeding them there
  neither helps nor hurts the score; it keeps each end's lines in their own context (an end's "ESP"
  lines say which phase that end's DH/algorithm lines are about).
- ``cloud``: the cloud side's lines as ``cloud_log``.
- ``both``: both at once.

A record with no lines (the end that received nothing in a ``no_response`` case, the frozen end of a
``dpd`` case) says nothing; it is counted apart ("empty") and left out of the one-end rates. What is
counted, per input:

- ``first``: the case's class is the diagnosis' ``class`` (for a success: the diagnosis names no
  failure, ``healthy`` is not False);
- ``among``: the case's class is among the ``candidates`` (a success: the same as ``first``);
- ``certain_wrong``: ``certain`` and the class is not the case's (a success diagnosed as a certain
  failure counts here too);
- ``success_failed``: a success diagnosed as a failure (``healthy`` False).

The test tier (``tests/unit/plugins/module_utils/test_diagnose_corpus.py``) holds the diagnosis to
targets on these numbers.
"""

import argparse
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ansible_collections.vpclink.routeros.plugins.module_utils.diagnose import diagnose

CORPUS = Path(__file__).resolve().parent.parent / 'tests' / 'data' / 'ike-corpus'
INPUTS = ('router', 'cloud', 'both')
SUCCESS = 'success'


def load(corpus=CORPUS):
    """-> {(case, class, log_level): {side: lines}} from every ``*.jsonl`` of the corpus."""
    cases = defaultdict(dict)
    for path in sorted(Path(corpus).glob('*.jsonl')):
        for text in path.read_text(encoding='utf-8').splitlines():
            if text.strip():
                record = json.loads(text)
                cases[(record['case'], record['class'], record['log_level'])][record['side']] = list(record['lines'])
    return dict(cases)


def run(sides, fed):
    """Diagnose one case from the sides ``fed`` ('router', 'cloud' or 'both') -> the diagnosis, or None
    when that input has no lines."""
    router = sides.get('router', []) if fed in ('router', 'both') else []
    cloud = sides.get('cloud', []) if fed in ('cloud', 'both') else []
    if not router and not cloud:
        return None
    return diagnose(router_log=router, cloud_log=cloud)


@dataclass
class Outcome:
    """One diagnosis judged against the case's class."""
    first: bool
    among: bool
    certain_wrong: bool
    success_failed: bool

    @classmethod
    def judge(cls, expected, result):
        candidates = [c['class'] for c in result['candidates']]
        if expected == SUCCESS:
            failed = result['healthy'] is False
            return cls(not failed, not failed, failed and result['certain'], failed)
        return cls(result['class'] == expected, expected in candidates,
                   result['certain'] and result['class'] != expected, False)


@dataclass
class Tally:
    cases: int = 0
    empty: int = 0
    first: int = 0
    among: int = 0
    certain_wrong: int = 0
    success_failed: int = 0
    misses: list = field(default_factory=list)

    def add(self, name, expected, result):
        if result is None:
            self.empty += 1
            return
        outcome = Outcome.judge(expected, result)
        self.cases += 1
        self.first += outcome.first
        self.among += outcome.among
        self.certain_wrong += outcome.certain_wrong
        self.success_failed += outcome.success_failed
        if not outcome.first or outcome.certain_wrong:
            got = [c['class'] for c in result['candidates']]
            self.misses.append(f"{name}: expected {expected}, got {result['class']}{' (certain)' if result['certain'] else ''} {got}")

    def rate(self, what):
        return getattr(self, what) / self.cases if self.cases else 1.0


def score(cases):
    """-> {(class, log_level, input): Tally}, with class '*' for every class and input 'one end' for
    router and cloud together."""
    tallies = defaultdict(Tally)
    for (name, expected, level), sides in sorted(cases.items()):
        for fed in INPUTS:
            result = run(sides, fed)
            label = f'{name} [{level}, {fed}]'
            ends = (fed, 'one end') if fed != 'both' else (fed,)
            for end in ends:
                for cls in (expected, '*'):
                    tallies[(cls, level, end)].add(label, expected, result)
    return dict(tallies)


def _cell(tally, what):
    return f'{getattr(tally, what)}/{tally.cases}'


def table(tallies):
    """The score as Markdown rows: per class, log level and input, then the totals."""
    head = ['| class | level | input | cases | first | among | certain & wrong | success as failure | empty |',
            '|---|---|---|---|---|---|---|---|---|']
    rows = []
    keys = sorted(tallies, key=lambda k: (k[0] == '*', k[0], k[1], ('router', 'cloud', 'one end', 'both').index(k[2])))
    for cls, level, fed in keys:
        tally = tallies[(cls, level, fed)]
        name = 'all' if cls == '*' else cls
        rows.append(f'| {name} | {level} | {fed} | {tally.cases} | {_cell(tally, "first")} | {_cell(tally, "among")} | '
                    f'{_cell(tally, "certain_wrong")} | {_cell(tally, "success_failed")} | {tally.empty} |')
    return '\n'.join(head + rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--corpus', default=str(CORPUS), help='the directory of the *.jsonl records')
    parser.add_argument('--misses', action='store_true', help='list every diagnosis that did not rank the right class first')
    args = parser.parse_args(argv)
    tallies = score(load(args.corpus))
    print(table(tallies))
    if args.misses:
        for key in sorted(k for k in tallies if k[0] == '*' and k[2] != 'one end'):
            for miss in tallies[key].misses:
                print(miss)


if __name__ == '__main__':
    main()
