# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input catalogue for the role vpc_tunnel, through playbooks/site.yml: every case fails before any write
(lab counters: zero writes; zero logins for everything the preflight can see, at most the one login that reads
the RouterOS version for what only the version decides), with a message naming the tunnel (or, where Ansible's
argument-spec validation cannot name it, the field path), the field, the value and what is allowed. A PSK is never
shown, not even a wrong one.

Table-driven and cheap: ONE site.yml run, one lab router and one inventory host per case (``serial: 100%``,
``max_fail_percentage: 100``), so each host fails alone with its own case. Every host also carries a valid tunnel
first, so a message must name the bad tunnel, not just "a tunnel". Runs with the playbook tier (``make integration``).
"""

import json
import re

import pytest
import yaml

from tests.integration import kit

GOOD_PSK = 'role-bad-input-psk-4b1e'
BAD_PSK = 'role-bad-psk-7c2d'


def api(lab, name, **over):
    base = {'hostname': '127.0.0.1', 'port': lab.port(name), 'username': 'admin', 'password': kit.labkit.PASSWORD, 'timeout': 10}
    base.update(over)
    return base


def no_key(key):
    return lambda value: {k: v for k, v in value.items() if k != key}


# (id, RouterOS version, where, change, needles the failure message must contain, max logins)
# where: 'tunnel' = the bad tunnel (second in the list; change is a dict merged into it, or a callable on it),
#        'tunnels' = the whole vpc_tunnel_tunnels list (callable on [good, bad]),
#        'api' = vpc_tunnel_api (dict merged into it, or a callable on it), 'var' = other role variables (dict)
V7, V6 = '7.16.2', '6.49.17'
CASES = [
    # --- wrong types and values the argument spec refuses (before any task: no module runs at all) ------------
    ('api-port-text', V7, 'api', {'port': 'eighty'}, ['vpc_tunnel_api', 'port', 'eighty']),
    ('api-tls-text', V7, 'api', {'tls': 'maybe'}, ['vpc_tunnel_api', 'tls', 'maybe']),
    ('api-timeout-list', V7, 'api', {'timeout': [10]}, ['vpc_tunnel_api', 'timeout']),
    ('api-hostname-missing', V7, 'api', no_key('hostname'), ['vpc_tunnel_api', 'hostname']),
    ('api-password-missing', V7, 'api', no_key('password'), ['vpc_tunnel_api', 'password']),
    ('api-unknown-key', V7, 'api', {'pasword': 'x'}, ['vpc_tunnel_api', 'pasword']),
    ('api-not-a-dict', V7, 'api', lambda value: 'router-1', ['vpc_tunnel_api']),
    ('tunnels-not-a-list', V7, 'tunnels', lambda tunnels: 'vpc', ['vpc_tunnel_tunnels']),
    ('name-list', V7, 'tunnel', {'name': ['bad']}, ["['bad']", 'name', 'ASCII']),  # argument spec turns it into a str; the module refuses
    ('name-missing', V7, 'tunnel', no_key('name'), ['vpc_tunnel_tunnels', 'name']),
    ('peer-address-dict', V7, 'tunnel', {'peer_address': {'ip': '198.51.100.9'}}, ['bad', 'peer_address', '198.51.100.9']),
    ('local-subnets-dict', V7, 'tunnel', {'local_subnets': {'lan': '192.168.1.0/24'}}, ['vpc_tunnel_tunnels', 'local_subnets']),
    ('psk-missing', V7, 'tunnel', no_key('psk'), ['vpc_tunnel_tunnels', 'psk']),
    ('psk-list', V7, 'tunnel', {'psk': [BAD_PSK]}, ['bad', 'psk', 'non-empty string']),
    ('cloud-unknown', V7, 'tunnel', {'cloud': 'oracle'}, ['vpc_tunnel_tunnels', 'cloud', 'oracle', 'tencent']),
    ('state-unknown', V7, 'tunnel', {'state': 'gone'}, ['vpc_tunnel_tunnels', 'state', 'gone', 'present, absent']),
    ('unknown-key', V7, 'tunnel', {'colour': 'blue'}, ['vpc_tunnel_tunnels', 'colour']),
    ('ike-version-3', V7, 'tunnel', {'ike': {'version': 3}}, ['vpc_tunnel_tunnels', 'ike', 'version', '3', '1, 2']),
    ('ike-exchange-mode-unknown', V7, 'tunnel', {'ike': {'exchange_mode': 'fast'}}, ['exchange_mode', 'fast', 'main, aggressive']),
    ('esp-not-a-dict', V7, 'tunnel', {'esp': 'strong'}, ['vpc_tunnel_tunnels', 'esp']),
    ('nat-bypass-text', V7, 'tunnel', {'nat_bypass': 'perhaps'}, ['vpc_tunnel_tunnels', 'nat_bypass', 'perhaps']),
    ('verify-timeout-text', V7, 'tunnel', {'verify': {'timeout': 'soon'}}, ['verify', 'timeout', 'soon']),
    ('verify-ping-no-address', V7, 'tunnel', {'verify': {'ping': {'src_address': '192.168.10.1'}}}, ['verify', 'ping', 'address']),
    ('role-state-unknown', V7, 'var', {'vpc_tunnel_state': 'gone'}, ['vpc_tunnel_state', 'gone', 'present, absent']),
    ('role-update-secret-unknown', V7, 'var', {'vpc_tunnel_update_secret': 'never'}, ['vpc_tunnel_update_secret', 'never', 'always']),
    # --- unknown algorithms (the module's preflight, no router contact) --------------------------------------
    ('ike-encryption-unknown', V7, 'tunnel', {'ike': {'encryption': ['aes-512']}}, ['bad', 'encryption', 'aes-512', 'aes-256']),
    ('ike-hash-unknown', V7, 'tunnel', {'ike': {'hash': 'sha3'}}, ['bad', 'hash', 'sha3', 'sha256']),
    ('ike-dh-unknown', V7, 'tunnel', {'ike': {'dh_group': ['modp9999']}}, ['bad', 'dh_group', 'modp9999', 'modp2048']),
    # prf is not in the preflight's algorithm table: refused by the version check after the login, before any write
    ('ike-prf-unknown', V7, 'tunnel', {'ike': {'prf': 'md4'}}, ['bad', 'prf', 'md4', 'sha256'], 1),
    ('esp-encryption-unknown', V7, 'tunnel', {'esp': {'encryption': ['aes-512-cbc']}}, ['bad', 'encryption', 'aes-512-cbc', 'aes-256-cbc']),
    ('esp-auth-unknown', V7, 'tunnel', {'esp': {'auth': ['sha384']}}, ['bad', 'auth', 'sha384', 'sha256']),
    ('esp-pfs-unknown', V7, 'tunnel', {'esp': {'pfs_group': 'modp9999'}}, ['bad', 'pfs_group', 'modp9999', 'modp2048']),
    ('ike-lifetime-garbage', V7, 'tunnel', {'ike': {'lifetime': 'forever'}}, ['bad', 'lifetime', 'forever']),
    # --- algorithms this router's RouterOS lacks (only the version decides: one login reads it, no write) ------
    ('v6-ike-prf', V6, 'tunnel', {'ike': {'prf': 'sha256'}}, ['bad', 'prf', '6.49'], 1),
    # --- algorithms RouterOS has but the cloud preset lacks (preflight, no router contact) --------------------
    ('cloud-ike-sha384', V6, 'tunnel', {'ike': {'hash': 'sha384'}}, ['bad', 'ike.hash', 'sha384', 'allowed by tencent', 'sha256']),
    ('cloud-ike-x25519', V6, 'tunnel', {'ike': {'dh_group': ['x25519']}}, ['bad', 'ike.dh_group', 'x25519', 'allowed by tencent', 'modp2048']),
    ('v7-ike-camellia', V7, 'tunnel', {'ike': {'encryption': ['camellia-256']}}, ['bad', 'camellia-256', 'RouterOS 7', 'aes-256']),
    # --- invalid addresses and CIDRs ---------------------------------------------------------------------------
    ('peer-address-bad', V7, 'tunnel', {'peer_address': '198.51.100.300'}, ['bad', 'peer_address', '198.51.100.300']),
    ('local-subnet-prefix-33', V7, 'tunnel', {'local_subnets': ['192.168.10.0/33']}, ['bad', 'local_subnets', '192.168.10.0/33']),
    ('local-subnet-host-bits', V7, 'tunnel', {'local_subnets': ['192.168.10.1/24']}, ['bad', 'local_subnets', '192.168.10.1/24']),
    ('remote-subnet-garbage', V7, 'tunnel', {'remote_subnets': ['vpc']}, ['bad', 'remote_subnets', 'vpc']),
    ('remote-subnets-empty', V7, 'tunnel', {'remote_subnets': []}, ['bad', 'remote_subnets']),
    ('local-id-bad', V7, 'tunnel', {'local_id': 'address:203.0.113'}, ['bad', 'local_id', 'address:203.0.113']),
    ('ping-src-outside', V7, 'tunnel', {'verify': {'ping': {'src_address': '172.16.0.1', 'address': '10.102.0.5'}}},
     ['bad', 'src_address', '172.16.0.1', 'local_subnets']),
    # --- overlapping selectors ------------------------------------------------------------------------------------
    ('remote-overlaps-local', V7, 'tunnel', {'remote_subnets': ['192.168.10.0/25']}, ['bad', 'remote_subnets', '192.168.10.0/25']),
    ('remote-overlaps-other-tunnel', V7, 'tunnel', {'remote_subnets': ['10.101.0.0/16']}, ['bad', '10.101.0.0/16', 'overlap']),
    # --- PSK (never shown) ------------------------------------------------------------------------------------------
    ('psk-empty', V7, 'tunnel', {'psk': ''}, ['bad', 'psk', 'non-empty']),
    ('psk-spaces', V7, 'tunnel', {'psk': f' {BAD_PSK} '}, ['bad', 'psk', 'whitespace']),
    ('psk-newline', V7, 'tunnel', {'psk': f'{BAD_PSK}\n'}, ['bad', 'psk', 'whitespace']),
    # --- names ---------------------------------------------------------------------------------------------------------
    ('name-space', V7, 'tunnel', {'name': 'bad vpc'}, ['name', 'bad vpc', 'ASCII']),
    ('name-non-ascii', V7, 'tunnel', {'name': 'bad-vpc-ü'}, ['name', 'bad-vpc-ü', 'ASCII']),
    ('name-empty', V7, 'tunnel', {'name': ''}, ['name']),
    ('name-duplicate', V7, 'tunnel', {'name': 'good'}, ['good', 'duplicate']),
    ('gateway-duplicate', V7, 'tunnel', {'peer_address': '198.51.100.101'}, ['bad', '198.51.100.101']),
]
CASES = [c if len(c) == 6 else (*c, 0) for c in CASES]
assert len({c[0] for c in CASES}) == len(CASES)
SECRETS = (GOOD_PSK, BAD_PSK, kit.labkit.PASSWORD)


def good_tunnel():
    return {'name': 'good', 'peer_address': '198.51.100.101', 'local_subnets': ['192.168.10.0/24'], 'remote_subnets': ['10.101.0.0/24'],
            'psk': GOOD_PSK, 'verify': {'timeout': 5, 'interval': 0.5}}


def bad_tunnel():
    return {'name': 'bad', 'peer_address': '198.51.100.102', 'local_subnets': ['192.168.10.0/24'], 'remote_subnets': ['10.102.0.0/24'],
            'psk': GOOD_PSK, 'verify': {'timeout': 5, 'interval': 0.5}}


def apply(value, change):
    if callable(change):
        return change(value)
    merged = dict(value)
    merged.update(change)
    return merged


def host_name(case_id):
    return 'h-' + case_id


def failures(out):
    """{host: result} of every failed task, from the oneline callback (``host | FAILED! => {json}``)."""
    found = {}
    for match in re.finditer(r'^(\S+) \| FAILED! => (\{.*\})$', out, re.M):
        found.setdefault(match.group(1), json.loads(match.group(2)))
    return found


@pytest.mark.slow
def test_role_bad_input_catalogue(lab_factory, tmp_path, monkeypatch):
    names = [host_name(case[0]) for case in CASES]
    routers = [kit.labkit.router(name, case[1], lan_subnets=['192.168.10.0/24']) for name, case in zip(names, CASES, strict=True)]
    lab = lab_factory(kit.labkit.lab_dict(routers, []))
    inventory = kit.write_inventory(tmp_path, lab, {})
    with open(inventory, encoding='utf-8') as handle:
        data = yaml.safe_load(handle)
    hosts = data['routers']['hosts']
    for name, (_case_id, _version, where, change, _needles, _logins) in zip(names, CASES, strict=True):
        host = hosts[name]
        host['vpc_tunnel_api'] = api(lab, name)
        tunnels = [good_tunnel(), bad_tunnel()]
        if where == 'tunnel':
            tunnels[1] = apply(tunnels[1], change)
        elif where == 'tunnels':
            tunnels = change(tunnels)
        elif where == 'api':
            host['vpc_tunnel_api'] = apply(host['vpc_tunnel_api'], change)
        else:
            host.update(change)
        host['vpc_tunnel_tunnels'] = tunnels
    del data['routers']['vars']['vpc_tunnel_api']
    with open(inventory, 'w', encoding='utf-8') as handle:
        yaml.safe_dump(data, handle, sort_keys=False, allow_unicode=True)

    monkeypatch.setenv('ANSIBLE_STDOUT_CALLBACK', 'ansible.builtin.oneline')
    run = kit.playbook('site.yml', inventory, extra_vars={'vpc_tunnel_serial': '100%', 'vpc_tunnel_max_fail_percentage': 100},
                       timeout=180)
    failed = failures(run.out)
    problems = []
    for name, (case_id, _version, _where, _change, needles, max_logins) in zip(names, CASES, strict=True):
        counters = lab.counters(name)
        result = failed.get(name)
        if result is None:
            problems.append(f'{case_id}: accepted')
            continue
        text = json.dumps(result, ensure_ascii=False)
        msg = result.get('msg') if isinstance(result.get('msg'), str) else json.dumps(result.get('msg'), ensure_ascii=False)
        missing = [needle for needle in needles if needle not in msg]
        if missing:
            problems.append(f'{case_id}: {missing} not in: {msg}')
        if counters['writes'] or counters['logins'] > max_logins:
            problems.append(f'{case_id}: {counters["writes"]} writes, {counters["logins"]} logins')
        if any(secret in text for secret in SECRETS):
            problems.append(f'{case_id}: secret in {text}')
        if 'Traceback' in text:
            problems.append(f'{case_id}: traceback')
    assert not problems, '\n'.join(problems)
    assert not any(secret in run.out for secret in SECRETS)
    print(f'\nrole bad input: {len(CASES)} cases, each failed before any write')


def test_catalogue_size():
    """The figures docs/reliability.md states: 54 cases, 52 of them refused before any login."""
    assert len(CASES) == 54
    assert sum(1 for case in CASES if case[5] == 0) == 52
