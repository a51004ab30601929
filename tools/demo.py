"""`make demo`: start the built-in lab, roll the inventory's tunnels out, prove the second run changes nothing,
diagnose the lab's deliberately mismatched (hand-built) tunnel, stop the lab.

1. playbooks/site.yml on inventories/lab: every inventory tunnel established, summary table shown.
2. playbooks/site.yml again: changed=0 in the recap AND, by the lab's own counters, zero writes and one API
   login per router; the hand-built tunnel on hq (not in the inventory) is byte-for-byte untouched.
3. Both ends from one inventory: edge's VPN connection was created by step 1 through the lab's Tencent VPC API
   (vpc_tunnel_cloud_apply in host_vars/edge.yml), from the same tunnel definition as the router; step 2 wrote
   nothing there either.
4. playbooks/diagnose.yml on hq: the router's lines alone leave the hand-built tunnel's cause ambiguous
   (ranked candidates); the Tencent console's tunnel log for that connection, pasted as an extra var
   (read here from the lab's control API, as a user copies it from the console), makes it certain: PFS.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request

from tools.labproc import ROOT, LabProcess

LAB = 'emulator/labs/demo.yml'
INVENTORY = 'inventories/lab/hosts.yml'
TLS_DIR = os.path.join('build', 'lab-tls')       # hq's inventory entry validates API-SSL with build/lab-tls/ca.pem
HAND_BUILT = ('hq', 'to_tencent_hk', 'tencent-hk')
CLOUD_API_PORT = '18780'                         # host_vars/edge.yml names this endpoint
CLOUD_WRITES = ('CreateCustomerGateway', 'CreateVpnConnection', 'ModifyVpnConnectionAttribute', 'DeleteVpnConnection',
                'DeleteCustomerGateway')
BIN = os.path.dirname(sys.executable)


def playbook(name, *args, quiet=False):
    """Run one playbook against the lab inventory, echoing its output; return (rc, output)."""
    cmd = [os.path.join(BIN, 'ansible-playbook'), '-i', INVENTORY, os.path.join('playbooks', name), *args]
    print('\n$ ' + ' '.join(cmd[1:]), flush=True)
    proc = subprocess.run(cmd, cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    if not quiet:
        print(proc.stdout, end='', flush=True)
    else:
        print(''.join(proc.stdout.partition('PLAY RECAP')[1:]), end='', flush=True)
    return proc.returncode, proc.stdout


def _env():
    env = dict(os.environ)
    env.setdefault('ANSIBLE_COLLECTIONS_PATH', os.path.join(ROOT, 'build', 'collections'))
    env.setdefault('ANSIBLE_CONFIG', os.path.join(ROOT, 'ansible.cfg'))
    env['ANSIBLE_FORCE_COLOR'] = '0'
    return env


def control(lab, method, path):
    request = urllib.request.Request(lab.control_url + path, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def changed_counts(output):
    """{host: changed} from the PLAY RECAP lines."""
    return {m.group(1): int(m.group(2)) for m in re.finditer(r'^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)', output, re.M)}


def hand_built_entries(lab):
    """The hand-built tunnel's entries on hq, as the lab stores them (ids and values)."""
    router, peer, _cloud = HAND_BUILT
    tables = control(lab, 'GET', f'/routers/{router}/state')['tables']
    mine = {}
    for menu in ('/ip/ipsec/profile', '/ip/ipsec/peer', '/ip/ipsec/identity', '/ip/ipsec/policy'):
        mine[menu] = [e for e in tables.get(menu, {}).get('entries', [])
                      if peer in (e['values'].get('name'), e['values'].get('peer'))]
    return mine


def both_ends(lab, cloud_before):
    """Step 3: the VPN connection the role created through the lab's Tencent API, and no cloud write on the re-run."""
    print('\n== 3. Both ends from one inventory: edge\'s cloud side, created through the Tencent API ==', flush=True)
    cloud = control(lab, 'GET', '/cloud-api')
    writes = {a: cloud['requests'].get(a, 0) - cloud_before.get(a, 0) for a in CLOUD_WRITES}
    for conn in cloud['vpn_connections']:
        print(f'  {conn["id"]} {conn["name"]}: {conn["state"]} on {conn["gateway"]}, customer gateway {conn["customer_gateway"]}')
    if not any(c['name'] == 'vpc-cd' and c['state'] == 'AVAILABLE' for c in cloud['vpn_connections']) or any(writes.values()):
        print(f'\nmake demo: edge\'s VPN connection vpc-cd was expected AVAILABLE, with no cloud write on the second run; '
              f'writes: {writes}.')
        return 1
    print('edge/vpc-cd: the router and its Tencent VPN connection from one tunnel definition; the second run wrote nothing '
          'on either end.')
    return 0


def main():
    os.makedirs(os.path.join(ROOT, TLS_DIR), exist_ok=True)
    print(f'Starting the RouterOS lab ({LAB}) ...', flush=True)
    with LabProcess(LAB, '--tls-dir', TLS_DIR, '--cloud-api-port', CLOUD_API_PORT) as lab:
        for name, info in lab.routers.items():
            print(f'  {name}: RouterOS {info["version"]} on 127.0.0.1:{info["api"]} (api-ssl {info.get("api-ssl", "-")})')
        before = hand_built_entries(lab)

        print('\n== 1. Roll the inventory tunnels out (site.yml) ==', flush=True)
        rc, _output = playbook('site.yml')
        if rc:
            print(f'\nmake demo: the rollout failed (exit {rc}); see the play output above.')
            return rc

        print('\n== 2. Run it again: nothing may change ==', flush=True)
        control(lab, 'DELETE', '/counters')
        cloud_before = control(lab, 'GET', '/cloud-api')['requests']
        rc, output = playbook('site.yml', quiet=True)
        changed = changed_counts(output)
        counters = control(lab, 'GET', '/counters')
        writes = {name: c['writes'] for name, c in counters.items()}
        logins = {name: c['logins'] for name, c in counters.items()}
        print(f'lab counters for the second run: writes {writes}, logins {logins}')
        if rc or any(changed.values()) or any(writes.values()) or any(n != 1 for n in logins.values()):
            print(f'\nmake demo: the second run was expected to change nothing with one login per router, '
                  f'but: recap changed {changed}, writes {writes}, logins {logins} (exit {rc}).')
            return rc or 1
        if hand_built_entries(lab) != before:
            print('\nmake demo: the hand-built tunnel on hq changed; the role must never touch what it does not own.')
            return 1
        print('second run: changed=0 on ' + ', '.join(sorted(changed)) + ', zero writes, one login per router (idempotent); '
              'the hand-built tunnel hq/to_tencent_hk is untouched.')

        rc = both_ends(lab, cloud_before)
        if rc:
            return rc

        router, peer, cloud = HAND_BUILT
        print(f'\n== 4. Why does the hand-built tunnel {router}/{peer} not come up? (diagnose.yml, router side only) ==', flush=True)
        rc, _output = playbook('diagnose.yml', '--limit', router, '-e', f'diagnose_peer={peer}')
        if rc:
            return rc
        log = control(lab, 'GET', f'/clouds/{cloud}/log')
        lines = [f'{e["time"]} {e["message"]}' for e in log]
        print(f'\n== 5. The same, with the Tencent console\'s tunnel log of {cloud} pasted in ({len(lines)} lines) ==', flush=True)
        with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as handle:
            json.dump({'diagnose_cloud_log': lines}, handle)
        try:
            rc, output = playbook('diagnose.yml', '--limit', router, '-e', f'diagnose_peer={peer}', '-e', '@' + handle.name)
        finally:
            os.unlink(handle.name)
        if rc:
            return rc
        cause = re.search(r"cause: (\w+) .*\((?:phase \S+, )?(certain|not certain)\)", output)
        if cause:
            print(f'\nmake demo: {router}/{peer}: cause {cause.group(1)} ({cause.group(2)}) once the cloud side\'s lines are in.')
    print('make demo: lab stopped.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
