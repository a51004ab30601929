"""The benchmark fleet: a lab file with N routers and one Tencent cloud gateway per router, and the
matching Ansible inventory (written once the lab has bound its ports).

Router i (0-based):
* version: 7.19.4, 7.16.2, 6.49.17 in turn (the demo lab's mix);
* WAN 100.(64+i//256).(i%256).2/24 (lab data, never dialled), LAN 172.(16+i//256).(i%256).0/24;
* NAT: even routers carry the defconf masquerade (``ipsec-policy=out,none``: it cannot catch tunnel
  traffic, so the accept rule needs no move), odd routers a plain ``out-interface=ether1`` masquerade
  (it catches everything, so the accept rule must go above it: one move, or ``place-before`` on add);
* one unrelated filter rule;
* cloud ``tc-NNNN`` at 198.18.(i//254).(i%254+1) (host part 1..254 whatever N) with VPC 10.(i//256).(i%256).0/24, one passive
  connection whose IKE/ESP parameters are what the site playbook writes (Tencent 'recommended'),
  so every tunnel really establishes after ``negotiation_delay``.
"""

from __future__ import annotations

import os

import yaml

VERSIONS = ('7.19.4', '7.16.2', '6.49.17')

# Routers per lab process (`python -m emulator serve`): a larger fleet is split over several processes, router i
# and its cloud always in the same one (see shards()). Override with `benchmarks.run --per-lab`.
MAX_PER_LAB = 200

# What the site playbook writes on the router and the cloud connection must agree with.
# (Tencent 'recommended', spelled out so the community.routeros baseline writes exactly the same values.)
IKE = {'version': 2, 'encryption': ['aes-256'], 'hash': 'sha256', 'dh_group': ['modp2048'], 'lifetime': '1d'}
ESP = {'encryption': ['aes-256-cbc'], 'auth': ['sha256'], 'pfs_group': 'modp2048', 'lifetime': '1h'}
CLOUD_IKE = {'version': 'IKEV2', 'encryption': 'AES-CBC-256', 'integrity': 'SHA-256', 'dh_group': 'GROUP14', 'lifetime': 86400}
CLOUD_IPSEC = {'encryption': 'AES-CBC-256', 'integrity': 'SHA-256', 'pfs': 'DH-GROUP14', 'lifetime': 3600}


def router_name(i):
    return f'r{i:04d}'


def router_plan(i):
    """Everything the lab, the inventory and the end-state check need to know about router i."""
    hi, lo = divmod(i, 256)
    cloud_hi, cloud_lo = divmod(i, 254)     # a public address: the last octet stays 1..254 (i=255 would give .256)
    name = router_name(i)
    return {
        'name': name,
        'version': VERSIONS[i % len(VERSIONS)],
        'password': f'bench-{name}',
        'wan_ip': f'100.{64 + hi}.{lo}.2',
        'lan': f'172.{16 + hi}.{lo}.0/24',
        'cloud': f'tc-{i:04d}',
        'cloud_ip': f'198.18.{cloud_hi}.{cloud_lo + 1}',
        'vpc': f'10.{hi}.{lo}.0/24',
        'vpc_host': f'10.{hi}.{lo}.6',
        'psk': f'bench-psk-{i:04d}-{(i * 7919) % 65536:04x}',
        'defconf_nat': i % 2 == 0,
        'tunnel': f'tc-{i:04d}',
    }


def shards(count, per_lab=MAX_PER_LAB):
    """Router indices per lab process: ``ceil(count / per_lab)`` contiguous ranges of near-equal size."""
    if per_lab < 1:
        raise ValueError(f'per_lab={per_lab}: expected at least 1 router per lab process')
    labs = max(1, -(-count // per_lab))
    size, extra = divmod(count, labs)
    out, start = [], 0
    for k in range(labs):
        stop = start + size + (k < extra)
        out.append(range(start, stop))
        start = stop
    return out


def lab_dict(count, negotiation_delay=0.5, indices=None):
    """The lab file of routers ``indices`` (default: all ``count``) and their clouds (one per router)."""
    routers, clouds = [], []
    for i in (range(count) if indices is None else indices):
        p = router_plan(i)
        if p['defconf_nat']:
            nat = {'chain': 'srcnat', 'action': 'masquerade', 'out-interface-list': 'WAN', 'ipsec-policy': 'out,none',
                   'comment': 'defconf: masquerade'}
        else:
            nat = {'chain': 'srcnat', 'action': 'masquerade', 'out-interface': 'ether1'}
        routers.append({
            'name': p['name'], 'version': p['version'], 'api_port': 0, 'username': 'admin', 'password': p['password'],
            'wan_address': p['wan_ip'] + '/24', 'lan_subnets': [p['lan']],
            'config': {
                '/ip/firewall/nat': [nat],
                '/ip/firewall/filter': [{'chain': 'input', 'action': 'accept', 'connection-state': 'established,related,untracked',
                                         'comment': 'defconf: accept established,related,untracked'}],
            },
        })
        clouds.append({
            'name': p['cloud'], 'public_address': p['cloud_ip'], 'vpc_subnets': [p['vpc']], 'hosts': [p['vpc_host']],
            'connections': [{
                'name': f'vpnx-{p["name"]}', 'customer_gateway': p['wan_ip'], 'psk': p['psk'], 'negotiation': 'passive',
                'ike': dict(CLOUD_IKE), 'ipsec': dict(CLOUD_IPSEC), 'spd': [{'local': p['vpc'], 'remote': [p['lan']]}],
            }],
        })
    return {'settings': {'negotiation_delay': negotiation_delay, 'retry_interval': 5}, 'routers': routers, 'clouds': clouds}


def tunnels(p):
    """The router's ``vpc_tunnel_tunnels`` (the input of the role vpc_tunnel, playbooks/site.yml)."""
    return [{
        'name': p['tunnel'],
        'cloud': 'tencent',
        'peer_address': p['cloud_ip'],
        'psk': p['psk'],
        'local_subnets': [p['lan']],
        'remote_subnets': [p['vpc']],
        'ike': dict(IKE),
        'esp': dict(ESP),
    }]


def inventory_dict(count, ports, sheet_dir, lab_of=None):
    """``ports``: router name -> API port of the lab process that serves it; ``lab_of``: name -> that process's index."""
    hosts = {}
    for i in range(count):
        p = router_plan(i)
        hosts[p['name']] = {
            'routeros_api_port': int(ports[p['name']]),
            'routeros_password': p['password'],
            'vpc_tunnel_tunnels': tunnels(p),
            'bench': {'lan': p['lan'], 'vpc': p['vpc'], 'vpc_host': p['vpc_host'], 'cloud_ip': p['cloud_ip'],
                      'tunnel': p['tunnel'], 'psk': p['psk'], 'lab': (lab_of or {}).get(p['name'], 0)},
        }
    return {'routers': {
        'hosts': hosts,
        'vars': {
            'ansible_host': '127.0.0.1',
            'ansible_connection': 'local',
            'ansible_python_interpreter': '{{ ansible_playbook_python }}',
            'vpc_tunnel_sheet_dir': sheet_dir,
            'vpc_tunnel_api': {'hostname': '{{ ansible_host }}', 'port': '{{ routeros_api_port }}', 'username': 'admin',
                               'password': '{{ routeros_password }}', 'timeout': 30},
        },
    }}


def write_yaml(path, data, header=''):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as fh:
        fh.write(header)
        yaml.safe_dump(data, fh, sort_keys=False, default_flow_style=None, width=160)
