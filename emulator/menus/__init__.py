"""Declarative menu definitions, one module per menu family, built per RouterOS version.

Each family module exposes ``menus(v)`` where ``v`` is the version tuple (e.g. ``(7, 16, 2)``) and
returns a list of ``Menu``.  Version differences are plain conditionals next to the field they
concern, so "what does 6.49 have here" is answered in one place.

A ``Field`` says how one property is parsed, stored, printed and validated:

* ``type``          a ``rosvalues`` type: parses input to the canonical stored/printed text.
* ``default``       canonical default, or None for "no value" (absent from print).
* ``show_default``  printed when at its default (True) or omitted like RouterOS omits
                    ``port=500``, ``my-id=auto``, ``prf-algorithm=auto`` (False: a v7 print leaves them out).
* ``ro``            read-only; writing it is ``unknown parameter`` (it is not an argument of add/set).
* ``mandatory``     required on ``add``: ``missing value(s) of argument(s) <name>``.
* ``sensitive``     a secret: printed as ``*****`` to a user without the ``sensitive`` policy (users.py).
* ``runtime``       the value comes from ``router.runtime`` at print time, never stored.
* ``unsettable``    may be cleared with ``unset`` (NAT/filter matchers, comment).
"""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from emulator import rosvalues


@dataclass
class Field:
    name: str
    type: rosvalues.RosType = dataclasses.field(default_factory=rosvalues.Str)
    default: str | None = None
    show_default: bool = True
    ro: bool = False
    mandatory: bool = False
    sensitive: bool = False
    runtime: bool = False
    unsettable: bool = True


@dataclass
class Menu:
    path: str
    fields: list
    key: str | None = None               # unique name property ('name') of named menus
    verbs: frozenset = frozenset()
    ordered: bool = False                # 'move' and 'place-before' are meaningful
    builtins: list = dataclasses.field(default_factory=list)   # [{'.id': '*0', ...values}] seeded on reset
    first_id: int = 1                    # first .id handed to a user entry (every table has its own .id space)
    singleton: bool = False              # one row, no .id (system/identity, ipsec/settings, ...)
    runtime_rows: bool = False           # rows come from router.runtime.rows(path) (active-peers, installed-sa)
    auto_name: str | None = None         # 'peer' -> peer1, peer2 ... when name is omitted on add
    kind: str = 'entry'                  # noun used in failure texts ('profile', 'peer', ...)
    validate: Callable | None = None     # validate(router, menu, values, entry_or_None) -> raises Trap
    derive: Callable | None = None       # derive(router, menu, rows) -> rows with computed fields (invalid=...)
    in_use: Callable | None = None       # in_use(router, menu, entry) -> str | None (refuse removal)
    builtin_flag: str | None = 'default'  # property printed true on built-in rows
    flag_false_shown: bool = True        # print builtin_flag=false on user rows (policy: no, as a real v7 print records it)

    def __post_init__(self):
        self.by_name = {f.name: f for f in self.fields}

    def field(self, name):
        return self.by_name.get(name)


# Verb sets: the API-relevant subset of what a v7 router's /console/inspect lists per menu.
READ = frozenset({'print', 'getall', 'get'})
NAMED = READ | {'add', 'set', 'remove', 'reset'}
WITH_DISABLE = NAMED | {'enable', 'disable', 'comment'}
ORDERED = WITH_DISABLE | {'move'}
FIREWALL = ORDERED | {'unset', 'reset-counters', 'reset-counters-all'}
SINGLETON = frozenset({'print', 'getall', 'get', 'set'})


def build_menus(version):
    """All menus of one RouterOS version, keyed by API path."""
    from emulator.menus import firewall, interfaces, ipsec, system  # pylint: disable=import-outside-toplevel

    v = rosvalues.version_tuple(version)
    out = {}
    for module in (system, interfaces, firewall, ipsec):
        for menu in module.menus(v):
            out[menu.path] = menu
    return out
