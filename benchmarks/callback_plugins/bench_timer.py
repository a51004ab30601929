# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Benchmark-only callback: wall time per task (all hosts, linear strategy) and per play, written as
JSON to ``$BENCH_TIMER_OUT`` at the end of the run. Works the same under every ansible-core, so
our play and the community.routeros baseline are timed by one ruler (profile_tasks lives in
ansible.posix, which our venv does not have)."""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: bench_timer
type: aggregate
short_description: per-task wall time for the fleet benchmark
description: Writes per-task wall times (and per-task result counts) as JSON to E(BENCH_TIMER_OUT).
requirements: [enable in callbacks_enabled]
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timer'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.start = time.monotonic()
        self.tasks = []
        self.current = None

    def _close(self):
        if self.current is not None:
            self.current['seconds'] = round(time.monotonic() - self.current.pop('_t0'), 4)
            self.tasks.append(self.current)
            self.current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._close()
        self.current = {'task': task.get_name(), 'action': task.action, '_t0': time.monotonic(),
                        'ok': 0, 'changed': 0, 'failed': 0, 'skipped': 0}

    def v2_playbook_on_handler_task_start(self, task):
        self.v2_playbook_on_task_start(task, False)

    def _count(self, key, result=None):
        if self.current is not None:
            self.current[key] += 1
            if key == 'ok' and result is not None and result._result.get('changed'):
                self.current['changed'] += 1

    def v2_runner_on_ok(self, result):
        self._count('ok', result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._count('failed')

    def v2_runner_on_skipped(self, result):
        self._count('skipped')

    def v2_runner_on_unreachable(self, result):
        self._count('failed')

    def v2_playbook_on_stats(self, stats):
        self._close()
        out = os.environ.get('BENCH_TIMER_OUT')
        if not out:
            return
        with open(out, 'w', encoding='utf-8') as fh:
            json.dump({'total_seconds': round(time.monotonic() - self.start, 4), 'tasks': self.tasks}, fh, indent=1)
