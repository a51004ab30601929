"""Clocks for the lab: the real one, and a manual one that only moves when told to.

Routers read time only through their clock, so runtime state (negotiation delays, uptimes,
``last-seen``, log timestamps) is deterministic under ``ManualClock``: a test moves time itself instead of sleeping.
"""

import threading
import time as _time


class Clock:
    """Real time: ``monotonic()`` for intervals, ``time()`` for wall-clock stamps (epoch seconds)."""

    manual = False

    def monotonic(self):
        return _time.monotonic()

    def time(self):
        return _time.time()

    def now(self):
        """Seconds on the monotonic scale (what uptimes and delays are measured in)."""
        return self.monotonic()

    def advance(self, seconds):
        raise TypeError('the lab runs on the real clock; only a ManualClock can be advanced')

    def subscribe(self, callback):
        """Real time flows by itself; nothing is ever announced."""


class ManualClock(Clock):
    """A clock that stands still until ``advance(seconds)``.

    ``monotonic()`` starts at 0; ``time()`` starts at ``wall_start`` (a fixed epoch by default, so
    log stamps do not depend on when the test ran). ``subscribe(callback)`` registers
    ``callback(clock)`` to be called after every advance (e.g. a router re-evaluating tunnels).
    """

    manual = True
    DEFAULT_WALL_START = 1767225600.0  # 2026-01-01T00:00:00Z

    def __init__(self, wall_start=None):
        self._offset = 0.0
        self._wall_start = self.DEFAULT_WALL_START if wall_start is None else float(wall_start)
        self._lock = threading.Lock()
        self._subscribers = []

    def monotonic(self):
        return self._offset

    def time(self):
        return self._wall_start + self._offset

    def advance(self, seconds):
        seconds = float(seconds)
        if seconds < 0:
            raise ValueError(f'a clock cannot go backwards (advance by {seconds!r} s)')
        with self._lock:
            self._offset += seconds
        for callback in list(self._subscribers):
            callback(self)
        return self._offset

    def subscribe(self, callback):
        self._subscribers.append(callback)
