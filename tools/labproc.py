"""Start and stop the RouterOS lab as a child process (for `make demo` and the integration tests)."""

import os
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class LabProcess:
    """``python -m emulator serve`` in the background; ``ready`` tells us every port listens."""

    def __init__(self, lab_file, *extra_args, ready_timeout=30):
        self.lab_file = lab_file
        self.extra_args = list(extra_args)
        self.ready_timeout = ready_timeout
        self.proc = None
        self.ready = {}
        self.routers = {}

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        cmd = [sys.executable, '-m', 'emulator', 'serve', '--lab', self.lab_file, *self.extra_args]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)  # pylint: disable=consider-using-with
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                code = self.proc.wait()
                raise RuntimeError(f'the lab exited with status {code} before it was ready ({self.lab_file})')
            if line.startswith('ready'):
                # "ready control=URL ca=PATH routers=N", then one "router NAME key=value ..." line per router
                self.ready = dict(w.split('=', 1) for w in line.split()[1:] if '=' in w)
                self._read_router_lines(int(self.ready.get('routers', '0')))
                return
        self.stop()
        raise RuntimeError(f'the lab did not print "ready" within {self.ready_timeout} s')

    def _read_router_lines(self, count):
        for _index in range(count):
            words = self.proc.stdout.readline().split()
            if words and words[0] == 'router':
                self.routers[words[1]] = dict(w.split('=', 1) for w in words[2:])

    @property
    def control_url(self):
        return self.ready.get('control')

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
