# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The engine of tencent_vpn_connection and tencent_vpn_connection_info: validate -> find -> compare ->
plan -> apply -> wait, on Tencent Cloud's VPC API (2017-03-12) through ``tencent_api.VpcApi``.

* The customer gateway is found by its address (DescribeCustomerGateways, filter ``ip-address``) and
  created when missing; the VPN connection is found by VPN gateway + customer gateway
  (DescribeVpnConnections, filters ``vpn-gateway-id`` and ``customer-gateway-id``); two matches are an
  error naming both ids.
* Only the options given are compared. A changed option structure (IKEOptionsSpecification,
  IPSECOptionsSpecification) is sent whole: the current values with the given keys over them.
* CreateVpnConnection is asynchronous (https://www.tencentcloud.com/document/api/215/17522): the
  connection is PENDING, then AVAILABLE; it is changed or deleted only when AVAILABLE, and the run waits.
* The pre-shared key and the secret key never appear in a result, a diff or an error (``masking.mask``).
"""

from __future__ import annotations

import ipaddress
import time

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values

from ansible_collections.vpclink.routeros.plugins.module_utils.clouds.tencent import PRESET, VOCABULARY
from ansible_collections.vpclink.routeros.plugins.module_utils.masking import MASK, mask
from ansible_collections.vpclink.routeros.plugins.module_utils.tencent_api import HAS_TENCENT_SDK, TencentError, VpcApi

NAME_MAX = 60
DPD_TIMEOUT = (30, 60)
WAIT_TIMEOUT = 300      # seconds a run waits for PENDING/DELETING to end
POLL = (0.5, 5.0)       # first and longest pause between two reads while waiting
SECRET_CHANGED = '<secret changed>'
# What the collection creates carries this tag; a connection or customer gateway without it is foreign and is
# changed or deleted only with adopt=true.
MARK = {'Key': 'vpclink.routeros', 'Value': 'managed'}

# The option structures: API key -> the vocabulary field of clouds/tencent.py (its allowed values), or
# 'lifetime' (range from the preset), 'identity', 'address', 'text' or 'traffic'.
IKE_KEYS = {'IKEVersion': 'ike.version', 'ExchangeMode': 'ike.exchange_mode', 'PropoEncryAlgorithm': 'ike.encryption',
            'PropoAuthenAlgorithm': 'ike.hash', 'DhGroupName': 'ike.dh_group', 'IKESaLifetimeSeconds': 'lifetime',
            'LocalIdentity': 'identity', 'RemoteIdentity': 'identity', 'LocalAddress': 'address', 'RemoteAddress': 'address',
            'LocalFqdnName': 'text', 'RemoteFqdnName': 'text'}
IPSEC_KEYS = {'EncryptAlgorithm': 'esp.encryption', 'IntegrityAlgorithm': 'esp.auth', 'IntegrityAlgorith': 'esp.auth',
              'PfsDhGroup': 'esp.pfs_group', 'IPSECSaLifetimeSeconds': 'lifetime', 'IPSECSaLifetimeTraffic': 'traffic'}
LIFETIMES = {'IKESaLifetimeSeconds': PRESET['lifetime_range']['ike.lifetime'],
             'IPSECSaLifetimeSeconds': PRESET['lifetime_range']['esp.lifetime']}
TRAFFIC = (2560, 4294967295)
NEGOTIATION_TYPES = ('active', 'passive', 'flowTrigger')


def connection_argument_spec():
    return dict(
        gateway_argument_spec(),
        customer_gateway_address=dict(type='str', required=True),
        name=dict(type='str'),
        pre_share_key=dict(type='str', no_log=True),
        ike_options=dict(type='dict'),
        ipsec_options=dict(type='dict'),
        security_policy_databases=dict(type='list', elements='dict'),
        negotiation_type=dict(type='str', choices=list(NEGOTIATION_TYPES)),
        dpd_enable=dict(type='bool'),
        dpd_timeout=dict(type='int'),
        adopt=dict(type='bool', default=False),
        state=dict(type='str', default='present', choices=['present', 'absent']),
    )


def info_argument_spec():
    return dict(gateway_argument_spec(), customer_gateway_address=dict(type='str'))


def gateway_argument_spec():
    """The options both modules take (the doc fragment ``tencent`` documents them): the API key, where to call and the
    VPN gateway. The role hands exactly these to the action group ``vpclink.routeros.tencent`` as module_defaults."""
    return dict(secret_id=dict(type='str'), secret_key=dict(type='str', no_log=True), region=dict(type='str'),
                endpoint=dict(type='str'), vpn_gateway_id=dict(type='str', required=True))


class InputError(ValueError):
    """Bad input, found before any call; the message names the option, the value and what is allowed."""


# ---- validation (before any call) --------------------------------------------------------------
def _bad(option, value, allowed):
    raise InputError(f'{option}: {value!r} is not allowed; {allowed}')


def _address(option, value):
    try:
        return str(ipaddress.IPv4Address(str(value)))
    except ValueError:
        _bad(option, value, 'expected an IPv4 address, e.g. 203.0.113.21')


def _cidr(option, value):
    try:
        return str(ipaddress.IPv4Network(str(value), strict=False))
    except ValueError:
        _bad(option, value, 'expected an IPv4 CIDR block, e.g. 10.0.1.0/24')


def _structure(option, given, keys):
    """Check an option structure key by key against the API's allowed values; returns a copy."""
    if given is None:
        return None
    result = {}
    for key, value in given.items():
        kind = keys.get(key)
        where = f'{option}.{key}'
        if kind is None:
            _bad(option, key, f'allowed keys (as the API spells them): {", ".join(keys)}')
        if kind in VOCABULARY:
            allowed = list(VOCABULARY[kind])
            if str(value) not in allowed:
                _bad(where, value, f'allowed: {", ".join(allowed)}')
            value = str(value)
        elif kind in ('lifetime', 'traffic'):
            low, high = LIFETIMES[key] if kind == 'lifetime' else TRAFFIC
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                _bad(where, value, f'expected a whole number {low}..{high}')
        elif kind == 'identity':
            if value not in ('ADDRESS', 'FQDN'):
                _bad(where, value, 'allowed: ADDRESS, FQDN')
        elif kind == 'address':
            value = _address(where, value)
        elif not isinstance(value, str) or not value or any(c.isspace() for c in value):
            _bad(where, value, 'expected a name without spaces')
        result[key] = value
    # IntegrityAlgorith is the API's old, misspelt key: one value under the current key
    if 'IntegrityAlgorith' in result:
        old = result.pop('IntegrityAlgorith')
        if result.setdefault('IntegrityAlgorithm', old) != old:
            _bad(f'{option}.IntegrityAlgorith', old, f'it disagrees with IntegrityAlgorithm={result["IntegrityAlgorithm"]!r}; give one')
    return result


def _spd(given):
    if given is None:
        return None
    if not given:
        _bad('security_policy_databases', given, 'expected at least one {LocalCidrBlock, RemoteCidrBlock: [...]}')
    result = []
    for position, entry in enumerate(given):
        where = f'security_policy_databases[{position}]'
        extra = sorted(set(entry) - {'LocalCidrBlock', 'RemoteCidrBlock'})
        if extra or 'LocalCidrBlock' not in entry:
            _bad(where, entry, 'expected exactly the keys LocalCidrBlock (a CIDR) and RemoteCidrBlock (a list of CIDRs)')
        remotes = entry.get('RemoteCidrBlock')
        remotes = [remotes] if isinstance(remotes, str) else remotes
        if not isinstance(remotes, list) or not remotes:
            _bad(f'{where}.RemoteCidrBlock', remotes, 'expected a non-empty list of CIDRs')
        result.append({'LocalCidrBlock': _cidr(f'{where}.LocalCidrBlock', entry['LocalCidrBlock']),
                       'RemoteCidrBlock': [_cidr(f'{where}.RemoteCidrBlock', r) for r in remotes]})
    return result


def desired(params):
    """The connection as the API spells it, from the options given (validated); None values = not given."""
    state = params.get('state') or 'present'
    _address('customer_gateway_address', params['customer_gateway_address'])
    want = {'VpnConnectionName': params.get('name'), 'PreShareKey': params.get('pre_share_key'),
            'IKEOptionsSpecification': _structure('ike_options', params.get('ike_options'), IKE_KEYS),
            'IPSECOptionsSpecification': _structure('ipsec_options', params.get('ipsec_options'), IPSEC_KEYS),
            'SecurityPolicyDatabases': _spd(params.get('security_policy_databases')),
            'NegotiationType': params.get('negotiation_type'),
            'DpdEnable': None if params.get('dpd_enable') is None else int(bool(params['dpd_enable'])),
            'DpdTimeout': None}
    if params.get('dpd_timeout') is not None:
        if not DPD_TIMEOUT[0] <= params['dpd_timeout'] <= DPD_TIMEOUT[1]:
            _bad('dpd_timeout', params['dpd_timeout'], f'expected seconds {DPD_TIMEOUT[0]}..{DPD_TIMEOUT[1]}')
        want['DpdTimeout'] = str(params['dpd_timeout'])
    name = want['VpnConnectionName']
    if name is not None and (not name or len(name) > NAME_MAX):
        _bad('name', name, f'expected 1..{NAME_MAX} characters')
    if state == 'present':
        missing = [o for o, k in (('name', 'VpnConnectionName'), ('pre_share_key', 'PreShareKey'),
                                  ('security_policy_databases', 'SecurityPolicyDatabases')) if want[k] is None]
        if missing:
            raise InputError(f'state=present needs {", ".join(missing)}')
    return want


# ---- reading ------------------------------------------------------------------------------------
def _one(items, what):
    if len(items) > 1:
        ids = ', '.join(i.get('VpnConnectionId') or i.get('CustomerGatewayId') for i in items)
        raise InputError(f'{what} matches {len(items)} resources ({ids}); remove the extra one or manage it by hand')
    return items[0] if items else None


def find_customer_gateway(api, address):
    found = api.call('DescribeCustomerGateways', {'Filters': [{'Name': 'ip-address', 'Values': [address]}], 'Limit': 100})
    return _one([g for g in found.get('CustomerGatewaySet') or [] if g.get('IpAddress') == address],
                f'customer gateway address {address}')


def find_connection(api, gateway_id, customer_gateway_id):
    filters = [{'Name': 'vpn-gateway-id', 'Values': [gateway_id]}, {'Name': 'customer-gateway-id', 'Values': [customer_gateway_id]}]
    found = api.call('DescribeVpnConnections', {'Filters': filters, 'Limit': 100})
    return _one(found.get('VpnConnectionSet') or [], f'VPN gateway {gateway_id} with customer gateway {customer_gateway_id}')


def read_connection(api, connection_id):
    found = api.call('DescribeVpnConnections', {'VpnConnectionIds': [connection_id]})
    items = found.get('VpnConnectionSet') or []
    return items[0] if items else None


def check_gateway(api, gateway_id):
    found = api.call('DescribeVpnGateways', {'VpnGatewayIds': [gateway_id]})
    gateways = found.get('VpnGatewaySet') or []
    if not gateways:
        raise TencentError('DescribeVpnGateways', 'InvalidVpnGatewayId.NotFound', f'no VPN gateway {gateway_id} in region {api.region}')
    return gateways[0]


def wait_state(api, connection_id, until, sleep=time.sleep, clock=time.monotonic):
    """Poll the connection until ``until(connection or None)``; returns it. Raises TencentError on timeout."""
    deadline = clock() + WAIT_TIMEOUT
    pause = POLL[0]
    while True:
        conn = read_connection(api, connection_id)
        if until(conn):
            return conn
        if clock() >= deadline:
            state = conn.get('State') if conn else 'gone'
            raise TencentError('DescribeVpnConnections', 'WaitTimeout',
                               f'VPN connection {connection_id} still {state} after {WAIT_TIMEOUT} s')
        sleep(pause)
        pause = min(pause * 2, POLL[1])


def _available(conn):
    return conn is not None and conn.get('State') == 'AVAILABLE'


def _gone(conn):
    return conn is None


# ---- comparing -----------------------------------------------------------------------------------
def _spd_key(spd):
    return sorted((e['LocalCidrBlock'], tuple(sorted(e['RemoteCidrBlock']))) for e in spd or [])


def _current_structure(current, key):
    value = dict(current.get(key) or {})
    if 'IntegrityAlgorith' in value:        # one key for the integrity algorithm, as in desired()
        old = value.pop('IntegrityAlgorith')
        value['IntegrityAlgorithm'] = value.get('IntegrityAlgorithm') or old
    return value


def changes(current, want):
    """{API parameter: new value} of what differs; structures come whole (current values under the given ones)."""
    result = {}
    for key in ('VpnConnectionName', 'PreShareKey', 'NegotiationType', 'DpdEnable', 'DpdTimeout'):
        if want[key] is not None and str(want[key]) != str(current.get(key)):
            result[key] = want[key]
    for key in ('IKEOptionsSpecification', 'IPSECOptionsSpecification'):
        if want[key]:
            now = _current_structure(current, key)
            if any(str(now.get(k)) != str(v) for k, v in want[key].items()):
                result[key] = dict(now, **want[key])
    if want['SecurityPolicyDatabases'] is not None:
        current_spd = [{'LocalCidrBlock': e.get('LocalCidrBlock'), 'RemoteCidrBlock': list(e.get('RemoteCidrBlock') or [])}
                       for e in current.get('SecurityPolicyDatabaseSet') or []]
        if _spd_key(current_spd) != _spd_key(want['SecurityPolicyDatabases']):
            result['SecurityPolicyDatabases'] = want['SecurityPolicyDatabases']
    return result


def owned(resource):
    """Whether the collection created it (it carries MARK)."""
    return any(tag.get('Key') == MARK['Key'] for tag in (resource or {}).get('TagSet') or [])


def _refuse_foreign(conn, adopt, what):
    if not adopt and not owned(conn):
        raise InputError(f'VPN connection {conn["VpnConnectionId"]} ({conn.get("VpnConnectionName")}) was not created by '
                         f'vpclink.routeros (no tag {MARK["Key"]}); it would be {what}. Set adopt=true to manage it')


def view(conn, psk_changed=False):
    """A connection for results and diffs: the PSK masked (or marked as changed)."""
    if conn is None:
        return None
    shown = dict(conn)
    if 'PreShareKey' in shown:
        shown['PreShareKey'] = SECRET_CHANGED if psk_changed else MASK
    return shown


def _create_params(params, want, gateway_id, customer_gateway_id):
    request = {k: v for k, v in want.items() if v is not None}
    request.update(VpnGatewayId=gateway_id, CustomerGatewayId=customer_gateway_id, Tags=[dict(MARK)])
    ike = request.get('IKEOptionsSpecification')
    if ike and ike.get('RemoteIdentity', 'ADDRESS') == 'ADDRESS' and 'RemoteIdentity' in ike and 'RemoteAddress' not in ike:
        ike['RemoteAddress'] = params['customer_gateway_address']     # the API requires it with RemoteIdentity ADDRESS
    return request


# ---- the module's run -----------------------------------------------------------------------------
def run_connection(params, check_mode=False, diff=False, api=None, sleep=time.sleep):
    """tencent_vpn_connection; never raises for foreseeable failures (bad input, Tencent errors)."""
    secrets = [params.get('secret_key'), params.get('pre_share_key')]
    try:
        want = desired(params)
        api = api or VpcApi(params, sleep=sleep)
        api.add_secret(params.get('pre_share_key'))
        result = _reconcile(api, params, want, check_mode, diff, sleep)
        result['retries'] = api.retries
    except ValueError as exc:       # bad input, credentials or endpoint (InputError is a ValueError)
        result = {'failed': True, 'changed': False, 'msg': str(exc)}
    except TencentError as exc:
        result = dict({'failed': True, 'changed': False, 'msg': exc.msg}, **exc.details())
    return mask(result, secrets)


def _reconcile(api, params, want, check_mode, diff, sleep):
    gateway_id = params['vpn_gateway_id']
    address = _address('customer_gateway_address', params['customer_gateway_address'])
    check_gateway(api, gateway_id)
    cgw = find_customer_gateway(api, address)
    conn = find_connection(api, gateway_id, cgw['CustomerGatewayId']) if cgw else None
    if (params.get('state') or 'present') == 'absent':
        return _remove(api, gateway_id, cgw, conn, bool(params.get('adopt')), check_mode, diff, sleep)
    if conn is None:
        return _create(api, params, want, gateway_id, cgw, check_mode, diff, sleep)
    delta = changes(conn, want)
    if delta:
        _refuse_foreign(conn, params.get('adopt'), f'changed ({", ".join(sorted(delta))})')
    result = {'changed': bool(delta), 'action': 'updated' if delta else 'unchanged', 'vpn_connection_id': conn['VpnConnectionId'],
              'customer_gateway_id': cgw['CustomerGatewayId'], 'changed_parameters': sorted(delta), 'managed': owned(conn)}
    if delta and not check_mode:
        if conn.get('State') != 'AVAILABLE':
            wait_state(api, conn['VpnConnectionId'], _available, sleep)
        api.call('ModifyVpnConnectionAttribute', dict(delta, VpnConnectionId=conn['VpnConnectionId']))
    after = dict(conn, **{k: v for k, v in delta.items() if k != 'SecurityPolicyDatabases'})
    if 'SecurityPolicyDatabases' in delta:
        after['SecurityPolicyDatabaseSet'] = delta['SecurityPolicyDatabases']
    if delta and not check_mode:
        after = read_connection(api, conn['VpnConnectionId']) or after
    result['connection'] = view(after)
    if diff:
        result['diff'] = {'before': view(conn), 'after': view(after, psk_changed='PreShareKey' in delta)}
    return result


def _create(api, params, want, gateway_id, cgw, check_mode, diff, sleep):
    result = {'changed': True, 'action': 'created', 'customer_gateway_created': cgw is None, 'managed': True}
    planned = _create_params(params, want, gateway_id, cgw['CustomerGatewayId'] if cgw else None)
    if check_mode:
        result.update(vpn_connection_id=None, customer_gateway_id=cgw['CustomerGatewayId'] if cgw else None,
                      connection=view(planned))
    else:
        if cgw is None:
            cgw = api.call('CreateCustomerGateway', {'CustomerGatewayName': want['VpnConnectionName'], 'Tags': [dict(MARK)],
                                                     'IpAddress': params['customer_gateway_address']})['CustomerGateway']
        planned['CustomerGatewayId'] = cgw['CustomerGatewayId']
        created = api.call('CreateVpnConnection', planned)['VpnConnection']
        conn = wait_state(api, created['VpnConnectionId'], _available, sleep)
        result.update(vpn_connection_id=conn['VpnConnectionId'], customer_gateway_id=cgw['CustomerGatewayId'], connection=view(conn))
    if diff:
        result['diff'] = {'before': None, 'after': result['connection']}
    return result


def _remove(api, gateway_id, cgw, conn, adopt, check_mode, diff, sleep):
    """Delete the connection, then the customer gateway when no other connection uses it and it is ours (or adopted)."""
    result = {'changed': False, 'action': 'unchanged', 'vpn_connection_id': conn['VpnConnectionId'] if conn else None,
              'customer_gateway_id': cgw['CustomerGatewayId'] if cgw else None, 'customer_gateway_deleted': False}
    if conn is not None:
        _refuse_foreign(conn, adopt, 'deleted')
        result.update(changed=True, action='deleted')
        if not check_mode:
            if conn.get('State') != 'AVAILABLE':
                wait_state(api, conn['VpnConnectionId'], _available, sleep)
            api.call('DeleteVpnConnection', {'VpnGatewayId': gateway_id, 'VpnConnectionId': conn['VpnConnectionId']})
            wait_state(api, conn['VpnConnectionId'], _gone, sleep)
    others = (cgw or {}).get('VpnConnNum', 0) - (1 if conn is not None else 0)
    if cgw is not None and others <= 0 and (adopt or owned(cgw)):
        result.update(changed=True, action='deleted', customer_gateway_deleted=True)
        if not check_mode:
            api.call('DeleteCustomerGateway', {'CustomerGatewayId': cgw['CustomerGatewayId']})
    if diff:
        result['diff'] = {'before': view(conn), 'after': None}
    return result


def run_info(params, api=None):
    """tencent_vpn_connection_info: the gateway's connections (all, or the one of customer_gateway_address)."""
    try:
        api = api or VpcApi(params)
        gateway = check_gateway(api, params['vpn_gateway_id'])
        filters = [{'Name': 'vpn-gateway-id', 'Values': [params['vpn_gateway_id']]}]
        cgw = None
        if params.get('customer_gateway_address'):
            cgw = find_customer_gateway(api, _address('customer_gateway_address', params['customer_gateway_address']))
            if cgw is None:
                return {'changed': False, 'vpn_gateway': gateway, 'customer_gateway': None, 'connections': [], 'managed_connection_ids': [],
                        'retries': api.retries}
            filters.append({'Name': 'customer-gateway-id', 'Values': [cgw['CustomerGatewayId']]})
        found = api.call('DescribeVpnConnections', {'Filters': filters, 'Limit': 100})
        connections = found.get('VpnConnectionSet') or []
        result = {'changed': False, 'vpn_gateway': gateway, 'customer_gateway': cgw, 'connections': [view(c) for c in connections],
                  'managed_connection_ids': [c['VpnConnectionId'] for c in connections if owned(c)], 'retries': api.retries}
    except ValueError as exc:
        result = {'failed': True, 'changed': False, 'msg': str(exc)}
    except TencentError as exc:
        result = dict({'failed': True, 'changed': False, 'msg': exc.msg}, **exc.details())
    return mask(result, [params.get('secret_key')])


# ---- a task's arguments -> the engine (the action plugins and the role's batch step share it) -----------------------
# module name -> (its argument spec, its engine ``(params, check_mode, diff) -> result``)
MODULES = {
    'tencent_vpn_connection': (connection_argument_spec, run_connection),
    'tencent_vpn_connection_info': (info_argument_spec, lambda params, check_mode, diff: run_info(params)),
}


class ArgumentsError(InputError):
    """The task's arguments do not fit the module's argument spec, or the SDK is missing: nothing was called."""


def run_task(module_name, args, check_mode=False, diff=False):
    """What the action plugin of ``module_name`` does with a task's arguments (module_defaults already merged):
    validate them against the module's argument spec, run its engine, remove the no_log values from the result.
    Raises ``ArgumentsError`` (secrets masked) before any call; the engine's own failures come back as
    ``{'failed': True, 'msg': ...}``."""
    spec, engine = MODULES[module_name]
    validation = ArgumentSpecValidator(spec()).validate(dict(args))
    no_log_values = set(validation._no_log_values)
    if validation.error_messages:
        msg = remove_values('; '.join(validation.error_messages), no_log_values)
        raise ArgumentsError(f'Invalid arguments for vpclink.routeros.{module_name}: {msg}')
    if not HAS_TENCENT_SDK:
        raise ArgumentsError(f'vpclink.routeros.{module_name} needs the Python packages tencentcloud-sdk-python-common and '
                             'tencentcloud-sdk-python-vpc on the controller (pip install them)')
    outcome = engine(validation.validated_parameters, check_mode, diff)
    for warning in validation._warnings:
        outcome.setdefault('warnings', []).append(warning.get('warning') if isinstance(warning, dict) else str(warning))
    return remove_values(outcome, no_log_values)
