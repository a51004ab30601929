"""``/ip/firewall/nat``, ``/ip/firewall/filter`` and ``/ip/firewall/raw`` (MikroTik "NAT" and "Filter" manuals,
https://help.mikrotik.com/docs/display/ROS/NAT, https://help.mikrotik.com/docs/display/ROS/Filter).

``raw`` has the same shape as filter (properties, ordering) with the RAW table's
own chains and actions: predefined chains ``prerouting`` and ``output`` (plus user chains reached by
``jump``), actions ``accept add-dst-to-address-list add-src-to-address-list drop jump log notrack
passthrough return``, default ``accept``, and no connection-tracking matchers (MikroTik "Firewall
RAW", https://help.mikrotik.com/docs/x/LoCkBw; print shape as recorded by terraform-provider-routeros
``routeros_ip_firewall_raw``: ``.id action bytes chain comment disabled dynamic invalid log log-prefix
packets ...``). The lab forwards no real packets, so raw rules never change ping outcomes.

Ordered tables (``place-before`` on add, ``move``), ``unset`` of matchers, ``bytes``/``packets``
counters (always 0: the lab forwards no real packets through rules), ``log``/``log-prefix``
printed at their defaults, unset matchers absent from print (as a v7 ``print`` shows them).
"""

from emulator.menus import FIREWALL, Field, Menu
from emulator.rosvalues import Bool, Enum, FirewallAddress, IpsecPolicyMatcher, PortList, Protocol, Str

NAT_ACTIONS = ('accept', 'add-dst-to-address-list', 'add-src-to-address-list', 'dst-nat', 'endpoint-independent-nat', 'jump',
               'log', 'masquerade', 'netmap', 'passthrough', 'redirect', 'return', 'same', 'socksify', 'src-nat')
FILTER_ACTIONS = ('accept', 'add-dst-to-address-list', 'add-src-to-address-list', 'drop', 'fasttrack-connection', 'jump', 'log',
                  'passthrough', 'reject', 'return', 'tarpit')
RAW_ACTIONS = ('accept', 'add-dst-to-address-list', 'add-src-to-address-list', 'drop', 'jump', 'log', 'notrack', 'passthrough',
               'return')
# matchers that depend on connection tracking do not exist in the RAW table
CONNTRACK_MATCHERS = ('connection-mark', 'connection-state', 'connection-nat-state')
REJECT_WITH = ('icmp-admin-prohibited', 'icmp-host-prohibited', 'icmp-host-unreachable', 'icmp-net-prohibited',
               'icmp-network-unreachable', 'icmp-port-unreachable', 'icmp-protocol-unreachable', 'tcp-reset')


class Chain(Str):
    """Built-in or user chain name: any non-empty word."""

    def parse(self, text, ctx=None):
        text = str(text).strip()
        if not text or ' ' in text:
            raise ValueError(text)
        return text


def _common(v, actions):
    ro = {'ro': True}
    return [
        Field('chain', Chain(), mandatory=True, unsettable=False),
        Field('action', Enum(*actions), default='accept', unsettable=False),
        Field('src-address', FirewallAddress()),
        Field('dst-address', FirewallAddress()),
        Field('protocol', Protocol(allow_all=False)),
        Field('src-port', PortList()),
        Field('dst-port', PortList()),
        Field('port', PortList()),
        Field('in-interface', Str()),
        Field('out-interface', Str()),
        Field('in-interface-list', Str()),
        Field('out-interface-list', Str()),
        Field('src-address-list', Str()),
        Field('dst-address-list', Str()),
        Field('connection-mark', Str()),
        Field('routing-mark', Str()),
        Field('packet-mark', Str()),
        Field('ipsec-policy', IpsecPolicyMatcher()),
        Field('jump-target', Str()),
        Field('address-list', Str()),
        Field('address-list-timeout', Str()),
        Field('log', Bool(), default='false', unsettable=False),
        Field('log-prefix', Str(), default=''),
        Field('bytes', default='0', **ro),
        Field('packets', default='0', **ro),
        Field('invalid', Bool(), default='false', **ro),
        Field('dynamic', Bool(), default='false', **ro),
        Field('disabled', Bool(), default='false', unsettable=False),
        Field('comment', Str()),
    ]


def menus(v):
    nat = Menu('/ip/firewall/nat', _common(v, NAT_ACTIONS) + [Field('to-addresses', Str()), Field('to-ports', Str())],
               verbs=FIREWALL, ordered=True, kind='rule', builtin_flag=None)
    filt = Menu('/ip/firewall/filter', _common(v, FILTER_ACTIONS) + [
        Field('connection-state', Str()),
        Field('connection-nat-state', Str()),
        Field('reject-with', Enum(*REJECT_WITH)),
    ], verbs=FIREWALL, ordered=True, kind='rule', builtin_flag=None)
    raw = Menu('/ip/firewall/raw', [f for f in _common(v, RAW_ACTIONS) if f.name not in CONNTRACK_MATCHERS],
               verbs=FIREWALL, ordered=True, kind='rule', builtin_flag=None)
    return [nat, filt, raw]
