#!/usr/bin/python
# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: tencent_vpn_connection
short_description: Manage a Tencent Cloud VPN connection (and its customer gateway)
version_added: 0.2.0
author:
  - vpclink developers (@vpclink)
description:
  - 'Finds or creates the customer gateway of O(customer_gateway_address), and creates, updates in place or deletes the
     VPN connection between it and the VPN gateway O(vpn_gateway_id), through the Tencent Cloud VPC API (2017-03-12)
     with the official SDK.'
  - 'The connection is found by VPN gateway and customer gateway; two connections for that pair are an error naming both ids.'
  - 'What the module creates carries the tag C(vpclink.routeros=managed). A connection without it is foreign: it is read,
     but changed or deleted only with O(adopt=true); a foreign customer gateway is never deleted without O(adopt=true).'
  - 'Only the options given are compared. A changed O(ike_options) or O(ipsec_options) is sent whole: the current values
     with the given keys over them. An unchanged connection is never written.'
  - 'Creating a connection is asynchronous: the module waits until it is C(AVAILABLE) (at most 300 seconds), and waits for a
     C(PENDING) connection before changing or deleting it.'
  - 'O(state=absent) deletes the connection, waits until it is gone, then deletes the customer gateway when no other
     connection uses it and the collection created it.'
extends_documentation_fragment:
  - vpclink.routeros.tencent
attributes:
  check_mode:
    description: A check run reads the cloud and reports exactly what a real run would change, without writing.
    support: full
  diff_mode:
    description: The connection before and after, the pre-shared key masked (V(<secret changed>) when it changes).
    support: full
seealso:
  - module: vpclink.routeros.tencent_vpn_connection_info
  - name: CreateVpnConnection (Tencent Cloud API)
    description: The API action and its parameters.
    link: https://www.tencentcloud.com/document/api/215/17522
options:
  customer_gateway_address:
    description: Public IPv4 address of the router (the customer gateway).
    type: str
    required: true
  name:
    description:
      - Name of the VPN connection (1 to 60 characters); also the name of a customer gateway the module creates.
      - Required with O(state=present).
    type: str
  pre_share_key:
    description:
      - The pre-shared key. Required with O(state=present). Never shown in results, diffs or errors.
    type: str
  ike_options:
    description:
      - 'C(IKEOptionsSpecification) keys as the API spells them: C(IKEVersion), C(ExchangeMode), C(PropoEncryAlgorithm),
         C(PropoAuthenAlgorithm), C(DhGroupName), C(IKESaLifetimeSeconds), C(LocalIdentity), C(RemoteIdentity),
         C(LocalAddress), C(RemoteAddress), C(LocalFqdnName), C(RemoteFqdnName).'
      - Values are checked against the API's allowed values before any call.
    type: dict
  ipsec_options:
    description:
      - 'C(IPSECOptionsSpecification) keys as the API spells them: C(EncryptAlgorithm), C(IntegrityAlgorithm) (or the
         older C(IntegrityAlgorith)), C(PfsDhGroup), C(IPSECSaLifetimeSeconds), C(IPSECSaLifetimeTraffic).'
    type: dict
  security_policy_databases:
    description:
      - The SPD, a list of C({LocalCidrBlock, RemoteCidrBlock}); C(LocalCidrBlock) is a VPC-side CIDR, C(RemoteCidrBlock)
        a list of router-side CIDRs. Required with O(state=present). Compared as a set.
    type: list
    elements: dict
  negotiation_type:
    description: Who starts the negotiation (C(NegotiationType)).
    type: str
    choices: [active, passive, flowTrigger]
  dpd_enable:
    description: Dead peer detection (C(DpdEnable)).
    type: bool
  dpd_timeout:
    description: Seconds without an answer before the peer is dead (C(DpdTimeout)), 30 to 60.
    type: int
  adopt:
    description:
      - Change or delete a connection (and delete a customer gateway) that does not carry the collection's tag.
    type: bool
    default: false
  state:
    description: Whether the connection should exist.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: The cloud end of the tunnel to branch1
  vpclink.routeros.tencent_vpn_connection:
    region: ap-guangzhou
    vpn_gateway_id: vpngw-f49l6u0z
    customer_gateway_address: 203.0.113.21
    name: branch1
    pre_share_key: "{{ vault_branch1_psk }}"
    ike_options:
      IKEVersion: IKEV2
      PropoEncryAlgorithm: AES-CBC-256
      PropoAuthenAlgorithm: SHA-256
      DhGroupName: GROUP14
      IKESaLifetimeSeconds: 86400
    ipsec_options:
      EncryptAlgorithm: AES-CBC-256
      IntegrityAlgorithm: SHA-256
      PfsDhGroup: DH-GROUP14
      IPSECSaLifetimeSeconds: 3600
    security_policy_databases:
      - LocalCidrBlock: 10.100.1.0/24
        RemoteCidrBlock: [192.168.10.0/24]
    negotiation_type: active
    dpd_enable: true
    dpd_timeout: 30
  environment:
    TENCENTCLOUD_SECRET_ID: "{{ vault_tencent_secret_id }}"
    TENCENTCLOUD_SECRET_KEY: "{{ vault_tencent_secret_key }}"

- name: Remove it (and the customer gateway when nothing else uses it)
  vpclink.routeros.tencent_vpn_connection:
    region: ap-guangzhou
    vpn_gateway_id: vpngw-f49l6u0z
    customer_gateway_address: 203.0.113.21
    state: absent
"""

RETURN = r"""
action:
  description: What the run did (or would do in check mode).
  returned: success
  type: str
  choices: [created, updated, deleted, unchanged]
vpn_connection_id:
  description: Id of the VPN connection (null when a check run would create it).
  returned: success
  type: str
  sample: vpnx-f49l6u0z
customer_gateway_id:
  description: Id of the customer gateway (null when a check run would create it).
  returned: success
  type: str
  sample: cgw-2wqq41m9
managed:
  description: Whether the connection carries the collection's tag (it was created by this collection).
  returned: with O(state=present)
  type: bool
customer_gateway_created:
  description: Whether the customer gateway was (or would be) created.
  returned: when the connection is created
  type: bool
customer_gateway_deleted:
  description: Whether the customer gateway was (or would be) deleted.
  returned: with O(state=absent)
  type: bool
changed_parameters:
  description: The API parameters an update changes.
  returned: when the connection exists and O(state=present)
  type: list
  elements: str
  sample: [IPSECOptionsSpecification, PreShareKey]
connection:
  description: The VPN connection as DescribeVpnConnections returns it, C(PreShareKey) masked.
  returned: with O(state=present)
  type: dict
# BEGIN generated by tools/update_docs.py from plugins/module_utils/result_docs.py: edit there and run the tool, not here
retries:
  description: 'Calls retried because the API throttled them (C(RequestLimitExceeded)).'
  returned: success
  type: int
error:
  description: 'The failed call; C(action), C(code), C(message) (Tencent''s) and C(request_id).'
  returned: when a Tencent Cloud call failed
  type: dict
# END generated by tools/update_docs.py
"""

from ansible_collections.vpclink.routeros.plugins.module_utils import tencent_vpn  # noqa: E402 (Ansible modules document before importing)
from ansible_collections.vpclink.routeros.plugins.module_utils.tencent_module import run_module  # noqa: E402


def main():
    run_module(tencent_vpn.connection_argument_spec(),
               lambda params, check_mode, diff: tencent_vpn.run_connection(params, check_mode=check_mode, diff=diff))


if __name__ == '__main__':
    main()
