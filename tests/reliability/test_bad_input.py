# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input catalogue: every case fails BEFORE any write (lab counters: zero writes) with a message that
names the field and the value (and, where there is a list, what is allowed). Table-driven: one row = one case.

Rows: (id, module, router, args on top of a valid base, substrings the message must contain).
"""

import pytest

from tests.reliability.conftest import GW, LAN, PSK, STEPS, TUNNEL, VPC, assert_clear_failure, conn
from tests.unit.plugins.modules.conftest import run_action_path

BASE = dict(STEPS)
BASE['tunnels'] = {'tunnels': [TUNNEL]}


def t(**over):
    """The tunnels module with one tunnel overridden."""
    return {'tunnels': [dict(TUNNEL, **over)]}


CASES = [
    # --- wrong types (argument spec) ------------------------------------------------------------------------
    ('profile-lifetime-list', 'ipsec_profile', 'v7', {'lifetime': ['1d']}, ['lifetime']),
    ('profile-lifebytes-text', 'ipsec_profile', 'v7', {'lifebytes': 'lots'}, ['lifebytes', 'lots']),
    ('peer-passive-text', 'ipsec_peer', 'v7', {'passive': 'maybe'}, ['passive', 'maybe']),
    ('peer-ike-port-range', 'ipsec_peer', 'v7', {'ike_port': 70000}, ['port', '70000']),
    ('policy-tunnel-text', 'ipsec_policy', 'v7', {'tunnel': 'sometimes'}, ['tunnel', 'sometimes']),
    ('nat-bypass-text', 'nat_accept_top', 'v7', {'fasttrack_bypass': 'perhaps'}, ['fasttrack_bypass', 'perhaps']),
    ('state-unknown', 'ipsec_peer', 'v7', {'state': 'gone'}, ['state', 'gone', 'present, absent']),
    ('update-secret-unknown', 'ipsec_identity', 'v7', {'update_secret': 'never'}, ['update_secret', 'never', 'always']),
    ('unknown-option', 'ipsec_profile', 'v7', {'hash': 'sha256'}, ['hash']),
    ('api-timeout-text', 'ipsec_profile', 'v7', {'timeout': 'soon'}, ['timeout', 'soon']),
    ('tunnels-not-a-list', 'tunnels', 'v7', {'tunnels': 'vpc'}, ['tunnels']),
    ('tunnels-unknown-key', 'tunnels', 'v7', t(colour='blue'), ['colour']),
    # --- unknown algorithms ---------------------------------------------------------------------------------
    ('profile-hash-unknown', 'ipsec_profile', 'v7', {'hash_algorithm': 'sha3'}, ['hash-algorithm', 'sha3', 'sha256']),
    ('profile-enc-unknown', 'ipsec_profile', 'v7', {'enc_algorithm': ['aes-512']}, ['enc-algorithm', 'aes-512', 'aes-256']),
    ('profile-dh-unknown', 'ipsec_profile', 'v7', {'dh_group': ['modp9999']}, ['dh-group', 'modp9999', 'modp2048']),
    ('proposal-auth-unknown', 'ipsec_proposal', 'v7', {'auth_algorithms': ['sha384']}, ['auth-algorithms', 'sha384', 'sha256']),
    ('proposal-pfs-unknown', 'ipsec_proposal', 'v7', {'pfs_group': 'modp9999'}, ['pfs-group', 'modp9999', 'modp2048']),
    ('peer-exchange-unknown', 'ipsec_peer', 'v7', {'exchange_mode': 'ike3'}, ['exchange-mode', 'ike3', 'ike2']),
    ('identity-auth-unknown', 'ipsec_identity', 'v7', {'auth_method': 'psk'}, ['auth-method', 'psk', 'pre-shared-key']),
    ('identity-my-id-bad', 'ipsec_identity', 'v7', {'my_id': 'fqdn:'}, ['my-id', 'fqdn:', 'address:']),
    ('policy-action-unknown', 'ipsec_policy', 'v7', {'action': 'allow'}, ['action', 'allow', 'encrypt']),
    ('tunnels-ike-enc-unknown', 'tunnels', 'v7', t(ike={'encryption': 'aes-512'}), ['aes-512', 'encryption']),
    ('tunnels-esp-auth-unknown', 'tunnels', 'v7', t(esp={'auth': 'sha384'}), ['sha384', 'auth']),
    ('tunnels-cloud-unknown', 'tunnels', 'v7', t(cloud='oracle'), ['cloud', 'oracle', 'tencent']),
    # --- algorithms this RouterOS version lacks (6.49 vs 7.x, MikroTik "IPsec" manual) --------------------------------
    ('v6-proposal-chacha', 'ipsec_proposal', 'v6', {'enc_algorithms': ['chacha20poly1305']}, ['enc-algorithms', 'chacha20poly1305', '6.49']),
    ('v6-profile-x25519', 'ipsec_profile', 'v6', {'dh_group': ['x25519']}, ['dh-group', 'x25519', '6.49']),
    ('v6-profile-prf', 'ipsec_profile', 'v6', {'prf_algorithm': 'sha256'}, ['prf-algorithm', '7.0', '6.49']),
    ('v6-profile-sha384', 'ipsec_profile', 'v6', {'hash_algorithm': 'sha384'}, ['hash-algorithm', 'sha384', '6.49']),
    ('v7-profile-camellia', 'ipsec_profile', 'v7', {'enc_algorithm': ['camellia-256']}, ['enc-algorithm', 'camellia-256', '7.16']),
    ('v7-peer-main-l2tp', 'ipsec_peer', 'v7', {'exchange_mode': 'main-l2tp'}, ['exchange-mode', 'main-l2tp', '7.16']),
    ('v7-profile-ppk', 'ipsec_profile', 'v7', {'ppk': 'psk'}, ['ppk', '7.21', '7.16']),
    ('v6-proposal-comment', 'ipsec_proposal', 'v6', {'comment': 'x'}, ['comment', '7.15', '6.49']),
    ('v6-tunnels-prf', 'tunnels', 'v6', t(ike={'prf': 'sha256'}), ['prf', '6.49']),
    # the cloud preset refuses chacha20poly1305 before the version is even read (Tencent has no such ESP cipher)
    ('v6-tunnels-chacha', 'tunnels', 'v6', t(esp={'encryption': 'chacha20poly1305', 'auth': 'sha256'}), ['chacha20poly1305', 'esp.encryption']),
    # --- invalid addresses and CIDRs -----------------------------------------------------------------------------
    ('peer-address-bad', 'ipsec_peer', 'v7', {'address': '198.51.100.300'}, ['address', '198.51.100.300']),
    ('peer-address-dns-v6', 'ipsec_peer', 'v6', {'address': 'vpn.example.com'}, ['address', 'vpn.example.com']),
    ('policy-src-host-bits', 'ipsec_policy', 'v7', {'src_address': '192.168.10.129/25'}, ['src-address', '192.168.10.129/25']),
    ('policy-dst-prefix-33', 'ipsec_policy', 'v7', {'dst_address': '10.100.0.0/33'}, ['dst-address', '10.100.0.0/33']),
    ('nat-src-garbage', 'nat_accept_top', 'v7', {'src_address': 'lan'}, ['src-address', 'lan']),
    ('tunnels-peer-address-bad', 'tunnels', 'v7', t(peer_address='198.51.100.300'), ['peer_address', '198.51.100.300']),
    ('tunnels-local-subnet-bad', 'tunnels', 'v7', t(local_subnets=['192.168.10.1/24']), ['local_subnets', '192.168.10.1/24']),
    ('tunnels-remote-subnet-bad', 'tunnels', 'v7', t(remote_subnets=['10.100.0.0/40']), ['remote_subnets', '10.100.0.0/40']),
    # --- overlapping selectors -----------------------------------------------------------------------------------
    ('tunnels-overlap-across', 'tunnels', 'v7', {'tunnels': [TUNNEL, dict(TUNNEL, name='vpc2', peer_address='198.51.100.11',
                                                                          remote_subnets=['10.100.1.0/24'])]}, ['overlap', '10.100']),
    ('tunnels-overlap-local-remote', 'tunnels', 'v7', t(remote_subnets=['192.168.10.0/24']), ['192.168.10']),
    # --- PSK -----------------------------------------------------------------------------------------------------
    ('identity-psk-empty', 'ipsec_identity', 'v7', {'secret': ''}, ['secret']),
    ('identity-psk-spaces', 'ipsec_identity', 'v7', {'secret': f' {PSK} '}, ['secret', 'space']),
    ('tunnels-psk-empty', 'tunnels', 'v7', t(psk=''), ['psk']),
    ('tunnels-psk-spaces', 'tunnels', 'v7', t(psk=f' {PSK} '), ['psk']),
    # --- names -------------------------------------------------------------------------------------------------
    ('profile-name-space', 'ipsec_profile', 'v7', {'name': 'vpc p'}, ['name', 'vpc p']),
    ('profile-name-non-ascii', 'ipsec_profile', 'v7', {'name': 'vpc-ü'}, ['name', 'vpc-ü']),
    ('tunnels-name-space', 'tunnels', 'v7', t(name='vpc 1'), ['name', 'vpc 1']),
    ('tunnels-name-non-ascii', 'tunnels', 'v7', t(name='vpc-ü'), ['name', 'vpc-ü']),
    ('tunnels-duplicate-names', 'tunnels', 'v7', {'tunnels': [TUNNEL, dict(TUNNEL, peer_address='198.51.100.11',
                                                                           remote_subnets=['10.101.0.0/16'])]}, ['duplicate', 'vpc']),
    ('tunnels-duplicate-gateway', 'tunnels', 'v7', {'tunnels': [TUNNEL, dict(TUNNEL, name='vpc2', remote_subnets=['10.101.0.0/16'])]},
     [GW]),
]
assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize('case_id, module_name, router, over, needles',
                         [pytest.param(*c, id=c[0]) for c in CASES])
def test_bad_input_fails_before_any_write(rlab, case_id, module_name, router, over, needles):
    args = dict(conn(rlab, router), **BASE[module_name])
    args.update(over)
    if module_name == 'ipsec_identity' or module_name == 'ipsec_policy' or module_name == 'ipsec_peer':
        # the references exist, so a failure is about the bad value and nothing else
        for dep, dep_args in STEPS[:3]:
            assert not run_action_path(dep, dict(conn(rlab, router), **dep_args)).get('failed')
    rlab.reset_counters(router)
    result = run_action_path(module_name, args)
    assert rlab.counters(router)['writes'] == 0, f'{case_id}: wrote before failing: {result}'
    assert result.get('failed'), f'{case_id}: accepted: {result}'
    msg = result['msg']
    if result.get('exception_type') == 'AnsibleActionFail':
        # argument-spec failures happen before any connection: nothing to name but the module and the field
        assert f'vpclink.routeros.{module_name}' in msg, msg
        assert rlab.counters(router)['logins'] == 0
    elif rlab.counters(router)['logins'] == 0:
        # tunnels preflight: refused before any connection; the play names the host, the message the tunnel
        assert_clear_failure(result, 'no connection to the router', router=False)
    else:
        assert_clear_failure(result)
    for needle in needles:
        assert needle in msg, f'{case_id}: {needle!r} not in: {msg}'
    assert PSK not in msg


def test_catalogue_size():
    """The figure docs/reliability.md states."""
    assert len(CASES) == 54
    assert LAN and VPC
