# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The router work of a whole batch in one controller task (``vpclink.routeros.fleet_tunnels``).

Why: Ansible costs about one ``debug`` task of controller time per host and per task, skipped tasks included, so the
role's per-host phases (preflight, apply, record, ...) cost several such tasks per router. Here the phases of every
router of the batch run from one task, calling the same engine the per-router modules call (``runner.run`` with the
``tunnels`` and ``ipsec_info`` modules' parameters); only the final per-router verdict stays a per-host task.

The stages, one function each:

1. ``validate`` -- each router's settings (the role's variables, already templated for that host) become the
   parameters of the module the role used to call, checked against that module's own argument spec: bad input is that
   router's failure, naming the field, before anything is written anywhere.
2. ``run_batch`` -- the preflight of every router first (no router contact; the cloud sheet is written as the
   ``tunnels`` module writes it); a preflight failure stops the batch before any write when the play's
   ``max_fail_percentage`` / ``any_errors_fatal`` would stop it (``batch_stops``); then, in a bounded thread pool, per
   router ONE API session: apply + verify + diagnose, or the removal, or the read-only verification.
3. ``record`` -- each router's outcome as the fleet report's record (``report.py``), its lines for the play output
   (``state_lines``, ``failure_lines``), whether it fails, whether it changed.
4. ``fleet_records`` -- a record for every host of the play (not_run / failed for the routers without one).

No function here raises for one router's failure: each router's exception becomes its own record, so one router's
failure never hides another's.
"""

from __future__ import annotations

import traceback
from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.vpclink.routeros.plugins.module_utils import cloud_steps, runner
from ansible_collections.vpclink.routeros.plugins.module_utils.masking import mask

# The role's variables each router's work reads (vpc_tunnel_<name>), as the role's tasks used them.
PREFIX = 'vpc_tunnel_'
SETTINGS = ('api', 'tunnels', 'state', 'update_secret', 'backup_dir', 'backup_secrets', 'rollback_on_failure', 'sheet_dir',
            'write_sheet', 'show_sheet', 'verify_wait', 'fail_on_unhealthy', 'cloud_api', 'cloud_apply')
# The play's report settings, read from the first router of the batch only (one report per batch; templating them for every
# router would cost a template compilation per router for nothing).
REPORT_SETTINGS = ('write_report', 'report_dir')
# Settings a host may leave undefined (no role default).
OPTIONAL = ('cloud_api',)
ENTRIES = ('main', 'preflight', 'verify_only', 'absent')
PHASES = ('preflight', 'apply', 'verify', 'report')
DEFAULT_CONCURRENCY = 50
NOT_RUN_MESSAGE = 'the rollout stopped before its batch, or its batch is still to come'
FAILED_EARLIER = 'failed before its tunnels were read (its error is in the play output)'
BATCH_STOPPED = 'not touched: a preflight failure in its batch stopped the rollout before any write (max_fail_percentage)'


def argument_spec():
    """Options of vpclink.routeros.fleet_tunnels (module file and action plugin)."""
    return dict(
        entry=dict(type='str', default='main', choices=list(ENTRIES)),
        concurrency=dict(type='int', default=DEFAULT_CONCURRENCY),
    )


class InputError(Exception):
    """Bad input for one router: its message names the field."""


def flag(value):
    """A role flag as Ansible's ``| bool`` reads it (one reader: ansible-core's own, as cloud_steps uses)."""
    return boolean(value, strict=False)


# ---------------------------------------------------------------------------------------------
# Phases: which ones this run does (entry point, state, --tags / --skip-tags)
# ---------------------------------------------------------------------------------------------

def tag_selected(tag, run_tags, skip_tags):
    """Whether a task tagged ``tag`` would run with these --tags / --skip-tags (playbook/taggable.py evaluate_tags)."""
    run_tags, skip_tags = set(run_tags or ('all',)), set(skip_tags or ())
    if tag in skip_tags or 'all' in skip_tags or 'tagged' in skip_tags:
        return False
    return bool(run_tags & {'all', 'tagged', tag})


def phases(entry, state, run_tags=None, skip_tags=None):
    """The phases of this run, as the role's tags selected them: a subset of ``PHASES``."""
    selected = {tag for tag in PHASES if tag_selected(tag, run_tags, skip_tags)}
    # the report was tagged [report, always]: whichever phases the tags select, their outcome is reported; only
    # --skip-tags report (or always) turns it off
    if not {'report', 'always'} & set(skip_tags or ()):
        selected.add('report')
    out = set()
    if entry in ('main', 'preflight') and 'preflight' in selected:
        out.add('preflight')
    if (entry == 'absent' or (entry == 'main')) and 'apply' in selected:
        out.add('apply')
    # the read-only verification: only when this run does not apply (an apply verifies in its own session)
    if entry in ('main', 'verify_only') and state == 'present' and 'verify' in selected and 'apply' not in out:
        out.add('verify')
    if entry != 'preflight' and 'report' in selected:
        out.add('report')
    return out


def batch_stops(failed, batch_size, max_fail_percentage=None, any_errors_fatal=False):
    """Whether the play stops the batch once ``failed`` of its ``batch_size`` routers failed: the linear strategy's rule
    (plugins/strategy/linear.py run(): any_errors_fatal, then failed / batch_size > max_fail_percentage / 100); without
    either, the routers that passed go on."""
    if not failed:
        return False
    if any_errors_fatal:
        return True
    if max_fail_percentage is None or batch_size <= 0:
        return False
    return failed / batch_size > float(max_fail_percentage) / 100.0


# ---------------------------------------------------------------------------------------------
# 1. Each router's parameters, validated by the module's own argument spec
# ---------------------------------------------------------------------------------------------

def tunnel_list(settings, cloud_sides=None, remove=False):
    """The tunnels the module gets: with state absent (or ``remove``: the removal step) every tunnel is removed; a tunnel
    whose cloud end was read through the API carries what was read as its cloud_side (the preflight compares it)."""
    out = []
    for t in settings['tunnels']:
        if isinstance(t, dict):
            if remove or settings['state'] != 'present':
                t = dict(t, state='absent')
            # a name that is not a string is the module's to reject (naming the field)
            if cloud_sides and isinstance(t.get('name'), str) and t['name'] in cloud_sides:
                t = dict(t, cloud_side=cloud_sides[t['name']])
        out.append(t)
    return out


def present_names(tunnels):
    """The names of the tunnels that should be up (names only: a tunnel dict holds its PSK)."""
    return [t['name'] for t in tunnels if isinstance(t, dict) and t.get('state', 'present') == 'present' and 'name' in t]


def listed(tunnels):
    """The tunnels of a router nothing was read from, by name (the report shows them not verified)."""
    return [{'name': t.get('name') or f'tunnel {i}'} for i, t in enumerate(tunnels or (), 1) if isinstance(t, dict)]


def pings(tunnels):
    """Each present tunnel's verify.ping, for the read-only verification."""
    present = set(present_names(tunnels))
    return [t['verify']['ping'] for t in tunnels if isinstance(t, dict) and t.get('name') in present
            and (t.get('verify') or {}).get('ping') and flag(t['verify'].get('enabled', True))]


def validate(module, params):
    """``params`` checked against ``module``'s argument spec (as its action plugin does) -> (validated params, secret values).
    Raises ``InputError`` naming the field; secrets never in the message."""
    validation = ArgumentSpecValidator(runner.argument_spec(module)).validate(params)
    secrets = set(validation._no_log_values) | runner.secret_values(module, params)
    if validation.error_messages:
        raise InputError(remove_values(f'invalid arguments for vpclink.routeros.{module}: ' + '; '.join(validation.error_messages), secrets))
    return validation.validated_parameters, secrets


def settings_validator(role_options):
    """The validator of the role variables this task reads, from the role's own argument spec (``role_options``: the options
    of the ``main`` entry point of meta/argument_specs.yml). Built once per batch: building one copies the whole spec."""
    names = {PREFIX + key for key in SETTINGS + REPORT_SETTINGS}
    return ArgumentSpecValidator({name: option for name, option in role_options.items() if name in names})


def validate_settings(settings, validator):
    """The role variables of one router (``settings``, templated for it) checked by ``validator`` (``settings_validator``),
    as ansible-core's per-host ``validate_argument_spec`` task checks them: the play's entry points that skip that task
    (``tasks_from: fleet``) get the same check here, in one pass over the batch. Raises ``InputError`` naming the variable;
    secrets never in it."""
    validation = validator.validate({PREFIX + key: value for key, value in settings.items()})
    if validation.error_messages:
        raise InputError(remove_values('invalid role variables: ' + '; '.join(validation.error_messages),
                                       set(validation._no_log_values) | secrets_of(settings)))


def _api(settings):
    api = settings.get('api')
    if not isinstance(api, dict):
        raise InputError(f'{PREFIX}api: {type(api).__name__} given; a dict of connection options (hostname, username, password, ...) is needed')
    return dict(api)


def module_params(step, name, settings, collect_warnings, cloud_sides=None):
    """The parameters the role's per-host task of ``step`` gave its module before the fleet task took the steps over (the
    preflight, the apply, the removal, the read-only verification) -> (module name, params)."""
    base = _api(settings)
    if step == 'preflight':
        write_sheet = flag(settings['write_sheet']) and settings['state'] == 'present'
        base.update(mode='preflight', tunnels=tunnel_list(settings, cloud_sides), sheet_router=name, collect_warnings=collect_warnings)
        if write_sheet:
            base['sheet_file'] = f"{settings['sheet_dir']}/{name}.yml"
        return 'tunnels', base
    if step == 'apply':
        base.update(mode='apply', tunnels=tunnel_list(settings, cloud_sides), update_secret=settings['update_secret'], fail_on_unhealthy=False,
                    backup_dir=settings['backup_dir'], backup_secrets=settings['backup_secrets'],
                    rollback_on_failure=settings['rollback_on_failure'], sheet_router=name, collect_warnings=collect_warnings)
        return 'tunnels', base
    if step == 'remove':
        base.update(mode='apply', tunnels=tunnel_list(settings, remove=True), fail_on_unhealthy=False, backup_dir=settings['backup_dir'],
                    backup_secrets=settings['backup_secrets'], sheet_router=name, collect_warnings=collect_warnings)
        return 'tunnels', base
    if step == 'verify':
        tunnels = settings['tunnels']
        wait = int(settings.get('verify_wait') or 0)
        base.update(peers=present_names(tunnels), pings=pings(tunnels), wait_timeout=wait, log_lines=50, collect_warnings=collect_warnings)
        if wait > 0:
            base['wait_for'] = 'established'
        return 'ipsec_info', base
    raise ValueError(step)


# ---------------------------------------------------------------------------------------------
# 2. The batch
# ---------------------------------------------------------------------------------------------

class Router:
    """One router of the batch: its settings, what each step returned, and its record once it has one."""

    def __init__(self, name, settings=None, error=None):
        self.name = name
        self.settings = settings or {}
        self.error = error            # the settings could not be templated: its record says why
        self.secrets = set()
        self.preflight = None
        self.result = None            # the apply's, the removal's or the reading's result
        self.step = None
        self.failure = None           # (step, result) of the step that failed
        self.record = None
        self.cloud_step = 'none'
        self.cloud_sides = {}
        self.cloud = {}               # what the cloud steps returned: applied, removed, foreign (lines)

    def tunnels(self):
        return self.settings.get('tunnels') if isinstance(self.settings.get('tunnels'), list) else []


def _run_step(router, step, collect_warnings, check_mode, diff):
    """One step of one router through the engine -> its result (never raises: an exception is the router's failure)."""
    try:
        if step == 'verify':
            # the reading takes tunnel names only; the tunnels themselves are checked as the role's validation would
            # (playbooks/verify.yml runs no per-host validation task)
            router.secrets |= validate(*module_params('preflight', router.name, router.settings, False))[1]
        module, params = module_params(step, router.name, router.settings, collect_warnings, router.cloud_sides)
        params, secrets = validate(module, params)
        router.secrets |= secrets
        # the verification and the preflight only read; runner.run() opens and closes its own session
        return runner.run(module, params, check_mode=check_mode, diff=diff)
    except InputError as exc:
        return {'failed': True, 'changed': False, 'msg': str(exc), 'error_kind': 'input'}
    except Exception as exc:  # pylint: disable=broad-except  # one router's bug must not hide the other routers
        return {'failed': True, 'changed': False, 'msg': mask(f'{type(exc).__name__}: {exc}', router.secrets),
                'exception': mask(traceback.format_exc(), router.secrets)}


def _cloud(router, function, *args):
    """One cloud step of a router (cloud_steps.py, the Tencent modules' engine) -> its return, or None when it failed
    (the router's failure then)."""
    try:
        return function(router.settings.get('cloud_api'), *args)
    except cloud_steps.CloudStepError as exc:
        router.failure = ('cloud', {'failed': True, 'msg': mask(str(exc), router.secrets)})
    except Exception as exc:  # pylint: disable=broad-except  # one router's bug must not hide the other routers
        router.failure = ('cloud', {'failed': True, 'msg': mask(f'{type(exc).__name__}: {exc}', router.secrets)})
    return None


def _preflight(router, collect_warnings, check_mode, diff):
    # the cloud end read through the API first, for the preflight's comparison (only with vpc_tunnel_cloud_api alone)
    if router.cloud_step == 'read':
        sides = _cloud(router, cloud_steps.read_cloud_sides, router.tunnels())
        if sides is None:
            return
        router.cloud_sides = sides
    result = _run_step(router, 'preflight', collect_warnings, check_mode, diff)
    router.preflight = result
    if result.get('failed'):
        router.failure = ('preflight', result)


def _work(router, step, collect_warnings, check_mode, diff):
    if step == 'apply' and router.cloud_step == 'apply':
        # both ends: the cloud end before the router, from the preflight's cloud_connection and the tunnel's own PSK; read
        # back (outside check mode) it becomes the tunnels' cloud_side, compared once more before the router is touched
        psks = {t.get('name'): t.get('psk') for t in router.tunnels() if isinstance(t, dict)}
        applied = _cloud(router, cloud_steps.apply_connections, (router.preflight or {}).get('tunnels') or [], psks, check_mode)
        if applied is None:
            return
        router.cloud['applied'] = applied
        if not check_mode:
            sides = _cloud(router, cloud_steps.read_cloud_sides, router.tunnels())
            if sides is None:
                return
            router.cloud_sides = sides
    result = _run_step(router, step, collect_warnings, check_mode, diff)
    router.step, router.result = step, result
    if result.get('failed') and not (step == 'verify' and result.get('timed_out')):
        # a wait that ran out is an outcome (the tunnels that are not up), not a failure of the reading
        router.failure = (step, result)
        return
    if step in ('apply', 'remove') and router.cloud_step in ('apply', 'remove'):
        # after the router: the connections of the removed tunnels, only those the collection created
        removed = _cloud(router, cloud_steps.remove_connections, router.tunnels(), check_mode, router.cloud_step == 'remove')
        if removed is not None:
            router.cloud.update(removed)


def _pool(routers, function, concurrency):
    """``function(router)`` for each router, at most ``concurrency`` at a time (threads: the work waits on sockets)."""
    if not routers:
        return
    with ThreadPoolExecutor(max_workers=max(1, min(int(concurrency or 1), len(routers)))) as pool:
        for future in [pool.submit(function, r) for r in routers]:
            future.result()   # _run_step never raises; this only re-raises a bug of this file


def run_batch(routers, entry, run_phases, check_mode=False, diff=False, concurrency=DEFAULT_CONCURRENCY,
              max_fail_percentage=None, any_errors_fatal=False, collect_warnings=True):
    """The work of the batch: afterwards each router has its ``record`` (``record['recorded']``: whether the fleet report
    takes it; a preflight that passed alone is not an outcome to report)."""
    for router in routers:
        if router.error is not None:
            router.failure = ('variables', {'failed': True, 'msg': router.error, 'error_kind': 'input'})
        else:
            router.cloud_step = cloud_steps.cloud_step(entry, router.settings['state'], router.settings.get('cloud_api'),
                                                       router.settings.get('cloud_apply'))
    ready = [r for r in routers if not r.failure]
    if 'preflight' in run_phases:
        # every router's preflight before any router is touched (the preflight entry point never collects warnings: it
        # writes no report, so each cause is shown as the module shows it)
        _pool(ready, lambda r: _preflight(r, collect_warnings and entry != 'preflight', check_mode, diff), concurrency)
        ready = [r for r in ready if not r.failure]
        if batch_stops(len(routers) - len(ready), len(routers), max_fail_percentage, any_errors_fatal):
            for r in routers:
                r.record = record(r, entry) if r.failure else stopped(r)
            return

    def step_of(router):
        if 'apply' in run_phases:
            return 'remove' if entry == 'absent' or router.settings['state'] != 'present' else 'apply'
        return 'verify' if 'verify' in run_phases else None

    _pool([r for r in ready if step_of(r)], lambda r: _work(r, step_of(r), collect_warnings, check_mode, diff), concurrency)
    for r in routers:
        r.record = record(r, entry)


def stopped(router):
    """A router a preflight failure of its batch kept from being touched: no record for the report (it is not_run)."""
    return {'name': router.name, 'status': 'not_run', 'message': BATCH_STOPPED, 'tunnels': listed(router.tunnels()), 'warnings': [],
            'lines': [f'{router.name}: {BATCH_STOPPED}'], 'fail': False, 'changed': bool((router.preflight or {}).get('changed')),
            'recorded': False, 'preflight': mask(router.preflight, router.secrets), 'result': None}


# ---------------------------------------------------------------------------------------------
# 3. Each router's record, lines and verdict
# ---------------------------------------------------------------------------------------------

# What each step was called when it was a task of its own: a failure's message starts with it.
STEP_NAMES = {'variables': 'Variables of this router', 'cloud': "Cloud side (Tencent's API)",
              'preflight': 'Preflight - check the tunnels, write the cloud sheet (no router contact)',
              'apply': 'Apply, verify and diagnose the tunnels (one API session)', 'remove': 'Remove the tunnels (one API session)',
              'verify': "Read the tunnels' state (read-only)"}


def record(router, entry):
    """The fleet report's record of one router (report.py's shape) plus what the play shows and decides for it."""
    result = router.result or {}
    applied = router.step in ('apply', 'remove') and router.result is not None
    warnings = _warnings(result) if applied else _warnings(router.preflight)
    if router.step == 'verify':
        warnings += _warnings(result)
    if router.failure:
        step, failed = router.failure
        warnings += [w for w in _warnings(failed) if w not in warnings]
        rec = {'name': router.name, 'status': 'failed', 'error_kind': failed.get('error_kind') or '',
               'message': f"{STEP_NAMES.get(step, step)}: {failed.get('msg') or 'failed'}", 'tunnels': listed(router.tunnels()),
               'warnings': warnings}
    else:
        rec = {'name': router.name, 'status': 'ok', 'message': '', 'tunnels': list(result.get('tunnels') or []), 'warnings': warnings}
    rec = mask(rec, router.secrets)
    show = sheet_lines(router) if entry in ('main', 'preflight') else []
    lines = show + state_lines(router.name, rec['tunnels']) + [f'{router.name} / {line}' for line in router.cloud.get('foreign') or []]
    failure = failure_lines(router.name, rec['tunnels']) if rec['status'] == 'ok' else rec['message'].splitlines()
    if router.failure and router.failure[0] == 'preflight':
        # the failure class each cloud-side mismatch would cause, as the preflight's own failed task showed it
        failure += [f"  error_class: {m.get('error_class')} (tunnel {m.get('tunnel')!r}, {m.get('field')})"
                    for m in router.failure[1].get('mismatches') or () if m.get('severity') == 'error']
    rec['lines'] = mask(lines + failure, router.secrets)
    rec['fail'] = rec['status'] != 'ok' or (flag(router.settings.get('fail_on_unhealthy', True)) and bool(failure))
    rec['changed'] = (bool((router.preflight or {}).get('changed')) or bool(result.get('changed'))
                      or any(c.get('changed') for c in (router.cloud.get('applied') or []) + (router.cloud.get('removed') or [])))
    # what each step returned (secrets masked), for plays and tests that look further than the record
    rec['preflight'] = mask(router.preflight, router.secrets) if router.preflight is not None else None
    rec['result'] = mask(router.result, router.secrets) if router.result is not None else None
    rec['cloud'] = mask(router.cloud, router.secrets)
    # a preflight that passed (entry point preflight, --tags preflight) is no outcome for the report
    rec['recorded'] = bool(router.failure) or router.result is not None
    return rec


def _warnings(result):
    """A step's warnings: collected as data (the report shows each cause once) or, without the report, as the module
    would show them (this task shows them, once per cause)."""
    result = result or {}
    return list(result.get('collected_warnings') or []) + list(result.get('warnings') or [])


def sheet_lines(router):
    """The cloud sheet of a router, as the role showed it after its preflight (vpc_tunnel_show_sheet)."""
    pre = router.preflight or {}
    if pre.get('failed') or not flag(router.settings.get('show_sheet', True)) or router.settings.get('state') != 'present':
        return []
    lines = []
    for t in pre.get('tunnels') or ():
        sheet = t.get('cloud_sheet')
        if sheet:
            lines.append(f"{router.name} / {t['name']} ({sheet.get('cloud', '')}):")
            lines.extend(sheet.get('lines') or [])
            lines.extend('warning: ' + w for w in sheet.get('warnings') or [])
    if pre.get('sheet_file'):
        lines.append('sheet file: ' + pre['sheet_file'])
    return lines


def _status_word(t):
    if t.get('state') == 'absent':
        return 'removed'
    healthy = t.get('healthy')
    if healthy is True:
        return 'UP'
    if healthy is None:
        return 'not verified'
    return 'PARTIAL' if t.get('status') == 'partial' else 'DOWN'


def state_lines(host, tunnels):
    """One line per tunnel of a router's record, as the play shows it."""
    lines = []
    for t in tunnels:
        p1 = t.get('phase1') or {}
        ping = t.get('ping') or {}
        sas = t.get('sas')
        uptime = p1.get('uptime') or (p1.get('active_peer') or {}).get('uptime') or '-'
        count = (sas.get('count') or 0) if isinstance(sas, dict) else len(t.get('installed_sa') or [])
        line = (f"{host} / {t.get('name') or t.get('peer')}: {_status_word(t)} phase1={p1.get('state') or '-'} uptime={uptime} "
                f"SAs={count} ping=" + (f"{ping.get('received', '-')}/{ping.get('sent', '-')}" if ping else '-'))
        if t.get('status') == 'partial':
            line += ' down=' + ','.join(t.get('down_selectors') or [])
        if (t.get('diagnosis') or {}).get('class'):
            line += ' cause=' + t['diagnosis']['class']
        if t.get('adopted'):
            line += f" adopted={len(t['adopted'])} entries"
        lines.append(line)
    return lines


def failure_lines(host, tunnels):
    """The cause, evidence and fix of every present tunnel of a router that is not up."""
    lines = []
    for t in tunnels:
        if t.get('state', 'present') != 'present' or t.get('healthy') is not False:
            continue
        d = t.get('diagnosis') or {}
        lines.append(f"{host}: tunnel {t.get('name') or t.get('peer')} is not up: {d.get('class') or 'unknown'} "
                     f"(phase {d.get('phase') or '?'}, {'certain' if d.get('certain') else 'likely'})")
        if t.get('status') == 'partial':
            lines.append('  partially up: selector pairs down: ' + ', '.join(t.get('down_selectors') or []))
        lines.extend('  evidence: ' + line for line in d.get('evidence') or [])
        if len(d.get('candidates') or []) > 1:
            lines.append('  candidates (ranked): ' + ', '.join(c.get('class', '?') for c in d['candidates']))
        lines.append('  fix: ' + (d.get('fix') or 'compare both ends field by field (run playbooks/diagnose.yml)'))
        if t.get('rollback'):
            lines.append(f"  rolled back (it was up before this run) from {t['rollback'].get('backup')}; after the rollback: "
                         f"{t['rollback'].get('status_after')}")
    return lines


# ---------------------------------------------------------------------------------------------
# 4. The whole play's records, the secrets, the diffs
# ---------------------------------------------------------------------------------------------

def fleet_records(hosts_all, hosts_active, records, tunnel_names):
    """One record per host of the play: its own, else not_run (still active: its batch has not run or a stopped
    rollout never reached it) or failed (it failed before it could be recorded, e.g. its argument validation).
    ``tunnel_names(host)`` -> the names of its tunnels, for a host without a record."""
    out = []
    active = set(hosts_active)
    for host in hosts_all:
        rec = records.get(host)
        if rec is not None:
            out.append({k: rec[k] for k in ('name', 'status', 'error_kind', 'message', 'tunnels', 'warnings') if k in rec})
            continue
        out.append({'name': host, 'tunnels': [{'name': n} for n in tunnel_names(host)],
                    'status': 'not_run' if host in active else 'failed',
                    'message': NOT_RUN_MESSAGE if host in active else FAILED_EARLIER})
    return out


def secrets_of(settings):
    """The PSKs, the API password and the cloud API's secret key of one router's settings (masked wherever they might appear)."""
    out = set()
    for t in settings.get('tunnels') or ():
        if isinstance(t, dict) and t.get('psk'):
            out.add(str(t['psk']))
    for api, key in ((settings.get('api'), 'password'), (settings.get('cloud_api'), 'secret_key')):
        if isinstance(api, dict) and api.get(key):
            out.add(str(api[key]))
    return out


def diffs(routers):
    """Every router's diffs as one list (Ansible's callback prints a list of diffs), each header naming its router."""
    out = []
    for r in routers:
        for result in [r.preflight] + list(r.cloud.get('applied') or []) + [r.result] + list(r.cloud.get('removed') or []):
            diff = (result or {}).get('diff')
            for d in (diff if isinstance(diff, list) else [diff] if diff else []):
                d = dict(d)
                for key in ('before_header', 'after_header'):
                    d[key] = f'{r.name}: {d[key]}' if d.get(key) else r.name
                out.append(mask(d, r.secrets))
    return out


def batch_failed(records):
    """Whether a router of the batch failed or has a tunnel that is not up (the summary is shown then)."""
    return any(rec['status'] != 'ok' or any(t.get('healthy') is False for t in rec['tunnels']) for rec in records)
