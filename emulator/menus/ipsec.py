"""``/ip/ip/ipsec/*`` (filled in below)."""


def menus(v):
    return []
