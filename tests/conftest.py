"""Make the repository importable as ``ansible_collections.vpclink.routeros`` and the lab as ``emulator``.

The repository root *is* the collection; Python imports it through a symlinked
``build/collections/ansible_collections/vpclink/routeros`` tree (the same tree the Makefile
puts on ``ANSIBLE_COLLECTIONS_PATH``).
"""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, 'build', 'collections')


def _link_collection():
    parent = os.path.join(COLLECTIONS, 'ansible_collections', 'vpclink')
    link = os.path.join(parent, 'routeros')
    os.makedirs(parent, exist_ok=True)
    if not os.path.islink(link):
        try:
            os.symlink(ROOT, link)
        except FileExistsError:  # another xdist worker made it first
            pass


_link_collection()
for path in (ROOT, COLLECTIONS):
    if path not in sys.path:
        sys.path.insert(0, path)
