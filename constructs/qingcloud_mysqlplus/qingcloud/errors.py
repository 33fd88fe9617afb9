"""What can go wrong talking to QingCloud.  Every message is safe to print: no URL, body or secret.

The classes say what a caller may do next: :class:`NotSent` nothing reached
the server (safe to send again); :class:`AnswerLost` the request may have been
processed (only evidence from the cluster decides); :class:`ApiError` the
server answered with a ret_code; :class:`MalformedAnswer` it answered
something the client cannot read (a lost answer all the same: for a write,
only the evidence decides); :class:`Misconfigured` a setting is wrong and
sending again cannot help (no policy retries it); :class:`JobFailed` a job
ended without success (a job has no message: only its status and ``error_codes``).
"""

from __future__ import annotations

# ret_code vocabulary (QingCloud API errors, see QINGCLOUD_API.md section 3)
BAD_PARAMETER = 1100
AUTH_FAILED = 1200
EXPIRED = 1300
DENIED_OR_IN_TRANSITION = 1400  # a real denial, or "resource [..] is [updating], please try later"
NOT_FOUND = 2100
ALREADY_EXISTS = 2110
NO_BALANCE = 2400
QUOTA_OR_RATE = 2500
INTERNAL = 5000
SERVER_BUSY = 5100
NO_RESOURCES = 5200
SERVICE_UPDATING = 5300


class QingCloudError(Exception):
    """Base of every failure the client reports."""


class TransportError(QingCloudError):
    """No usable answer came back."""


class NotSent(TransportError):
    """The request never reached the server (connection refused, connect time-out): safe to resend."""


class AnswerLost(TransportError):
    """The request may have been processed, but no answer arrived (read time-out, dropped, HTTP 5xx)."""


class MalformedAnswer(AnswerLost):
    """An answer that is not what the action documents (not JSON, not an object, a field of the wrong type,
    a record without its id).  A server that answers nonsense answers it again: a read is not sent again."""

    def __init__(self, action: str, what: str) -> None:
        self.action = action
        super().__init__(f"{action}: {what}")


class Misconfigured(QingCloudError):
    """A setting is wrong (a host name that does not resolve, a certificate that does not verify, nothing
    listening, a proxy refusing the credentials): the message names the endpoint and what to check."""


class ApiError(QingCloudError):
    def __init__(self, action: str, ret_code: int, message: str) -> None:
        self.action, self.ret_code, self.message = action, ret_code, message
        super().__init__(f"{action} refused with ret_code {ret_code}: {message}")


class PermissionDenied(ApiError):
    """ret_code 1400 while the cluster is idle: the key has no rights; retrying will not help."""


class JobFailed(QingCloudError):
    def __init__(self, job_id: str, status: str, error_codes: str) -> None:
        self.job_id, self.status, self.error_codes = job_id, status, error_codes
        codes = f" (error_codes {error_codes!r})" if error_codes else ""
        super().__init__(f"job {job_id} ended {status}{codes}")


class DeadlineExceeded(QingCloudError):
    def __init__(self, what: str, seconds: float, last_cause: str | None, job_id: str | None = None) -> None:
        self.what, self.last_cause, self.job_id = what, last_cause, job_id
        cause = f" (last: {last_cause})" if last_cause else ""
        super().__init__(f"{what} did not finish within {seconds:g} s{cause}")
