"""API-SSL certificates for the lab: one CA, one fleet server certificate, and per-router ones on demand.

Python's default SSL context will not negotiate RouterOS's anonymous-DH mode, so the lab presents
a real certificate (API-SSL without a certificate uses anonymous DH: MikroTik "API" manual). The fleet certificate's SANs are ``127.0.0.1``, ``localhost`` and
``<router>.lab.invalid`` for every router, so clients can validate against ``ca.pem``; connecting
with any other hostname fails validation on purpose.

A router with ``tls_names`` in the lab file gets its own certificate from the same CA carrying exactly
those SANs (``server-<router>.pem`` / ``.key``), so a hostname-validation failure can be produced the way
a real deployment produces it: the certificate names ``hq.example.net`` and the client dials an IP.
"""

import datetime
import ipaddress
import os
import ssl

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CA_FILE = 'ca.pem'
CERT_FILE = 'server.pem'
KEY_FILE = 'server.key'
DOMAIN = 'lab.invalid'


def hostname(router_name):
    """The DNS name the lab certificate carries for a router, e.g. ``r1.lab.invalid``."""
    return f'{router_name.lower()}.{DOMAIN}'


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'vpclink routeros lab'),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def _san(text):
    try:
        return x509.IPAddress(ipaddress.ip_address(text))
    except ValueError:
        return x509.DNSName(text)


def generate(directory, router_names=(), days=30, router_sans=None):
    """Write ``ca.pem``, ``server.pem`` and ``server.key`` into ``directory``; return their paths.

    ``router_sans`` ``{router: [name, ...]}`` issues one more certificate per router from the same CA,
    with exactly those SANs; its paths are in ``paths['routers'][router] = {'cert', 'key'}``."""
    os.makedirs(directory, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=days)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (x509.CertificateBuilder()
               .subject_name(_name('vpclink routeros lab CA')).issuer_name(_name('vpclink routeros lab CA'))
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                            key_encipherment=False, data_encipherment=False, key_agreement=False,
                                            encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
               .sign(ca_key, hashes.SHA256()))
    names = [x509.DNSName('localhost'), x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]
    names += [x509.DNSName(hostname(n)) for n in sorted(set(router_names))]
    paths = {'ca': os.path.join(directory, CA_FILE), 'cert': os.path.join(directory, CERT_FILE), 'key': os.path.join(directory, KEY_FILE),
             'routers': {}}
    with open(paths['ca'], 'wb') as handle:
        handle.write(_pem(ca_cert))
    _issue(ca_key, ca_cert, names, 'routeros lab api-ssl', paths['cert'], paths['key'], start, end)
    for router, sans in sorted((router_sans or {}).items()):
        cert_path = os.path.join(directory, f'server-{router}.pem')
        key_path = os.path.join(directory, f'server-{router}.key')
        _issue(ca_key, ca_cert, [_san(n) for n in sans], f'{router} api-ssl', cert_path, key_path, start, end)
        paths['routers'][router] = {'cert': cert_path, 'key': key_path}
    return paths


def _issue(ca_key, ca_cert, names, common_name, cert_path, key_path, start, end):
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(_name(common_name)).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    with open(cert_path, 'wb') as handle:
        handle.write(_pem(cert) + _pem(ca_cert))
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'wb') as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def server_context(paths, router=None):
    """An ``ssl.SSLContext`` for the API-SSL listeners (``router``'s own certificate when it has one)."""
    own = paths.get('routers', {}).get(router) if router is not None else None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain((own or paths)['cert'], (own or paths)['key'])
    return context


def client_context(ca_path, check_hostname=True):
    """A client context trusting only the lab CA (what a test would pass to librouteros)."""
    context = ssl.create_default_context(cafile=ca_path)
    context.check_hostname = check_hostname
    return context
