"""The real-IKE tier: runs as root where strongSwan, `ip netns` and /dev/net/tun exist, else SKIPPED with the reason."""

import pytest

from emulator.strongswan import host


@pytest.fixture(scope='session')
def real_ike():
    reasons = host.missing()
    if reasons:
        pytest.skip('real IKE cannot run here: ' + '; '.join(reasons))
