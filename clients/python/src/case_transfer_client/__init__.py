"""A Python client of the case transfer service, sync and async, and a verifier of the
notifications the service signs.

    from case_transfer_client import CaseTransferClient

    with CaseTransferClient("https://transfers.example", token) as client:
        case = client.open_case(local_reference="SOM-1", date_of_birth=date(2019, 5, 4))
"""

from .async_client import AsyncCaseTransferClient
from .calls import NO_RETRIES, Call, RetryPolicy
from .client import CaseTransferClient
from .errors import (
    CaseTransferError,
    ForbiddenError,
    InvalidNotificationError,
    InvalidRequestError,
    NotFoundError,
    PayloadTooLargeError,
    ProblemError,
    RuleRefusedError,
    ServiceUnreachableError,
    StaleVersionError,
    UnauthenticatedError,
    UnavailableError,
)
from .notifications import verify_notification

__all__ = [
    "NO_RETRIES",
    "AsyncCaseTransferClient",
    "Call",
    "CaseTransferClient",
    "CaseTransferError",
    "ForbiddenError",
    "InvalidNotificationError",
    "InvalidRequestError",
    "NotFoundError",
    "PayloadTooLargeError",
    "ProblemError",
    "RetryPolicy",
    "RuleRefusedError",
    "ServiceUnreachableError",
    "StaleVersionError",
    "UnauthenticatedError",
    "UnavailableError",
    "verify_notification",
]
