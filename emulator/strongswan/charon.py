"""One strongSwan charon inside a network namespace, driven through its own vici socket.

The daemon gets a private ``/run`` (its pid file and default sockets live there), so several charons run
side by side, each in its namespace, each with its strongswan.conf, vici socket and log files in ``workdir``.
vici is charon's control interface: https://docs.strongswan.org/docs/5.9/plugins/vici.html
"""

import contextlib
import os
import signal
import socket
import subprocess
import time

from emulator.strongswan import host, render

try:
    import vici
except ImportError:   # the modelled lab runs without it; host.missing() names it for the real mode
    vici = None


class CharonError(RuntimeError):
    """The daemon did not start, or a vici command failed; the message says which and why."""


def _text(value):
    """vici answers in bytes; the lab reads strings."""
    if isinstance(value, bytes):
        return value.decode(errors='replace')
    if isinstance(value, dict):
        return {_text(k): _text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_text(v) for v in value]
    return value


class Charon:
    def __init__(self, topology, netns, workdir, settings=None):
        self.topology = topology
        self.netns = netns
        self.workdir = workdir
        self.settings = settings or render.DaemonSettings()
        self.proc = None
        self.session = None
        self._socket = None

    # -- lifecycle --------------------------------------------------------------------------
    def start(self, timeout=15.0):
        os.makedirs(os.path.join(self.workdir, 'run'), exist_ok=True)
        conf = os.path.join(self.workdir, 'strongswan.conf')
        with open(conf, 'w', encoding='utf-8') as handle:
            handle.write(render.strongswan_conf(self.workdir, self.settings))
        argv = self.topology.exec_argv(self.netns, [
            'unshare', '--mount', '--propagation', 'private',
            'sh', '-c', 'mount --bind "$1" /run && exec "$2"', 'sh', os.path.join(self.workdir, 'run'), host.CHARON])
        env = {**os.environ, 'STRONGSWAN_CONF': conf}
        with open(os.path.join(self.workdir, 'charon.out'), 'wb') as out:
            self.proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)  # noqa: SIM115
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise CharonError(f'charon in {self.netns} exited with status {self.proc.returncode}: {self._output_tail()}')
            with contextlib.suppress(OSError):
                self._connect()
                return self
            time.sleep(0.05)
        self.stop()
        raise CharonError(f'charon in {self.netns} did not open its vici socket within {timeout:.0f} s: {self._output_tail()}')

    def stop(self, timeout=10.0):
        """SIGTERM (charon deletes its SAs, telling the peer), then SIGKILL if it lingers."""
        if self._socket:
            self._socket.close()
            self._socket = self.session = None
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)   # a frozen charon must run to act on SIGTERM
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def freeze(self):
        """Stop answering anything, as a gateway whose path went away (SIGSTOP; ``stop`` still ends it)."""
        self.proc.send_signal(signal.SIGSTOP)

    def _output_tail(self):
        with contextlib.suppress(OSError), open(os.path.join(self.workdir, 'charon.out'), encoding='utf-8', errors='replace') as handle:
            return handle.read()[-600:].strip() or '(no output)'
        return '(no output)'

    def _connect(self):
        sock = socket.socket(socket.AF_UNIX)
        try:
            sock.connect(render.vici_socket(self.workdir))
        except OSError:
            sock.close()
            raise
        self._socket = sock
        self.session = vici.Session(sock)

    # -- configuration -----------------------------------------------------------------------
    def load(self, spec):
        """Load (or replace) the connection and the PSK of ``spec``; swanctl.conf is written beside for people."""
        with open(os.path.join(self.workdir, 'swanctl.conf'), 'w', encoding='utf-8', opener=_private) as handle:
            handle.write(render.swanctl_conf(spec))
        self._command('load-conn', self.session.load_conn, render.connection_tree(spec))
        self._command('load-shared', self.session.load_shared, render.shared_key(spec))

    # -- actions -----------------------------------------------------------------------------
    def initiate(self, child, timeout=20.0):
        """Initiate ``child`` (and its IKE SA) -> True when the CHILD SA came up, False when charon says it failed."""
        return self._streamed(self.session.initiate, {'child': child, 'timeout': str(int(timeout * 1000))})

    def start_child(self, child):
        """Initiate ``child`` without waiting (vici timeout -1): inside its IKE SA when one is up, else with a new one."""
        self._streamed(self.session.initiate, {'child': child, 'timeout': '-1'})

    def terminate(self, ike=None, child_id=None):
        """Delete an IKE SA (by connection name) or one CHILD SA (by unique id), telling the peer; without waiting."""
        message = {'ike': ike} if ike else {'child-id': str(child_id)}
        self._streamed(self.session.terminate, {**message, 'timeout': '-1'})

    def unload(self, conn):
        """Unload the connection ``conn`` and the PSK loaded with it."""
        self._command('unload-conn', self.session.unload_conn, {'name': conn})
        self._command('unload-shared', self.session.unload_shared, {'id': render.shared_key_id(conn)})

    def rekey(self, child):
        """Ask for a rekey of the installed CHILD SA ``child``; the exchange itself runs afterwards."""
        self._command('rekey', self.session.rekey, {'child': child})

    def sas(self):
        """-> {IKE SA name: {...state, 'child-sas': {...}}} as charon reports them (strings)."""
        out = {}
        for entry in self.session.list_sas():
            out.update(_text(entry))
        return out

    def installed(self, child):
        """-> unique ids of the installed CHILD SAs named ``child`` (a rekey installs a new id)."""
        return {c.get('uniqueid') for ike in self.sas().values() for c in ike.get('child-sas', {}).values()
                if c.get('name') == child and c.get('state') == 'INSTALLED'}

    def log_path(self, level):
        return render.log_path(self.workdir, level)

    # -- vici plumbing -------------------------------------------------------------------------
    def _command(self, name, call, message):
        try:
            return call(message)
        except vici.exception.CommandException as exc:
            raise CharonError(f'charon in {self.netns}: vici {name} failed: {exc}') from None

    def _streamed(self, call, message):
        try:
            for _log in call(message):
                pass
        except vici.exception.CommandException:
            return False
        return True


def _private(path, flags):
    return os.open(path, flags, 0o600)
