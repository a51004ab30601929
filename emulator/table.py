"""A generic ordered RouterOS table: ``.id`` allocation, insertion order, move, lookup.

Knows nothing about fields or validation (that is ``router`` + ``menus``).  Ids are per table,
monotonic and never reused within a run; ``move`` changes order only, never an ``.id`` (MikroTik "Command
Line Interface" manual, https://help.mikrotik.com/docs/display/ROS/Command+Line+Interface).  Values are canonical strings keyed by RouterOS property name.
"""


def format_id(num):
    return f'*{num:X}'


def parse_id(text):
    """'*1A' -> 26; None when ``text`` is not an id."""
    if not isinstance(text, str) or not text.startswith('*') or len(text) < 2:
        return None
    try:
        return int(text[1:], 16)
    except ValueError:
        return None


class Entry:
    __slots__ = ('id', 'values', 'builtin')

    def __init__(self, num, values, builtin=False):
        self.id = num
        self.values = values
        self.builtin = builtin

    @property
    def id_text(self):
        return format_id(self.id)


class Table:
    def __init__(self, first_id=1):
        self.entries = []
        self.first_id = first_id
        self.next_id = first_id

    # ------------------------------------------------------------------ lookup
    def get(self, num):
        for entry in self.entries:
            if entry.id == num:
                return entry
        return None

    def find_by(self, prop, value):
        for entry in self.entries:
            if entry.values.get(prop) == value:
                return entry
        return None

    def index_of(self, entry):
        return self.entries.index(entry)

    def __iter__(self):
        return iter(list(self.entries))

    def __len__(self):
        return len(self.entries)

    # ------------------------------------------------------------------ changes
    def insert(self, values, before=None, builtin=False, num=None):
        """Append (or insert before entry ``before``) and return the new entry."""
        if num is None:
            num = self.next_id
        self.next_id = max(self.next_id, num + 1)
        entry = Entry(num, dict(values), builtin)
        if before is None:
            self.entries.append(entry)
        else:
            self.entries.insert(self.entries.index(before), entry)
        return entry

    def remove(self, entry):
        self.entries.remove(entry)

    def move(self, moving, destination=None):
        """Place ``moving`` (entries, kept in their current relative order) before ``destination`` or at the end."""
        moving_set = {e.id for e in moving}
        ordered = [e for e in self.entries if e.id in moving_set]
        rest = [e for e in self.entries if e.id not in moving_set]
        if destination is None or destination.id in moving_set:
            if destination is not None:
                # Moving an item before itself: no-op for that item (not documented; the harmless reading).
                idx = self.entries.index(destination)
                after = [e for e in self.entries[idx:] if e.id not in moving_set]
                destination = after[0] if after else None
            if destination is None:
                self.entries = rest + ordered
                return
        pos = rest.index(destination)
        self.entries = rest[:pos] + ordered + rest[pos:]

    # ------------------------------------------------------------------ state
    def dump(self):
        return {
            'next_id': self.next_id,
            'entries': [{'.id': e.id_text, 'builtin': e.builtin, 'values': dict(e.values)} for e in self.entries],
        }

    @classmethod
    def from_dump(cls, data, first_id=1):
        table = cls(first_id)
        for item in data.get('entries', []):
            table.entries.append(Entry(parse_id(item['.id']), dict(item['values']), bool(item.get('builtin'))))
        table.next_id = int(data.get('next_id', first_id))
        return table
