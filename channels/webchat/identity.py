"""Verified identities: the host site vouches for its logged-in user with an HMAC of the user's id.

The site computes ``hex(HMAC-SHA256(inbox secret, user id))`` on its server and puts it on the script tag. Only
a site holding the secret can produce it, so a visitor who edits the page cannot claim someone else's record.
"""

from __future__ import annotations

import hashlib
import hmac

MAX_USER_ID_CHARS = 200


def identity_hash(secret: str, user_id: str) -> str:
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def verify_identity(secret: str | None, user_id: str, claimed_hash: str) -> bool:
    if not secret or not user_id or len(user_id) > MAX_USER_ID_CHARS or not claimed_hash:
        return False
    return hmac.compare_digest(identity_hash(secret, user_id), claimed_hash.strip().lower())


def external_identity(inbox_key: str, user_id: str) -> str:
    """The host site's user ids are its own; qualified by the inbox they cannot collide with another site's."""
    return f"{inbox_key}:{user_id}"
