# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""tencent_vpn / tencent_api without a lab: documentation against the argument specs, the comparison,
the endpoint forms and the error messages."""

import importlib

import pytest
import yaml

from ansible_collections.vpclink.routeros.plugins.module_utils import tencent_api, tencent_vpn

MODULES = {'tencent_vpn_connection': tencent_vpn.connection_argument_spec, 'tencent_vpn_connection_info': tencent_vpn.info_argument_spec}


@pytest.mark.parametrize('module_name', sorted(MODULES))
def test_documentation_matches_argument_spec(module_name):
    module = importlib.import_module('ansible_collections.vpclink.routeros.plugins.modules.' + module_name)
    doc = yaml.safe_load(module.DOCUMENTATION)
    fragment = yaml.safe_load(importlib.import_module('ansible_collections.vpclink.routeros.plugins.doc_fragments.tencent')
                              .ModuleDocFragment.DOCUMENTATION)
    options = dict(fragment['options'], **doc['options'])
    spec = MODULES[module_name]()
    assert set(options) == set(spec)
    for name, arg in spec.items():
        opt = options[name]
        assert (opt['type'], bool(opt.get('required')), opt.get('default'), opt.get('choices'), opt.get('elements')) == \
            (arg['type'], bool(arg.get('required')), arg.get('default'), arg.get('choices'), arg.get('elements')), name
    assert spec['secret_key']['no_log'] is True
    if 'pre_share_key' in spec:
        assert spec['pre_share_key']['no_log'] is True
    yaml.safe_load(module.EXAMPLES)
    yaml.safe_load(module.RETURN)


@pytest.mark.parametrize(('endpoint', 'expected'), [
    (None, ('https', 'vpc.tencentcloudapi.com')),
    ('vpc.internal.example:8443', ('https', 'vpc.internal.example:8443')),
    ('http://127.0.0.1:4000', ('http', '127.0.0.1:4000')),
    ('HTTPS://vpc.example/', ('https', 'vpc.example')),
])
def test_endpoint_forms(endpoint, expected):
    assert tencent_api.split_endpoint(endpoint) == expected


def test_bad_endpoint_is_named():
    with pytest.raises(ValueError, match="endpoint: 'ftp://x' is not valid"):
        tencent_api.split_endpoint('ftp://x')


CURRENT = {'VpnConnectionId': 'vpnx-00000001', 'VpnConnectionName': 'hq', 'PreShareKey': 'old', 'NegotiationType': 'active',
           'DpdEnable': 1, 'DpdTimeout': '30',
           'IKEOptionsSpecification': {'IKEVersion': 'IKEV2', 'PropoEncryAlgorithm': 'AES-CBC-256', 'LocalAddress': '198.51.100.1'},
           'IPSECOptionsSpecification': {'EncryptAlgorithm': 'AES-CBC-256', 'IntegrityAlgorith': 'SHA1', 'PfsDhGroup': 'NULL'},
           'SecurityPolicyDatabaseSet': [{'LocalCidrBlock': '10.0.0.0/24', 'RemoteCidrBlock': ['192.168.2.0/24', '192.168.1.0/24']}]}


def want(**options):
    params = {'customer_gateway_address': '203.0.113.1', 'state': 'absent'}
    params.update(options)
    return tencent_vpn.desired(params)


def test_only_given_options_are_compared_and_structures_are_sent_whole():
    assert tencent_vpn.changes(CURRENT, want(name='hq', dpd_enable=True, dpd_timeout=30, negotiation_type='active')) == {}
    # the SPD is a set: order does not matter, and CIDRs are canonical
    spd = [{'LocalCidrBlock': '10.0.0.1/24', 'RemoteCidrBlock': ['192.168.1.0/24', '192.168.2.0/24']}]
    assert tencent_vpn.changes(CURRENT, want(security_policy_databases=spd)) == {}
    # the old misspelt key of the current connection is the same field as IntegrityAlgorithm
    assert tencent_vpn.changes(CURRENT, want(ipsec_options={'IntegrityAlgorithm': 'SHA1'})) == {}
    delta = tencent_vpn.changes(CURRENT, want(ipsec_options={'IntegrityAlgorith': 'SHA-256'}, pre_share_key='new'))
    assert delta['IPSECOptionsSpecification'] == {'EncryptAlgorithm': 'AES-CBC-256', 'IntegrityAlgorithm': 'SHA-256', 'PfsDhGroup': 'NULL'}
    assert delta['PreShareKey'] == 'new' and set(delta) == {'IPSECOptionsSpecification', 'PreShareKey'}


def test_error_message_names_action_code_message_and_next_step_without_secrets():
    error = tencent_api.TencentError('CreateVpnConnection', 'AuthFailure.UnauthorizedOperation', 'no right; PreShareKey=abc123',
                                     'req-1', secrets=('abc123',))
    assert error.msg == ('Tencent Cloud CreateVpnConnection failed: AuthFailure.UnauthorizedOperation: no right; PreShareKey=******** '
                         '(RequestId req-1). Next step: grant this API action (vpc:CreateVpnConnection) to the CAM user or role '
                         'of secret_id.')
    assert tencent_api.next_step('InvalidParameterValue.Range', 'X') == 'correct the value the message names'
    assert tencent_api.next_step('Something.New', 'X') == 'look up Something.New in the Tencent Cloud API error codes of X'
