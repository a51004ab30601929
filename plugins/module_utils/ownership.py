# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What makes a router entry ours: one mark, one test, one fingerprint.

* The mark is the entry's ``comment``: ``vpclink:<owner>`` (the tunnel's name), optionally followed by the
  secret's fingerprint and the user's own comment. RouterOS keeps a comment through reboots, exports and
  upgrades, and it is visible to whoever looks at the router (``print``, WinBox), so a person can tell our
  entries from theirs. Menus with a ``comment`` on every version: peer, identity, policy, NAT and raw rules.
  ``/ip/ipsec/proposal`` has one from RouterOS 7.15 (not on 6.49); ``/ip/ipsec/profile`` has none on any
  version (MikroTik IPsec manual, property tables of Profiles and Proposals:
  https://help.mikrotik.com/docs/spaces/ROS/pages/11993097/IPsec).
* Menus without a comment: ownership is derived from the entries that use them, the only durable record the
  router keeps about them. A profile is ours unless a peer that is not ours uses it; a proposal (6.49) is
  ours unless a policy that is not ours uses it. Changing or removing an entry that only our entries (or no
  entry) use cannot affect a tunnel that is not ours; and an unused one with a tunnel's name is what an
  interrupted run leaves behind (the profile is added before the peer that uses it), which the next run
  must be able to finish.
* The secret's fingerprint (``update_secret: auto``): an API user without the ``sensitive`` policy reads
  secrets as ``*****`` (MikroTik User manual, policy ``sensitive``:
  https://help.mikrotik.com/docs/display/ROS/User), so a changed pre-shared key could not be told from an
  unchanged one. The identity's mark carries ``psk:<16 hex>``, PBKDF2-HMAC-SHA256 (RFC 8018) of the secret
  salted with the mark's owner, truncated to 64 bits: it tells "same key" from "other key" without
  revealing the key (the work factor slows a guess on a weak key; a strong key cannot be guessed).
"""

from __future__ import annotations

import hashlib

MARK = 'vpclink:'
FINGERPRINT_PREFIX = 'psk:'
_ITERATIONS = 20000


def is_ours(row):
    """Whether a printed entry carries our mark."""
    return str(row.get('comment') or '').startswith(MARK)


def fingerprint(owner, secret):
    """``psk:<16 hex>`` of ``secret`` for the entry owned by ``owner`` (never the secret itself)."""
    digest = hashlib.pbkdf2_hmac('sha256', str(secret).encode('utf-8'), (MARK + str(owner)).encode('utf-8'), _ITERATIONS)
    return FINGERPRINT_PREFIX + digest.hex()[:16]


def mark_comment(owner, user_comment=None, secret_mark=None):
    """The comment we write: ``vpclink:<owner>[ psk:<hex>][ <user comment>]``. A user comment that already
    carries a mark (the ``tunnels`` module passes ``vpclink:<tunnel>``) is kept as it is."""
    text = str(user_comment or '')
    if text.startswith(MARK):
        head, rest = text, ''
    elif not owner:
        head, rest = MARK + text, ''     # a rule of the object module nat_accept_top: its comment names it
    else:
        head, rest = MARK + str(owner or ''), text
    parts = [head] + ([secret_mark] if secret_mark else []) + ([rest] if rest else [])
    return ' '.join(parts)


def secret_hidden(row, name):
    """Whether the router hid property ``name``: left out of the print, or its value replaced by asterisks (what a
    user without the ``sensitive`` policy reads)."""
    if name not in row:
        return True
    value = str(row.get(name) or '')
    return bool(value) and set(value) == {'*'}


def without_fingerprint(comment):
    """``comment`` without a secret's fingerprint token."""
    return ' '.join(part for part in comment.split(' ') if not part.startswith(FINGERPRINT_PREFIX))
