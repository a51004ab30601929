# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Backup before the first write of a run, and the rollback that restores what the run changed.

Where (on the controller, where the action plugin runs): ``<backup_dir>/<router>/<UTC time>/``, and
``<backup_dir>/<router>/LAST`` names the newest run directory. A run directory holds:

* ``backup.json``: ``{router, routeros_version, time, menus: {path: [rows]}, changes: [...]}``: every entry of every
  menu the run was about to write (one full ``print`` each, before the first write), and the changes: for each
  entry written, its menu, what was done (``created``, ``updated``, ``adopted``, ``moved``, ``deleted``), its
  ``.id`` and the entry as it was before (``before``) -- rewritten after the writes with the ids RouterOS gave.
* ``backup.rsc``: the same entries as RouterOS export lines (``/ip ipsec peer`` then ``add name=...``) a person
  can read or paste into a terminal.

Secrets (identity ``secret``, ``password``, peer ``ppk-secret``) are masked in both files unless
``backup_secrets`` is true; then both files are written with mode 0600. A user without the ``sensitive``
policy reads them masked anyway.

Rollback (``restore``) touches only the entries of ``changes``, found by ``.id`` and, when the id changed (an entry
removed and added by hand since), by key and our mark; foreign entries are never touched. Order: entries the run
created are removed (reverse dependency order), then per menu in dependency order the changed ones are set back to
their backed-up values and the deleted ones added again. A masked secret cannot be restored from the backup: the
caller gives the inventory's PSK per tunnel (``secrets``), or the entry is reported as not restored.
It is idempotent: an entry already as in the backup is not written.
"""

from __future__ import annotations

import json
import os
import time

from ansible_collections.vpclink.routeros.plugins.module_utils.api import RouterError
from ansible_collections.vpclink.routeros.plugins.module_utils.files import write_atomically
from ansible_collections.vpclink.routeros.plugins.module_utils.masking import MASK, mask
from ansible_collections.vpclink.routeros.plugins.module_utils.ownership import is_ours

LAST = 'LAST'
FILES = ('backup.json', 'backup.rsc')
# Properties RouterOS reports but never takes in add/set (flags and runtime state).
READ_ONLY = ('.id', 'default', 'dynamic', 'builtin', 'invalid', 'active', 'ph2-state', 'ph2-count', 'responder', 'template',
             'sa-src-address', 'sa-dst-address', 'bytes', 'packets', '.nextid', '.dead')
SENSITIVE = ('secret', 'password', 'ppk-secret')


def utc_stamp():
    """``20261202T063512.123456Z``: sortable, one per run."""
    now = time.time()
    return time.strftime('%Y%m%dT%H%M%S', time.gmtime(now)) + f'.{int(now % 1 * 1e6):06d}Z'


def safe_name(text):
    return ''.join(c if c.isalnum() or c in '.-_' else '_' for c in str(text)) or 'router'


def run_directory(base, router):
    """A new run directory ``<base>/<router>/<UTC time>``."""
    stamp = utc_stamp()
    return os.path.join(os.path.abspath(os.path.expanduser(base)), safe_name(router), stamp)


def last_directory(base, router):
    """The newest run directory of ``router`` under ``base`` (from ``LAST``), or None."""
    folder = os.path.join(os.path.abspath(os.path.expanduser(base)), safe_name(router))
    try:
        with open(os.path.join(folder, LAST), encoding='utf-8') as fh:
            name = fh.read().strip()
    except FileNotFoundError:
        return None
    return os.path.join(folder, name) if name else None


def read_menus(session, paths):
    """Every entry of each menu (one full print per menu), before the first write."""
    return {path: session.print_(path, entry=f'backup of {path}') for path in paths}


def api_text(value):
    """A printed value as RouterOS takes it back: librouteros reads ``yes``/``true`` as True and ``no``/``false`` as False,
    and RouterOS takes ``yes``/``no`` for both booleans and the ``no`` of choices such as ``generate-policy``."""
    if value is True:
        return 'yes'
    if value is False:
        return 'no'
    return str(value)


def _masked_rows(rows, keep_secrets, secrets):
    out = []
    for row in rows:
        row = {k: api_text(v) for k, v in row.items()}
        if not keep_secrets:
            row = {k: (MASK if k in SENSITIVE and v else v) for k, v in row.items()}
            row = mask(row, secrets)
        out.append(row)
    return out


def export_lines(menus):
    """RouterOS export lines for the backed-up entries (not the built-in or dynamic ones)."""
    lines = ['# vpclink.routeros backup: the entries below are the state before the run (secrets masked unless asked for)']
    for path, rows in menus.items():
        lines.append(path.replace('/', ' ').strip().join(['/', '']))
        for row in rows:
            if str(row.get('default')).lower() == 'true' or str(row.get('dynamic')).lower() == 'true' or row.get('builtin'):
                continue
            words = [f'{k}={_quote(v)}' for k, v in row.items() if k not in READ_ONLY]
            lines.append('# ' + str(row.get('.id')) + '\nadd ' + ' '.join(words))
    return '\n'.join(lines) + '\n'


def _quote(value):
    text = str(value)
    if text == '' or any(c in text for c in ' ";\\$[]{}'):
        return '"' + text.replace('\\', '\\\\').replace('"', '\\"').replace('$', '\\$') + '"'
    return text


def write_files(directory, record, keep_secrets, secrets):
    """Write ``backup.json`` and ``backup.rsc`` into ``directory`` (atomic replace), then point ``LAST`` at it."""
    menus = {path: _masked_rows(rows, keep_secrets, secrets) for path, rows in record['menus'].items()}
    changes = [dict(c, before=_masked_rows([c['before']], keep_secrets, secrets)[0] if c.get('before') else None) for c in record['changes']]
    data = dict(record, menus=menus, changes=changes)
    mode = 0o600 if keep_secrets else 0o644
    write_atomically(os.path.join(directory, 'backup.json'), json.dumps(data, indent=2, sort_keys=True) + '\n', mode, 0o700)
    write_atomically(os.path.join(directory, 'backup.rsc'), export_lines(menus), mode, 0o700)
    write_atomically(os.path.join(os.path.dirname(directory), LAST), os.path.basename(directory) + '\n', 0o644, 0o700)


def load(directory):
    with open(os.path.join(directory, 'backup.json'), encoding='utf-8') as fh:
        return json.load(fh)


def change_of(owner, spec, plan, row):
    """One ``changes`` item from an applied plan (``row``: the entry before the run, None for a new one)."""
    res = plan['result']
    return {'tunnel': owner, 'menu': spec.path, 'kind': spec.kind, 'action': res.get('action'), 'id': res.get('id'),
            'label': plan['label'], 'changed_properties': res.get('changed_properties', []), 'before': row}


# -- restore ---------------------------------------------------------------------------------------

def restore(session, specs, changes, secrets=None, check_mode=False):
    """Put back what ``changes`` did (see the module docstring). ``specs``: ``{menu path: MenuSpec}``, in dependency order.
    ``secrets``: ``{tunnel: PSK}`` for secrets the backup masked. Returns ``{'commands', 'restored', 'not_restored'}``."""
    order = list(specs)
    done = {'commands': [], 'restored': [], 'not_restored': []}
    written = [c for c in changes if c.get('action') not in (None, 'unchanged')]
    created = sorted([c for c in written if c['action'] == 'created'], key=lambda c: -order.index(c['menu']))
    for change in created:
        row = _current(session, specs[change['menu']], change, by_id=change.get('id'))
        if row is not None and (is_ours(row) or not specs[change['menu']].marked(session.version_tuple)):
            _write(session, done, check_mode, change, 'remove', row.get('.id'), None)
    for path in order:
        for change in [c for c in written if c['menu'] == path and c['action'] != 'created']:
            _restore_one(session, specs[path], change, secrets or {}, done, check_mode)
    return done


def _restore_one(session, spec, change, secrets, done, check_mode):
    before = change.get('before') or {}
    wanted = _writable(spec, before, session.version_tuple, adding=change['action'] == 'deleted')
    for name in change['changed_properties']:
        field = spec.by_name.get(name)
        if name not in before and field is not None and field.default_for(session.version_tuple) is not None:
            wanted[name] = str(field.default_for(session.version_tuple))   # the property was at its default (omitted from print)
    missing_secret = [k for k in SENSITIVE if wanted.get(k) == MASK]
    for name in missing_secret:
        # only an entry added again takes the inventory's PSK: for a changed one it is the new value, not the one to restore
        if change['action'] == 'deleted' and secrets.get(change.get('tunnel')):
            wanted[name] = secrets[change['tunnel']]
            continue
        del wanted[name]
        if name in change['changed_properties'] or change['action'] == 'deleted':
            done['not_restored'].append(f'{change["menu"]} {change["label"]}: {name} (masked in the backup: set it by hand, or back up '
                                        'with backup_secrets: true)')
    row = _current(session, spec, change, by_id=before.get('.id'))
    if change['action'] == 'deleted':
        if row is None:
            _write(session, done, check_mode, change, 'add', None, wanted)
        return
    if row is None:
        done['not_restored'].append(f'{change["menu"]} {change["label"]}: no longer on the router')
        return
    diff = {k: v for k, v in wanted.items()
            if _same(row.get(k, ''), v) is False and not (k in SENSITIVE and k not in change['changed_properties'])}
    for key in ('comment',):
        if key not in before and row.get(key):
            diff[key] = ''       # it had no comment (an adopted entry): our mark goes
    if diff:
        _write(session, done, check_mode, change, 'set', row.get('.id'), diff)


def _same(now, backed_up):
    yes_no = {'yes': 'yes', 'true': 'yes', 'no': 'no', 'false': 'no'}
    a, b = api_text(now), api_text(backed_up)
    return yes_no.get(a, a) == yes_no.get(b, b)


def _writable(spec, row, version, adding=False):
    """The properties of ``row`` the collection manages (its MenuSpec fields); fixed key fields only to add an entry again."""
    names = {f.name for f in spec.fields if f.available(version) and (adding or f.fixed is None)}
    return {k: v for k, v in row.items() if k in names and k not in READ_ONLY}


def _current(session, spec, change, by_id):
    """The entry on the router now: by ``.id``, else by the key the run left it with (the label's key values) and our mark."""
    rows = session.print_(change['menu'], entry=change['label'])
    if by_id:
        found = next((r for r in rows if r.get('.id') == by_id), None)
        if found is not None:
            return found
    key = _label_key(change['label'], spec)
    matches = [r for r in rows if key and all(str(r.get(k)) == v for k, v in key.items())]
    return matches[0] if len(matches) == 1 else None


def _label_key(label, spec):
    """``{key: value}`` from an entry label such as ``peer name=vpc`` (values have no spaces)."""
    out = {}
    for word in label.split(' '):
        name, sep, value = word.partition('=')
        if sep and name in spec.keys:
            out[name] = value
    return out


def _write(session, done, check_mode, change, verb, entry_id, attrs):
    path = change['menu']
    shown = {k: (MASK if k in SENSITIVE else v) for k, v in (attrs or {}).items()}
    done['commands'].append(' '.join([f'{path}/{verb}'] + ([f'=.id={entry_id}'] if entry_id else [])
                                     + [f'={k}={v}' for k, v in shown.items()]))
    done['restored'].append(f'{path} {change["label"]}: {verb}')
    if check_mode:
        return
    try:
        if verb == 'remove':
            session.remove(path, entry_id, entry=change['label'])
        elif verb == 'set':
            session.set_(path, entry_id, attrs, entry=change['label'])
        else:
            session.add(path, attrs, entry=change['label'])
    except RouterError as exc:
        raise RouterError(f'{exc.msg} (rollback: {len(done["restored"]) - 1} step(s) done before this one; run the rollback again after '
                          'fixing the cause)', **exc.details) from None
