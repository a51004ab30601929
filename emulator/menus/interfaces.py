"""``/interface`` and ``/ip/address``.

``/interface`` rows are seeded by the router from the RouterSpec (ether1 = WAN, a LAN ``bridge``
with port ``ether2``); the menu has no ``add``/``remove`` of its own (those live in type submenus
such as ``/interface/bridge``, which the lab does not model).
"""

import ipaddress

from emulator.errors import ARGUMENT_VALUE, Trap
from emulator.menus import READ, WITH_DISABLE, Field, Menu
from emulator.rosvalues import Bool, Interface, Ref, Str


def _address_validate(router, menu, values, entry):
    """``network`` follows ``address`` unless given; the same address twice is refused (RouterOS's generic ``failure: already have ...`` text)."""
    address = values.get('address')
    if address:
        iface = ipaddress.ip_interface(address)
        values['network'] = str(iface.network.network_address)
        values['actual-interface'] = values.get('interface', '')
        for other in router.table(menu.path):
            if other is not entry and other.values.get('address') == address:
                raise Trap('failure: already have such address', ARGUMENT_VALUE)


def menus(v):
    ro = {'ro': True}
    interface = Menu('/interface', [
        Field('name', Str(), mandatory=True),
        Field('default-name', **ro),
        Field('type', **ro),
        Field('mtu', Str()),
        Field('actual-mtu', **ro),
        Field('mac-address', **ro),
        Field('running', Bool(), default='true', **ro),
        Field('slave', Bool(), default='false', **ro),
        Field('dynamic', Bool(), default='false', **ro),
        Field('disabled', Bool(), default='false'),
        Field('comment', Str()),
    ], key='name', verbs=READ | {'set', 'enable', 'disable', 'comment', 'reset'}, kind='interface', builtin_flag=None)

    address = Menu('/ip/address', [
        Field('address', Interface(), mandatory=True),
        Field('network', **ro),
        Field('interface', Ref('/interface'), mandatory=True),
        Field('actual-interface', **ro),
        Field('invalid', Bool(), default='false', **ro),
        Field('dynamic', Bool(), default='false', **ro),
        Field('disabled', Bool(), default='false'),
        Field('comment', Str()),
    ], verbs=WITH_DISABLE, validate=_address_validate, kind='address', builtin_flag=None)
    return [interface, address]
