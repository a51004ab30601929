# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""masking: one mask word for every secret, in results, messages, log lines and the librouteros debug log."""

import logging

from ansible_collections.vpclink.routeros.plugins.module_utils import api, runner
from ansible_collections.vpclink.routeros.plugins.module_utils.masking import MASK, mask


def test_known_secrets_are_masked_in_nested_results():
    result = {'msg': 'login as admin with s3cret failed', 'commands': ['/ip/ipsec/identity/add =secret=psk-1'],
              'tunnels': [{'warnings': ('psk-1 and psk-10',)}], 'changed': False}
    masked = mask(result, ['s3cret', 'psk-1', 'psk-10'])
    assert masked == {'msg': f'login as admin with {MASK} failed', 'commands': [f'/ip/ipsec/identity/add ={"secret"}={MASK}'],
                      'tunnels': [{'warnings': (f'{MASK} and {MASK}',)}], 'changed': False}


def test_secret_settings_in_foreign_text_are_masked_only_when_asked():
    line = 'no matching secret=hunter2 and password: hunter2x, PreShareKey: "abc"'
    assert 'hunter2' not in mask(line, settings=True) and 'abc' not in mask(line, settings=True)
    # our own messages name a field followed by what is wrong with it: left alone
    own = 'tunnels[0]: psk: must be non-empty'
    assert mask(own) == own


def test_the_runner_masks_every_result_string():
    params = {'password': 'api-pass', 'tunnels': [{'psk': 'the-psk'}]}
    masked = mask({'msg': 'api-pass the-psk'}, runner.secret_values('tunnels', params))
    assert masked == {'msg': f'{MASK} {MASK}'}


def test_librouteros_debug_log_never_holds_the_password(caplog):
    api._guard_wire_log('session-secret')
    with caplog.at_level(logging.DEBUG, logger='librouteros'):
        logging.getLogger('librouteros').debug("sent ('/login', '=name=admin', '=password=pass word') session-secret")
    assert 'pass word' not in caplog.text and 'session-secret' not in caplog.text and MASK in caplog.text
