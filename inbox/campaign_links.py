"""Signed unsubscribe links: the token in the URL is the only credential, so it is signed, never guessable.

Links in old mail must keep working (RFC 8058 expects that), so tokens carry no expiry; they name a campaign
recipient row, which names the customer and the channel.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

from inbox.settings import Settings

_SALT = "hub.campaign.unsubscribe"
PATH_PREFIX = "/unsubscribe/"


class LinkSecretMissing(RuntimeError):
    """Campaign links need a stable secret shared by web and worker processes."""


def link_secret(settings: Settings) -> str:
    configured = settings.web.secret_key
    if configured is None or not configured.get_secret_value():
        raise LinkSecretMissing(
            "Set HUB_WEB__SECRET_KEY (the same on every web and worker process): unsubscribe links are signed "
            "with it and must stay valid after a restart."
        )
    return configured.get_secret_value()


def unsubscribe_token(secret: str, recipient_id: int) -> str:
    return str(URLSafeSerializer(secret, salt=_SALT).dumps(recipient_id))


def read_unsubscribe_token(secret: str, token: str) -> int | None:
    try:
        value = URLSafeSerializer(secret, salt=_SALT).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def unsubscribe_url(public_url: str, secret: str, recipient_id: int) -> str:
    return f"{public_url.rstrip('/')}{PATH_PREFIX}{unsubscribe_token(secret, recipient_id)}"
