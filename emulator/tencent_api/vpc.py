"""The lab's VPC resources behind the API: VPN gateways (the lab's clouds), customer gateways and
VPN connections, with the states Tencent documents and the lab clock moving them.

* A VPN connection is ``PENDING`` after CreateVpnConnection ("This API is async", CreateVpnConnection,
  https://www.tencentcloud.com/document/api/215/17522), ``AVAILABLE`` once the gateway has applied
  it, ``DELETING`` after DeleteVpnConnection until it is gone (the ``State`` values of the
  VpnConnection data type: PENDING, AVAILABLE, DELETING). How long the gateway takes is the lab
  setting ``cloud_api_delay`` (seconds, default 2, chosen). On a manual clock the change happens at the
  first ``advance`` that reaches it (advance in steps to see a connection come up at its own time).
* A connection negotiates with the routers only while it is AVAILABLE: it is then one of the
  cloud's ``emulator.cloud.Connection`` objects, the same kind the lab file declares, so the IKE
  model treats both alike. Connections of the lab file show in the API as AVAILABLE from the start.
* ModifyVpnConnectionAttribute and DeleteVpnConnection on a connection that is not AVAILABLE answer
  UnsupportedOperation.VpnConnInvalidState / UnsupportedOperation.DeleteVpnConnInvalidState (VPC
  error codes, https://cloud.tencent.com/document/api/215/4924). A given option structure
  (IKEOptionsSpecification, IPSECOptionsSpecification) replaces the previous one whole; its omitted
  keys take the documented defaults (chosen: the pages do not say whether a partial structure merges).
* Resources belong to an account (SecretId) and a region, as every request names both.

One VpcService serves every cloud of a lab that has an ``api:`` key. Everything runs on the lab's
event loop (the HTTP handler and the control API call it there).
"""

import asyncio
import dataclasses
import hashlib
import ipaddress
import logging
import time

from emulator import cloud as labcloud
from emulator.tencent_api import errors, params

LOG = logging.getLogger('emulator.tencent_api')
DEFAULT_DELAY = 2.0
CUSTOMER_GATEWAY_QUOTA = 20     # per account and region (chosen; the console's quota page governs the real value)
CONNECTION_QUOTA = 20           # per VPN gateway (chosen)
DEFAULT_EXTRAS = {'DpdEnable': 0, 'DpdTimeout': '30', 'DpdAction': 'restart', 'RouteType': 'STATIC',
                  'IPSECSaLifetimeTraffic': params.DEFAULT_TRAFFIC, 'EnableHealthCheck': False, 'TagSet': []}


def _stamp(epoch):
    """Tencent's time format, e.g. 2026-01-01 08:00:00 (the CreatedTime examples)."""
    return time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(epoch))


@dataclasses.dataclass
class CustomerGateway:
    id: str
    name: str
    ip: str
    owner: tuple            # (SecretId, region)
    created: float          # epoch
    tags: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class VpnConnection:
    id: str
    name: str
    gateway_id: str
    customer_gateway_id: str
    lab_name: str           # the name of its Connection in the lab cloud
    created: float          # epoch
    extras: dict            # the fields the IKE model does not use: DPD, route type, traffic lifetime, ...
    pending: dict | None = None         # the lab-file form until the gateway has applied it
    ready_at: float = 0.0               # monotonic: when a PENDING connection becomes AVAILABLE
    deleting_until: float | None = None  # monotonic: when a DELETING connection is gone
    final: dict | None = None           # the lab-file form a DELETING connection had

    @property
    def state(self):
        if self.deleting_until is not None:
            return 'DELETING'
        return 'PENDING' if self.pending is not None else 'AVAILABLE'


class VpcService:
    """The resources and the actions; ``call(secret_id, region, action, params)`` answers one request."""

    def __init__(self, fabric, accounts, settings=None):
        self.fabric = fabric
        self.clock = fabric.clock
        self.delay = float((settings or {}).get('cloud_api_delay', DEFAULT_DELAY))
        self.accounts = {a.vpn_gateway_id: a for a in accounts}
        self.keys = {a.secret_id: a.secret_key for a in accounts}
        self.customer_gateways = {}
        self.connections = {}
        self.requests = {}          # action -> count (authenticated requests)
        self._serial = 0
        self.actions = {'DescribeVpnGateways': self.describe_vpn_gateways,
                        'CreateCustomerGateway': self.create_customer_gateway,
                        'DescribeCustomerGateways': self.describe_customer_gateways,
                        'DeleteCustomerGateway': self.delete_customer_gateway,
                        'CreateVpnConnection': self.create_vpn_connection,
                        'DescribeVpnConnections': self.describe_vpn_connections,
                        'ModifyVpnConnectionAttribute': self.modify_vpn_connection,
                        'DeleteVpnConnection': self.delete_vpn_connection}
        for account in accounts:
            self._adopt_lab_file(account)
        self.clock.subscribe(lambda _clock: self.settle())

    # ---- bookkeeping --------------------------------------------------------------------------
    def _new_id(self, prefix):
        """Ids like Tencent's (a prefix and 8 lower-case hex digits), deterministic per lab run."""
        while True:
            self._serial += 1
            candidate = f'{prefix}-{hashlib.sha256(f"{prefix}|{self._serial}".encode()).hexdigest()[:8]}'
            if candidate not in self.customer_gateways and candidate not in self.connections:
                return candidate

    def _cloud(self, account):
        return self.fabric.cloud(account.cloud)

    def _adopt_lab_file(self, account):
        """The lab file's connections of this gateway, as API resources (AVAILABLE from the start)."""
        owner = (account.secret_id, account.region)
        now = float(self.clock.time())
        for conn in self._cloud(account).connections:
            gateway = self._gateway_for_ip(owner, conn.customer_gateway)
            if gateway is None:
                gateway = CustomerGateway(self._new_id('cgw'), conn.name, conn.customer_gateway, owner, now)
                self.customer_gateways[gateway.id] = gateway
            connection_id = self._new_id('vpnx')
            self.connections[connection_id] = VpnConnection(
                id=connection_id, name=conn.name, gateway_id=account.vpn_gateway_id,
                customer_gateway_id=gateway.id, lab_name=conn.name, created=now, extras=dict(DEFAULT_EXTRAS))

    def _gateway_for_ip(self, owner, ip):
        return next((g for g in self.customer_gateways.values() if g.owner == owner and g.ip == ip), None)

    def settle(self):
        """Move every connection whose time has come: PENDING -> AVAILABLE (it starts negotiating),
        DELETING -> gone."""
        now = float(self.clock.now())
        changed = False
        for record in list(self.connections.values()):
            if record.deleting_until is not None and now >= record.deleting_until:
                del self.connections[record.id]
            elif record.state == 'AVAILABLE' and self._lab_connection(record) is None:
                del self.connections[record.id]     # renamed through the lab's console edit: no longer this resource
            elif record.pending is not None and now >= record.ready_at:
                cloud = self._cloud(self.accounts[record.gateway_id])
                try:
                    connection = self._build(cloud, record.pending, exclude=record.lab_name)
                except errors.ApiError as exc:
                    # a console edit of another connection made it clash meanwhile: the creation fails (chosen)
                    LOG.warning('VPN connection %s could not be applied and is dropped: %s', record.id, exc.message)
                    del self.connections[record.id]
                    continue
                cloud.connections.append(connection)
                record.pending = None
                changed = True
        if changed:
            self.fabric.invalidate()

    def _settle_later(self):
        """On the real clock, wake up when the gateway is done (a manual clock calls ``settle`` as it advances)."""
        if not self.clock.manual:
            asyncio.get_running_loop().call_later(self.delay, self.settle)

    def count(self, action):
        self.requests[action] = self.requests.get(action, 0) + 1

    # ---- scoping ------------------------------------------------------------------------------
    def _gateway(self, owner, gateway_id):
        account = self.accounts.get(gateway_id)
        if account is None or (account.secret_id, account.region) != owner:
            raise errors.ApiError(errors.GATEWAY_NOT_FOUND, f'The VPN gateway {gateway_id} does not exist in this region.')
        return account

    def _customer_gateway(self, owner, gateway_id):
        gateway = self.customer_gateways.get(gateway_id)
        if gateway is None or gateway.owner != owner:
            raise errors.ApiError(errors.RESOURCE_NOT_FOUND, f'The customer gateway {gateway_id} does not exist.')
        return gateway

    def _connection(self, owner, connection_id, gateway_id=None):
        record = self.connections.get(connection_id)
        account = self.accounts.get(record.gateway_id) if record else None
        if record is None or (account.secret_id, account.region) != owner or (gateway_id and record.gateway_id != gateway_id):
            raise errors.ApiError(errors.RESOURCE_NOT_FOUND, f'The VPN connection {connection_id} does not exist.')
        return record

    # ---- the lab side of a connection ----------------------------------------------------------
    def _lab_connection(self, record):
        cloud = self._cloud(self.accounts[record.gateway_id])
        return next((c for c in cloud.connections if c.name == record.lab_name), None)

    def _raw(self, record):
        """The connection in the lab file's form (pending or applied)."""
        if record.pending is not None:
            return dict(record.pending)
        if record.final is not None:
            return dict(record.final)
        return self._lab_connection(record).raw()

    def _peers(self, cloud, exclude):
        """Every other connection of this gateway in the lab file's form, applied or pending."""
        raws = [c.raw() for c in cloud.connections if c.name != exclude]
        raws += [dict(r.pending) for r in self.connections.values()
                 if r.pending is not None and r.lab_name != exclude and self.accounts[r.gateway_id].cloud == cloud.name]
        return raws

    def _check_against_peers(self, cloud, raw, exclude):
        """Tencent's rules across the gateway's connections, with Tencent's codes, before the lab's own check."""
        for other in self._peers(cloud, exclude):
            if other['customer_gateway'] == raw['customer_gateway']:
                raise errors.ApiError(errors.DUPLICATE, f'The customer gateway {raw["customer_gateway"]} already has a VPN '
                                      'connection on this VPN gateway (the lab allows one per customer gateway).')
            for mine in raw['spd']:
                for theirs in other['spd']:
                    if not ipaddress.IPv4Network(mine['local']).overlaps(ipaddress.IPv4Network(theirs['local'])):
                        continue
                    for remote in mine['remote']:
                        clash = [r for r in theirs['remote'] if ipaddress.IPv4Network(remote).overlaps(ipaddress.IPv4Network(r))]
                        if clash:
                            raise errors.ApiError(errors.SPD_CONFLICT, f'SecurityPolicyDatabases: {mine["local"]} <-> {remote} '
                                                  f'overlaps {theirs["local"]} <-> {clash[0]} of another VPN connection.')

    def _build(self, cloud, raw, exclude):
        """Validate ``raw`` with every other connection of the cloud (the lab's own rules) -> ``Connection``."""
        candidate = {'name': cloud.name, 'public_address': cloud.public_address, 'vpc_subnets': list(cloud.vpc_subnets),
                     'hosts': list(cloud.hosts), 'connections': self._peers(cloud, exclude) + [raw]}
        try:
            connection = labcloud.parse_cloud(candidate).connections[-1]
        except labcloud.CloudError as exc:
            raise errors.ApiError(errors.INVALID_PARAMETER_VALUE, str(exc)) from None
        unsupported = self.fabric.unsupported(cloud, connection)
        if unsupported:     # a value the real-IKE lab's strongSwan cannot take (the modelled IKE takes them all)
            raise errors.ApiError(errors.UNSUPPORTED_OPERATION, unsupported)
        return connection

    # ---- actions --------------------------------------------------------------------------------
    @staticmethod
    def _describe(owner, request, ids_field, kind, filter_names, set_name, rows, view):
        """A Describe* action: the resources of ``owner`` named by ``ids_field`` or matching every ``Filters`` entry (not
        both), one page of them (``Offset``, ``Limit``) as ``view`` shows them, and how many matched (``TotalCount``).
        ``rows`` is read only once the request is valid and yields (id, owner, {filter name: value}, resource)."""
        params.not_both(request, ids_field)
        ids = params.id_list(request, ids_field, kind)
        wanted = params.filters(request, filter_names)
        offset, limit = params.paging(request)
        found = [view(resource) for row_id, row_owner, fields, resource in rows
                 if row_owner == owner and (ids is None or row_id in ids) and all(fields[name] in values for name, values in wanted.items())]
        return {'TotalCount': len(found), set_name: found[offset:offset + limit]}

    def describe_vpn_gateways(self, owner, request):
        def rows():
            for gateway_id, account in sorted(self.accounts.items()):
                cloud = self._cloud(account)
                yield (gateway_id, (account.secret_id, account.region),
                       {'vpn-gateway-id': gateway_id, 'vpn-gateway-name': cloud.name, 'public-ip-address': cloud.public_address},
                       (gateway_id, cloud))

        def view(gateway):
            gateway_id, cloud = gateway
            return {'VpnGatewayId': gateway_id, 'VpnGatewayName': cloud.name, 'Type': 'IPSEC', 'State': 'AVAILABLE',
                    'PublicIpAddress': cloud.public_address, 'VpcId': ''}
        return self._describe(owner, request, 'VpnGatewayIds', 'vpngw', ('vpn-gateway-id', 'vpn-gateway-name', 'public-ip-address'),
                              'VpnGatewaySet', rows(), view)

    def create_customer_gateway(self, owner, request):
        name = params.string(request, 'CustomerGatewayName', required=True, max_length=params.NAME_MAX)
        ip = params.ipv4(request, 'IpAddress', required=True)
        if self._gateway_for_ip(owner, ip) is not None:
            raise errors.ApiError(errors.DUPLICATE, f'IpAddress={ip!r}: a customer gateway with this address already exists.')
        if sum(1 for g in self.customer_gateways.values() if g.owner == owner) >= CUSTOMER_GATEWAY_QUOTA:
            raise errors.ApiError(errors.LIMIT_EXCEEDED, f'At most {CUSTOMER_GATEWAY_QUOTA} customer gateways per region.')
        gateway = CustomerGateway(self._new_id('cgw'), name, ip, owner, float(self.clock.time()), params.tags(request))
        self.customer_gateways[gateway.id] = gateway
        return {'CustomerGateway': self._customer_gateway_view(gateway)}

    def _customer_gateway_view(self, gateway):
        used = sum(1 for r in self.connections.values() if r.customer_gateway_id == gateway.id)
        return {'CustomerGatewayId': gateway.id, 'CustomerGatewayName': gateway.name, 'IpAddress': gateway.ip,
                'CreatedTime': _stamp(gateway.created), 'VpnConnNum': used, 'TagSet': [dict(t) for t in gateway.tags]}

    def describe_customer_gateways(self, owner, request):
        rows = ((g.id, g.owner, {'customer-gateway-id': g.id, 'customer-gateway-name': g.name, 'ip-address': g.ip}, g)
                for g in self.customer_gateways.values())
        return self._describe(owner, request, 'CustomerGatewayIds', 'cgw', ('customer-gateway-id', 'customer-gateway-name', 'ip-address'),
                              'CustomerGatewaySet', rows, self._customer_gateway_view)

    def delete_customer_gateway(self, owner, request):
        gateway = self._customer_gateway(owner, params.resource_id(request, 'CustomerGatewayId', 'cgw'))
        users = [r.id for r in self.connections.values() if r.customer_gateway_id == gateway.id]
        if users:
            raise errors.ApiError(errors.RESOURCE_IN_USE, f'The customer gateway {gateway.id} is used by VPN connection(s) '
                                  f'{", ".join(users)}; delete them first.')
        del self.customer_gateways[gateway.id]
        return {}

    def create_vpn_connection(self, owner, request):
        account = self._gateway(owner, params.resource_id(request, 'VpnGatewayId', 'vpngw'))
        gateway = self._customer_gateway(owner, params.resource_id(request, 'CustomerGatewayId', 'cgw'))
        name = params.string(request, 'VpnConnectionName', required=True, max_length=params.NAME_MAX)
        psk = params.secret(request, 'PreShareKey', required=True)
        params.string(request, 'VpcId')
        route_type = params.choice(request, 'RouteType', params.ROUTE_TYPES, default='STATIC')
        if route_type not in params.ROUTE_TYPES_MODELLED:
            raise errors.ApiError(errors.UNSUPPORTED_OPERATION, f'RouteType={route_type!r}: the lab models SPD tunnels only '
                                  f'({", ".join(params.ROUTE_TYPES_MODELLED)}).')
        if sum(1 for r in self.connections.values() if r.gateway_id == account.vpn_gateway_id) >= CONNECTION_QUOTA:
            raise errors.ApiError(errors.LIMIT_EXCEEDED, f'At most {CONNECTION_QUOTA} VPN connections per VPN gateway.')
        cloud = self._cloud(account)
        record_id = self._new_id('vpnx')
        ipsec, traffic = params.ipsec_options(request)
        raw = {'name': record_id, 'customer_gateway': gateway.ip, 'psk': psk,
               'ike': params.ike_options(request, cloud.public_address, gateway.ip), 'ipsec': ipsec,
               'spd': params.spd(request, required=True),
               'negotiation': params.choice(request, 'NegotiationType', labcloud.NEGOTIATION_TYPES, default='active')}
        self._check_against_peers(cloud, raw, exclude=record_id)
        self._build(cloud, raw, exclude=record_id)      # the lab's own rules, before anything is stored
        extras = params.dpd(request, DEFAULT_EXTRAS)
        extras.update(RouteType=route_type, IPSECSaLifetimeTraffic=traffic, TagSet=params.tags(request))
        record = VpnConnection(id=record_id, name=name, gateway_id=account.vpn_gateway_id, customer_gateway_id=gateway.id,
                               lab_name=record_id, created=float(self.clock.time()), extras=extras, pending=raw,
                               ready_at=float(self.clock.now()) + self.delay)
        self.connections[record_id] = record
        self._settle_later()
        return {'VpnConnection': self._connection_view(record)}

    def describe_vpn_connections(self, owner, request):
        def rows():
            self.fabric.sync()      # the tunnels' state (NetStatus) up to the clock
            for record in self.connections.values():
                account = self.accounts[record.gateway_id]
                yield (record.id, (account.secret_id, account.region),
                       {'vpc-id': '', 'vpn-gateway-id': record.gateway_id, 'customer-gateway-id': record.customer_gateway_id,
                        'vpn-connection-name': record.name, 'vpn-connection-id': record.id},
                       record)
        return self._describe(owner, request, 'VpnConnectionIds', 'vpnx',
                              ('vpc-id', 'vpn-gateway-id', 'customer-gateway-id', 'vpn-connection-name', 'vpn-connection-id'),
                              'VpnConnectionSet', rows(), self._connection_view)

    def modify_vpn_connection(self, owner, request):
        record = self._connection(owner, params.resource_id(request, 'VpnConnectionId', 'vpnx'))
        if record.state != 'AVAILABLE':
            raise errors.ApiError(errors.CONN_INVALID_STATE, f'The VPN connection {record.id} is {record.state}; '
                                  'it can be changed when it is AVAILABLE.')
        cloud = self._cloud(self.accounts[record.gateway_id])
        raw = self._raw(record)
        name = params.string(request, 'VpnConnectionName', max_length=params.NAME_MAX)
        gateway = record.customer_gateway_id
        if request.get('CustomerGatewayId') is not None:
            gateway = self._customer_gateway(owner, params.resource_id(request, 'CustomerGatewayId', 'cgw')).id
            raw['customer_gateway'] = self.customer_gateways[gateway].ip
        psk = params.secret(request, 'PreShareKey')
        if psk is not None:
            raw['psk'] = psk
        if request.get('IKEOptionsSpecification') is not None:
            raw['ike'] = params.ike_options(request, cloud.public_address, raw['customer_gateway'])
        traffic = None
        if request.get('IPSECOptionsSpecification') is not None:
            raw['ipsec'], traffic = params.ipsec_options(request)
        spd = params.spd(request, required=False)
        if spd is not None:
            raw['spd'] = spd
        negotiation = params.choice(request, 'NegotiationType', labcloud.NEGOTIATION_TYPES)
        if negotiation is not None:
            raw['negotiation'] = negotiation
        extras = params.dpd(request, record.extras)
        self._check_against_peers(cloud, raw, exclude=record.lab_name)
        new = self._build(cloud, raw, exclude=record.lab_name)
        # all checked: apply
        old = self._lab_connection(record)
        cloud.connections[cloud.connections.index(old)] = new
        record.name = name if name is not None else record.name
        record.customer_gateway_id = gateway
        record.extras = dict(extras, **({'IPSECSaLifetimeTraffic': traffic} if traffic is not None else {}))
        self.fabric.invalidate()        # the routers re-negotiate with the new settings now
        return {}

    def delete_vpn_connection(self, owner, request):
        gateway_id = params.resource_id(request, 'VpnGatewayId', 'vpngw')
        self._gateway(owner, gateway_id)
        record = self._connection(owner, params.resource_id(request, 'VpnConnectionId', 'vpnx'), gateway_id)
        if record.state != 'AVAILABLE':
            raise errors.ApiError(errors.DELETE_CONN_INVALID_STATE, f'The VPN connection {record.id} is {record.state}; '
                                  'it can be deleted when it is AVAILABLE.')
        cloud = self._cloud(self.accounts[record.gateway_id])
        record.final = self._raw(record)
        cloud.connections.remove(self._lab_connection(record))     # the gateway stops answering for it now
        record.deleting_until = float(self.clock.now()) + self.delay
        self.fabric.invalidate()
        self._settle_later()
        return {}

    # ---- views ----------------------------------------------------------------------------------
    def _net_status(self, record):
        """AVAILABLE when the tunnel of this connection is up (the modelled IKE: a router has it established; the
        real-IKE lab: the cloud's charon has its SAs), else UNAVAILABLE."""
        if record.state == 'AVAILABLE' and self.fabric.connection_up(self.accounts[record.gateway_id].cloud, record.lab_name):
            return 'AVAILABLE'
        return 'UNAVAILABLE'

    def _connection_view(self, record):
        """The VpnConnection data type, as DescribeVpnConnections returns it (PreShareKey included, as the API does)."""
        raw = self._raw(record)
        ike, ipsec = raw['ike'], raw['ipsec']
        local, remote = ike['local_identity'], ike['remote_identity']
        ike_view = {'PropoEncryAlgorithm': ike.get('encryption', labcloud.DEFAULT_IKE['encryption']),
                    'PropoAuthenAlgorithm': ike.get('integrity', labcloud.DEFAULT_IKE['integrity']),
                    'ExchangeMode': ike.get('exchange_mode', labcloud.DEFAULT_IKE['exchange_mode']),
                    'LocalIdentity': local['type'], 'RemoteIdentity': remote['type'],
                    'LocalAddress': local['value'] if local['type'] == 'ADDRESS' else '',
                    'RemoteAddress': remote['value'] if remote['type'] == 'ADDRESS' else '',
                    'LocalFqdnName': local['value'] if local['type'] == 'FQDN' else '',
                    'RemoteFqdnName': remote['value'] if remote['type'] == 'FQDN' else '',
                    'DhGroupName': ike.get('dh_group', labcloud.DEFAULT_IKE['dh_group']),
                    'IKESaLifetimeSeconds': ike.get('lifetime', labcloud.DEFAULT_IKE['lifetime']),
                    'IKEVersion': ike.get('version', labcloud.DEFAULT_IKE['version'])}
        integrity = ipsec.get('integrity', labcloud.DEFAULT_IPSEC['integrity'])
        ipsec_view = {'EncryptAlgorithm': ipsec.get('encryption', labcloud.DEFAULT_IPSEC['encryption']),
                      'IntegrityAlgorith': integrity, 'IntegrityAlgorithm': integrity,
                      'IPSECSaLifetimeSeconds': ipsec.get('lifetime', labcloud.DEFAULT_IPSEC['lifetime']),
                      'PfsDhGroup': ipsec.get('pfs', labcloud.DEFAULT_IPSEC['pfs']),
                      'IPSECSaLifetimeTraffic': record.extras['IPSECSaLifetimeTraffic']}
        return {'VpnConnectionId': record.id, 'VpnConnectionName': record.name, 'VpcId': '', 'VpnGatewayId': record.gateway_id,
                'CustomerGatewayId': record.customer_gateway_id, 'PreShareKey': raw['psk'], 'VpnProto': 'IPSEC',
                'EncryptProto': 'IKE/IPSec', 'RouteType': record.extras['RouteType'], 'CreatedTime': _stamp(record.created),
                'State': record.state, 'NetStatus': self._net_status(record),
                'SecurityPolicyDatabaseSet': [{'LocalCidrBlock': e['local'], 'RemoteCidrBlock': list(e['remote'])} for e in raw['spd']],
                'IKEOptionsSpecification': ike_view, 'IPSECOptionsSpecification': ipsec_view,
                'EnableHealthCheck': record.extras['EnableHealthCheck'], 'HealthCheckLocalIp': '', 'HealthCheckRemoteIp': '',
                'DpdEnable': record.extras['DpdEnable'], 'DpdTimeout': record.extras['DpdTimeout'],
                'DpdAction': record.extras['DpdAction'], 'TagSet': [dict(t) for t in record.extras['TagSet']],
                'NegotiationType': raw.get('negotiation', 'active')}

    def summary(self):
        """For the control API: accounts (no keys), request counts, resources (no PSKs)."""
        return {'accounts': [{'cloud': a.cloud, 'secret_id': a.secret_id, 'region': a.region, 'vpn_gateway_id': a.vpn_gateway_id}
                             for a in self.accounts.values()],
                'requests': dict(self.requests),
                'customer_gateways': [{'id': g.id, 'name': g.name, 'ip': g.ip} for g in self.customer_gateways.values()],
                'vpn_connections': [{'id': r.id, 'name': r.name, 'state': r.state, 'gateway': r.gateway_id,
                                     'customer_gateway': r.customer_gateway_id} for r in self.connections.values()]}
