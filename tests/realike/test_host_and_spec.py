"""What runs everywhere (no root): why the real mode cannot run, and bad end descriptions refused before any start."""

import dataclasses

import pytest

from emulator.strongswan import host, render
from emulator.strongswan.endspec import EndSpec, Identity, Proposal, SpecError

GOOD = {'name': 'branch', 'ike_version': 1, 'exchange_mode': 'aggressive', 'local_address': '198.51.100.4', 'remote_address': '198.51.100.90',
        'local_id': Identity('fqdn', 'branch.corp.example'), 'remote_id': Identity('address', '198.51.100.90'),
        'psk': 'Sup3r-Secret-Value', 'ike_proposal': Proposal('aes128', 'sha1', 'modp1024'),
        'esp_proposal': Proposal('aes256gcm16', None, 'ecp256'), 'local_ts': ('10.8.0.0/24',), 'remote_ts': ('10.9.0.0/16',)}


def test_missing_names_each_reason(monkeypatch):
    monkeypatch.setattr(host.os, 'geteuid', lambda: 1000)
    monkeypatch.setattr(host, 'CHARON', '/nonexistent/charon')
    monkeypatch.setattr(host, 'PLUGIN_DIR', '/nonexistent/plugins')
    reasons = ' | '.join(host.missing())
    assert 'not root' in reasons
    assert 'no /nonexistent/charon (Debian package strongswan-charon)' in reasons
    assert 'strongSwan plugin kernel-libipsec missing (Debian package libcharon-extra-plugins)' in reasons


@pytest.mark.parametrize('field, value, expected', [
    ('ike_version', 3, "ike_version: 3 is not allowed; allowed: 1, 2"),
    ('exchange_mode', 'quick', "exchange_mode: 'quick' is not allowed; allowed: main, aggressive"),
    ('ike_proposal', Proposal('aes256gcm16', None, 'modp2048'), "ike_proposal.encryption: 'aes256gcm16' is not allowed"),
    ('esp_proposal', Proposal('aes128', 'sha1', 'modp512'), "esp_proposal.dh_group: 'modp512' is not allowed"),
    ('remote_ts', ('10.9.0.1/16',), "remote_ts: '10.9.0.1/16' is not allowed; allowed: a CIDR with no host bits set"),
    ('local_id', Identity('address', 'branch.corp.example'), "local_id.value: 'branch.corp.example' is not allowed; allowed: an IP address"),
])
def test_bad_fields_are_refused_with_field_value_and_allowed(field, value, expected):
    with pytest.raises(SpecError, match='^end branch: ') as err:
        EndSpec(**{**GOOD, field: value})
    assert expected in str(err.value)
    assert GOOD['psk'] not in str(err.value)


def test_the_psk_never_shows_in_errors_or_the_repr():
    with pytest.raises(SpecError) as err:
        EndSpec(**{**GOOD, 'psk': ''})
    assert 'psk' in str(err.value)
    spec = EndSpec(**GOOD)
    assert GOOD['psk'] not in repr(spec)


def test_ikev2_has_no_aggressive_mode():
    with pytest.raises(SpecError, match="exchange_mode: 'aggressive' is not allowed; allowed: 'main' with IKEv2"):
        EndSpec(**{**GOOD, 'ike_version': 2})


def test_rendered_connection_says_what_the_end_described():
    spec = EndSpec(**GOOD)
    conn = render.connection_tree(spec)['branch']
    assert (conn['version'], conn['aggressive']) == ('1', 'yes')
    assert conn['proposals'] == ['aes128-sha1-modp1024']
    assert conn['children']['branch']['esp_proposals'] == ['aes256gcm16-ecp256']
    assert (conn['local']['id'], conn['remote']['id']) == ('@branch.corp.example', '198.51.100.90')
    no_pfs = dataclasses.replace(spec, esp_proposal=Proposal('aes128', 'sha256', None))
    assert render.connection_tree(no_pfs)['branch']['children']['branch']['esp_proposals'] == ['aes128-sha256']
