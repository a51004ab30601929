"""charon's log lines, read back: the timestamp and message of a line, and the RouterOS /log rows a router's
charon event stands for (the wording itself is emulator/ikelog.py's, the one place the lab words RouterOS lines).

charon's message texts are those of strongSwan 5.9 (src/libcharon/sa/ikev1 and ikev2 tasks); its log lines look like
``Dec  2 06:22:27 09[IKE] <hq|1> message`` with ``ike_name = yes`` (https://docs.strongswan.org/docs/5.9/config/logging.html).
"""

import re
import time

from emulator import ikelog

LINE = re.compile(r'^(?P<stamp>\w{3} [ \d]\d \d\d:\d\d:\d\d) \d+\[(?P<group>\w+)\] (?:<(?P<conn>[^|>]*)\|(?P<unique>\d+)> )?(?P<message>.*)$')
_V1_START = re.compile(r'^initiating (Main|Aggressive) Mode IKE_SA ')
_IKE_UP = re.compile(r'^IKE_SA \S+\[(\d+)\] established between ')
_CHILD_UP = re.compile(r'^CHILD_SA \S+\{\d+\} established with SPIs ([0-9a-f]+)_i ([0-9a-f]+)_o ')
_CHILD_REFUSED = re.compile(r'^received (\w+) notify, no CHILD_SA built')
_NOTIFY = re.compile(r'^received (\w+) (?:notify error|error notify)')


def parse(line):
    """-> (epoch, group, conn or None, message), or None for a line that is not charon's."""
    match = LINE.match(line.rstrip('\n'))
    if not match:
        return None
    year = time.localtime().tm_year
    try:
        epoch = time.mktime(time.strptime(f'{year} {match["stamp"]}', '%Y %b %d %H:%M:%S'))
    except ValueError:
        epoch = time.time()
    return epoch, match['group'], match['conn'], match['message']


class LogFollower:
    """New complete lines of a growing log file, each read once."""

    def __init__(self, path):
        self.path = path
        self.offset = 0

    def lines(self):
        try:
            with open(self.path, encoding='utf-8', errors='replace') as handle:
                handle.seek(self.offset)
                text = handle.read()
        except FileNotFoundError:
            return []
        complete = text[:text.rfind('\n') + 1]
        self.offset += len(complete.encode('utf-8', errors='replace'))
        return complete.splitlines()


# libipsec's (userspace ESP) drops, each worded as strongSwan 5.9 logs it (src/libipsec/ipsec_processor.c, esp_packet.c),
# -> the /ip/ipsec/statistics counter for the same drop. RouterOS's counters are the kernel's xfrm ones (MikroTik "IPsec"
# manual, Statistics, https://help.mikrotik.com/docs/spaces/ROS/pages/11993097/IPsec: in-no-states "no state is found,
# i.e. either inbound SPI, address, or IPsec protocol at SA is wrong", in-state-protocol-errors "transformation protocol
# specific error, e.g. SA key is wrong"; the same words as Linux's Documentation/networking/xfrm_proc.rst).
ESP_DROPS = {'inbound ESP packet does not belong to an installed SA': 'in-no-states',
             'ESP decryption or ICV verification failed': 'in-state-protocol-errors'}


def esp_drop(group, message):
    """The statistics counter one charon line counts (a userspace ESP drop), or None."""
    return ESP_DROPS.get(message.strip()) if group == 'ESP' else None


def router_rows(message, end, sa):
    """RouterOS /log rows ``[(topics, text)]`` for one charon message of the router's connection ``end`` (EndSpec);
    ``sa`` is that IKE SA as vici lists it ({} when gone). Messages with no RouterOS counterpart give []."""
    local, remote, version = end.local_address, end.remote_address, end.ike_version
    port = int(sa.get('remote-port', 500) or 500)
    if version == 1 and _V1_START.match(message):
        return [ikelog.ros_phase1_start(end.exchange_mode, local, remote)]
    if _IKE_UP.match(message):
        # a passive peer's end never initiates its IKE SA (vici list-sas says which side we were when it can)
        initiator = sa.get('initiator') == 'yes' if sa else end.keep_trying
        return [ikelog.ros_ike_established(version, local, remote, port, sa.get('initiator-spi', ikelog.ZERO_SPI),
                                           sa.get('responder-spi', ikelog.ZERO_SPI), initiator)]
    match = _CHILD_UP.match(message)
    if match:
        return ikelog.ros_child_established(local, remote, port, int(match[1], 16), int(match[2], 16))
    match = _CHILD_REFUSED.match(message)
    if match:
        return [ikelog.ros_child_notify(version, remote, match[1])]
    match = _NOTIFY.match(message)
    if match:
        return [ikelog.ros_ike_notify(version, remote, match[1])]
    if message.startswith('giving up after '):
        return [ikelog.ros_time_up(local, remote, sa.get('initiator-spi', ikelog.ZERO_SPI))]
    # IKEv1 with a key that differs: Main Mode cannot decrypt the peer's answer, Aggressive Mode finds its HASH wrong
    if message.startswith(('could not decrypt payloads', 'calculated HASH does not match HASH payload')):
        return [ikelog.ros_wrong_password(remote)]
    return []
