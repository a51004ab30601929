"""Checking a request's TC3-HMAC-SHA256 signature the way Tencent Cloud does.

From "Signature v3" (https://www.tencentcloud.com/document/product/1084/39391; every product's API
documentation carries the same page):

1. CanonicalRequest = HTTPRequestMethod \\n CanonicalURI \\n CanonicalQueryString \\n CanonicalHeaders \\n
   SignedHeaders \\n HashedRequestPayload, where CanonicalHeaders are the signed headers as
   ``key:value\\n`` with key and value lower-cased and trimmed, and HashedRequestPayload is the
   lower-case hex SHA256 of the body (the query string of a GET is signed instead of a body);
2. StringToSign = "TC3-HMAC-SHA256" \\n RequestTimestamp \\n CredentialScope \\n hex(SHA256(CanonicalRequest)),
   CredentialScope = Date/service/tc3_request with Date the UTC date of X-TC-Timestamp;
3. SecretDate = HMAC_SHA256("TC3" + SecretKey, Date), SecretService = HMAC_SHA256(SecretDate, service),
   SecretSigning = HMAC_SHA256(SecretService, "tc3_request"),
   Signature = hex(HMAC_SHA256(SecretSigning, StringToSign));
4. Authorization = "TC3-HMAC-SHA256 Credential=SecretId/CredentialScope, SignedHeaders=..., Signature=...".

The timestamp may differ from the server's time by at most five minutes (AuthFailure.SignatureExpire
in the common error codes); a SecretId the cloud does not know is AuthFailure.SecretIdNotFound.
"""

import datetime
import hashlib
import hmac
import re

from emulator.tencent_api import errors

ALGORITHM = 'TC3-HMAC-SHA256'
MAX_SKEW = 300          # seconds, "cannot differ by more than five minutes"
AUTH_RE = re.compile(r'^TC3-HMAC-SHA256 Credential=(?P<id>[^/\s]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[a-z0-9]+)/tc3_request,'
                     r'\s*SignedHeaders=(?P<headers>[a-z0-9;-]+),\s*Signature=(?P<signature>[0-9a-f]{64})$')


def _hmac(key, text):
    return hmac.new(key, text.encode('utf-8'), hashlib.sha256)


def signature(secret_key, date, service, string_to_sign):
    """Step 3: the hex signature of ``string_to_sign``."""
    secret_date = _hmac(('TC3' + secret_key).encode('utf-8'), date).digest()
    secret_service = _hmac(secret_date, service).digest()
    secret_signing = _hmac(secret_service, 'tc3_request').digest()
    return _hmac(secret_signing, string_to_sign).hexdigest()


def canonical_request(method, path, query, headers, signed_headers, body):
    """Step 1. ``headers`` maps lower-case header names to their values."""
    canonical_headers = ''.join(f'{name}:{headers.get(name, "").strip().lower()}\n' for name in signed_headers)
    if headers.get('x-tc-content-sha256') == 'UNSIGNED-PAYLOAD':
        payload_hash = hashlib.sha256(b'UNSIGNED-PAYLOAD').hexdigest()
    else:
        payload_hash = hashlib.sha256(body).hexdigest()
    return '\n'.join((method, path, query, canonical_headers, ';'.join(signed_headers), payload_hash))


def verify(method, path, query, headers, body, secret_key_of, service, now):
    """Check one request; returns the caller's SecretId or raises ``ApiError`` with Tencent's code.

    ``secret_key_of(secret_id)`` gives the key or None; ``now`` is the server's epoch time.
    """
    match = AUTH_RE.match(headers.get('authorization', '').strip())
    if not match:
        raise errors.ApiError(errors.INVALID_AUTHORIZATION,
                              'Authorization in the request header is invalid: expected "TC3-HMAC-SHA256 Credential=SecretId/'
                              'Date/service/tc3_request, SignedHeaders=..., Signature=..."')
    secret_id = match['id']
    secret_key = secret_key_of(secret_id)
    if secret_key is None:
        raise errors.ApiError(errors.SECRET_ID_NOT_FOUND, 'The SecretId is not found, please ensure that your SecretId is correct.')
    try:
        timestamp = int(headers.get('x-tc-timestamp', ''))
    except ValueError:
        raise errors.ApiError(errors.MISSING_PARAMETER, 'The request is missing a valid X-TC-Timestamp header.') from None
    if abs(now - timestamp) > MAX_SKEW:
        raise errors.ApiError(errors.SIGNATURE_EXPIRE,
                              f'Signature expired. Timestamp {timestamp} and server time {int(now)} differ by more than five minutes.')
    signed = match['headers'].split(';')
    if 'content-type' not in signed or 'host' not in signed:
        raise errors.ApiError(errors.INVALID_AUTHORIZATION, 'SignedHeaders must include content-type and host.')
    date = datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime('%Y-%m-%d')
    if match['date'] != date or match['service'] != service:
        raise errors.ApiError(errors.SIGNATURE_FAILURE, errors.SIGNATURE_MESSAGE)
    request = canonical_request(method, path, query, headers, signed, body)
    scope = f'{date}/{service}/tc3_request'
    string_to_sign = '\n'.join((ALGORITHM, str(timestamp), scope, hashlib.sha256(request.encode('utf-8')).hexdigest()))
    if not hmac.compare_digest(signature(secret_key, date, service, string_to_sign), match['signature']):
        raise errors.ApiError(errors.SIGNATURE_FAILURE, errors.SIGNATURE_MESSAGE)
    return secret_id
