"""RouterOS's own error texts, raised inside the router model and turned into ``!trap`` replies.

The ``!trap`` categories are those of MikroTik's "API" manual (https://help.mikrotik.com/docs/spaces/ROS/pages/47579160/API); the texts are the ones
RouterOS prints, as API clients (librouteros, napalm-ros, community.routeros) report them.
"""

# !trap categories (MikroTik "API" manual, reply words)
MISSING_ITEM = 0
ARGUMENT_VALUE = 1
INTERRUPTED = 2
GENERAL = 4


class Trap(Exception):
    """One RouterOS ``!trap``: ``message`` and optionally ``category``; nothing else (librouteros rejects more)."""

    def __init__(self, message, category=None):
        super().__init__(message)
        self.message = message
        self.category = category

    def words(self):
        words = {'message': self.message}
        if self.category is not None:
            words['category'] = str(self.category)
        return words


class MultiTrap(Exception):
    """Several traps for one command, e.g. an unknown menu on v7 (two ``!trap`` sentences before ``!done``)."""

    def __init__(self, *traps):
        super().__init__(', '.join(t.message for t in traps))
        self.traps = traps


# A command the user's group has no policy for (no write, no test, no read); sources in users.py.
NOT_ENOUGH_PERMISSIONS = 'not enough permissions (9)'
