"""Cross-site request forgery tokens for the MASH pages' forms.

Every form carries a hidden ``csrf_token`` that another site cannot know:

- once signed in, a synchronizer token derived from the session id (an HMAC keyed with
  it), so it is bound to this one session, changes at every sign-in and needs no
  storage: the server recomputes it from the session cookie it is sent with;
- on the sign-in form, before any session exists, a signed double-submit token: a random
  nonce in a cookie, and in the form the time it was issued with an HMAC of both under
  the service's form key. Without the key no page elsewhere can make a token that
  matches the nonce in the victim's cookie (login CSRF: signing staff in as someone
  else), and a token is good for ``SIGN_IN_FORM_LIFETIME`` only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from pydantic import SecretStr

from service.adapters.keys import decode_encryption_key

SIGN_IN_FORM_LIFETIME = timedelta(hours=1)
_CLOCK_SKEW = timedelta(minutes=1)
_NONCE = re.compile(r"[A-Za-z0-9_-]{43}")
_SESSION_LABEL = b"case-transfer-service/mash/csrf/v1"
_FORM_KEY_LABEL = b"case-transfer-service/mash/sign-in-form/v1"


class CsrfError(Exception):
    """Raised when a form arrives without the token its page gave it (403 page)."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def session_token(session_id: str) -> str:
    """The synchronizer token of the session whose (secret) id is ``session_id``."""
    return _b64(hmac.new(session_id.encode("ascii"), _SESSION_LABEL, hashlib.sha256).digest())


def check_session_token(session_id: str, submitted: str | None) -> None:
    """Raise CsrfError unless ``submitted`` is this session's token."""
    if not submitted or not hmac.compare_digest(
        session_token(session_id).encode("ascii"), submitted.encode("ascii", "replace")
    ):
        raise CsrfError("The form's security token is missing or is not this session's.")


def form_key(encryption_key: SecretStr | None) -> bytes:
    """The sign-in form key: derived from the encryption key, so every replica agrees.

    Without an encryption key (development) it is random for each process: a sign-in
    form shown by one process is refused by another, which only a development server
    with several workers would notice (the page says to try again).
    """
    if encryption_key is None:
        return secrets.token_bytes(32)
    return hmac.new(decode_encryption_key(encryption_key), _FORM_KEY_LABEL, hashlib.sha256).digest()


def new_nonce() -> str:
    """A new sign-in nonce, for the cookie beside the sign-in form."""
    return secrets.token_urlsafe(32)


def is_nonce(value: str | None) -> bool:
    return value is not None and _NONCE.fullmatch(value) is not None


class SignInForms:
    """Issues and checks the signed tokens of the sign-in form."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, nonce: str, issued: int) -> str:
        message = f"{nonce}|{issued}".encode("ascii")
        return _b64(hmac.new(self._key, message, hashlib.sha256).digest())

    def issue(self, nonce: str, now: datetime) -> str:
        """The token for a form shown at ``now`` to the holder of ``nonce``."""
        issued = int(now.timestamp())
        return f"{issued}.{self._mac(nonce, issued)}"

    def check(self, nonce: str | None, submitted: str | None, now: datetime) -> None:
        """Raise CsrfError unless ``submitted`` was issued for ``nonce`` and is still fresh."""
        if not is_nonce(nonce) or not submitted:
            raise CsrfError("The sign-in form's security token is missing.")
        assert nonce is not None
        issued_text, _, mac = submitted.partition(".")
        if not issued_text.isdigit() or len(issued_text) > 12:
            raise CsrfError("The sign-in form's security token is malformed.")
        issued = int(issued_text)
        expected = self._mac(nonce, issued)
        if not hmac.compare_digest(expected.encode("ascii"), mac.encode("ascii", "replace")):
            raise CsrfError("The sign-in form's security token does not match.")
        age = now.timestamp() - issued
        if age > SIGN_IN_FORM_LIFETIME.total_seconds() or age < -_CLOCK_SKEW.total_seconds():
            raise CsrfError("The sign-in form has expired.")
