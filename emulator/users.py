"""RouterOS users, user groups and their policies, as the lab enforces them over the API.

Sources (MikroTik's User manual, https://help.mikrotik.com/docs/display/ROS/User):

* Policies are a group's list of rights. Login policies include ``api`` ("grants rights to access
  router via API"); config policies include ``read`` ("read access to the router's configuration.
  All console commands that do not alter router's configuration are allowed"), ``write`` ("write
  access to the router's configuration, except for user management"), ``test`` ("rights to run
  ping, traceroute, bandwidth-test ... and other test commands") and ``sensitive`` ("if this policy
  is disabled sensitive information is not displayed").
* The three built-in groups and their policies are the manual's ``/user group print`` (v7 page;
  the 6.x pages list ``dude`` and ``tikapp`` instead of ``rest-api``). A ``!`` before a policy name
  means "not" in RouterOS lists; the lab file accepts it and it grants nothing.

What a missing policy does over the API:

* no ``api``: the login is refused with the same text as a wrong password. RouterOS tells an API
  client no reason for a refused login (a client maintainer answering "Username or password is
  invalid": "Do the user have permission to login via api?",
  https://github.com/aluisiora/routeros-client/issues/2); the exact text for this case is not
  documented, so the lab reuses the wrong-password text.
* no ``write`` / ``test`` / ``read``: the command is trapped with ``not enough permissions (9)``
  (``errors.NOT_ENOUGH_PERMISSIONS``). Field reports: a ``read,api`` user running a write on 7.x
  (https://github.com/tomaae/homeassistant-mikrotik_router/issues/235), a user without ``test``
  running a ping tool on 7.4.1 (same repository, issue 244), and the same text from RouterOS 6 in
  2016 (https://github.com/danikf/tik4net/issues/12). Nothing is changed by a refused write.
  That a print without ``read`` is refused is the manual's wording of ``read``; no field report.
* no ``sensitive``: sensitive properties (identity ``secret`` and ``password``, peer
  ``ppk-secret``: the menus' ``sensitive`` fields) are not shown. How they are not shown over the
  API is not documented. The one public measurement found (RouterOS 7.20.8, a user without
  ``sensitive`` reading a WireGuard private key with ``get``) saw a 5-character value where the
  full user saw the 44-character key: the property is present, its value replaced. The lab
  therefore prints such a property with the value ``HIDDEN`` (five asterisks: chosen, the
  characters themselves are not published), in ``print`` and ``get`` replies, and ``?`` queries
  see that value too, so a secret cannot be probed by query. A property that is not printed at
  all (an empty secret at its default) stays absent.
"""

import dataclasses

from emulator.errors import NOT_ENOUGH_PERMISSIONS, Trap

HIDDEN = '*****'

_V6_ONLY = ('dude', 'tikapp')
_V7_ONLY = ('rest-api',)
_COMMON = ('local', 'telnet', 'ssh', 'ftp', 'reboot', 'read', 'write', 'policy', 'test', 'winbox', 'password', 'web',
           'sniff', 'sensitive', 'api', 'romon')
# the built-in groups, from /user group print in the User manual: read and write lack these
_NOT_IN_READ = ('ftp', 'write', 'policy', 'dude')
_NOT_IN_WRITE = ('ftp', 'policy', 'dude')
BUILTIN_GROUPS = ('read', 'write', 'full')

USER_KEYS = ('name', 'password', 'group')
GROUP_KEYS = ('name', 'policy')


class AccountError(ValueError):
    """A users/groups declaration the lab cannot use; the message names the field, the value and what is allowed."""


@dataclasses.dataclass(frozen=True)
class Account:
    name: str
    password: str = dataclasses.field(repr=False)     # never in a repr, a log line or a test failure
    group: str
    policies: frozenset

    def may(self, policy):
        return policy in self.policies


def known_policies(version_tuple):
    """Every policy name of a RouterOS version, in the manual's order."""
    return _COMMON + (_V7_ONLY if version_tuple[0] >= 7 else _V6_ONLY)


def builtin_groups(version_tuple):
    """``{'read': policies, 'write': policies, 'full': policies}`` of a RouterOS version."""
    every = frozenset(known_policies(version_tuple))
    return {'read': every - set(_NOT_IN_READ), 'write': every - set(_NOT_IN_WRITE), 'full': every}


class Accounts:
    """The users of one router, by name."""

    def __init__(self, accounts):
        self.by_name = {account.name: account for account in accounts}

    def api_login(self, name, password_matches):
        """The account ``name`` when ``password_matches(its password)`` and its group has ``api``, else None."""
        account = self.by_name.get(name)
        if account is None or not password_matches(account.password) or not account.may('api'):
            return None
        return account


def accounts(version_tuple, username, password, users=None, groups=None, where='router', lab_users=None, lab_groups=None):
    """Build and check a router's accounts: its own user (group ``full``) plus ``users`` in ``groups``.

    ``users`` is ``[{name, password, group}]``; ``groups`` is ``[{name, policy: [...]}]``. ``lab_users`` and
    ``lab_groups`` are the lab-wide defaults: a router's own entry replaces the lab-wide one of the same
    name. Errors name ``where``, the field (``lab users[0]`` for a lab-wide entry) and the value, never a password."""
    known = known_policies(version_tuple)
    table = dict(builtin_groups(version_tuple))
    for field, raw in _with_defaults(lab_groups, groups, 'groups', where):
        name, policies = _group(raw, field, known, where)
        if name in table:
            reason = 'built-in group' if name in BUILTIN_GROUPS else 'declared twice'
            _fail(where, f'{field}.name', name, f'{reason}; choose another name')
        table[name] = policies
    result = [Account(username, password, 'full', table['full'])]
    for field, raw in _with_defaults(lab_users, users, 'users', where):
        account = _user(raw, field, table, where)
        if any(a.name == account.name for a in result):
            taken = "the router's own username" if account.name == username else 'declared twice'
            _fail(where, f'{field}.name', account.name, f'{taken}; each user name may be used once')
        result.append(account)
    return Accounts(result)


def _with_defaults(lab_wide, own, key, where):
    """(field label, entry) pairs: the lab-wide entries not replaced by the router's own (same name), then its own."""
    lab_wide, own = _list(lab_wide, where, f'lab {key}'), _list(own, where, key)
    names = {item.get('name') for item in own if isinstance(item, dict)}
    kept = [(f'lab {key}[{i}]', item) for i, item in enumerate(lab_wide)
            if not (isinstance(item, dict) and item.get('name') in names)]
    return kept + [(f'{key}[{i}]', item) for i, item in enumerate(own)]


def _group(raw, field, known, where):
    if not isinstance(raw, dict):
        _fail(where, field, raw, 'expected a mapping with keys ' + ', '.join(GROUP_KEYS))
    _no_unknown(raw, GROUP_KEYS, where, field)
    name = raw.get('name')
    if not isinstance(name, str) or not name.strip():
        _fail(where, f'{field}.name', name, 'expected a non-empty group name')
    policy = raw.get('policy', [])
    if isinstance(policy, str):           # a RouterOS list, "api,read,!write"; "" grants nothing
        policy = [item for item in policy.split(',') if item.strip()]
    if not isinstance(policy, list):
        _fail(where, f'{field}.policy', policy, 'expected a list of policy names, e.g. [api, read, write, test]')
    granted = set()
    for item in policy:
        text = str(item).strip()
        bare = text[1:] if text.startswith('!') else text
        if bare not in known:
            _fail(where, f'{field}.policy', item, 'allowed on this RouterOS version: ' + ', '.join(known)
                  + ' (a leading "!" denies)')
        if bare == text:
            granted.add(bare)
    return name, frozenset(granted)


def _user(raw, field, groups, where):
    if not isinstance(raw, dict):
        _fail(where, field, raw, 'expected a mapping with keys ' + ', '.join(USER_KEYS))
    _no_unknown(raw, USER_KEYS, where, field)
    name = raw.get('name')
    if not isinstance(name, str) or not name or any(c in name for c in '= \t\r\n'):
        _fail(where, f'{field}.name', name, 'expected a non-empty name without spaces or "="')
    password = raw.get('password', '')
    if isinstance(password, bool) or not isinstance(password, (str, int)):
        _fail(where, f'{field}.password', '<hidden>', 'expected a string')
    group = raw.get('group')
    if group not in groups:
        _fail(where, f'{field}.group', group, 'allowed: ' + ', '.join(groups) + ' (built-in, or declared under groups)')
    return Account(name, str(password), group, groups[group])


def _list(value, where, field):
    if value is None:
        return []
    if not isinstance(value, list):
        _fail(where, field, value, 'expected a list (may be empty)')
    return value


def _no_unknown(raw, allowed, where, field):
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        _fail(where, f'{field}.{unknown[0]}', raw[unknown[0]], 'unknown key; allowed keys: ' + ', '.join(allowed))


def _fail(where, field, value, allowed):
    raise AccountError(f'{where}: {field}={value!r} is not valid; {allowed}')


# ------------------------------------------------------------------ enforcement

def require(policies, policy):
    """Trap like RouterOS when ``policy`` is not among ``policies`` (None = every right)."""
    if policies is not None and policy not in policies:
        raise Trap(NOT_ENOUGH_PERMISSIONS)


def hide_sensitive(menu, rows, policies):
    """``rows`` of ``menu`` as a user with ``policies`` sees them: sensitive values replaced by ``HIDDEN``."""
    if policies is None or 'sensitive' in policies:
        return rows
    secret = [f.name for f in menu.fields if f.sensitive]
    if not secret:
        return rows
    return [{k: (HIDDEN if k in secret else v) for k, v in row.items()} for row in rows]
