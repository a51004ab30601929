"""Make the repository importable as ``ansible_collections.vpclink.routeros`` and the lab as ``emulator``.

The repository root *is* the collection; Python imports it through a symlinked
``build/collections/ansible_collections/vpclink/routeros`` tree (the same tree the Makefile
puts on ``ANSIBLE_COLLECTIONS_PATH``).
"""

import contextlib
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, 'build', 'collections')


def _link_collection():
    parent = os.path.join(COLLECTIONS, 'ansible_collections', 'vpclink')
    link = os.path.join(parent, 'routeros')
    os.makedirs(parent, exist_ok=True)
    if not os.path.islink(link):
        with contextlib.suppress(FileExistsError):  # another xdist worker made it first
            os.symlink(ROOT, link)


_link_collection()
for path in (ROOT, COLLECTIONS):
    if path not in sys.path:
        sys.path.insert(0, path)


# -- RouterOS lab fixtures (helpers in tests/labkit.py) -------------------------------------------
import pytest  # noqa: E402

from tests import labkit  # noqa: E402

DEFAULT_LAB = [
    labkit.router('v7', '7.16.2', api_ssl_port=0, lan_subnets=['192.168.10.0/24']),
    labkit.router('v718', '7.19.4', lan_subnets=['192.168.20.0/24']),
    labkit.router('v6', '6.49.17', lan_subnets=['192.168.30.0/24']),
]


@pytest.fixture
def lab_factory():
    """``lab_factory(routers_or_lab, clock=None, **LabServer kwargs)`` -> a started LabServer, stopped at teardown."""
    stack = []

    def start(routers=None, **kwargs):
        context = labkit.running_lab(routers, **kwargs)
        server = context.__enter__()
        stack.append(context)
        return server

    yield start
    while stack:
        stack.pop().__exit__(None, None, None)


@pytest.fixture
def lab(lab_factory):
    """A started three-router lab on a ManualClock: 'v7' (7.16.2, also API-SSL), 'v718' (7.19.4), 'v6' (6.49.17)."""
    return lab_factory(DEFAULT_LAB)
