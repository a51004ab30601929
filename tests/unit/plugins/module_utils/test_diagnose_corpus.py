# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""diagnose on the corpus of real strongSwan logs (tests/data/ike-corpus, made by `make corpus`).

The targets a user relies on when pasting real logs: with both ends' lines the right class comes first in at least
95% of the cases; with one end's lines it is among the candidates in at least 95%; the diagnosis is never certain
and wrong, never calls a success a failure, and says so when one end's lines cannot decide. Scored per log level
(charon's default and a verbose one print very different amounts of lines for the same exchange). The scoring
rules are those of `make diagnose-score` (tools/diagnose_score.py).
"""

import re

import pytest

from ansible_collections.vpclink.routeros.plugins.module_utils.diagnose import OTHER_END_LINES, diagnose
from tools.diagnose_score import INPUTS, SUCCESS, load, run, score
from tools.ike_corpus_cases import CASES

CORPUS = load()
TALLIES = score(CORPUS)
LEVELS = sorted({level for _case, _cls, level in CORPUS})
TARGET = 0.95


def test_the_corpus_holds_every_case_at_both_levels():
    """Guards against a vacuous pass: every case of the cases file, both sides, at both log levels."""
    assert LEVELS == ['default', 'verbose']
    for level in LEVELS:
        names = {name for name, _cls, lvl in CORPUS if lvl == level}
        assert names == {case.name for case in CASES}, level
    assert all(set(sides) == {'router', 'cloud'} for sides in CORPUS.values())


@pytest.mark.parametrize('level', LEVELS)
def test_both_ends_rank_the_right_class_first(level):
    tally = TALLIES[('*', level, 'both')]
    assert tally.first >= TARGET * tally.cases, '\n'.join(tally.misses)


@pytest.mark.parametrize('level', LEVELS)
def test_one_end_has_the_right_class_among_the_candidates(level):
    tally = TALLIES[('*', level, 'one end')]
    assert tally.among >= TARGET * tally.cases, '\n'.join(tally.misses)


@pytest.mark.parametrize('fed', INPUTS)
@pytest.mark.parametrize('level', LEVELS)
def test_never_certain_and_wrong(level, fed):
    tally = TALLIES[('*', level, fed)]
    assert tally.certain_wrong == 0, '\n'.join(m for m in tally.misses if '(certain)' in m)


@pytest.mark.parametrize('fed', INPUTS)
@pytest.mark.parametrize('level', LEVELS)
def test_a_success_is_never_diagnosed_as_a_failure(level, fed):
    tally = TALLIES[(SUCCESS, level, fed)]
    assert tally.cases and tally.success_failed == 0, '\n'.join(tally.misses)


def _one_end_records():
    for (name, cls, level), sides in sorted(CORPUS.items()):
        if cls != SUCCESS:
            for side in ('router', 'cloud'):
                if sides[side]:
                    yield pytest.param(cls, side, sides[side], id=f'{name}-{level}-{side}')


@pytest.mark.parametrize('cls, side, lines', list(_one_end_records()))
def test_one_end_that_cannot_decide_says_so(cls, side, lines):
    """Not certain means: the plausible classes ranked, and the line of the other end that would settle it."""
    result = run({side: lines}, side)
    if result['certain']:
        assert result['class'] == cls
        return
    if result['class'] is None:         # nothing diagnostic in these lines: no class, and the notes say so
        assert result['candidates'] == [] and any('names a cause' in n for n in result['notes'])
        return
    other = 'cloud' if side == 'router' else 'router'
    settle = result['settle']
    assert settle['other_end'] == other
    looked_for = {row['class']: row['line'] for row in settle['look_for']}
    assert set(looked_for) == {c['class'] for c in result['candidates']} & set(OTHER_END_LINES)
    assert cls in looked_for, result['candidates']
    assert any(other in n and 'would settle it' in n for n in result['notes'])


@pytest.mark.parametrize('level', LEVELS)
@pytest.mark.parametrize('case', ['customer-gateway-v1-main', 'customer-gateway-v2', 'ike-version-v1-main-to-v2'])
def test_customer_gateway_and_ike_version_stay_open_together(case, level):
    """Both give the responder's "no IKE config found"; only the configuration tells them apart."""
    cls = next(c.cls for c in CASES if c.name == case)
    result = run(CORPUS[(case, cls, level)], 'both')
    assert result['certain'] is False
    assert {'customer_gateway', 'ike_version'} <= {c['class'] for c in result['candidates']}
    assert result['settle']['other_end'] is None
    assert {'ike.version', 'public_address'} <= set(result['settle']['compare'])


def _renamed(lines):
    """The same lines with every IPv4 address, FQDN identity and connection name replaced by another."""
    out = []
    for line in lines:
        line = re.sub(r'\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b', lambda m: f'203.0.{int(m[3]) ^ 7}.{int(m[4]) ^ 5}', line)
        line = re.sub(r'\b[a-z][\w-]*(\.[\w-]+)+\.example\b', 'gw.renamed.test', line)
        line = re.sub(r'\btun(\d+)\b', r'site-b\1', line)
        out.append(line)
    return out


@pytest.mark.parametrize('level', LEVELS)
def test_the_diagnosis_keys_on_the_messages_not_on_the_addresses_or_names(level):
    for (name, _cls, lvl), sides in CORPUS.items():
        if lvl != level:
            continue
        for fed in INPUTS:
            before = run(sides, fed)
            after = run({side: _renamed(lines) for side, lines in sides.items()}, fed)
            assert (before is None) == (after is None), name
            if before is not None:
                assert [c['class'] for c in after['candidates']] == [c['class'] for c in before['candidates']], (name, fed)
                assert after['certain'] == before['certain'], (name, fed)


def test_verbose_chatter_does_not_change_the_answer():
    """The verbose level adds proposal lists, look-ups and task queues to the very same exchange: same class."""
    for (name, cls, level), sides in CORPUS.items():
        if level != 'verbose':
            continue
        default = CORPUS[(name, cls, 'default')]
        for fed in INPUTS:
            quiet, verbose = run(default, fed), run(sides, fed)
            assert (quiet and quiet['class']) == (verbose and verbose['class']), (name, fed)


def test_an_end_whose_lines_show_only_a_working_tunnel_names_no_cause():
    """The frozen end of a DPD case logged the tunnel coming up, then nothing: no class, not certain."""
    lines = CORPUS[('dpd-v2', 'dpd', 'default')]['cloud']
    result = diagnose(cloud_log=lines)
    assert (result['healthy'], result['class'], result['certain']) == (None, None, False)
