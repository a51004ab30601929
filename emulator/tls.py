"""API-SSL certificates for the lab: one CA and one server certificate for the whole fleet.

Python's default SSL context will not negotiate RouterOS's anonymous-DH mode, so the lab presents
a real certificate (reference §1.1). Its SANs are ``127.0.0.1``, ``localhost`` and
``<router>.lab.invalid`` for every router, so clients can validate against ``ca.pem``; connecting
with any other hostname fails validation on purpose.
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


def generate(directory, router_names=(), days=30):
    """Write ``ca.pem``, ``server.pem`` and ``server.key`` into ``directory``; return their paths."""
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
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName('localhost'), x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]
    names += [x509.DNSName(hostname(n)) for n in sorted(set(router_names))]
    cert = (x509.CertificateBuilder()
            .subject_name(_name('routeros lab api-ssl')).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = {'ca': os.path.join(directory, CA_FILE), 'cert': os.path.join(directory, CERT_FILE), 'key': os.path.join(directory, KEY_FILE)}
    with open(paths['ca'], 'wb') as handle:
        handle.write(_pem(ca_cert))
    with open(paths['cert'], 'wb') as handle:
        handle.write(_pem(cert) + _pem(ca_cert))
    fd = os.open(paths['key'], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'wb') as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return paths


def server_context(paths):
    """An ``ssl.SSLContext`` for the API-SSL listeners."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(paths['cert'], paths['key'])
    return context


def client_context(ca_path, check_hostname=True):
    """A client context trusting only the lab CA (what a test would pass to librouteros)."""
    context = ssl.create_default_context(cafile=ca_path)
    context.check_hostname = check_hostname
    return context
