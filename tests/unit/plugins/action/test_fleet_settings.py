# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How the fleet task reads each router's role variables: templates rendered for that router, plain inventory data taken as
it is, vaulted values decrypted by the templar, and every value handed on as plain data (as a module receives it)."""

from ansible.parsing.dataloader import DataLoader
from ansible.parsing.vault import EncryptedString
from ansible.template import Templar, trust_as_template

from ansible_collections.vpclink.routeros.plugins.action.fleet_tunnels import needs_templating, plain

TUNNELS = [{'name': 'vpc-gz', 'peer_address': '198.51.100.1', 'local_subnets': ['192.168.1.0/24'], 'psk': 'unit-psk-0123456789',
            'ike': {'version': 2, 'lifetime': '1d'}, 'verify': {'enabled': True, 'timeout': 30.5}}]


def trusted(value):
    """``value`` as an inventory file gives it: every string trusted as a template (and tagged)."""
    if isinstance(value, dict):
        return {k: trusted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [trusted(v) for v in value]
    return trust_as_template(value) if isinstance(value, str) else value


def templar(**variables):
    return Templar(loader=DataLoader(), variables=variables)


def exact_types(value):
    """Whether ``value`` holds only Python's own types (no tagged subclass)."""
    if isinstance(value, dict):
        return all(exact_types(k) and exact_types(v) for k, v in value.items())
    if isinstance(value, list):
        return all(exact_types(v) for v in value)
    return value.__class__ in (str, int, float, bool, type(None))


def test_plain_inventory_data_is_not_templated_and_loses_its_tags():
    value = trusted(TUNNELS)
    assert not exact_types(value)
    assert not needs_templating(value, templar())
    assert plain(value) == TUNNELS and exact_types(plain(value))


def test_a_template_anywhere_in_a_value_is_rendered_for_the_router():
    api = trusted({'hostname': '{{ ansible_host }}', 'port': '{{ routeros_api_port }}', 'username': 'admin', 'timeout': 30})
    t = templar(ansible_host='192.0.2.7', routeros_api_port=8729)
    assert needs_templating(api, t)
    assert needs_templating(trusted([{'name': 'a', 'psk': '{% if true %}x{% endif %}'}]), t)
    got = plain(t.template(api))
    assert got == {'hostname': '192.0.2.7', 'port': 8729, 'username': 'admin', 'timeout': 30} and exact_types(got)


def test_a_vaulted_value_goes_to_the_templar():
    # a vaulted string is not a str: only the templar can decrypt it
    assert needs_templating(EncryptedString(ciphertext='$ANSIBLE_VAULT;1.1;AES256\n0000'), templar())
    assert needs_templating({'psk': EncryptedString(ciphertext='$ANSIBLE_VAULT;1.1;AES256\n0000')}, templar())


def test_plain_keeps_booleans_and_numbers_as_they_are():
    assert plain([True, False, 0, 1, 2.5, None, ('a', 'b')]) == [True, False, 0, 1, 2.5, None, ['a', 'b']]
    assert [type(v) for v in plain([True, 1])] == [bool, int]
