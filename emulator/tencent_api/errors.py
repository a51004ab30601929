"""Errors of the lab's Tencent API and their response shape.

A failed call is answered with HTTP 200 and ``{"Response": {"Error": {"Code", "Message"},
"RequestId"}}`` (https://www.tencentcloud.com/document/product/215/15760, "Responses"). The codes
used by the lab are the common ones (https://cloud.tencent.com/document/api/1024/34258 lists
them for every product: AuthFailure.*, InvalidParameter, InvalidParameterValue, MissingParameter,
LimitExceeded, RequestLimitExceeded, ResourceNotFound, ResourceInUse, InvalidAction, ...) and the
VPC ones (https://cloud.tencent.com/document/api/215/4924, and the error lists of the VPN
gateway action pages).
"""

# common error codes
SIGNATURE_FAILURE = 'AuthFailure.SignatureFailure'
SIGNATURE_EXPIRE = 'AuthFailure.SignatureExpire'
SECRET_ID_NOT_FOUND = 'AuthFailure.SecretIdNotFound'
INVALID_AUTHORIZATION = 'AuthFailure.InvalidAuthorization'
INVALID_ACTION = 'InvalidAction'
NO_SUCH_VERSION = 'NoSuchVersion'
INVALID_PARAMETER = 'InvalidParameter'
UNKNOWN_PARAMETER = 'UnknownParameter'
INVALID_PARAMETER_VALUE = 'InvalidParameterValue'
MISSING_PARAMETER = 'MissingParameter'
LIMIT_EXCEEDED = 'LimitExceeded'
REQUEST_LIMIT_EXCEEDED = 'RequestLimitExceeded'
RESOURCE_NOT_FOUND = 'ResourceNotFound'
RESOURCE_IN_USE = 'ResourceInUse'
UNSUPPORTED_REGION = 'UnsupportedRegion'
# VPC error codes
MALFORMED = 'InvalidParameterValue.Malformed'
RANGE = 'InvalidParameterValue.Range'
TOO_LONG = 'InvalidParameterValue.TooLong'
DUPLICATE = 'InvalidParameterValue.Duplicate'
SPD_CONFLICT = 'InvalidParameterValue.VpnConnSpdCidrConflict'
GATEWAY_MALFORMED = 'InvalidVpnGatewayId.Malformed'
GATEWAY_NOT_FOUND = 'InvalidVpnGatewayId.NotFound'
CONN_INVALID_STATE = 'UnsupportedOperation.VpnConnInvalidState'
DELETE_CONN_INVALID_STATE = 'UnsupportedOperation.DeleteVpnConnInvalidState'
# the lab's own refusals of what it does not model (a valid request Tencent would take), under Tencent's generic code
UNSUPPORTED_OPERATION = 'UnsupportedOperation'

# The common error code list says what each means; the lab's messages say which field and value.
SIGNATURE_MESSAGE = 'The provided credentials could not be validated. Please check your signature is correct.'


class ApiError(Exception):
    """A call the cloud refuses: ``code`` is Tencent's error code, ``message`` its text."""

    def __init__(self, code, message):
        super().__init__(f'{code}: {message}')
        self.code = code
        self.message = message


def error_body(error, request_id):
    return {'Response': {'Error': {'Code': error.code, 'Message': error.message}, 'RequestId': request_id}}
