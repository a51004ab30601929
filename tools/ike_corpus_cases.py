"""The cases of the IKE corpus: one tunnel between a "router" and a "cloud" strongSwan, one cause each.

Every case starts from its own matching pair (``base_pair``: addresses, identities, algorithms and key
differ from case to case, so that nothing can key on one configuration) and changes what its class is
about. ``expect`` is the outcome that proves the case did what its class says: 'up' (the CHILD SA of
the last action is installed) or 'down'; the corpus run fails when real IKE disagrees.
"""

from dataclasses import dataclass

from emulator.strongswan.endspec import EndSpec, Identity, Proposal

# (encryption, integrity, DH group): each a proposal both a RouterOS profile and a cloud gateway can express.
IKE_PROPOSALS = (
    ('aes256', 'sha256', 'modp2048'), ('aes128', 'sha1', 'modp1024'), ('aes192', 'sha384', 'ecp256'),
    ('aes256', 'sha512', 'modp3072'), ('aes128', 'sha256', 'curve25519'), ('3des', 'sha1', 'modp1536'),
    ('aes256', 'sha1', 'ecp384'), ('aes128', 'sha512', 'modp2048'),
)
ESP_PROPOSALS = (
    ('aes128', 'sha1'), ('aes256', 'sha256'), ('aes256gcm16', None), ('aes192', 'sha512'),
    ('3des', 'sha1'), ('aes128', 'sha256'), ('aes128gcm16', None), ('aes256', 'sha384'),
)
PFS_GROUPS = ('modp2048', 'ecp256', 'modp1536', 'curve25519', 'modp1024', 'ecp384')
WAN_NETS = ('198.51.100', '203.0.113', '192.0.2', '100.64.7', '172.30.12', '10.250.3', '100.99.40')
PSK_WORDS = ('harbour', 'lantern', 'quartz', 'meadow', 'cobalt', 'juniper', 'saffron', 'tundra')


@dataclass(frozen=True)
class Variation:
    """Everything that differs between cases that share a class; derived from the case number only."""
    index: int

    def pick(self, items, shift=0):
        return items[(self.index * 5 + shift) % len(items)]

    @property
    def wan_net(self):
        return self.pick(WAN_NETS)

    def on_wan(self, host):
        """The address of ``host`` (last byte) on the case's WAN."""
        return f'{self.wan_net}.{host}'

    @property
    def router_wan(self):
        return self.on_wan(10 + (self.index * 37) % 100)

    @property
    def cloud_wan(self):
        return self.on_wan(150 + (self.index * 53) % 90)

    @property
    def unused_wan(self):
        """An address on the WAN where nothing answers (a typo'd or retired gateway address)."""
        return self.on_wan(250 - self.index % 4)

    @property
    def router_lan(self):
        return self.pick((f'192.168.{10 + self.index}.0/24', f'10.{self.index + 1}.{self.index * 3 % 200}.0/24', f'172.20.{self.index}.0/24'), 1)

    @property
    def other_lan(self):
        """A LAN the router does not have (a cloud SPD mapping that names the wrong subnet)."""
        return f'192.168.{200 + self.index % 50}.0/24'

    @property
    def cloud_lan(self):
        return self.pick((f'10.{100 + self.index}.0.0/16', f'172.16.{self.index}.0/24', f'10.{60 + self.index}.{self.index}.0/24'), 2)

    def ids(self):
        """(router id, cloud id): addresses for two cases in three, FQDNs (plain strings) for the third."""
        if self.index % 3 == 2:
            return Identity('fqdn', f'branch{self.index}.corp.example'), Identity('fqdn', f'vpngw{self.index}.vpc.example')
        return Identity('address', self.router_wan), Identity('address', self.cloud_wan)

    @property
    def psk(self):
        return f'{self.pick(PSK_WORDS)}-{self.index * 7919 % 10007}-{self.pick(PSK_WORDS, 3)}'

    def ike(self, shift=0):
        return Proposal(*self.pick(IKE_PROPOSALS, shift))

    def esp(self, pfs=None, shift=0):
        return Proposal(*self.pick(ESP_PROPOSALS, shift), pfs)


def base_pair(var, ike_version, exchange_mode):
    """-> {'router': kwargs, 'cloud': kwargs} of two ends that agree on everything."""
    router_id, cloud_id = var.ids()
    common = {'name': f'tun{var.index}', 'ike_version': ike_version, 'exchange_mode': exchange_mode, 'psk': var.psk,
              'ike_proposal': var.ike(), 'esp_proposal': var.esp(), 'ike_lifetime': 28800 + 3600 * (var.index % 4),
              'esp_lifetime': 1800 + 600 * (var.index % 5)}
    router = dict(common, local_address=var.router_wan, remote_address=var.cloud_wan, local_id=router_id, remote_id=cloud_id,
                  local_ts=(var.router_lan,), remote_ts=(var.cloud_lan,))
    cloud = dict(common, local_address=var.cloud_wan, remote_address=var.router_wan, local_id=cloud_id, remote_id=router_id,
                 local_ts=(var.cloud_lan,), remote_ts=(var.router_lan,))
    return {'router': router, 'cloud': cloud}


@dataclass(frozen=True)
class Case:
    name: str
    cls: str                      # a failure class of the project's diagnosis, or 'success'
    ike_version: int              # the router's; a mismatch case changes the cloud's
    exchange_mode: str = 'main'
    initiator: str = 'router'
    # 'rekey': initiate, then rekey the CHILD SA (what shows an IKEv2 PFS mismatch);
    # 'silence': initiate, then the other end stops answering
    action: str = 'initiate'
    expect: str = 'down'
    change: object = None         # (var, pair) -> None: edits pair['router'] / pair['cloud'] kwargs
    cloud_allows_aggressive_psk: bool = True   # strongSwan's own default is False; most cloud gateways accept it


def _cloud(**values):
    def change(_var, pair):
        pair['cloud'].update(values)
    return change


def _both(**values):
    def change(_var, pair):
        pair['router'].update(values)
        pair['cloud'].update(values)
    return change


def _with(side, builder):
    """A change computed from the variation: builder(var, kwargs) -> values for that side."""
    def change(var, pair):
        pair[side].update(builder(var, pair[side]))
    return change


def _other_psk(var, _kw):
    return {'psk': var.psk + '-old'}


def _other_ike(var, kw):
    """The same proposal with one part changed: the DH group, the cipher or the integrity, by case."""
    enc, integ, dh = kw['ike_proposal'].encryption, kw['ike_proposal'].integrity, kw['ike_proposal'].dh_group
    part = var.index % 3
    if part == 0:
        dh = 'modp4096' if dh != 'modp4096' else 'modp2048'
    elif part == 1:
        enc = 'aes128' if enc != 'aes128' else 'aes256'
    else:
        integ = 'sha512' if integ != 'sha512' else 'sha256'
    return {'ike_proposal': Proposal(enc, integ, dh)}


def _other_esp(var, kw):
    esp = kw['esp_proposal']
    if esp.integrity is None or var.index % 2 == 0:
        return {'esp_proposal': Proposal('aes192' if esp.encryption != 'aes192' else 'aes128', esp.integrity or 'sha256', esp.dh_group)}
    return {'esp_proposal': Proposal(esp.encryption, 'md5' if esp.integrity != 'md5' else 'sha1', esp.dh_group)}


def _pfs(group):
    def builder(var, kw):
        chosen = group if group != 'case' else var.pick(PFS_GROUPS)
        esp = kw['esp_proposal']
        return {'esp_proposal': Proposal(esp.encryption, esp.integrity, chosen)}
    return builder


def _pfs_pair(router_group, cloud_group):
    def change(var, pair):
        pair['router'].update(_pfs(router_group)(var, pair['router']))
        pair['cloud'].update(_pfs(cloud_group)(var, pair['cloud']))
    return change


def _cloud_expects_other_lan(var, _kw):
    return {'remote_ts': (var.other_lan,)}


def _says_other_id(var, kw):
    ident = kw['local_id']
    if ident.kind == 'address':
        return {'local_id': Identity('address', var.unused_wan)}
    return {'local_id': Identity('fqdn', 'office.' + ident.value)}


def _router_expects_other_id(var, kw):
    ident = kw['remote_id']
    if ident.kind == 'address':
        return {'remote_id': Identity('fqdn', f'vpn{var.index}.cloud.example')}
    return {'remote_id': Identity('fqdn', 'old-' + ident.value)}


def _dials_nobody(var, _kw):
    return {'remote_address': var.unused_wan}


def _cloud_expects_other_gateway(var, _kw):
    return {'remote_address': var.unused_wan}


def _version(version):
    return _cloud(ike_version=version, exchange_mode='main')


CASES = (
    # -- success: both SAs up, a ping crosses the tunnel ------------------------------------------
    Case('success-v1-main', 'success', 1, expect='up'),
    Case('success-v1-aggressive', 'success', 1, 'aggressive', expect='up'),
    Case('success-v2', 'success', 2, expect='up'),
    Case('success-v2-cloud-initiates', 'success', 2, initiator='cloud', expect='up'),
    Case('success-v1-main-cloud-initiates', 'success', 1, initiator='cloud', expect='up'),
    Case('success-v2-rekey', 'success', 2, action='rekey', expect='up', change=_pfs_pair('case', 'case')),
    Case('success-v1-main-rekey-pfs', 'success', 1, action='rekey', expect='up', change=_pfs_pair('case', 'case')),
    # -- pre-shared key ------------------------------------------------------------------------------
    Case('psk-v1-main', 'psk', 1, change=_with('cloud', _other_psk)),
    Case('psk-v1-aggressive', 'psk', 1, 'aggressive', change=_with('cloud', _other_psk)),
    Case('psk-v2', 'psk', 2, change=_with('cloud', _other_psk)),
    Case('psk-v2-cloud-initiates', 'psk', 2, initiator='cloud', change=_with('cloud', _other_psk)),
    Case('psk-v1-main-cloud-initiates', 'psk', 1, initiator='cloud', change=_with('router', _other_psk)),
    Case('psk-v1-aggressive-cloud-initiates', 'psk', 1, 'aggressive', initiator='cloud', change=_with('cloud', _other_psk)),
    # -- IKE (phase 1) proposal ------------------------------------------------------------------------
    Case('phase1-proposal-v1-main', 'phase1_proposal', 1, change=_with('cloud', _other_ike)),
    Case('phase1-proposal-v1-aggressive', 'phase1_proposal', 1, 'aggressive', change=_with('cloud', _other_ike)),
    Case('phase1-proposal-v2', 'phase1_proposal', 2, change=_with('cloud', _other_ike)),
    Case('phase1-proposal-v2-cloud-initiates', 'phase1_proposal', 2, initiator='cloud', change=_with('router', _other_ike)),
    Case('phase1-proposal-v1-main-cloud-initiates', 'phase1_proposal', 1, initiator='cloud', change=_with('cloud', _other_ike)),
    # -- ESP (phase 2) proposal --------------------------------------------------------------------------
    Case('phase2-proposal-v1-main', 'phase2_proposal', 1, change=_with('cloud', _other_esp)),
    Case('phase2-proposal-v1-aggressive', 'phase2_proposal', 1, 'aggressive', change=_with('cloud', _other_esp)),
    Case('phase2-proposal-v2', 'phase2_proposal', 2, change=_with('cloud', _other_esp)),
    Case('phase2-proposal-v2-cloud-initiates', 'phase2_proposal', 2, initiator='cloud', change=_with('router', _other_esp)),
    # -- PFS: IKEv1 fails in Quick Mode at once; IKEv2's first CHILD SA has no key exchange, so only the rekey fails
    Case('pfs-v1-main', 'pfs', 1, change=_pfs_pair(None, 'case')),
    Case('pfs-v1-aggressive', 'pfs', 1, 'aggressive', change=_pfs_pair('modp1024', 'modp2048')),
    Case('pfs-v1-main-cloud-initiates', 'pfs', 1, initiator='cloud', change=_pfs_pair(None, 'case')),
    Case('pfs-v2-rekey', 'pfs', 2, action='rekey', change=_pfs_pair(None, 'modp2048')),
    Case('pfs-v2-rekey-groups-differ', 'pfs', 2, action='rekey', change=_pfs_pair('ecp256', 'modp3072')),
    # -- traffic selectors ----------------------------------------------------------------------------------
    Case('traffic-selectors-v1-main', 'traffic_selectors', 1, change=_with('cloud', _cloud_expects_other_lan)),
    Case('traffic-selectors-v1-aggressive', 'traffic_selectors', 1, 'aggressive', change=_with('cloud', _cloud_expects_other_lan)),
    Case('traffic-selectors-v2', 'traffic_selectors', 2, change=_with('cloud', _cloud_expects_other_lan)),
    Case('traffic-selectors-v2-cloud-initiates', 'traffic_selectors', 2, initiator='cloud', change=_with('cloud', _cloud_expects_other_lan)),
    Case('traffic-selectors-v1-main-cloud-initiates', 'traffic_selectors', 1, initiator='cloud', change=_with('cloud', _cloud_expects_other_lan)),
    # -- identities ---------------------------------------------------------------------------------------------
    Case('identity-v1-main', 'identity', 1, change=_with('router', _says_other_id)),
    Case('identity-v1-main-remote-id', 'identity', 1, change=_with('router', _router_expects_other_id)),
    Case('identity-v1-aggressive', 'identity', 1, 'aggressive', change=_with('router', _says_other_id)),
    Case('identity-v2', 'identity', 2, change=_with('router', _says_other_id)),
    Case('identity-v2-remote-id', 'identity', 2, change=_with('router', _router_expects_other_id)),
    Case('identity-v2-cloud-initiates', 'identity', 2, initiator='cloud', change=_with('cloud', _says_other_id)),
    # -- nobody answers: the initiator dials an address where no gateway listens ----------------------------------
    Case('no-response-v1-main', 'no_response', 1, change=_with('router', _dials_nobody)),
    Case('no-response-v1-aggressive', 'no_response', 1, 'aggressive', change=_with('router', _dials_nobody)),
    Case('no-response-v2', 'no_response', 2, change=_with('router', _dials_nobody)),
    Case('no-response-v2-cloud-initiates', 'no_response', 2, initiator='cloud', change=_with('cloud', _dials_nobody)),
    # -- dead peer detection: the tunnel was up, then the cloud stopped answering -------------------------------
    Case('dpd-v1-main', 'dpd', 1, action='silence', change=_both(dpd_delay=2, dpd_max_failures=3)),
    Case('dpd-v2', 'dpd', 2, action='silence', change=_both(dpd_delay=2)),
    # -- IKEv1 exchange mode ------------------------------------------------------------------------------------
    Case('exchange-mode-aggressive-to-main', 'exchange_mode', 1, 'aggressive', change=_cloud(exchange_mode='main'),
         cloud_allows_aggressive_psk=False),
    Case('exchange-mode-aggressive-to-main-psk-allowed', 'exchange_mode', 1, 'aggressive', change=_cloud(exchange_mode='main')),
    Case('exchange-mode-main-to-aggressive', 'exchange_mode', 1, 'main', change=_cloud(exchange_mode='aggressive')),
    Case('exchange-mode-cloud-main-to-aggressive', 'exchange_mode', 1, 'aggressive', initiator='cloud', change=_cloud(exchange_mode='main')),
    # -- IKE version ----------------------------------------------------------------------------------------------
    Case('ike-version-v1-main-to-v2', 'ike_version', 1, change=_version(2)),
    Case('ike-version-v1-aggressive-to-v2', 'ike_version', 1, 'aggressive', change=_version(2)),
    Case('ike-version-v2-to-v1', 'ike_version', 2, change=_version(1)),
    Case('ike-version-cloud-v2-to-v1', 'ike_version', 1, initiator='cloud', change=_version(2)),
    # -- the cloud's customer gateway names another address than the router's ---------------------------------
    Case('customer-gateway-v1-main', 'customer_gateway', 1, change=_with('cloud', _cloud_expects_other_gateway)),
    Case('customer-gateway-v2', 'customer_gateway', 2, change=_with('cloud', _cloud_expects_other_gateway)),
)


def specs(case, index):
    """-> {'router': EndSpec, 'cloud': EndSpec} for case number ``index``."""
    var = Variation(index)
    pair = base_pair(var, case.ike_version, case.exchange_mode)
    if case.change:
        case.change(var, pair)
    return {side: EndSpec(**kwargs) for side, kwargs in pair.items()}
