"""AWS errors as the learner should read them, and which of them are worth retrying."""

from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, WaiterError
from botocore.exceptions import ConnectionError as BotoConnectionError

logger = logging.getLogger(__name__)

THROTTLING = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "RequestThrottled",
        "RequestThrottledException",
        "ProvisionedThroughputExceededException",
        "PriorRequestNotComplete",
    }
)
# A function whose previous update is still in progress refuses the next one for a few seconds.
TRANSIENT = frozenset(
    {
        "ResourceConflictException",
        "ServiceException",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "EC2ThrottledException",
    }
)
ACCESS_DENIED = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",
        "UnauthorizedException",
    }
)
BAD_CREDENTIALS = frozenset(
    {
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidAccessKeyId",
        "AuthFailure",
    }
)
REGION_DISABLED = frozenset({"RegionDisabledException", "OptInRequired", "InvalidRegion"})
QUOTA = frozenset(
    {
        "CodeStorageExceededException",
        "ServiceQuotaExceededException",
        "LimitExceededException",
        "ResourceLimitExceeded",
        "PolicyLengthExceededException",
        "TooManyTagsException",
    }
)
# Regions a new account must opt in to: a request there fails with a token error until it does.
OPT_IN_REGIONS = frozenset(
    {
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-south-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-7",
        "ca-west-1",
        "eu-central-2",
        "eu-south-1",
        "eu-south-2",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
    }
)


class CloudError(Exception):
    """A failure with a message written for the learner; `retryable` ones back off and retry."""

    def __init__(self, message: str, *, code: str = "", retryable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.retryable = retryable


def explain(exc: Exception, *, region: str, action: str = "") -> CloudError:
    """Turn any exception from a job into a CloudError. Never includes credentials."""
    if isinstance(exc, CloudError):
        return exc
    if isinstance(exc, ClientError):
        return _explain_client_error(exc, region=region, action=action)
    if isinstance(exc, WaiterError):
        reason = (exc.last_response or {}).get("Configuration", exc.last_response or {})
        detail = reason.get("StateReason") or reason.get("LastUpdateStatusReason") or exc.reason
        return CloudError(f"The function did not become ready in time: {detail}", code="Waiter")
    if isinstance(exc, NoCredentialsError):
        return CloudError(
            "LambdaLab has no AWS credentials of its own configured; tell your "
            "instructor (CLOUD_AWS_ACCESS_KEY_ID).",
            code="NoCredentials",
        )
    if isinstance(exc, BotoConnectionError):
        return CloudError("AWS could not be reached; retrying.", code="Connection", retryable=True)
    if isinstance(exc, BotoCoreError):
        return CloudError(
            f"AWS gave an answer LambdaLab could not read ({type(exc).__name__}); retrying.",
            code=type(exc).__name__,
            retryable=True,
        )
    # Anything else is our bug, not the learner's: say so plainly, and keep the traceback for us.
    logger.error("unexpected %s during %s", type(exc).__name__, action, exc_info=exc)
    return CloudError(
        "LambdaLab hit an unexpected problem and stopped; nothing more was changed in your "
        "account. Try again, and tell your instructor if it keeps happening.",
        code=type(exc).__name__,
    )


def _explain_client_error(exc: ClientError, *, region: str, action: str) -> CloudError:
    error = exc.response.get("Error", {})
    code = error.get("Code", "")
    aws_message = error.get("Message", "")
    operation = exc.operation_name or action
    if code in THROTTLING:
        return CloudError(
            f"AWS is throttling {operation} in your account; LambdaLab retries with growing waits.",
            code=code,
            retryable=True,
        )
    if code in TRANSIENT:
        return CloudError(
            f"AWS was busy with {operation} ({code}); retrying.", code=code, retryable=True
        )
    if code in REGION_DISABLED or (code in BAD_CREDENTIALS and region in OPT_IN_REGIONS):
        return CloudError(_region_message(region), code=code)
    if code in ACCESS_DENIED and operation == "AssumeRole":
        return CloudError(_assume_message(aws_message), code=code)
    if code in ACCESS_DENIED:
        return CloudError(_denied_message(operation, aws_message), code=code)
    if code in BAD_CREDENTIALS:
        return CloudError(
            "AWS rejected the credentials (" + code + "). Check that the access "
            "keys are active, or connect with a role instead.",
            code=code,
        )
    if _is_invalid_role(code, aws_message):
        return CloudError(_role_message(aws_message), code=code)
    if code in QUOTA:
        return CloudError(
            f"Your account hit an AWS quota during {operation}: {aws_message} "
            "Tear down old LambdaLab functions or ask AWS for a higher quota.",
            code=code,
        )
    return CloudError(f"AWS refused {operation}: {code}: {aws_message}", code=code)


def _is_invalid_role(code: str, message: str) -> bool:
    lowered = message.lower()
    return code in {"InvalidParameterValueException", "ValidationException"} and "role" in lowered


def _region_message(region: str) -> str:
    return (
        f"The region {region} is not enabled in your AWS account. Enable it under Account → "
        "AWS Regions (it can take a few minutes), or pick another region."
    )


def _denied_message(operation: str, aws_message: str) -> str:
    return (
        f"Access denied: your AWS account does not let LambdaLab call {operation}. Attach the "
        f"permission policy shown on the Cloud page to the role or user. AWS said: "
        f"{aws_message}"
    )


def _assume_message(aws_message: str) -> str:
    return (
        "LambdaLab could not sign in to your account: AWS refused to let it assume your role. "
        "Check the role ARN, and that the role's trust policy is the one on the Cloud page, "
        f"with your ExternalId. AWS said: {aws_message}"
    )


def _role_message(aws_message: str) -> str:
    return (
        "Lambda cannot use that execution role. Check that it exists in the same account, "
        "that its trust policy allows lambda.amazonaws.com, and that LambdaLab may pass it "
        "(iam:PassRole). A role made in the last minute may not be usable yet. "
        f"AWS said: {aws_message}"
    )
