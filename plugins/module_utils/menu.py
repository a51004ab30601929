# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The reconcile engine: find -> validate -> compare -> plan -> apply.

A ``MenuSpec`` describes one RouterOS menu: its API path, the stable key, the fields with their
kinds, allowed values per RouterOS major version, minimum versions, sensitivity and references
to other menus. ``reconcile(session, spec, params, check_mode, diff)`` makes the router match
``params`` and returns a plain result dict; it never needs ``AnsibleModule`` (action plugins run it
in the controller's own process).

Decisions (documented in the modules too):

* Only the options the user gives are compared and written: RouterOS owns
  the defaults. A field the router omits from ``print`` counts as its RouterOS default
  (RouterOS leaves properties at their default out of ``print``) when the spec knows it.
* References (peer -> profile, identity -> peer, policy -> peer/proposal) must exist before any
  write. A missing one fails the run naming the field, the value and the menu to create it in.
  In check mode it is a warning instead, because an earlier task of the same play would have
  created it in a real run.
* Secrets are compared when the router shows them; when it hides them (API user without the
  ``sensitive`` policy), ``update_secret`` decides: ``auto`` (the default) compares a salted
  fingerprint of the secret kept in the entry's ownership comment, ``always`` writes them on every run,
  ``on_create`` only when the entry is created.
* Ownership: an entry found by its key is ours only when it carries our mark (``ownership.py``). A foreign
  entry is never changed (the run stops before any write, naming what differs and the way out:
  ``adopt``) and never removed; with ``adopt`` it is taken over (marked, updated, reported ``adopted``).
"""

from __future__ import annotations

from ansible_collections.vpclink.routeros.plugins.module_utils.api import RouterError
from ansible_collections.vpclink.routeros.plugins.module_utils.masking import MASK
from ansible_collections.vpclink.routeros.plugins.module_utils.ownership import fingerprint, is_ours, mark_comment, secret_hidden, without_fingerprint
from ansible_collections.vpclink.routeros.plugins.module_utils.values import (
    bool_to_api,
    duration_to_api,
    multi_to_api,
    normalise_address,
    normalise_bool,
    normalise_choice,
    normalise_cidr,
    normalise_duration,
    normalise_identity,
    normalise_int,
    normalise_multi,
    normalise_name,
    normalise_peer_address,
    normalise_secret,
    normalise_str,
)

SECRET_CHANGED = '<secret changed>'
SECRET_SET = '<secret set>'

# Descriptions of the options MenuSpec.argument_spec() adds to every object module; tools/update_docs.py writes them,
# with each Field's description, into the modules' DOCUMENTATION. ``{secrets}``: the module's sensitive options.
STATE_DESCRIPTION = ['V(present) creates or updates the entry found by its key; V(absent) removes only that entry.']
UPDATE_SECRET_DESCRIPTION = [
    'What to do with secrets ({secrets}) when the router does not show them (API user without the C(sensitive) policy).',
    'When the router shows a secret it is always compared, and written only when it differs.',
    'V(auto) compares a salted fingerprint of the secret kept in the entry\'s C(vpclink:) comment (written with the secret), so a changed '
    'secret is written and an unchanged one is not; an entry without that fingerprint gets the secret written once.',
    'V(always) writes a hidden secret on every run (the task then reports a change); V(on_create) writes it only when the entry is created '
    '(a changed secret is then never applied: avoid it).',
]
ADOPT_DESCRIPTION = [
    'Take over an existing entry with this key that the collection did not create (it has no C(vpclink:) mark): it is marked, '
    'updated and reported as C(adopted).',
    'Without it such an entry is never changed: the task fails before any write, naming what differs.',
]
UPDATE_SECRET_CHOICES = ['auto', 'always', 'on_create']

KINDS = ('str', 'name', 'secret', 'bool', 'int', 'duration', 'choice', 'multi', 'cidr', 'address', 'peer_address', 'ike_id')


def _vtext(version):
    return '.'.join(str(part) for part in version[:2]) if version[2:] in ((), (0,)) else '.'.join(str(p) for p in version)


class Field:
    """One RouterOS property of a menu.

    ``choices``: a tuple, or a dict ``{major_version: tuple}`` (RouterOS 6 and 7 differ). For
    ``multi`` fields the tuple order is the order RouterOS prints the values in.
    ``default``: what the router means when ``print`` omits the property (value or
    ``{major: value}``); ``None`` means "unknown/unset".
    """

    def __init__(self, name, kind='str', choices=None, default=None, min_version=None, max_version=None,
                 sensitive=False, reference=None, builtin_refs=(), specials=(), minimum=None, maximum=None,
                 required=False, description=None, dns_from=None, ike_extra=(), option=None, fixed=None):
        if kind not in KINDS:
            raise ValueError(f'unknown field kind {kind!r}')
        self.name = name
        # Option name: the RouterOS name with '-' -> '_', unless it collides with a connection option.
        self.option = option or name.replace('-', '_')
        self.kind = kind
        self.choices = choices
        self.default = default
        self.min_version = tuple(min_version) if min_version else None
        self.max_version = tuple(max_version) if max_version else None
        self.sensitive = sensitive
        self.reference = reference
        self.builtin_refs = tuple(builtin_refs)
        self.specials = tuple(specials)
        self.minimum = minimum
        self.maximum = maximum
        self.required = required
        self.description = description or []
        self.dns_from = dns_from
        self.ike_extra = tuple(ike_extra)
        # A fixed value is part of what the module IS (e.g. NAT chain=srcnat action=accept): it is
        # not an option, it is always in the key comparison and written on create.
        self.fixed = fixed

    # -- versions -----------------------------------------------------------
    def available(self, version):
        if self.min_version and tuple(version) < self.min_version:
            return False
        return not (self.max_version and tuple(version) >= self.max_version)

    def allowed(self, version):
        if isinstance(self.choices, dict):
            return tuple(self.choices.get(version[0]) or self.choices[max(self.choices)])
        return tuple(self.choices) if self.choices else None

    def default_for(self, version):
        if isinstance(self.default, dict):
            return self.default.get(version[0])
        return self.default

    # -- values -------------------------------------------------------------
    def normalise(self, value, version):
        """Canonical value for comparison; raises ValueError naming the field, value and what is allowed."""
        label = f'{self.name} (option {self.option})' if self.option != self.name else self.name
        if value is None:
            return None
        kind = self.kind
        if kind == 'str':
            return normalise_str(value, label, sensitive=self.sensitive)
        if kind == 'name':
            return normalise_name(value, label)
        if kind == 'secret':
            return normalise_secret(value, label)
        if kind == 'bool':
            return normalise_bool(value, label)
        if kind == 'int':
            return normalise_int(value, label, self.minimum, self.maximum)
        if kind == 'duration':
            return normalise_duration(value, label, self.specials)
        if kind == 'choice':
            return normalise_choice(value, label, self.allowed(version))
        if kind == 'multi':
            return normalise_multi(value, label, self.allowed(version))
        if kind == 'cidr':
            return normalise_cidr(value, label)
        if kind == 'address':
            return normalise_address(value, label)
        if kind == 'peer_address':
            return normalise_peer_address(value, label, allow_dns=bool(self.dns_from and tuple(version) >= self.dns_from))
        if kind == 'ike_id':
            return normalise_identity(value, label, words=('auto', 'dn') + self.ike_extra)
        raise ValueError(f'unknown kind {kind}')  # pragma: no cover

    def to_api(self, canonical, version):
        if canonical is None:
            return ''
        if self.kind == 'bool':
            return bool_to_api(canonical)
        if self.kind == 'duration':
            return duration_to_api(canonical)
        if self.kind == 'multi':
            return multi_to_api(canonical, self.allowed(version))
        return str(canonical)

    def shown(self, canonical, version):
        """Human form for diffs and results (secrets are masked elsewhere)."""
        if canonical is None:
            return None
        if self.kind in ('bool', 'int'):
            return canonical
        return self.to_api(canonical, version)

    def argspec(self):
        spec = {'type': {'bool': 'bool', 'int': 'int', 'multi': 'list'}.get(self.kind, 'str')}
        if self.kind == 'multi':
            spec['elements'] = 'str'
        if self.required:
            spec['required'] = True
        if self.sensitive:
            spec['no_log'] = True
        return spec


class MenuSpec:
    """One menu: ``kind`` (label used in messages), API ``path``, ``keys`` (RouterOS names), fields,
    ``flags`` that mark entries we never touch (RouterOS's default, dynamic or built-in ones), ``query_keys`` sent as ``?`` words
    (the others are compared after normalisation, e.g. CIDRs)."""

    def __init__(self, kind, path, keys, fields, flags=('default', 'dynamic'), query_keys=None, has_update_secret=None,
                 placement=None, owner_key=None, used_by=None):
        self.kind = kind
        self.path = path
        self.keys = tuple(keys)
        self.fields = list(fields)
        self.by_name = {f.name: f for f in self.fields}
        self.by_option = {f.option: f for f in self.fields}
        self.flags = tuple(flags)
        self.query_keys = tuple(query_keys if query_keys is not None else self.keys)
        self.sensitive = [f for f in self.fields if f.sensitive]
        self.has_update_secret = bool(self.sensitive) if has_update_secret is None else has_update_secret
        # ``placement``: an object with ``chain`` (name), ``matchers`` (properties to print) and
        # ``catches(row, desired, rows)`` -> reason text or None, for ordered menus (firewall): the entry
        # must stand above every rule that would catch its traffic first. The engine places it on add
        # (``place-before``) and moves it (``move``) only when such a rule is above it, so a rule in a good
        # position is never churned.
        self.placement = placement
        # ``owner_key``: the key whose value names the tunnel an entry belongs to (written in the mark ``vpclink:<owner>``);
        # ``used_by``: ``(path, property)`` of the menu whose entries reference this one, for a menu without a
        # ``comment`` on some RouterOS versions: its ownership is derived from those entries (ownership.py).
        self.owner_key = owner_key
        self.used_by = used_by
        for key in self.keys:
            if self.by_name[key].fixed is None:
                self.by_name[key].required = True

    def marked(self, version):
        """Whether this menu keeps a ``comment`` (our ownership mark) on this RouterOS version."""
        field = self.by_name.get('comment')
        return field is not None and field.available(version)

    @property
    def options(self):
        return [f for f in self.fields if f.fixed is None]

    def argument_spec(self):
        spec = {f.option: f.argspec() for f in self.options}
        spec['state'] = dict(type='str', default='present', choices=['present', 'absent'])
        spec['adopt'] = dict(type='bool', default=False)
        if self.has_update_secret:
            spec['update_secret'] = dict(type='str', default='auto', choices=list(UPDATE_SECRET_CHOICES), no_log=False)
        return spec

    def entry_label(self, key_values):
        return '{} {}'.format(self.kind, ' '.join(f'{k}={v}' for k, v in key_values.items()))


def _protected(row, flags):
    for flag in flags:
        value = row.get(flag)
        if value is True or (isinstance(value, str) and value.lower() in ('true', 'yes')):
            return flag
    return None


def _current(field, row, version):
    """The router's value, canonical; an omitted property is the field's RouterOS default."""
    raw = row[field.name] if field.name in row else field.default_for(version)
    if raw is None:
        return None
    try:
        return field.normalise(raw, version)
    except ValueError:
        return ('<unparsed>', str(raw))  # never equal to a valid desired value, so it gets corrected


def _mask_value(field, value):
    if field.sensitive and value is not None:
        return MASK
    return value


def validate_entry(session, spec, params):
    """Step 1 of the engine: check one entry's ``params`` against this router's version, before any
    read of the menu or any write, so bad input changes nothing. Returns the entry dict the other steps take:
    ``{'params', 'state', 'update_secret', 'desired', 'key_values', 'label'}``. Raises ``RouterError``."""
    state = params.get('state') or 'present'
    for field in spec.sensitive:
        if params.get(field.option):
            session.add_secret(params[field.option])
    version = session.version_tuple
    vtext = session.version
    router = session.router
    errors = []
    desired = {}
    for field in spec.fields:
        value = field.fixed if field.fixed is not None else params.get(field.option)
        if value is None or (state == 'absent' and field.name not in spec.keys):
            continue
        if not field.available(version):
            if field.min_version and version < field.min_version:
                errors.append(f'{field.name} (option {field.option}) needs RouterOS >= {_vtext(field.min_version)}; router {router} runs {vtext}. '
                              'Remove the option or upgrade RouterOS.')
            else:
                errors.append(f'{field.name} (option {field.option}) does not exist from RouterOS {_vtext(field.max_version)} on; '
                              f'router {router} runs {vtext}. Remove the option.')
            continue
        try:
            desired[field.name] = field.normalise(value, version)
        except ValueError as exc:
            errors.append(f'{session.scrub(exc)} (RouterOS {vtext})')
    key_values = {}
    for key in spec.keys:
        if key not in desired:
            given = params.get(spec.by_name[key].option)
            if given is None:
                errors.append(f'{key} (option {spec.by_name[key].option}) is required to identify the {spec.kind} entry')
            else:
                key_values[key] = given
        else:
            key_values[key] = spec.by_name[key].to_api(desired[key], version)
    label = spec.entry_label(key_values)
    if errors:
        raise RouterError('router {}, {}, {}: invalid input, nothing was changed: {}'.format(router, spec.path, label, '; '.join(errors)),
                          router=router, menu=spec.path, entry=label, step='validate', routeros_version=vtext, errors=errors)
    update_secret = params.get('update_secret') or 'auto'
    secret_mark = _mark(spec, state, desired, key_values, update_secret, version)
    return {'params': params, 'state': state, 'update_secret': update_secret, 'desired': desired, 'key_values': key_values,
            'label': label, 'adopt': bool(params.get('adopt')), 'secret_mark': secret_mark}


def _mark(spec, state, desired, key_values, update_secret, version):
    """Put our ownership mark into ``desired['comment']`` (menus that keep a comment on this version); returns the
    secret's fingerprint written in it (``update_secret: auto``), else None."""
    if state != 'present' or not spec.marked(version):
        return None
    owner = key_values.get(spec.owner_key) if spec.owner_key else ''
    secret_mark = None
    secrets = [desired[f.name] for f in spec.sensitive if desired.get(f.name) is not None]
    if update_secret == 'auto' and secrets:
        secret_mark = fingerprint(owner, '\n'.join(str(s) for s in secrets))
    desired['comment'] = spec.by_name['comment'].normalise(mark_comment(owner, desired.get('comment'), secret_mark), version)
    return secret_mark


def proplist(spec, version, extra=()):
    """Every property the engine compares, the protection flags and, for ordered menus, the matchers."""
    names = ['.id'] + [f.name for f in spec.fields if f.available(version)] + list(spec.flags)
    if spec.placement is not None:
        names += [name for name in spec.placement.matchers if name not in names]
    return names + [name for name in extra if name not in names]


def query_words(spec, entries, extra=()):
    """``?`` words selecting the rows of all ``entries`` (and ``extra`` ``{key: value}`` selections) in ONE print
    (MikroTik API manual, "Queries", https://help.mikrotik.com/docs/spaces/ROS/pages/47579160/API: each word pushes a result, ``?#|`` ORs the top two,
    the stack is ANDed at the end). One selection is plain AND words; several are ``?#&``-joined per
    selection and ``?#|``-joined between selections."""
    selections = []
    for selection in [{k: e['key_values'][k] for k in spec.query_keys} for e in entries] + list(extra):
        if selection and selection not in selections:
            selections.append(selection)
    if not selections:
        return []
    words = []
    for index, selection in enumerate(selections):
        words += [f'?={key}={value}' for key, value in selection.items()]
        if len(selections) > 1 and len(selection) > 1:
            words.append('?#' + '&' * (len(selection) - 1))
        if index:
            words.append('?#|')
    return words


def fetch(session, spec, entries, extra_selections=(), extra_props=(), label=None):
    """ONE print of ``spec``'s menu covering every entry (few round trips per run): ``.proplist`` and ``?`` queries."""
    if label is None:
        label = entries[0]['label'] if len(entries) == 1 else f'{len(entries)} {spec.kind} entries'
    props = proplist(spec, session.version_tuple, extra_props)
    if len(entries) == 1 and not extra_selections:
        # the single-entry modules: plain AND query words
        return session.print_(spec.path, proplist=props, query={k: entries[0]['key_values'][k] for k in spec.query_keys}, entry=label)
    return session.print_(spec.path, proplist=props, words=query_words(spec, entries, extra_selections), entry=label)


def key_matches(spec, row, desired, version):
    return all(_current(spec.by_name[key], row, version) == desired[key] for key in spec.keys)


def reconcile(session, spec, params, check_mode=False, diff=False, warn=None):
    """Make ``spec``'s menu on ``session``'s router match ``params``; return the result dict.

    ``params`` are plain option values (underscored names, ``state``, ``update_secret``).
    Raises ``RouterError`` (no write has happened when validation fails). The same steps serve
    several entries of one menu from one print (``validate_entry``, ``fetch``, ``plan_entry``,
    ``apply_plan``), which the composite ``tunnels`` module uses.
    """
    entry = validate_entry(session, spec, params)
    rows = fetch(session, spec, [entry])
    plan = plan_entry(session, spec, entry, rows, check_mode=check_mode, diff=diff, warn=warn)
    return apply_plan(session, spec, plan, check_mode=check_mode)


def plan_entry(session, spec, entry, rows, check_mode=False, diff=False, warn=None, references=True):
    """Steps 2-3 for one validated entry against ``rows`` (a print covering its key; other rows are
    ignored): find by stable key, compare, plan. Returns a plan; nothing is written here.

    ``references=False``: the caller guarantees the referenced entries exist or are created
    earlier in the same run (the composite module), so no reference print is sent."""
    warnings = []

    def _warn(text):
        warnings.append(text)
        if warn is not None:
            warn(text)

    version = session.version_tuple
    row = _find(session, spec, entry, rows)
    result = {'changed': False, 'router': session.router, 'routeros_version': session.version, 'menu': spec.path, 'commands': []}
    plan = {'result': result, 'ops': [], 'label': entry['label'], 'diff': diff, 'warnings': warnings, 'before': None, 'after': None,
            'version': version, 'row': row}
    before_values = _before_values(spec, row, version)

    if entry['state'] == 'absent':
        if row is None:
            result.update(action='unchanged', id=None, entry={})
            return plan
        if not _owned(session, spec, entry, row):
            return _foreign(session, spec, entry, row, plan, before_values)
        return _plan_remove(spec, plan, row, before_values, version)

    if entry.get('adopt_row') is not None:
        plan['adopting'] = True         # taken over under another key (adopt_from): always reported as adopted
    elif row is not None and not _owned(session, spec, entry, row):
        if not entry['adopt']:
            return _foreign(session, spec, entry, row, plan, before_values)
        plan['adopting'] = True
    changes, secret_notes = _changes(spec, row, entry, version)
    if references:
        _check_references(session, spec, entry['label'], changes, check_mode, _warn)
    place = _placement_plan(spec, rows, row, entry['desired'], session.router, _warn) if spec.placement is not None else None
    _plan_writes(spec, plan, row, changes, place)
    after_values = dict(before_values)
    after_values.update(changes)
    plan['after_values'] = after_values
    if changes:
        result['changed_properties'] = sorted(changes)
    if secret_notes:
        result['secret_notes'] = secret_notes
    plan['before'], plan['after'] = _views(spec, row, before_values, after_values, changes, place, result['id'], version)
    return plan


def _owned(session, spec, entry, row):
    """Whether ``row`` is ours: its mark where the menu keeps a comment; else (ownership.py) no entry that is not
    ours uses it (``entry['users']``: the rows of ``spec.used_by`` that reference it, when the caller read them)."""
    if spec.marked(session.version_tuple) or spec.used_by is None:
        return is_ours(row)
    users = entry.get('users')
    if users is None:
        path, prop = spec.used_by
        users = session.print_(path, proplist=['.id', 'comment', prop], query={prop: row.get(spec.keys[0])}, entry=entry['label'])
    entry['foreign_users'] = [u for u in users if not is_ours(u)]
    return not entry['foreign_users']


def foreign_text(session, spec, entry, row, differences):
    """Why ``row`` is not ours and what the run would change on it (no secret: a secret is named, never shown)."""
    users = entry.get('foreign_users')
    if users:
        path, prop = spec.used_by
        why = (f'{spec.path} keeps no comment on RouterOS {session.version}, and {path} entries that are not ours use it '
               f'({", ".join(str(u.get(".id")) for u in users)}, {prop}={row.get(spec.keys[0])})')
    else:
        comment = row.get('comment')
        why = f'its comment is {comment!r}, not our mark "vpclink:..."' if comment else 'it has no "vpclink:" mark in its comment'
    what = '; '.join(differences) if differences else 'nothing but the mark'
    return (f'router {session.router}, {spec.path}, {entry["label"]}: entry {row.get(".id")} has this key but was not created by '
            f'vpclink.routeros ({why}). The run would change: {what}. Nothing was changed on this router. If it is the entry you '
            'mean to manage, set adopt: true (tunnels: on the tunnel) to take it over; otherwise give your entry another key (name).')


def _foreign(session, spec, entry, row, plan, before_values):
    """A foreign entry with our key: removal leaves it untouched (a warning); any other plan stops the router."""
    result = plan['result']
    if entry['state'] == 'absent':
        result.update(action='unchanged', id=row.get('.id'), entry={}, foreign=True)
        plan['warnings'].append(f'router {session.router}, {spec.path}, {entry["label"]}: entry {row.get(".id")} is not ours '
                                '(no vpclink mark); it was left untouched.')
        return plan
    changes, _notes = _changes(spec, row, entry, plan['version'])
    differences = [f'{name}: {_shown_before(spec, before_values, name, plan["version"])} -> '
                   f'{_mask_value(spec.by_name[name], spec.by_name[name].shown(value, plan["version"]))}'
                   for name, value in changes.items() if name != 'comment']
    raise RouterError(foreign_text(session, spec, entry, row, differences), router=session.router, menu=spec.path, entry=entry['label'],
                      id=row.get('.id'), step='ownership', differences=differences)


def _shown_before(spec, before_values, name, version):
    field = spec.by_name[name]
    if name not in before_values:
        return MASK if field.sensitive else '(unset)'
    return _mask_value(field, field.shown(before_values[name], version))


def _find(session, spec, entry, rows):
    """Step 2: the one row with the entry's stable key, or None. A protected match or several matches are errors.
    ``entry['adopt_row']``: a row the caller chose to take over under this key (``adopt_from``)."""
    router, label = session.router, entry['label']
    if entry.get('adopt_row') is not None:
        return entry['adopt_row']
    matches = [row for row in rows if key_matches(spec, row, entry['desired'], session.version_tuple)]
    protected = [(row, _protected(row, spec.flags)) for row in matches]
    protected = [(row, flag) for row, flag in protected if flag]
    if protected:
        row, flag = protected[0]
        what = 'built-in' if flag in ('default', 'builtin') else flag
        raise RouterError(f'router {router}, {spec.path}, {label}: the matching entry {row.get(".id")} is flagged {flag}=true (a RouterOS {what} '
                          'entry); this module never changes or removes it. Use another key for your own entry.',
                          router=router, menu=spec.path, entry=label, id=row.get('.id'), step='find')
    if len(matches) > 1:
        ids = [str(row.get('.id')) for row in matches]
        raise RouterError(f'router {router}, {spec.path}, {label}: {len(ids)} entries match this key ({", ".join(ids)}); refusing to guess '
                          'which one is ours. Remove the duplicates on the router (keep one) and run again.',
                          router=router, menu=spec.path, entry=label, ids=ids, step='find')
    return matches[0] if matches else None


def _before_values(spec, row, version):
    """The row's canonical values (a secret the router hides is left out)."""
    values = {}
    if row is not None:
        for field in spec.fields:
            if field.available(version):
                value = _current(field, row, version)
                if value is not None and not (field.sensitive and secret_hidden(row, field.name)):
                    values[field.name] = value
    return values


def _changes(spec, row, entry, version):
    """Step 3a: ``({name: canonical value to write}, {secret name: why it is written})``. A key that differs from the
    row's (an entry adopted under another name) is written too."""
    desired, update_secret = entry['desired'], entry['update_secret']
    changes = {}
    secret_notes = {}
    if row is None:
        return dict(desired), secret_notes
    for name, value in desired.items():
        field = spec.by_name[name]
        if name in spec.keys:
            if field.fixed is None and _current(field, row, version) != value:
                changes[name] = value
            continue
        if field.sensitive and secret_hidden(row, field.name):
            # The router hides the secret (an API user without the "sensitive" policy).
            if update_secret == 'always':
                changes[name] = value
                secret_notes[name] = 'hidden by the router; written because update_secret=always'
            elif update_secret == 'auto' and entry.get('secret_mark') not in str(row.get('comment') or '').split(' '):
                changes[name] = value
                secret_notes[name] = 'hidden by the router and its fingerprint in the comment differs; written (update_secret=auto)'
            continue
        current = _current(field, row, version)
        if name == 'comment' and entry.get('secret_mark') is None and isinstance(current, str):
            current = without_fingerprint(current)   # update_secret always/on_create: a fingerprint written earlier may stay
        if current != value:
            changes[name] = value
    return changes, secret_notes


def _check_references(session, spec, label, changes, check_mode, warn):
    """Step 3b: every referenced entry a change names must exist (checked only for values that will be
    written, so second runs cost nothing). A missing one fails, or warns in check mode."""
    router, version, vtext = session.router, session.version_tuple, session.version
    for name, value in changes.items():
        field = spec.by_name[name]
        if not field.reference or value in (None, '') or value in field.builtin_refs:
            continue
        ref_path, ref_key = field.reference
        ref_rows = session.print_(ref_path, proplist=['.id', ref_key], query={ref_key: field.to_api(value, version)}, entry=label)
        if not ref_rows:
            text = (f'{field.name} (option {field.option}) = {field.to_api(value, version)!r}: no such entry in {ref_path} on router {router}; '
                    'allowed: the name of an existing entry there. Create it first (order: profile, proposal -> peer -> identity -> policy) or fix the name.')
            if check_mode:
                warn('check mode: ' + text + ' A real run fails here unless an earlier task creates it.')
            else:
                raise RouterError(f'router {router}, {spec.path}, {label}: invalid reference, nothing was changed: {text}',
                                  router=router, menu=spec.path, entry=label, step='validate', routeros_version=vtext)


def _plan_writes(spec, plan, row, changes, place):
    """Step 3c: the add, or the set and the move, with their command texts."""
    result = plan['result']
    version = plan['version']
    attrs = {name: spec.by_name[name].to_api(value, version) for name, value in changes.items()}
    destination = place['before'] if place else None
    if row is None:
        result.update(changed=True, action='created', id=None)
        if destination:
            attrs['place-before'] = destination   # add ... place-before=<.id>: the new rule goes directly above it
        result['commands'].append(_command_text(spec, 'add', attrs))
        plan['ops'].append(('add', attrs))
    else:
        result.update(action='unchanged', id=row.get('.id'))
        if changes:
            result.update(changed=True, action='adopted' if plan.get('adopting') else 'updated')
            result['commands'].append(_command_text(spec, 'set', attrs, row.get('.id')))
            plan['ops'].append(('set', attrs))
        if plan.get('adopting'):
            result['action'] = 'adopted'
        if destination:
            # Only when a rule above would catch the traffic first: a good position is never churned.
            result.update(changed=True, action='updated' if changes else 'moved', moved=True)
            result['commands'].append(f'{spec.path}/move =numbers={row.get(".id")} =destination={destination}')
            plan['ops'].append(('move', destination))
    if place:
        result['placement'] = {'before': destination, 'reason': place['reason'], 'chain': spec.placement.chain,
                               'position': place['after_index']}


def _views(spec, row, before_values, after_values, changes, place, entry_id, version):
    """The diff's before and after (secrets masked; for ordered menus the position in the chain, 0 = first)."""
    before_view = _entry_view(spec, before_values, row.get('.id'), version) if row is not None else {}
    after_view = _entry_view(spec, after_values, entry_id, version)
    if place:
        if row is not None:
            before_view['position'] = place['before_index']
        after_view['position'] = place['after_index']
    for name in changes:
        field = spec.by_name[name]
        if field.sensitive:
            after_view[name] = SECRET_CHANGED if row is not None else SECRET_SET
            if row is not None and name not in before_view:
                before_view[name] = MASK
    return before_view, after_view


def plan_remove(session, spec, row, label, diff=False):
    """A plan that removes ``row`` (found by the caller through its key or owner mark; never a
    flagged entry: those belong to RouterOS)."""
    flag = _protected(row, spec.flags)
    if flag:
        raise RouterError(f'router {session.router}, {spec.path}, {label}: entry {row.get(".id")} is flagged {flag}=true; it is never removed.',
                          router=session.router, menu=spec.path, entry=label, id=row.get('.id'), step='find')
    version = session.version_tuple
    result = {'changed': False, 'router': session.router, 'routeros_version': session.version, 'menu': spec.path, 'commands': []}
    plan = {'result': result, 'ops': [], 'label': label, 'diff': diff, 'warnings': [], 'before': None, 'after': None, 'version': version,
            'row': row}
    before_values = {f.name: _current(f, row, version) for f in spec.fields
                     if f.available(version) and f.name in row and not f.sensitive}
    return _plan_remove(spec, plan, row, before_values, version)


def _plan_remove(spec, plan, row, before_values, version):
    entry_id = row.get('.id')
    plan['result'].update(changed=True, action='deleted', id=entry_id, entry={})
    plan['result']['commands'].append(_command_text(spec, 'remove', {}, entry_id))
    plan['ops'].append(('remove', None))
    plan['before'], plan['after'] = _entry_view(spec, before_values, entry_id, version), {}
    return plan


def apply_plan(session, spec, plan, check_mode=False):
    """Step 4: send the planned writes (none in check mode) and finish the result dict."""
    result = plan['result']
    label = plan['label']
    for verb, arg in plan['ops']:
        if check_mode:
            continue
        if verb == 'add':
            result['id'] = session.add(spec.path, arg, entry=label)
        elif verb == 'set':
            session.set_(spec.path, result['id'], arg, entry=label)
        elif verb == 'move':
            session.move(spec.path, result['id'], arg, entry=label)
        elif verb == 'remove':
            session.remove(spec.path, result['id'], entry=label)
    if 'after_values' in plan:
        result['entry'] = _entry_view(spec, plan['after_values'], result['id'], plan['version'])
        if plan['after'] is not None and result['id']:
            plan['after']['.id'] = result['id']
    return _finish(result, plan['diff'], plan['before'], plan['after'], label, result['router'], spec, plan['warnings'])


def _entry_view(spec, values, entry_id, version):
    view = {'.id': entry_id} if entry_id else {}
    for field in spec.fields:
        if field.name in values and values[field.name] is not None:
            view[field.name] = _mask_value(field, field.shown(values[field.name], version))
    return view


def _command_text(spec, verb, attrs, entry_id=None):
    words = [f'{spec.path}/{verb}']
    if entry_id:
        words.append(f'=.id={entry_id}')
    for name, text in attrs.items():
        field = spec.by_name.get(name)
        words.append(f'={name}={MASK if field is not None and field.sensitive else text}')
    return ' '.join(words)


def _placement_plan(spec, rows, row, desired, router, warn):
    """Where the entry must stand in its chain. ``rows`` are the chain's rows in print order.

    Returns ``{'before': .id or None, 'reason', 'before_index', 'after_index'}``: ``before`` is the
    first enabled, non-dynamic rule ABOVE the entry (or anywhere, for a new entry, which RouterOS
    appends at the end) that could catch its traffic first. Dynamic rules cannot have a rule placed
    above them (RouterOS keeps dynamic rules where it put them): they are reported as a warning instead.
    """
    placement = spec.placement
    ours = row.get('.id') if row is not None else None
    ids = [r.get('.id') for r in rows]
    catcher, reason = None, None
    for other in rows:
        if ours is not None and other.get('.id') == ours:
            break
        why = placement.catches(other, desired, rows)
        if why is None:
            continue
        if _protected(other, ('dynamic',)):
            warn(f'router {router}, {spec.path}: dynamic rule {other.get(".id")} ({why}) could catch this traffic first; '
                 'RouterOS does not place rules above dynamic rules. Check what creates it.')
            continue
        catcher, reason = other, why
        break
    before_index = ids.index(ours) if ours in ids else None
    order = [i for i in ids if i != ours]
    me = ours or '<new>'
    if catcher is not None:
        order.insert(order.index(catcher.get('.id')), me)
    elif ours is not None:
        order.insert(before_index, me)
    else:
        order.append(me)
    return {'before': catcher.get('.id') if catcher is not None else None, 'reason': reason,
            'before_index': before_index, 'after_index': order.index(me)}


def _finish(result, diff, before, after, label, router, spec, warnings):
    if diff:
        header = f'{router} {spec.path} {label}'
        result['diff'] = {'before': before or {}, 'after': after or {}, 'before_header': header, 'after_header': header}
    if warnings:
        result['warnings'] = list(warnings)
    return result
