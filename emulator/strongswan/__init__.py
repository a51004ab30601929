"""Real IKE behind the lab: strongSwan charons in network namespaces.

The modelled IKE (``emulator/negotiation.py``) is fast and needs no privileges; this package runs
the real thing so the model can be checked against it and real logs can be collected:

- ``host``: what the real mode needs from the machine, and why it cannot run when it cannot;
- ``netns``: network namespaces and veth pairs that exist only while a ``Topology`` is open;
- ``endspec``: a neutral description of one end of a tunnel (what both RouterOS and a cloud
  gateway describe), validated before anything is started;
- ``render``: that description as a swanctl connection tree and as swanctl.conf text;
- ``charon``: one charon per namespace (own config, sockets, logs), driven through vici;
- ``labends``: a lab's cloud connections (Tencent's words) and a router's ``/ip/ipsec`` menus as end descriptions;
- ``events``: charon's log lines read back, and the RouterOS /log rows a router's charon event stands for.

``emulator/reallab.py`` puts these together as the lab's real-IKE mode (``ike: strongswan``).

strongSwan runs with userspace ESP (the ``kernel-libipsec`` plugin over a TUN device), so tunnels
work on kernels without the ESP transform: https://docs.strongswan.org/docs/5.9/plugins/kernel-libipsec.html
"""
