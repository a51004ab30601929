"""Markdown rendering of a fleet benchmark report (benchmarks/run.py), with ratios and target checks."""

from __future__ import annotations

from benchmarks import fleet

LABELS = {'ours-cold': 'ours cold', 'ours-warm': 'ours warm', 'ours-nosheet-warm': 'ours warm, cloud sheet off (what-if)',
          'floor': 'floor (ping)', 'debug-floor': 'floor (debug)', 'ours-verify': 'ours verify.yml (read-only)',
          'cr-cold': 'community.routeros cold',
          'cr-warm': 'community.routeros warm'}


def _ratio(a, b):
    return round(a / b, 2) if a is not None and b else None


def _get(res, case, key):
    run = res['runs'].get(case)
    return run.get(key) if run else None


def objects_per_router(count):
    """Tunnel objects per router the play must own: profile, proposal, peer, identity + policy and NAT rule per selector."""
    per = []
    for i in range(count):
        tunnels = fleet.tunnels(fleet.router_plan(i))
        selectors = sum(len(t['local_subnets']) * len(t['remote_subnets']) for t in tunnels)
        per.append(4 * len(tunnels) + 2 * selectors)
    return per


def write_check(res, case):
    """Per router: objects <= writes <= objects + (1 move when the router's masquerade catches the traffic)."""
    run = res['runs'].get(case)
    if not run:
        return None
    per_router = run['counters']['per_router']
    objects = objects_per_router(res['n'])
    bad = []
    for i, wanted in enumerate(objects):
        p = fleet.router_plan(i)
        writes = per_router[p['name']]['writes']
        allowed_moves = 0 if p['defconf_nat'] else 1
        if not wanted <= writes <= wanted + allowed_moves:
            bad.append(f"{p['name']}: {writes} writes for {wanted} objects")
    return {'ok': not bad, 'objects_total': sum(objects), 'writes_total': run['counters']['writes']['total'],
            'writes_per_object': round(run['counters']['writes']['total'] / sum(objects), 3), 'bad': bad[:5], 'bad_count': len(bad)}


def ratios(res):
    out = {
        'cr_over_ours_cold': _ratio(_get(res, 'cr-cold', 'wall_s'), _get(res, 'ours-cold', 'wall_s')),
        'cr_over_ours_warm': _ratio(_get(res, 'cr-warm', 'wall_s'), _get(res, 'ours-warm', 'wall_s')),
        'ours_over_floor_warm': _ratio(_get(res, 'ours-warm', 'wall_s'), _get(res, 'floor', 'wall_s')),
        'nosheet_over_floor_warm': _ratio(_get(res, 'ours-nosheet-warm', 'wall_s'), _get(res, 'floor', 'wall_s')),
        'cr_over_nosheet_warm': _ratio(_get(res, 'cr-warm', 'wall_s'), _get(res, 'ours-nosheet-warm', 'wall_s')),
        'cr_over_ours_cold_cpu': _ratio(_get(res, 'cr-cold', 'cpu_s'), _get(res, 'ours-cold', 'cpu_s')),
        'cr_over_ours_warm_cpu': _ratio(_get(res, 'cr-warm', 'cpu_s'), _get(res, 'ours-warm', 'cpu_s')),
    }
    for case in ('ours-cold', 'ours-warm', 'cr-cold', 'cr-warm'):
        run = res['runs'].get(case)
        if run:
            out[f'logins_per_router_{case}'] = run['counters']['logins']['mean']
            check = write_check(res, case) if case.endswith('cold') else None
            if check:
                out[f'writes_per_object_{case}'] = check['writes_per_object']
    return out


def targets(report):
    """Target -> (met, evidence), judged at the largest N of the run."""
    res = max(report['results'], key=lambda r: r['n'])
    n = res['n']
    r = ratios(res)
    out = []
    warm = res['runs'].get('ours-warm')
    if warm:
        c = warm['counters']
        out.append(('warm run: zero writes', c['writes']['total'] == 0, f"{c['writes']['total']} writes over {n} routers"))
        out.append(('warm run: one login per router per play', c['logins']['max'] == 1 and c['logins']['min'] == 1,
                    f"logins per router min {c['logins']['min']} max {c['logins']['max']}"))
    check = write_check(res, 'ours-cold')
    if check:
        out.append(('cold run: one write per object (+ the NAT move only when needed)', check['ok'],
                    f"{check['writes_total']} writes for {check['objects_total']} objects; "
                    + (f"{check['bad_count']} routers off, e.g. {check['bad'][0]}" if check['bad'] else 'every router within bounds')))
    for key, label in (('cr_over_ours_cold', 'community.routeros / ours >= 3, cold'), ('cr_over_ours_warm', 'community.routeros / ours >= 3, warm')):
        if r.get(key) is not None:
            out.append((f'{label} (N={n})', r[key] >= 3, f'{r[key]}x wall'))
    if r.get('ours_over_floor_warm') is not None:
        out.append((f'ours / floor <= 3, warm (N={n})', r['ours_over_floor_warm'] <= 3, f"{r['ours_over_floor_warm']}x wall"))
    cold = res['runs'].get('ours-cold')
    if cold:
        out.append((f'{n} routers cold within 10 minutes', cold['wall_s'] <= 600 and cold['rc'] == 0,
                    f"{cold['wall_s']:.0f} s (rc {cold['rc']}, {cold.get('established')}/{n} established)"))
    same = res['checks'].get('same_end_state')
    if same is not None:
        out.append(('same end state: ours == community.routeros (tunnel menus)', same,
                    f"{res['checks']['end_state_differences_count']} router menus differ"
                    + (f"; e.g. {res['checks']['end_state_differences'][0][:300]}" if not same else '')))
    return n, out


def _fmt(v, spec='{:.1f}'):
    return '-' if v is None else spec.format(v)


def markdown(report):
    lines = [f"# Fleet benchmark {report['date']}", '',
             f"{report['host']['cpus']} CPUs, Python {report['host']['python']}, forks {report['forks']}, "
             f"negotiation_delay {report['negotiation_delay']} s. ansible-core ours {report['ansible_core']['ours']}, "
             f"baseline {report['ansible_core']['community.routeros']} (ansible 12.3.0, community.routeros 3.14.0).",
             f"site.yml / role / plugins at: `{report['site_yml_commit']}`.", '',
             '| N | run | rc | wall s | ctrl CPU s | max RSS MB | lab CPU s | logins/router | sentences/router | writes/router | established '
             '| load avg before |',
             '|---|---|---|---|---|---|---|---|---|---|---|---|']
    for res in report['results']:
        for case, run in res['runs'].items():
            c = run['counters']
            lines.append(f"| {res['n']} | {LABELS.get(case, case)} | {run['rc']} | {run['wall_s']:.1f} | {run['cpu_s']:.1f} | "
                         f"{run['max_rss_mb']:.0f} | {_fmt(run.get('lab_cpu_s'))} | {c['logins']['mean']:g} | {c['sentences']['mean']:g} | "
                         f"{c['writes']['mean']:g} | {run.get('established', '-')}{'/' + str(res['n']) if 'established' in run else ''} | "
                         f"{run.get('load_1min_before', '-')} |")
    lines += ['', '## Ratios', '',
              '| N | CR/ours cold (wall) | CR/ours warm (wall) | ours/floor warm (wall) | CR/ours cold (CPU) | CR/ours warm (CPU) | '
              'logins/router ours warm | logins/router CR warm | writes/object ours cold | writes/object CR cold | '
              'what-if sheet off: CR/ours warm | what-if sheet off: ours/floor warm |',
              '|---|---|---|---|---|---|---|---|---|---|---|---|']
    for res in report['results']:
        r = ratios(res)
        lines.append(f"| {res['n']} | {_fmt(r.get('cr_over_ours_cold'), '{:.2f}')} | {_fmt(r.get('cr_over_ours_warm'), '{:.2f}')} | "
                     f"{_fmt(r.get('ours_over_floor_warm'), '{:.2f}')} | {_fmt(r.get('cr_over_ours_cold_cpu'), '{:.2f}')} | "
                     f"{_fmt(r.get('cr_over_ours_warm_cpu'), '{:.2f}')} | {_fmt(r.get('logins_per_router_ours-warm'), '{:g}')} | "
                     f"{_fmt(r.get('logins_per_router_cr-warm'), '{:g}')} | {_fmt(r.get('writes_per_object_ours-cold'), '{:.2f}')} | "
                     f"{_fmt(r.get('writes_per_object_cr-cold'), '{:.2f}')} | {_fmt(r.get('cr_over_nosheet_warm'), '{:.2f}')} | "
                     f"{_fmt(r.get('nosheet_over_floor_warm'), '{:.2f}')} |")
    lines += ['', '## Against the debug floor (the controller\'s own per-host cost) and per router', '',
              '| N | ours cold / debug | ours warm / debug | verify.yml / debug | ping / debug | ours warm ms per router | '
              'ours cold ms per router | verify.yml ms per router | debug ms per router |',
              '|---|---|---|---|---|---|---|---|---|']
    for res in report['results']:
        debug = _get(res, 'debug-floor', 'wall_s')
        per = {case: (None if _get(res, case, 'wall_s') is None else 1000 * _get(res, case, 'wall_s') / res['n'])
               for case in ('ours-warm', 'ours-cold', 'ours-verify', 'debug-floor')}
        lines.append(f"| {res['n']} | {_fmt(_ratio(_get(res, 'ours-cold', 'wall_s'), debug), '{:.2f}')} | "
                     f"{_fmt(_ratio(_get(res, 'ours-warm', 'wall_s'), debug), '{:.2f}')} | "
                     f"{_fmt(_ratio(_get(res, 'ours-verify', 'wall_s'), debug), '{:.2f}')} | "
                     f"{_fmt(_ratio(_get(res, 'floor', 'wall_s'), debug), '{:.2f}')} | {_fmt(per['ours-warm'], '{:.0f}')} | "
                     f"{_fmt(per['ours-cold'], '{:.0f}')} | {_fmt(per['ours-verify'], '{:.0f}')} | {_fmt(per['debug-floor'], '{:.0f}')} |")
    n, checks = targets(report)
    lines += ['', f'## Targets (judged at N={n})', '', '| target | met | evidence |', '|---|---|---|']
    for label, ok, evidence in checks:
        lines.append(f"| {label} | {'yes' if ok else '**NO**'} | {evidence.replace('|', '/')} |")
    res = max(report['results'], key=lambda r: r['n'])
    lines += ['', f"## Where the time goes (N={res['n']}, wall seconds per task, all hosts)", '']
    for case in ('ours-cold', 'ours-warm', 'ours-nosheet-warm', 'ours-verify', 'cr-cold', 'cr-warm', 'floor', 'debug-floor'):
        run = res['runs'].get(case)
        if not run or not run['tasks']:
            continue
        # serial batches repeat the tasks: add them up per task name, costliest first
        agg = {}
        for t in run['tasks']:
            key = (t['task'], t['action'])
            agg[key] = agg.get(key, 0.0) + t['seconds']
        lines.append(f"**{LABELS[case]}** ({run['wall_s']:.1f} s wall; per-task sum {sum(agg.values()):.1f} s):")
        lines.append('')
        lines.append('| task | action | s | ms per host |')
        lines.append('|---|---|---|---|')
        for (task, action), seconds in sorted(agg.items(), key=lambda kv: -kv[1]):
            lines.append(f"| {task[:90]} | {action} | {seconds:.1f} | {1000 * seconds / res['n']:.0f} |")
        lines.append('')
    diffs = res['checks'].get('end_state_differences') or []
    if diffs:
        lines += ['## End-state differences (first ones)', '']
        lines += [f'- `{d[:500]}`' for d in diffs]
        lines.append('')
    return '\n'.join(lines) + '\n'
