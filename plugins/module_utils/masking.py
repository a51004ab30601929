# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""How a secret is hidden: one mask word and one function, for results, error messages, diffs, log lines,
the librouteros debug log and the cloud sheet.

Secrets are the API password, the pre-shared keys and any other sensitive field value of the run.
"""

from __future__ import annotations

import re

MASK = '********'

# A secret-named setting in text that did not come from us (router and cloud log lines, the API words in
# librouteros's debug log): its value is masked even when the secret itself is not known to this run.
_SETTING = re.compile(
    # an API word as librouteros logs it: '=secret=...' up to the closing quote of the word
    r"(=(?:password|secret|ppk-secret|response|passphrase|private-key)=)[^'\"]*"
    # a log line: 'secret=...', 'psk: ...', 'PreShareKey: "..."'
    r"|((?:secret|password|ppk-secret|pre-?shared?-?key|psk)\s*[=:]\s*\"?)[^\s'\",]+",
    re.IGNORECASE)


def mask(value, secrets=(), settings=False):
    """``value`` (text, or dicts and lists holding text) with every one of ``secrets`` replaced by ``MASK``.

    With ``settings`` the value of every secret-named setting in the text (``secret=...``, ``psk: ...``,
    ``=password=...``) is masked too: for text from the router, the cloud or the wire, never for our own
    messages (they name a field such as ``psk:`` followed by what is wrong with it, not its value)."""
    return _mask(value, ordered(secrets), settings)


class Ordered(tuple):
    """Secrets as ``mask`` uses them, ordered once (``ordered``): a fleet report masks thousands of texts with every
    secret of the batch, and ordering them again for each text cost more than the masking."""


def ordered(secrets):
    """``secrets`` as ``mask`` takes them fastest: distinct texts, longest first, so a secret that contains another is
    masked whole."""
    if isinstance(secrets, Ordered):
        return secrets
    return Ordered(sorted({str(s) for s in secrets or () if s}, key=len, reverse=True))


def _mask(value, ordered, settings):
    if isinstance(value, dict):
        return {key: _mask(item, ordered, settings) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_mask(item, ordered, settings) for item in value)
    if not isinstance(value, str):
        return value
    for secret in ordered:
        if secret in value:
            value = value.replace(secret, MASK)
    if settings:
        value = _SETTING.sub(lambda m: (m.group(1) or m.group(2)) + MASK, value)
    return value
