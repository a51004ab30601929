"""The lab's Tencent Cloud VPC API: the VPN actions of API version 2017-03-12 over HTTP, signed with TC3-HMAC-SHA256.

A cloud of the lab file that carries ``api: {secret_id, secret_key, region, vpn_gateway_id}`` is
also reachable through this API: its VPN gateway answers ``DescribeVpnGateways`` under that id,
customer gateways and VPN connections can be created, changed and deleted, and a connection
created here negotiates with the routers exactly like one declared in the lab file (it is the
same ``emulator.cloud.Connection`` in the same ``Cloud``).

Written from Tencent Cloud's public API documentation (each module cites its pages):

* ``account.py``   the lab file's ``api:`` key (credentials, region, gateway id)
* ``signature.py`` checking a request's TC3-HMAC-SHA256 signature as the cloud does
* ``errors.py``    the error codes the lab answers and the error response shape
* ``params.py``    request parameters: types, required keys, allowed values, ranges
* ``vpc.py``       the resources (customer gateways, VPN connections) and their states over time
* ``http.py``      the HTTP endpoint (one POST per request, JSON in and out) and its faults
"""
