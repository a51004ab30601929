"""Integration helpers: a RouterOS lab in-process on a real clock, generated inventories, ansible-playbook runs.

Each test builds a lab dict (routers + Tencent clouds), writes an inventory for it under tmp_path (plain
passwords: no vault needed), runs a playbook of playbooks/ with a hard time limit and reads the outcome
from the play output and the lab's own counters and state dumps.
"""

import ipaddress
import json
import os
import re
import subprocess
import sys

import yaml

from emulator.clock import Clock
from tests import labkit

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK_TIMEOUT = 240
PSK = 'lab-psk-{name}'
SUMMARY_TASK = 'Summary - totals, then each router and tunnel'
# What the collection's Tencent 'recommended' preset writes on RouterOS, in Tencent's vocabulary.
PRESET_IKE = {'version': 'IKEV2', 'encryption': 'AES-CBC-256', 'integrity': 'SHA-256', 'dh_group': 'GROUP14', 'lifetime': 86400}
PRESET_IPSEC = {'encryption': 'AES-CBC-256', 'integrity': 'SHA-256', 'pfs': 'DH-GROUP14', 'lifetime': 3600}
CONFIG_MENUS = ('/ip/ipsec/profile', '/ip/ipsec/proposal', '/ip/ipsec/peer', '/ip/ipsec/identity', '/ip/ipsec/policy',
                '/ip/firewall/nat', '/ip/firewall/filter', '/ip/firewall/raw', '/ip/address')


def wan(index):
    return f'203.0.113.{10 + index}'


def gateway(index):
    return f'198.51.100.{100 + index}'


def lan(index, sub=0):
    return f'192.168.{10 + index}.{sub}'


def router_entry(name, index, version='7.16.2', lans=1, config=None, **fields):
    entry = labkit.router(name, version, wan_address=wan(index) + '/24',
                          lan_subnets=[f'192.168.{10 + index}.{32 * k}/27' if lans > 1 else f'{lan(index)}/24' for k in range(lans)],
                          config=config or {'/ip/firewall/nat': [{'chain': 'srcnat', 'action': 'masquerade', 'out-interface': 'ether1'}]},
                          **fields)
    return entry


def cloud_entry(name, index, routers, ike=None, ipsec=None, spd_remote=None, psk=None, **conn_fields):
    """A Tencent cloud at gateway(index) with one connection per (router_name, router_index, lan_cidrs)."""
    vpc = f'10.{100 + index}.0.0/24'
    connections = []
    for rname, rindex, lans in routers:
        conn = {'name': f'vpnx-{rname}', 'customer_gateway': wan(rindex), 'psk': psk or PSK.format(name=rname),
                'negotiation': 'passive', 'ike': dict(PRESET_IKE, **(ike or {})), 'ipsec': dict(PRESET_IPSEC, **(ipsec or {})),
                'spd': [{'local': vpc, 'remote': spd_remote or lans}]}
        conn.update(conn_fields)
        connections.append(conn)
    return {'name': name, 'public_address': gateway(index), 'vpc_subnets': [vpc], 'hosts': [f'10.{100 + index}.0.5'],
            'connections': connections}


# verify.timeout of a tunnel the test expects up: it is up ~1 s after the write (start_lab's delay 0.5 s), the rest is
# room for a loaded machine. A tunnel the test expects down (the cloud holds another PSK) waits out its whole timeout
# in every run that verifies it, so it gets DOWN_VERIFY_TIMEOUT: the lab logs the failed exchange after one
# negotiation delay, and the role's diagnosis needs nothing more (test_rekey.py, test_rollback.py use 4-5 s too).
VERIFY_TIMEOUT = 20
DOWN_VERIFY_TIMEOUT = 5


def tunnel(name, router_name, router_index, cloud_index, lans=None, verify_timeout=VERIFY_TIMEOUT, **fields):
    """An inventory tunnel towards cloud_entry(..., cloud_index) (preset values, ping from the first LAN)."""
    lans = lans or [f'{lan(router_index)}/24']
    entry = {'name': name, 'cloud': 'tencent', 'peer_address': gateway(cloud_index), 'local_subnets': lans,
             'remote_subnets': [f'10.{100 + cloud_index}.0.0/24'], 'psk': PSK.format(name=router_name),
             'verify': {'timeout': verify_timeout, 'interval': 0.5,
                        'ping': {'src_address': str(ipaddress.ip_network(lans[0])[1]), 'address': f'10.{100 + cloud_index}.0.5',
                                 'count': 1}}}
    entry.update(fields)
    return entry


def start_lab(lab_factory, routers, clouds, delay=0.5, retry=2):
    return lab_factory(labkit.lab_dict(routers, clouds, negotiation_delay=delay, retry_interval=retry), clock=Clock())


def write_inventory(tmp_path, lab, tunnels, extra_group_vars=None):
    """An inventory for every router of the lab; ``tunnels`` maps router name -> vpc_tunnel_tunnels."""
    hosts = {name: {'ansible_port_api': lab.port(name), 'vpc_tunnel_tunnels': tunnels.get(name, [])} for name in lab.names}
    group_vars = {
        'ansible_connection': 'local',
        'ansible_python_interpreter': sys.executable,
        'vpc_tunnel_api': {'hostname': '127.0.0.1', 'port': '{{ ansible_port_api }}', 'username': 'admin',
                           'password': labkit.PASSWORD, 'timeout': 10},
        'vpc_tunnel_sheet_dir': str(tmp_path / 'sheets'),
        'vpc_tunnel_backup_dir': str(tmp_path / 'backups'),
        'vpc_tunnel_report_dir': str(tmp_path / 'reports'),
    }
    group_vars.update(extra_group_vars or {})
    inventory = {'routers': {'hosts': hosts, 'vars': group_vars}}
    path = tmp_path / 'inventory.yml'
    path.write_text(yaml.safe_dump(inventory, sort_keys=False), encoding='utf-8')
    return str(path)


class Run:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout

    @property
    def recap(self):
        """{host: {ok, changed, unreachable, failed, skipped, ...}} from PLAY RECAP."""
        rows = {}
        for match in re.finditer(r'^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$', self.out, re.M):
            rows[match.group(1)] = {k: int(v) for k, v in re.findall(r'(\w+)=(\d+)', match.group(2))}
        return rows

    @property
    def summary(self):
        """[(router, tunnel, state)] from the last end-of-run summary the role printed (states as the report names them)."""
        if SUMMARY_TASK not in self.out:
            return []
        block = self.out[self.out.rindex(SUMMARY_TASK):].split('TASK [')[0]
        return [(router, tunnel, state.replace(' ', '_')) for router, tunnel, state in
                re.findall(r"^\s*- '(\S+) / (\S+): (up|partial|down|not verified|absent)\b", block, re.M)]

    @property
    def totals_lines(self):
        """The two totals lines of the last summary (routers, tunnels)."""
        if SUMMARY_TASK not in self.out:
            return []
        return re.findall(r"^\s*- '((?:routers|tunnels): \d+ \(.*\))'$", self.out[self.out.rindex(SUMMARY_TASK):], re.M)[:2]

    def __str__(self):
        return f'rc={self.rc}\n{self.out[-12000:]}'


def playbook(name, inventory, *args, extra_vars=None, timeout=PLAYBOOK_TIMEOUT):
    cmd = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', inventory,
           os.path.join(ROOT, 'playbooks', name), *args]
    if extra_vars:
        cmd += ['-e', json.dumps(extra_vars)]
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, 'build', 'collections'),
               ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'), ANSIBLE_FORCE_COLOR='0', ANSIBLE_NOCOLOR='1')
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout, check=False)
    return Run(proc)


def config_state(lab, name):
    """The router's configuration menus as (menu -> sorted entries), ids and values, for before/after equality."""
    tables = lab.dump(name)['tables']
    return {menu: sorted(json.dumps(e, sort_keys=True) for e in tables.get(menu, {}).get('entries', []))
            for menu in CONFIG_MENUS}
