# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tools/update_docs.py: the generated documentation matches the code, and a drift is named."""

import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

from tools import update_docs


def test_the_tree_is_up_to_date():
    assert update_docs.main(['--check']) == 0


def test_check_names_the_drifted_file_and_the_tool_repairs_it(tmp_path, monkeypatch, capsys):
    for path, _source, _data in update_docs.targets(update_docs._collection()):
        os.makedirs(tmp_path / os.path.dirname(path), exist_ok=True)
        shutil.copy(os.path.join(update_docs.ROOT, path), tmp_path / path)
    peer = tmp_path / 'plugins/modules/ipsec_peer.py'
    good = peer.read_text(encoding='utf-8')
    peer.write_text(good.replace('Only respond, never initiate.', 'Respond and initiate.'), encoding='utf-8')
    monkeypatch.setattr(update_docs, 'ROOT', str(tmp_path))

    assert update_docs.main(['--check']) == 1
    err = capsys.readouterr().err
    assert 'plugins/modules/ipsec_peer.py' in err and 'ipsec_profile' not in err
    assert update_docs.main([]) == 0
    assert peer.read_text(encoding='utf-8') == good
    assert update_docs.main(['--check']) == 0


def test_role_tunnel_options_are_the_module_schema():
    """The role validates vpc_tunnel_tunnels with the same keys, types, choices, defaults and required_if as the module."""
    from ansible_collections.vpclink.routeros.plugins.module_utils import tunnel_schema

    with open(os.path.join(update_docs.ROOT, 'roles/vpc_tunnel/meta/argument_specs.yml'), encoding='utf-8') as handle:
        role = yaml.safe_load(handle)['argument_specs']['main']['options']['vpc_tunnel_tunnels']

    def shape(options):
        return {name: ({k: o.get(k) for k in ('type', 'elements', 'required', 'default', 'choices', 'no_log')},
                       shape(o['options']) if o.get('options') else None) for name, o in options.items()}

    module = tunnel_schema.argument_spec()['tunnels']
    assert shape(role['options']) == shape(module['options'])
    assert role['required_if'] == module['required_if']
    assert module['options']['psk']['no_log'] is True


def test_ansible_doc_lists_every_tunnel_key_as_a_suboption():
    from ansible_collections.vpclink.routeros.plugins.module_utils import tunnel_schema

    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(update_docs.ROOT, 'build', 'collections'))
    out = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-doc'), '--json', 'vpclink.routeros.tunnels'],
                         capture_output=True, text=True, env=env, check=True, timeout=120).stdout
    tunnels = json.loads(out)['vpclink.routeros.tunnels']['doc']['options']['tunnels']
    assert set(tunnels['suboptions']) == set(tunnel_schema.TUNNEL)
    assert set(tunnels['suboptions']['ike']['suboptions']) == set(tunnel_schema.IKE)
    assert set(tunnels['suboptions']['verify']['suboptions']['ping']['suboptions']) == {'src_address', 'address', 'count'}
    assert tunnels['suboptions']['state']['choices'] == ['present', 'absent']


def test_a_return_sample_naming_a_property_the_menu_lacks_is_refused(monkeypatch):
    from ansible_collections.vpclink.routeros.plugins.module_utils import result_docs

    monkeypatch.setitem(result_docs.ENTRY_SAMPLES, '/ip/ipsec/profile', ({'name': 'to_tencent', 'life-time': '8h'}, 'life-time'))
    with pytest.raises(SystemExit, match='/ip/ipsec/profile names life-time'):
        update_docs.main(['--check'])


def test_ansible_doc_shows_the_generated_tencent_result_keys():
    from ansible_collections.vpclink.routeros.plugins.module_utils import result_docs

    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(update_docs.ROOT, 'build', 'collections'))
    names = [f'vpclink.routeros.{m}' for m in update_docs.TENCENT_MODULES]
    out = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-doc'), '--json', *names],
                         capture_output=True, text=True, env=env, check=True, timeout=120).stdout
    docs = json.loads(out)
    for name in names:
        returned = docs[name]['return']
        assert {key: returned[key] for key in result_docs.TENCENT} == result_docs.TENCENT
