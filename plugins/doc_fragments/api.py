# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:

    # The options must match plugins/module_utils/api.py api_argument_spec() exactly; every module that talks to the
    # router runs on the controller (platform).
    DOCUMENTATION = r'''
attributes:
  platform:
    description: Runs on the controller and talks to the router's API.
    support: full
    platforms: RouterOS
options:
  hostname:
    description:
      - Address or DNS name of the RouterOS router.
    type: str
    required: true
  username:
    description:
      - API user. Its group needs the C(api), C(read) and C(write) policies, and C(sensitive) to read back secrets.
    type: str
    required: true
  password:
    description:
      - Password of O(username). Never shown in results, warnings or errors.
    type: str
    required: true
  port:
    description:
      - API port. Defaults to V(8728), or V(8729) when O(tls=true).
    type: int
  tls:
    description:
      - Use the TLS API service (C(api-ssl)).
      - With O(tls=false) the password crosses the network in clear text; the module warns unless O(hostname) is a loopback address.
      - Defaults to V(false) because a fresh RouterOS has no certificate on C(api-ssl).
    type: bool
    default: false
    aliases:
      - ssl
  validate_certs:
    description:
      - With O(tls=true), verify the router's certificate against O(ca_path) or the system trust store.
      - Set to V(false) only in a lab.
    type: bool
    default: true
  validate_cert_hostname:
    description:
      - With O(tls=true) and O(validate_certs=true), also check that the certificate names O(hostname).
    type: bool
    default: true
  ca_path:
    description:
      - PEM file with the CA certificate(s) that signed the router's API certificate.
    type: path
  timeout:
    description:
      - Socket timeout in seconds, for connecting and for every reply.
    type: int
    default: 10
  encoding:
    description:
      - Text encoding of API words. V(UTF-8) allows non-ASCII comments on RouterOS 7.
    type: str
    default: ASCII
requirements:
  - librouteros >= 4.0 on the Ansible controller
notes:
  - The modules run on the controller through an action plugin of the same name (one API session per task);
    the module itself is a fallback with the same behaviour.
  - One API login per task; the RouterOS version is read once per task.
'''

    ACTIONGROUP_API = r'''
attributes:
  action_group:
    description: Use C(group/vpclink.routeros.api) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - vpclink.routeros.api
'''
