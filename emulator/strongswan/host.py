"""What the real-IKE mode needs from this machine; ``missing()`` names each missing piece and why."""

import importlib.util
import os
import shutil
import subprocess
import sys

CHARON = '/usr/lib/ipsec/charon'
PLUGIN_DIR = '/usr/lib/ipsec/plugins'
# Plugins of render.CHARON_PLUGINS that are not in every strongSwan install, and the Debian package of each.
PLUGIN_PACKAGES = {
    'kernel-libipsec': 'libcharon-extra-plugins',
    'curve25519': 'libstrongswan-extra-plugins',
    'openssl': 'libstrongswan-standard-plugins',
    'gcm': 'libstrongswan-standard-plugins',
    'kdf': 'libstrongswan',
    'vici': 'strongswan-swanctl',
}
# Debian 12 packages of strongSwan 5.9.8 plus the tools the lab calls (`ip`, `ping`, `sysctl`).
DEBIAN_PACKAGES = ('strongswan-charon', 'strongswan-swanctl', 'libcharon-extra-plugins', 'libstrongswan-standard-plugins',
                   'libstrongswan-extra-plugins', 'iproute2', 'iputils-ping', 'procps',
                   # the NAT namespace of a router behind NAT masquerades with iptables (emulator/reallab.py)
                   'iptables')


def _netns_probe():
    """Create and delete one namespace: the only sure test that `ip netns` works here."""
    name = f'vl{os.getpid()}-probe'
    made = subprocess.run(['ip', 'netns', 'add', name], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        return [f'`ip netns add` fails here: {made.stderr.strip()}']
    subprocess.run(['ip', 'netns', 'delete', name], capture_output=True, check=False)
    return []


def missing():
    """-> list of reasons the real mode cannot run here (empty when it can)."""
    reasons = []
    if os.geteuid() != 0:
        reasons.append('not root: network namespaces and veth pairs need root (CAP_NET_ADMIN, CAP_SYS_ADMIN)')
    for tool, package in (('ip', 'iproute2'), ('ping', 'iputils-ping'), ('sysctl', 'procps'), ('unshare', 'util-linux'), ('mount', 'mount')):
        if not shutil.which(tool):
            reasons.append(f'`{tool}` not found (Debian package {package})')
    if os.geteuid() == 0 and shutil.which('ip'):
        reasons += _netns_probe()
    if not os.path.exists('/dev/net/tun'):
        reasons.append('no /dev/net/tun: userspace ESP (kernel-libipsec) needs a TUN device')
    if not os.access(CHARON, os.X_OK):
        reasons.append(f'no {CHARON} (Debian package strongswan-charon)')
    for plugin, package in PLUGIN_PACKAGES.items():
        if not os.path.exists(os.path.join(PLUGIN_DIR, f'libstrongswan-{plugin}.so')):
            reasons.append(f'strongSwan plugin {plugin} missing (Debian package {package})')
    if importlib.util.find_spec('vici') is None:
        reasons.append('Python package vici missing (PyPI vici, the strongSwan project\'s VICI client)')
    return reasons


def main(argv):
    """`python3 -m emulator.strongswan.host --packages` prints what to `apt-get install`; without it, why the
    real mode cannot run here (exit 1) or nothing (exit 0). Standard library only, so CI can call it first."""
    if argv == ['--packages']:
        print(' '.join(DEBIAN_PACKAGES))
        return 0
    reasons = missing()
    for reason in reasons:
        print(reason)
    return 1 if reasons else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
