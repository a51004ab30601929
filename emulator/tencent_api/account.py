"""The ``api:`` key of a lab-file cloud: who may call the lab's Tencent API for that VPN gateway.

    clouds:
      - name: tencent-gz
        public_address: 203.0.113.10
        api: {secret_id: AKIDlab..., secret_key: ..., region: ap-guangzhou, vpn_gateway_id: vpngw-lab00001}

A SecretId identifies an account; its resources (customer gateways, VPN connections) live in one
region of that account, as on Tencent Cloud where every request names its ``Region``
(https://www.tencentcloud.com/document/product/215/15758, "Common Params").
"""

import dataclasses
import re

ACCOUNT_KEYS = ('secret_id', 'secret_key', 'region', 'vpn_gateway_id')
# Tencent resource ids are a type prefix and 8 lower-case letters or digits, e.g. vpngw-f49l6u0z
# (the examples of https://www.tencentcloud.com/document/api/215/17522, CreateVpnConnection).
GATEWAY_ID_RE = re.compile(r'^vpngw-[0-9a-z]{8}$')
# Region names look like ap-guangzhou, na-siliconvalley, ap-shanghai-fsi (the region list of the
# Common Params page).
REGION_RE = re.compile(r'^[a-z]{2}-[a-z]+(-[a-z0-9]+)?$')


class AccountError(ValueError):
    """An ``api:`` entry that cannot be used; the message names the cloud and the field."""


@dataclasses.dataclass(frozen=True)
class ApiAccount:
    cloud: str                  # the lab cloud whose VPN gateway this is
    secret_id: str
    secret_key: str = dataclasses.field(repr=False)
    region: str
    vpn_gateway_id: str


def parse_account(cloud_name, raw):
    """One cloud's ``api:`` mapping -> ``ApiAccount``; the secret key is never echoed in an error."""
    where = f'cloud {cloud_name}, api'
    if not isinstance(raw, dict):
        raise AccountError(f'{where}: expected a mapping with keys {", ".join(ACCOUNT_KEYS)}, got {type(raw).__name__}')
    extra = sorted(set(raw) - set(ACCOUNT_KEYS))
    if extra:
        raise AccountError(f'{where}: unknown key(s) {", ".join(extra)}; allowed: {", ".join(ACCOUNT_KEYS)}')
    missing = [key for key in ACCOUNT_KEYS if not isinstance(raw.get(key), str) or not raw.get(key)]
    if missing:
        raise AccountError(f'{where}: {", ".join(missing)}: required, a non-empty string')
    if any(c.isspace() for c in raw['secret_id']):
        raise AccountError(f'{where}: secret_id={raw["secret_id"]!r}: no whitespace allowed')
    if not REGION_RE.match(raw['region']):
        raise AccountError(f'{where}: region={raw["region"]!r} is not valid; a region name such as ap-guangzhou')
    if not GATEWAY_ID_RE.match(raw['vpn_gateway_id']):
        raise AccountError(f'{where}: vpn_gateway_id={raw["vpn_gateway_id"]!r} is not valid; '
                           'vpngw- and 8 lower-case letters or digits, e.g. vpngw-lab00001')
    return ApiAccount(cloud=cloud_name, secret_id=raw['secret_id'], secret_key=raw['secret_key'],
                      region=raw['region'], vpn_gateway_id=raw['vpn_gateway_id'])


def check_accounts(accounts):
    """Across clouds: a gateway id names one gateway; a SecretId has one SecretKey."""
    gateways, keys = {}, {}
    for account in accounts:
        where = f'cloud {account.cloud}, api'
        if account.vpn_gateway_id in gateways:
            raise AccountError(f'{where}: vpn_gateway_id={account.vpn_gateway_id!r} is already the gateway of cloud '
                               f'{gateways[account.vpn_gateway_id]}; each gateway id once')
        gateways[account.vpn_gateway_id] = account.cloud
        if keys.setdefault(account.secret_id, account.secret_key) != account.secret_key:
            raise AccountError(f'{where}: secret_id={account.secret_id!r} is used by another cloud with another '
                               'secret_key; one account has one key in the lab')
