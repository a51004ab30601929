# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ``tunnels`` module's safety net, one stage per function: the backup before the first write (``Journal``),
``mode: rollback`` (``rollback_last``), and ``rollback_on_failure`` (``up_before`` and ``roll_back_broken``).
The files and the restore itself live in ``backup.py``."""

from __future__ import annotations

import os

from ansible_collections.vpclink.routeros.plugins.module_utils import backup, health, info
from ansible_collections.vpclink.routeros.plugins.module_utils.api import RouterError


def router_name(session, params):
    return params.get('sheet_router') or session.router


class Journal:
    """The backup of one run on one router: opened before the first write (full prints of the menus to be written),
    fed each applied change, saved again after the writes (also when a write failed)."""

    def __init__(self, session, params, plans, specs, secrets):
        self.keep_secrets = bool(params.get('backup_secrets'))
        self.secrets = secrets
        paths = [path for path in specs if any(p[1].path == path and p[2]['ops'] for p in plans)]
        self.directory = backup.run_directory(params['backup_dir'], router_name(session, params))
        self.record = {'router': router_name(session, params), 'api': session.router, 'routeros_version': session.version,
                       'time': backup.utc_stamp(), 'menus': backup.read_menus(session, paths),
                       'changes': []}
        self.save()

    def add(self, owner, spec, plan):
        row = plan.get('row')
        if row is not None:
            full = next((r for r in self.record['menus'].get(spec.path, []) if r.get('.id') == row.get('.id')), None)
            row = full or row
        self.record['changes'].append(backup.change_of(owner, spec, plan, row))

    def save(self):
        try:
            backup.write_files(self.directory, self.record, self.keep_secrets, self.secrets)
        except OSError as exc:
            raise RouterError(f'cannot write the backup under {self.directory}: {exc.strerror or exc}; nothing more was written to router '
                              f'{self.record["api"]}. Check that backup_dir is writable by the user running Ansible',
                              router=self.record['api'], step='backup') from None


def up_before(session, resolved, peer_of):
    """Names of the present, verified tunnels that are up now (one runtime read, before any write)."""
    rows = info.read_runtime(session)
    return {t['name'] for t in resolved if t['state'] == 'present' and t['verify']['enabled']
            and health.tunnel_health(*health.rows_of(peer_of(t), *rows))['status'] == health.UP}


def roll_back_broken(session, resolved, views, journal, specs, was_up, peer_of):
    """Restore, verify and report each tunnel that was up before the run and is not now."""
    for t in resolved:
        view = views[t['name']]
        if t['name'] not in was_up or view.get('healthy') is not False:
            continue
        mine = [c for c in journal.record['changes'] if c['tunnel'] == t['name']]
        done = backup.restore(session, specs, mine, secrets={t['name']: t['psk']})
        peers, timeouts = {t['name']: peer_of(t)}, {t['name']: t['verify']['timeout']}
        rows, _polls, _waited = info.wait_until_up(session, peers, timeouts, t['verify']['interval'])
        verdict = health.tunnel_health(*health.rows_of(peer_of(t), *rows))
        view['rollback'] = {'done': True, 'reason': 'up before the run, not up after it', 'commands': done['commands'],
                            'not_restored': done['not_restored'], 'healthy_after': verdict['healthy'], 'status_after': verdict['status'],
                            'backup': journal.directory}


def rollback_last(session, params, resolved, specs, check_mode=False):
    """``mode: rollback``: restore the newest backup of this router (only the entries that run changed)."""
    name = router_name(session, params)
    directory = backup.last_directory(params['backup_dir'], name)
    if directory is None or not os.path.exists(os.path.join(directory, 'backup.json')):
        raise RouterError(f'router {session.router}: no backup of {name} under {params["backup_dir"]}; nothing was rolled back. Give the '
                          'backup_dir the run used (vpc_tunnel_backup_dir), from the directory the playbook ran in',
                          router=session.router, step='rollback')
    record = backup.load(directory)
    secrets = {t['name']: t['psk'] for t in resolved if t.get('psk')}
    done = backup.restore(session, specs, record['changes'], secrets=secrets, check_mode=check_mode)
    return {'changed': bool(done['commands']), 'router': session.router, 'routeros_version': session.version, 'backup': directory,
            'commands': done['commands'], 'restored': done['restored'], 'not_restored': done['not_restored'], 'tunnels': [], 'logins': 1}
