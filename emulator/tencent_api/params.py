"""Request parameters of the VPN actions: types, required keys, allowed values, ranges; and the
translation between the API's spelling and the lab file's vocabulary (``emulator.cloud``).

Sources (Tencent Cloud API 2017-03-12, VPN Gateway APIs):
CreateVpnConnection (https://www.tencentcloud.com/document/api/215/17522) and the data types it
links (IKEOptionsSpecification, IPSECOptionsSpecification, SecurityPolicyDatabase on the API's
"Data Types" page): the allowed values and defaults they give are the lab file's (``emulator.cloud``).
"""

import ipaddress
import re

from emulator import cloud as labcloud
from emulator.tencent_api import errors

NAME_MAX = 60               # "VpnConnectionName ... no more than 60 characters"; same for CustomerGatewayName
PSK_MAX = 128               # chosen: the console's limit for a pre-shared key (the API text gives none)
DPD_TIMEOUT = (30, 60)      # DpdTimeout, seconds
DPD_ACTIONS = ('clear', 'restart')
ROUTE_TYPES = ('STATIC', 'StaticRoute', 'Policy', 'Bgp')
# The lab models SPD (policy) tunnels; destination-route and BGP tunnels are not modelled.
ROUTE_TYPES_MODELLED = ('STATIC', 'Policy')
IPSEC_TRAFFIC = (2560, 4294967295)      # IPSECSaLifetimeTraffic, KB
DEFAULT_TRAFFIC = 4096000000
ID_RE = {'vpngw': re.compile(r'^vpngw-[0-9a-z]{8}$'), 'cgw': re.compile(r'^cgw-[0-9a-z]{8}$'),
         'vpnx': re.compile(r'^vpnx-[0-9a-z]{8}$')}

# API key -> lab-file key, for the two option structures (values are spelt alike on both sides)
IKE_FIELDS = {'IKEVersion': ('version', labcloud.IKE_VERSIONS), 'ExchangeMode': ('exchange_mode', labcloud.EXCHANGE_MODES),
              'PropoEncryAlgorithm': ('encryption', labcloud.IKE_ENCRYPTIONS),
              'PropoAuthenAlgorithm': ('integrity', labcloud.IKE_INTEGRITIES),
              'DhGroupName': ('dh_group', labcloud.DH_GROUPS)}
IKE_KEYS = tuple(IKE_FIELDS) + ('IKESaLifetimeSeconds', 'LocalIdentity', 'RemoteIdentity', 'LocalAddress', 'RemoteAddress',
                                'LocalFqdnName', 'RemoteFqdnName')
IPSEC_FIELDS = {'EncryptAlgorithm': ('encryption', labcloud.IPSEC_ENCRYPTIONS), 'PfsDhGroup': ('pfs', labcloud.PFS_GROUPS)}
# IntegrityAlgorith is the original (misspelt) key, IntegrityAlgorithm the newer one; both are accepted.
IPSEC_KEYS = tuple(IPSEC_FIELDS) + ('IntegrityAlgorith', 'IntegrityAlgorithm', 'IPSECSaLifetimeSeconds', 'IPSECSaLifetimeTraffic')
SPD_KEYS = ('LocalCidrBlock', 'RemoteCidrBlock')

# The input parameters of each action, as its API page lists them (health check, routes and BGP are accepted
# and not modelled). Any other parameter is the common error UnknownParameter.
_CONNECTION_COMMON = ('VpnConnectionName', 'PreShareKey', 'SecurityPolicyDatabases', 'IKEOptionsSpecification',
                      'IPSECOptionsSpecification', 'EnableHealthCheck', 'HealthCheckLocalIp', 'HealthCheckRemoteIp',
                      'NegotiationType', 'DpdEnable', 'DpdTimeout', 'DpdAction', 'HealthCheckConfig', 'BgpConfig')
ACTION_PARAMETERS = {
    'DescribeVpnGateways': ('VpnGatewayIds', 'Filters', 'Offset', 'Limit'),
    'CreateCustomerGateway': ('CustomerGatewayName', 'IpAddress', 'Tags', 'BgpAsn'),
    'DescribeCustomerGateways': ('CustomerGatewayIds', 'Filters', 'Offset', 'Limit'),
    'DeleteCustomerGateway': ('CustomerGatewayId',),
    'CreateVpnConnection': ('VpnGatewayId', 'CustomerGatewayId', 'VpcId', 'Tags', 'RouteType', 'Route') + _CONNECTION_COMMON,
    'DescribeVpnConnections': ('VpnConnectionIds', 'Filters', 'Offset', 'Limit'),
    'ModifyVpnConnectionAttribute': ('VpnConnectionId', 'CustomerGatewayId') + _CONNECTION_COMMON,
    'DeleteVpnConnection': ('VpnGatewayId', 'VpnConnectionId'),
}


def known(action, request):
    unknown = sorted(set(request) - set(ACTION_PARAMETERS[action]))
    if unknown:
        raise errors.ApiError(errors.UNKNOWN_PARAMETER, f'The parameter `{unknown[0]}` is not recognized by {action}.')


def fail(code, field, value, allowed):
    raise errors.ApiError(code, f'{field}={value!r} is not valid; {allowed}')


def string(params, field, required=False, max_length=None):
    value = params.get(field)
    if value is None:
        if required:
            raise errors.ApiError(errors.MISSING_PARAMETER, f'The request is missing a required parameter `{field}`.')
        return None
    if not isinstance(value, str):
        raise errors.ApiError(errors.INVALID_PARAMETER, f'{field} must be a String, got {type(value).__name__}.')
    if required and not value:
        raise errors.ApiError(errors.MISSING_PARAMETER, f'The request is missing a required parameter `{field}`.')
    if max_length and len(value) > max_length:
        raise errors.ApiError(errors.TOO_LONG, f'{field} is {len(value)} characters long; at most {max_length}.')
    return value


def secret(params, field, required=False):
    """A pre-shared key: checked like a string, but its value never appears in a message."""
    value = params.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise errors.ApiError(errors.MISSING_PARAMETER if value in (None, '') else errors.INVALID_PARAMETER,
                              f'{field} is required, a non-empty String.')
    if len(value) > PSK_MAX or any(c.isspace() for c in value):
        raise errors.ApiError(errors.INVALID_PARAMETER_VALUE, f'{field} must be 1-{PSK_MAX} characters without whitespace.')
    return value


def integer(params, field, bounds=None, default=None):
    value = params.get(field, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.ApiError(errors.INVALID_PARAMETER, f'{field} must be an Integer, got {value!r}.')
    if bounds and not bounds[0] <= value <= bounds[1]:
        fail(errors.RANGE, field, value, f'allowed range: [{bounds[0]}, {bounds[1]}]')
    return value


def choice(params, field, allowed, default=None):
    value = string(params, field)
    if value is None:
        return default
    if value not in allowed:
        fail(errors.INVALID_PARAMETER_VALUE, field, value, f'allowed values: {", ".join(allowed)}')
    return value


def resource_id(params, field, kind, required=True):
    value = string(params, field, required=required)
    if value is not None and not ID_RE[kind].match(value):
        code = errors.GATEWAY_MALFORMED if kind == 'vpngw' else errors.MALFORMED
        fail(code, field, value, f'an id such as {kind}-2wqq41m9')
    return value


def id_list(params, field, kind):
    values = params.get(field)
    if values is None:
        return None
    if not isinstance(values, list) or len(values) > 100:
        raise errors.ApiError(errors.INVALID_PARAMETER, f'{field} must be an Array of at most 100 ids.')
    for value in values:
        resource_id({field: value}, field, kind)
    return values


def ipv4(params, field, required=False):
    value = string(params, field, required=required)
    if value is None:
        return None
    try:
        return str(ipaddress.IPv4Address(value))
    except ValueError:
        fail(errors.INVALID_PARAMETER_VALUE, field, value, 'an IPv4 address such as 203.0.113.21')


def cidr(field, value):
    try:
        network = ipaddress.IPv4Network(value, strict=False)
    except (ValueError, TypeError):
        fail(errors.INVALID_PARAMETER_VALUE, field, value, 'an IPv4 CIDR block such as 10.0.0.0/24')
    return str(network)


def paging(params):
    offset = integer(params, 'Offset', (0, 2 ** 31), default=0)
    limit = integer(params, 'Limit', (1, 100), default=20)
    return offset, limit


def filters(params, allowed):
    """``Filters`` -> {name: [values]}; at most 10 filters of at most 5 values (the Describe* pages)."""
    raw = params.get('Filters')
    if raw is None:
        return {}
    if not isinstance(raw, list) or len(raw) > 10:
        raise errors.ApiError(errors.INVALID_PARAMETER, 'Filters must be an Array of at most 10 Filter.')
    result = {}
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get('Name'), str) or not isinstance(item.get('Values'), list):
            raise errors.ApiError(errors.INVALID_PARAMETER, 'each Filter needs Name (String) and Values (Array of String).')
        if item['Name'] not in allowed:
            fail(errors.INVALID_PARAMETER_VALUE, 'Filters.Name', item['Name'], f'allowed names: {", ".join(allowed)}')
        if len(item['Values']) > 5:
            raise errors.ApiError(errors.INVALID_PARAMETER, f'Filter {item["Name"]}: at most 5 Values.')
        result[item['Name']] = [str(v) for v in item['Values']]
    return result


def not_both(params, ids_field):
    if params.get(ids_field) is not None and params.get('Filters') is not None:
        raise errors.ApiError('InvalidParameter.Coexist', f'{ids_field} and Filters cannot be given together.')


def tags(params):
    """``Tags``: [{Key, Value}] (the Tag data type; "Tags ... e.g. [{"Key": "city", "Value": "shanghai"}]")."""
    raw = params.get('Tags')
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(t, dict) and isinstance(t.get('Key'), str) and t['Key']
                                            and isinstance(t.get('Value', ''), str) and not set(t) - {'Key', 'Value'} for t in raw):
        raise errors.ApiError(errors.INVALID_PARAMETER, 'Tags must be an Array of {"Key": String, "Value": String}.')
    return [{'Key': t['Key'], 'Value': t.get('Value', '')} for t in raw]


def _object(params, field, keys):
    value = params.get(field)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise errors.ApiError(errors.INVALID_PARAMETER, f'{field} must be an object.')
    unknown = sorted(set(value) - set(keys))
    if unknown:
        raise errors.ApiError(errors.INVALID_PARAMETER, f'{field}: unknown field(s) {", ".join(unknown)}.')
    return value


def _identity(spec, side, field_prefix, default_address):
    """LocalIdentity/RemoteIdentity with their address or FQDN -> the lab's {type, value}."""
    where = f'IKEOptionsSpecification.{side}Identity'
    kind = choice(spec, f'{side}Identity', labcloud.IDENTITY_TYPES, default='ADDRESS')
    if kind == 'ADDRESS':
        address = ipv4(spec, f'{side}Address')
        if address is None:
            if f'{side}Identity' in spec and default_address is None:
                raise errors.ApiError(errors.MISSING_PARAMETER, f'{where} is ADDRESS: {field_prefix}.{side}Address is required.')
            address = default_address
        return {'type': 'ADDRESS', 'value': address}
    fqdn = string(spec, f'{side}FqdnName')
    if not fqdn:
        raise errors.ApiError(errors.MISSING_PARAMETER, f'{where} is FQDN: {field_prefix}.{side}FqdnName is required.')
    return {'type': 'FQDN', 'value': fqdn}


def _options(params, field, keys, fields, lifetime_key, lifetime_bounds):
    """An option structure -> (its keys as given, the lab's mapping of its ``fields`` and its lifetime); an omitted key
    is left out of the mapping (the lab then takes the documented default)."""
    spec = _object(params, field, keys) or {}
    result = {}
    for key, (lab_key, allowed) in fields.items():
        value = choice(spec, key, allowed)
        if value is not None:
            result[lab_key] = value
    lifetime = integer(spec, lifetime_key, lifetime_bounds)
    if lifetime is not None:
        result['lifetime'] = lifetime
    return spec, result


def ike_options(params, gateway_address, customer_address):
    """IKEOptionsSpecification -> the lab's ``ike`` mapping (omitted keys take the documented defaults).

    A ``LocalIdentity`` of ADDRESS defaults to the VPN gateway's public IP ("LocalAddress defaults to
    the VPN gateway's public IP"); RemoteAddress is required with RemoteIdentity ADDRESS, and when the
    whole identity is omitted the lab takes the customer gateway's address, as the console does.
    """
    field = 'IKEOptionsSpecification'
    spec, result = _options(params, field, IKE_KEYS, IKE_FIELDS, 'IKESaLifetimeSeconds', labcloud.IKE_LIFETIME)
    result['local_identity'] = _identity(spec, 'Local', field, gateway_address)
    remote_default = customer_address if 'RemoteIdentity' not in spec else None
    result['remote_identity'] = _identity(spec, 'Remote', field, remote_default)
    return result


def ipsec_options(params):
    """IPSECOptionsSpecification -> (the lab's ``ipsec`` mapping, IPSECSaLifetimeTraffic)."""
    spec, result = _options(params, 'IPSECOptionsSpecification', IPSEC_KEYS, IPSEC_FIELDS, 'IPSECSaLifetimeSeconds',
                            labcloud.IPSEC_LIFETIME)
    old = choice(spec, 'IntegrityAlgorith', labcloud.IPSEC_INTEGRITIES)
    new = choice(spec, 'IntegrityAlgorithm', labcloud.IPSEC_INTEGRITIES)
    if old and new and old != new:
        raise errors.ApiError(errors.INVALID_PARAMETER_VALUE,
                              f'IntegrityAlgorith={old!r} and IntegrityAlgorithm={new!r} disagree; give one of them.')
    if old or new:
        result['integrity'] = new or old
    traffic = integer(spec, 'IPSECSaLifetimeTraffic', IPSEC_TRAFFIC, default=DEFAULT_TRAFFIC)
    return result, traffic


def spd(params, required):
    """SecurityPolicyDatabases -> the lab's ``spd`` list: [{local, remote: [...]}]."""
    field = 'SecurityPolicyDatabases'
    raw = params.get(field)
    if raw is None:
        if required:
            raise errors.ApiError(errors.MISSING_PARAMETER,
                                  f'The request is missing `{field}`: the lab models SPD (policy) tunnels, which need one.')
        return None
    if not isinstance(raw, list) or not raw:
        raise errors.ApiError(errors.INVALID_PARAMETER, f'{field} must be a non-empty Array of SecurityPolicyDatabase.')
    result = []
    for position, entry in enumerate(raw):
        where = f'{field}.{position}'
        if not isinstance(entry, dict) or set(entry) - set(SPD_KEYS):
            raise errors.ApiError(errors.INVALID_PARAMETER, f'{where} must be an object with {" and ".join(SPD_KEYS)}.')
        local = cidr(f'{where}.LocalCidrBlock', entry.get('LocalCidrBlock'))
        remotes = entry.get('RemoteCidrBlock')
        if not isinstance(remotes, list) or not remotes:
            raise errors.ApiError(errors.INVALID_PARAMETER, f'{where}.RemoteCidrBlock must be a non-empty Array of String.')
        result.append({'local': local, 'remote': [cidr(f'{where}.RemoteCidrBlock', r) for r in remotes]})
    return result


def dpd(params, current):
    """DpdEnable / DpdTimeout / DpdAction over ``current`` (the documented defaults 0, 30, restart)."""
    enable = integer(params, 'DpdEnable', (0, 1))
    timeout = string(params, 'DpdTimeout')    # a String in the API ("30"), though it holds seconds
    result = dict(current)
    if enable is not None:
        result['DpdEnable'] = enable
    if timeout is not None:
        if not timeout.isdigit() or not DPD_TIMEOUT[0] <= int(timeout) <= DPD_TIMEOUT[1]:
            fail(errors.RANGE, 'DpdTimeout', timeout, f'whole seconds in [{DPD_TIMEOUT[0]}, {DPD_TIMEOUT[1]}]')
        result['DpdTimeout'] = str(int(timeout))
    action = choice(params, 'DpdAction', DPD_ACTIONS)
    if action is not None:
        result['DpdAction'] = action
    return result
