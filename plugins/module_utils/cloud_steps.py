# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The role's cloud steps for one router as plain functions, for a batch task that does the router work of many
routers in the controller: the same work the Tencent modules' tasks did per host, through the same engine
(``tencent_vpn.run_task``, what the modules' action plugins call), so the two cannot disagree.

* ``cloud_step(entry, state, cloud_api, cloud_apply)``: which cloud step a run does: ``none``, ``read``, ``apply``
  or ``remove``.
* ``read_cloud_sides(cloud_api, tunnels)``: the VPN connection of each present Tencent tunnel, read-only; it becomes
  the tunnel's ``cloud_side``, which the preflight compares with the tunnel.
* ``apply_connections(cloud_api, preflight_tunnels, psk_by_name, check_mode)``: create or update each connection from
  the preflight's ``cloud_connection`` and the tunnel's own PSK (before the router).
* ``remove_connections(cloud_api, tunnels, check_mode)``: delete the connections of removed tunnels that the
  collection created (after the router); the others stay and are named.

``cloud_api`` is the role's ``vpc_tunnel_cloud_api`` (the Tencent modules' connection options; without secret_id,
secret_key or region the engine falls back to ``TENCENTCLOUD_*`` as the modules do). ``tunnels`` are the role's tunnel
dicts. A failure raises ``CloudStepError``: its text is what the module or the role's assert would print, without the
router's name (the caller names the router) and never with a PSK or the secret key.
"""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.vpclink.routeros.plugins.module_utils import tencent_vpn
from ansible_collections.vpclink.routeros.plugins.module_utils.masking import mask

STEPS = ('none', 'read', 'apply', 'remove')
# what the customer gateway address is needed for, per step (the wording of the role's asserts)
ADDRESS_NEEDED = {
    'read': "vpc_tunnel_cloud_api (the customer gateway address, which finds the tunnel's VPN connection)",
    'apply': "vpc_tunnel_cloud_apply (the customer gateway address of the tunnel's VPN connection)",
    'remove': 'vpc_tunnel_cloud_apply, also to remove a tunnel (the customer gateway address finds its VPN connection)',
}


class CloudStepError(Exception):
    """A cloud step failed for one router; the text says why and the next step (no secret in it)."""


def cloud_step(entry, state, cloud_api, cloud_apply):
    """The cloud step of a run: ``none`` without a cloud API (``cloud_api`` None), or when removing without
    ``cloud_apply``, or with ``cloud_apply`` outside the ``main`` entry; ``remove`` when removing (entry ``absent`` or
    ``state`` absent) with ``cloud_apply``; ``apply`` with ``cloud_apply`` in ``main``; else ``read`` (the preflight
    compares the API's answer)."""
    if cloud_api is None:
        return 'none'
    apply = boolean(cloud_apply, strict=False)
    if entry == 'absent' or state == 'absent':
        return 'remove' if apply else 'none'
    if apply:
        return 'apply' if entry == 'main' else 'none'
    return 'read'


def cloud_tunnels(tunnels, removing=False):
    """The Tencent tunnels (``cloud`` missing or tencent) without their PSKs: name, customer_gateway_address (the
    tunnel's public_address or None) and state (absent for every tunnel when ``removing`` the router's tunnels)."""
    return [{'name': t.get('name'), 'customer_gateway_address': t.get('public_address') or None,
             'state': 'absent' if removing else (t.get('state') or 'present')}
            for t in tunnels if (t.get('cloud') or 'tencent') == 'tencent']


def check_addressed(tunnels, step, removing=False):
    """Raise ``CloudStepError`` naming the Tencent tunnels without public_address that ``step`` needs: the present
    ones for ``read``; present and absent for ``apply`` and ``remove`` (removing a connection needs its address
    too)."""
    states = ('present',) if step == 'read' else ('present', 'absent')
    missing = [str(t['name']) for t in cloud_tunnels(tunnels, removing) if t['state'] in states and not t['customer_gateway_address']]
    if missing:
        raise CloudStepError(f'tunnel(s) {", ".join(missing)}: public_address is required with {ADDRESS_NEEDED[step]}')


def _run(module_name, cloud_api, options, check_mode=False, diff=False, secrets=(), label=None):
    """One task of the module (``cloud_api`` as its module_defaults, ``options`` as its arguments); a failure raises
    ``CloudStepError`` with the module's message (after the loop item's label, as Ansible shows a loop's item)."""
    secrets = tuple(secrets) + ((cloud_api or {}).get('secret_key'),)
    try:
        result = tencent_vpn.run_task(module_name, dict(cloud_api or {}, **options), check_mode=check_mode, diff=diff)
    except tencent_vpn.ArgumentsError as exc:
        result = {'failed': True, 'msg': str(exc)}
    result = mask(result, [s for s in secrets if s])
    if result.get('failed'):
        where = f'tunnel {label}: ' if label is not None else ''
        raise CloudStepError(f'{where}{result.get("msg") or "failed"}')
    return result


def read_cloud_sides(cloud_api, tunnels):
    """{tunnel name: {'VpnConnection', 'VpnGateway', 'CustomerGateway'}} of the present Tencent tunnels, read through
    tencent_vpn_connection_info (read-only, PSK masked). Raises ``CloudStepError`` when a tunnel has no public_address,
    a read fails, or a tunnel has no VPN connection or one that is not AVAILABLE (it could not come up)."""
    check_addressed(tunnels, 'read')
    sides, down = {}, []
    for t in cloud_tunnels(tunnels):
        if t['state'] != 'present':
            continue
        read = _run('tencent_vpn_connection_info', cloud_api, {'customer_gateway_address': t['customer_gateway_address']}, label=t['name'])
        conn = (read.get('connections') or [None])[0]
        if conn is None:
            gateway_id = (read.get('vpn_gateway') or {}).get('VpnGatewayId') or '?'
            down.append(f'tunnel {t["name"]}: no VPN connection for customer gateway {t["customer_gateway_address"]} on VPN gateway '
                        f'{gateway_id}; create it (vpc_tunnel_cloud_apply: true, or in the console)')
            continue
        sides[t['name']] = {'VpnConnection': conn, 'VpnGateway': read.get('vpn_gateway'), 'CustomerGateway': read.get('customer_gateway')}
        if conn.get('State') != 'AVAILABLE':
            down.append(f'tunnel {t["name"]}: VPN connection {conn.get("VpnConnectionId")} is {conn.get("State")}; '
                        'wait until it is AVAILABLE and run again')
    if down:
        raise CloudStepError('; '.join(down))
    return sides


def apply_connections(cloud_api, preflight_tunnels, psk_by_name, check_mode):
    """Create or update the VPN connection of each preflight tunnel view with ``cloud_connection`` (tencent_vpn_connection
    with those options and the tunnel's PSK from ``psk_by_name``), waiting until it is AVAILABLE; check mode plans it.
    Returns one result per tunnel: the module's (``changed``, ``action``, ``connection``, ``diff`` with before and after,
    ...) with ``name``, the PSK masked. Raises ``CloudStepError`` for a present Tencent view without public_address
    or a failed tunnel (the module's message)."""
    views = [v for v in preflight_tunnels or [] if v.get('state', 'present') == 'present']
    # a view without cloud_connection is a tunnel the preflight could not plan a connection for
    check_addressed([dict(v.get('parameters') or {}, name=v['name'], state='present') for v in views if not v.get('cloud_connection')],
                    'apply')
    results = []
    for v in views:
        options = v.get('cloud_connection')
        if not options:
            continue
        psk = (psk_by_name or {}).get(v['name'])
        args = {key: options[key] for key in ('name', 'customer_gateway_address', 'ike_options', 'ipsec_options',
                                              'security_policy_databases', 'dpd_enable')}
        args['pre_share_key'] = psk
        result = _run('tencent_vpn_connection', cloud_api, args, check_mode=bool(check_mode), diff=True, secrets=(psk,),
                      label=v['name'])
        results.append(dict(result, name=v['name']))
    return results


def remove_connections(cloud_api, tunnels, check_mode, removing=False):
    """After the router: delete the VPN connection of each removed Tencent tunnel (its state absent, or every tunnel
    when ``removing`` the router's tunnels) that the collection created (tag vpclink.routeros=managed), with its
    customer gateway when nothing else uses it; check mode plans it. Returns ``{'removed': [module result + name,
    one per deleted connection], 'foreign': [one line per connection left in place]}``."""
    check_addressed(tunnels, 'remove', removing)
    removed, foreign = [], []
    for t in cloud_tunnels(tunnels, removing):
        if t['state'] != 'absent':
            continue
        address = t['customer_gateway_address']
        found = _run('tencent_vpn_connection_info', cloud_api, {'customer_gateway_address': address}, label=t['name'])
        managed = found.get('managed_connection_ids') or []
        for conn in found.get('connections') or []:
            if conn.get('VpnConnectionId') not in managed:
                foreign.append(f'{t["name"]}: VPN connection {conn.get("VpnConnectionId")} ({conn.get("VpnConnectionName")}) was not '
                               'created by the collection and stays; delete it in the console if unused')
        if managed:
            result = _run('tencent_vpn_connection', cloud_api, {'customer_gateway_address': address, 'state': 'absent'},
                          check_mode=bool(check_mode), diff=True, label=t['name'])
            removed.append(dict(result, name=t['name']))
    return {'removed': removed, 'foreign': foreign}
