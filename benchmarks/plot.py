"""Plot wall time against N from a fleet benchmark report (run in the baseline venv, which has matplotlib).

    benchmarks/.venv-baseline/bin/python benchmarks/plot.py benchmarks/results/<date>.json benchmarks/results/<date>.png
"""

import json
import sys

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402  pylint: disable=wrong-import-position

SERIES = (('ours-cold', 'ours (site.yml) cold', 'tab:blue', '-', 'o'),
          ('ours-warm', 'ours (site.yml) warm', 'tab:blue', '--', 's'),
          ('ours-nosheet-warm', 'ours warm, cloud sheet off (what-if)', 'tab:cyan', '-.', 'D'),
          ('cr-cold', 'community.routeros cold', 'tab:red', '-', 'o'),
          ('cr-warm', 'community.routeros warm', 'tab:red', '--', 's'),
          ('ours-verify', 'ours verify.yml', 'tab:green', '-', 'v'),
          ('floor', 'floor: 1 x ansible.builtin.ping', 'tab:gray', ':', '^'),
          ('debug-floor', 'floor: 1 x ansible.builtin.debug', 'black', ':', 'x'))
ALPHAS = (1.0, 0.45, 0.7, 0.3)   # the first forks value solid, the next ones fainter with hollow markers


def series(results):
    """{(case, forks): [(N, wall s)]}; results before 2026-12-02 keyed the runs by case only (one forks value)."""
    out = {}
    for res in results:
        for key, run in res['runs'].items():
            forks = run.get('forks', res.get('forks'))
            out.setdefault((run.get('case', key), forks), []).append((res['n'], run['wall_s']))
        if (res.get('physical') or {}).get('wall_s'):
            out.setdefault(('physical', None), []).append((res['n'], res['physical']['wall_s']))
    return out


def main(src, dst):
    with open(src, encoding='utf-8') as fh:
        report = json.load(fh)
    results = sorted(report['results'], key=lambda r: r['n'])
    fig, (ax, per) = plt.subplots(1, 2, figsize=(14, 6), dpi=100, gridspec_kw={'width_ratios': [3, 2]})
    lines = series(results)
    forks_values = sorted({f for (_c, f) in lines if f is not None})
    plotted = [(case, label + (f', forks {f}' if len(forks_values) > 1 else ''), color, style, marker, f, k % len(ALPHAS))
               for case, label, color, style, marker in SERIES for k, f in enumerate(forks_values)]
    plotted.append(('physical', 'physical reference (librouteros, no Ansible)', 'tab:purple', '-', '*', None, 0))
    for case, label, color, style, marker, forks, k in plotted:
        points = lines.get((case, forks))
        if points:
            xs, ys = zip(*points, strict=True)
            look = {'linestyle': style, 'marker': marker, 'color': color, 'linewidth': 2, 'alpha': ALPHAS[k],
                    'markerfacecolor': color if k == 0 else 'none'}
            ax.plot(xs, ys, label=label, **look)
            ax.annotate(f'{ys[-1]:.0f} s', (xs[-1], ys[-1]), textcoords='offset points', xytext=(6, 0), fontsize=9, color=color,
                        va='center')
            per.plot(xs, [1000 * y / x for x, y in points], **look)
    ax.set_xlabel('routers (N)')
    ax.set_ylabel('wall time (s)')
    ax.set_title('wall time of one playbook run')
    per.set_xlabel('routers (N)')
    per.set_ylabel('wall time per router (ms)')
    per.set_title('per router (wall / N)')
    for axis in (ax, per):
        axis.set_xticks([r['n'] for r in results])
        axis.grid(True, alpha=0.3)
        axis.set_xlim(left=0)
        axis.set_ylim(bottom=0)
    ax.legend(loc='upper left', fontsize=9)
    forks_text = ' and '.join(map(str, report['forks'])) if isinstance(report['forks'], list) else report['forks']
    fig.suptitle(f"Fleet benchmark {report['date']}: {report['host']['cpus']} CPUs, forks {forks_text}, "
                 f"negotiation_delay {report['negotiation_delay']} s")
    fig.tight_layout()
    fig.savefig(dst)
    print(f'wrote {dst}')


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
