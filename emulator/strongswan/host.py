"""What the real-IKE mode needs from this machine; ``missing()`` names each missing piece and why."""

import importlib.util
import os
import shutil

CHARON = '/usr/lib/ipsec/charon'
PLUGIN_DIR = '/usr/lib/ipsec/plugins'
# The plugins charon.conf loads (render.CHARON_PLUGINS); each is a shared object of the Debian packages below.
PLUGIN_PACKAGES = {
    'kernel-libipsec': 'libcharon-extra-plugins',
    'kdf': 'libstrongswan-standard-plugins',
    'curve25519': 'libstrongswan-standard-plugins',
    'openssl': 'libstrongswan-standard-plugins',
    'gcm': 'libstrongswan-standard-plugins',
    'vici': 'strongswan-charon',
}
# Debian 12 packages of strongSwan 5.9.8 plus the tools the lab calls (`ip`, `ping`, `sysctl`).
DEBIAN_PACKAGES = ('strongswan-charon', 'strongswan-swanctl', 'libcharon-extra-plugins', 'libstrongswan-standard-plugins',
                   'libstrongswan-extra-plugins', 'iproute2', 'iputils-ping', 'procps')


def missing():
    """-> list of reasons the real mode cannot run here (empty when it can)."""
    reasons = []
    if os.geteuid() != 0:
        reasons.append('not root: network namespaces and veth pairs need root (CAP_NET_ADMIN, CAP_SYS_ADMIN)')
    for tool, package in (('ip', 'iproute2'), ('ping', 'iputils-ping'), ('unshare', 'util-linux'), ('mount', 'mount')):
        if not shutil.which(tool):
            reasons.append(f'`{tool}` not found (Debian package {package})')
    if shutil.which('ip') and not os.path.isdir('/run/netns') and not os.access('/run', os.W_OK):
        reasons.append('`ip netns` cannot create /run/netns')
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
