"""Visitor tokens: a signed, dated statement "this browser is visitor V of inbox I", kept in localStorage.

Signing (not encrypting) is enough: the token holds only a random visitor id, and a token that was altered or
made up fails the signature and is refused.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "hub.webchat.visitor"


@dataclass(frozen=True, slots=True)
class VisitorClaim:
    visitor_id: str
    inbox: str


def new_visitor_id() -> str:
    return "v" + secrets.token_urlsafe(18)


class VisitorTokens:
    def __init__(self, secret_key: str, max_age_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt=SALT)
        self._max_age = max_age_seconds

    def issue(self, claim: VisitorClaim) -> str:
        return self._serializer.dumps({"v": claim.visitor_id, "i": claim.inbox})

    def verify(self, token: str) -> VisitorClaim | None:
        """The claim a genuine, unexpired token makes; None for anything else."""
        if not token or len(token) > 512:
            return None
        try:
            data = self._serializer.loads(token, max_age=self._max_age)
        except BadSignature:
            return None
        if not isinstance(data, dict):
            return None
        visitor, inbox = data.get("v"), data.get("i")
        if not isinstance(visitor, str) or not isinstance(inbox, str) or not visitor:
            return None
        return VisitorClaim(visitor, inbox)
