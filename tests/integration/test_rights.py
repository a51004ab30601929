"""The RouterOS policies each playbook needs, proven against the lab's users and groups (docs/lab.md, section 7).

Each playbook runs as a user whose group holds exactly the policies the README's "The API user" section lists for
it, and succeeds. A user without ``sensitive`` reads the PSK as ``*****``: with the default ``update_secret: auto``
the warm run still writes nothing, and a changed PSK is written. Each missing policy gives a clear error naming it."""

import pytest

from tests import labkit
from tests.integration import kit
from tests.unit.plugins.modules.conftest import run_action_path

# Exactly the README's table.
NEEDS = {
    'site': ['api', 'read', 'write', 'test'],
    'verify': ['api', 'read'],
    'diagnose': ['api', 'read'],
    'teardown': ['api', 'read', 'write'],
    'rollback': ['api', 'read', 'write'],
}
MISSING = {'noapi': ['read', 'write', 'test'], 'noread': ['api', 'write', 'test'], 'nowrite': ['api', 'read', 'test'],
           'notest': ['api', 'read', 'write']}
GROUPS = [{'name': f'g-{name}', 'policy': policy} for name, policy in {**NEEDS, **MISSING}.items()]
USERS = [{'name': f'u-{name}', 'password': f'pw-{name}', 'group': f'g-{name}'} for name in {**NEEDS, **MISSING}]


def api_as(lab, user):
    return {'hostname': '127.0.0.1', 'port': '{{ ansible_port_api }}', 'username': f'u-{user}', 'password': f'pw-{user}', 'timeout': 10}


def as_user(tmp_path, lab, tunnels, user):
    return kit.write_inventory(tmp_path, lab, {'r1': tunnels}, {'vpc_tunnel_api': api_as(lab, user)})


@pytest.fixture
def rights_lab(lab_factory):
    routers = [kit.router_entry('r1', 1, '7.16.2', users=USERS, groups=GROUPS)]
    return kit.start_lab(lab_factory, routers, [kit.cloud_entry('gz', 1, [('r1', 1, [f'{kit.lan(1)}/24'])])])


def test_each_playbook_with_exactly_the_documented_policies(rights_lab, tmp_path):
    lab = rights_lab
    tunnel = kit.tunnel('vpc', 'r1', 1, 1)
    site = kit.playbook('site.yml', as_user(tmp_path, lab, [tunnel], 'site'))
    assert site.rc == 0 and site.summary == [('r1', 'vpc', 'up')], site
    # no `sensitive`: the router shows the PSK as *****; the fingerprint in our mark says it is unchanged
    lab.reset_counters('r1')
    warm = kit.playbook('site.yml', as_user(tmp_path, lab, [tunnel], 'site'))
    assert warm.rc == 0 and warm.recap['r1']['changed'] == 0 and lab.counters('r1')['writes'] == 0, warm
    for name in ('verify', 'diagnose'):
        run = kit.playbook(f'{name}.yml', as_user(tmp_path, lab, [tunnel], name))
        assert run.rc == 0 and lab.counters("r1")["writes"] == 0, run.out[-3000:]
    down = kit.playbook('teardown.yml', as_user(tmp_path, lab, [tunnel], 'teardown'))
    assert down.rc == 0 and not [p for p in lab.runtime('r1')['peers'] if p['peer'] == 'vpc'], down
    back = kit.playbook('rollback.yml', as_user(tmp_path, lab, [tunnel], 'rollback'))    # undoes the teardown, PSK from the inventory
    assert back.rc == 0, back.out[-4000:]
    assert kit.playbook('verify.yml', as_user(tmp_path, lab, [tunnel], 'verify')).rc == 0
    for run in (site, warm, down, back):
        assert kit.PSK.format(name='r1') not in run.out


def tunnels_as(lab, user, **tunnel):
    params = {'hostname': '127.0.0.1', 'port': lab.port('r1'), 'username': f'u-{user}', 'password': f'pw-{user}', 'timeout': 5}
    return run_action_path('tunnels', dict(params, tunnels=[dict(kit.tunnel('vpc', 'r1', 1, 1), **tunnel)]))


def test_a_changed_psk_is_written_without_the_sensitive_policy(rights_lab):
    lab = rights_lab
    quiet = {'verify': {'enabled': False}}
    assert not tunnels_as(lab, 'site', **quiet).get('failed')
    lab.reset_counters('r1')
    assert tunnels_as(lab, 'site', **quiet)['changed'] is False and lab.counters('r1')['writes'] == 0
    changed = tunnels_as(lab, 'site', psk='Rotated-PSK-2b7e', **quiet)
    identity = next(o for o in changed['tunnels'][0]['objects'] if o['menu'] == '/ip/ipsec/identity')
    assert identity['action'] == 'updated' and 'secret' in identity['changed_properties']
    assert 'Rotated-PSK-2b7e' not in repr(changed)


@pytest.mark.parametrize('user,policy,needle', [
    ('noapi', 'api', 'has the api policy'),
    ('noread', 'read', '"read" policy'),
    ('nowrite', 'write', '"write" policy'),
    ('notest', 'test', '"test" policy'),
])
def test_each_missing_policy_gives_a_clear_error(rights_lab, user, policy, needle):
    result = tunnels_as(rights_lab, user)
    assert result.get('failed'), result
    msg = result['msg']
    assert needle in msg and 'Traceback' not in msg and kit.PSK.format(name='r1') not in repr(result)
    if policy in ('api', 'read', 'write'):
        assert rights_lab.counters('r1')['writes'] == 0      # refused before anything changed
    assert labkit.PASSWORD not in msg
