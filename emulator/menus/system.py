"""``/system/identity``, ``/system/resource`` and ``/log``.

``/system/resource`` is a singleton whose ``uptime`` (and load/memory) come from the runtime
provider; the constant facts describe a CHR (x86_64) of the lab's RouterOS version.
"""

from emulator.menus import READ, SINGLETON, Field, Menu
from emulator.rosvalues import Str


def menus(v):
    identity = Menu('/system/identity', [Field('name', Str(255), default='MikroTik')], verbs=SINGLETON, singleton=True, builtin_flag=None)

    ro = {'ro': True}
    resource = Menu('/system/resource', [
        Field('uptime', runtime=True, **ro),
        Field('version', **ro),
        Field('build-time', **ro),
        Field('factory-software', **ro),
        Field('free-memory', runtime=True, **ro),
        Field('total-memory', **ro),
        Field('cpu', **ro),
        Field('cpu-count', **ro),
        Field('cpu-frequency', **ro),
        Field('cpu-load', runtime=True, **ro),
        Field('free-hdd-space', **ro),
        Field('total-hdd-space', **ro),
        Field('write-sect-since-reboot', **ro),
        Field('write-sect-total', **ro),
        Field('architecture-name', **ro),
        Field('board-name', **ro),
        Field('platform', **ro),
    ], verbs=READ, singleton=True, builtin_flag=None)

    # /log rows: .id time topics message (MikroTik "Log" manual, https://help.mikrotik.com/docs/display/ROS/Log); the router appends, clients only read.
    log = Menu('/log', [Field('time', **ro), Field('topics', **ro), Field('message', **ro)], verbs=READ, builtin_flag=None)
    return [identity, resource, log]


def resource_facts(version):
    """Constant /system/resource values of a CHR running ``version`` (v6.49 is long-term, v7 stable)."""
    major = str(version).split('.', 1)[0]
    channel = 'long-term' if major == '6' else 'stable'
    return {
        'version': f'{version} ({channel})',
        'build-time': '2024-10-30 12:00:00' if major != '6' else 'Oct/30/2024 12:00:00',
        'factory-software': '7.1' if major != '6' else '6.44.6',
        'total-memory': '1073741824',
        'cpu': 'QEMU',
        'cpu-count': '1',
        'cpu-frequency': '2400',
        'free-hdd-space': '83984384',
        'total-hdd-space': '100663296',
        'write-sect-since-reboot': '120',
        'write-sect-total': '120',
        'architecture-name': 'x86_64' if major != '6' else 'x86',
        'board-name': 'CHR',
        'platform': 'MikroTik',
    }
