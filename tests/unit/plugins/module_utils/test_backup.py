# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The backup files and the restore, against an in-memory session (no network)."""

import json
import os
import stat

from ansible_collections.vpclink.routeros.plugins.module_utils import backup
from ansible_collections.vpclink.routeros.plugins.module_utils.ipsec import IDENTITY, PEER, PROFILE
from ansible_collections.vpclink.routeros.plugins.module_utils.ownership import fingerprint, mark_comment
from tests.unit.plugins.module_utils.test_menu import FakeSession

PSK = 'Backup-PSK-9a41'
SPECS = {PROFILE.path: PROFILE, PEER.path: PEER, IDENTITY.path: IDENTITY}


class Recording(FakeSession):
    """A FakeSession whose writes change its rows, so a restore can be run twice."""

    def add(self, menu, attrs, entry=None):
        super().add(menu, attrs, entry)
        self.menus.setdefault(menu, []).append(dict(attrs, **{'.id': f'*N{len(self.calls)}'}))
        return f'*N{len(self.calls)}'

    def set_(self, menu, entry_id, attrs, entry=None):
        super().set_(menu, entry_id, attrs, entry)
        next(r for r in self.menus[menu] if r['.id'] == entry_id).update(attrs)

    def remove(self, menu, entry_id, entry=None):
        super().remove(menu, entry_id, entry)
        self.menus[menu] = [r for r in self.menus[menu] if r['.id'] != entry_id]


def test_files_mask_secrets_unless_asked_and_then_are_private(tmp_path):
    record = {'router': 'r1', 'changes': [], 'menus': {IDENTITY.path: [{'.id': '*1', 'peer': 'vpc', 'secret': PSK, 'generate-policy': False}]}}
    masked = tmp_path / 'masked' / 'r1' / 'T1'
    backup.write_files(str(masked), record, keep_secrets=False, secrets=[PSK])
    for name in backup.FILES:
        assert PSK not in (masked / name).read_text(encoding='utf-8')
        assert stat.S_IMODE(os.stat(masked / name).st_mode) == 0o644
    assert 'add peer=vpc secret=******** generate-policy=no' in (masked / 'backup.rsc').read_text(encoding='utf-8')
    assert backup.last_directory(str(tmp_path / 'masked'), 'r1') == str(masked)
    clear = tmp_path / 'clear' / 'r1' / 'T1'
    backup.write_files(str(clear), record, keep_secrets=True, secrets=[PSK])
    assert json.loads((clear / 'backup.json').read_text(encoding='utf-8'))['menus'][IDENTITY.path][0]['secret'] == PSK
    assert all(stat.S_IMODE(os.stat(clear / name).st_mode) == 0o600 for name in backup.FILES)


def test_restore_undoes_created_changed_and_deleted_entries_only():
    foreign = {'.id': '*9', 'name': 'hand', 'address': '203.0.113.9/32', 'profile': 'default'}
    peer_now = {'.id': '*2', 'name': 'vpc', 'address': '198.51.100.9/32', 'profile': 'vpc', 'comment': 'vpclink:vpc'}
    s = Recording(menus={PROFILE.path: [{'.id': '*5', 'name': 'vpc'}], PEER.path: [peer_now, foreign], IDENTITY.path: []})
    mark = mark_comment('vpc', None, fingerprint('vpc', PSK))
    changes = [
        {'tunnel': 'vpc', 'menu': PROFILE.path, 'action': 'created', 'id': '*5', 'label': 'profile name=vpc', 'changed_properties': [],
         'before': None},
        {'tunnel': 'vpc', 'menu': PEER.path, 'action': 'updated', 'id': '*2', 'label': 'peer name=vpc', 'changed_properties': ['address', 'profile'],
         'before': {'.id': '*2', 'name': 'vpc', 'address': '198.51.100.1/32', 'profile': 'default', 'comment': 'vpclink:vpc'}},
        {'tunnel': 'vpc', 'menu': IDENTITY.path, 'action': 'deleted', 'id': '*7', 'label': 'identity peer=vpc', 'changed_properties': [],
         'before': {'.id': '*7', 'peer': 'vpc', 'secret': '********', 'generate-policy': 'no', 'comment': mark}},
    ]
    done = backup.restore(s, SPECS, changes, secrets={'vpc': PSK})
    assert not done['not_restored'] and s.menus[PROFILE.path] == []
    assert s.menus[PEER.path][0]['address'] == '198.51.100.1/32' and s.menus[PEER.path][0]['profile'] == 'default'
    assert s.menus[PEER.path][1] == foreign
    assert s.menus[IDENTITY.path][0]['secret'] == PSK and s.menus[IDENTITY.path][0]['comment'] == mark
    assert PSK not in repr(done)
    writes = len(s.writes())
    again = backup.restore(s, SPECS, changes, secrets={'vpc': PSK})     # idempotent: nothing left to put back
    assert again['commands'] == [] and len(s.writes()) == writes


def test_a_changed_secret_masked_in_the_backup_is_reported_not_restored():
    s = Recording(menus={IDENTITY.path: [{'.id': '*7', 'peer': 'vpc', 'secret': 'new', 'comment': 'vpclink:vpc'}]})
    change = {'tunnel': 'vpc', 'menu': IDENTITY.path, 'action': 'updated', 'id': '*7', 'label': 'identity peer=vpc',
              'changed_properties': ['secret'], 'before': {'.id': '*7', 'peer': 'vpc', 'secret': '********', 'comment': 'vpclink:vpc'}}
    done = backup.restore(s, SPECS, [change], secrets={'vpc': 'new'})
    assert s.writes() == [] and 'masked in the backup' in done['not_restored'][0]
