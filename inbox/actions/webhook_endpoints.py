"""Registering, changing and removing outgoing webhook endpoints (admins only; audited)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from inbox import audit
from inbox.models import WebhookEndpoint, utcnow
from inbox.store import Store
from inbox.webhook_events import EVENT_KINDS, forget_subscriptions
from inbox.webhook_signature import new_secret

MIN_SECRET_CHARS = 16


class EndpointRefused(Exception):
    """The endpoint cannot be saved as given; the reason is written for the admin."""


@dataclass(frozen=True, slots=True)
class CreatedEndpoint:
    endpoint_id: int
    # Shown once: the hub keeps it to sign with, but never displays it again.
    secret: str


def _checked_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointRefused("the URL must start with https:// (or http://) and name a host")
    if parts.username or parts.password:
        raise EndpointRefused("put credentials in the signing secret, not in the URL")
    if len(url) > 2000:
        raise EndpointRefused("the URL is longer than 2,000 characters")
    return url


def _checked_events(events: Sequence[str]) -> list[str]:
    wanted = list(dict.fromkeys(events))
    unknown = [kind for kind in wanted if kind not in EVENT_KINDS]
    if unknown:
        raise EndpointRefused(f"unknown events: {', '.join(unknown)}; choose from {', '.join(EVENT_KINDS)}")
    if not wanted:
        raise EndpointRefused("subscribe to at least one event")
    return wanted


def _checked_secret(secret: str | None) -> str:
    if secret is None or not secret.strip():
        return new_secret()
    if len(secret.strip()) < MIN_SECRET_CHARS:
        raise EndpointRefused(f"the secret needs at least {MIN_SECRET_CHARS} characters")
    return secret.strip()


async def _endpoint(session: AsyncSession, endpoint_id: int) -> WebhookEndpoint:
    endpoint = await session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise EndpointRefused(f"webhook endpoint {endpoint_id} does not exist")
    return endpoint


async def do_create_webhook_endpoint(
    store: Store,
    *,
    url: str,
    events: Sequence[str],
    actor_agent_id: int | None,
    description: str = "",
    secret: str | None = None,
    active: bool = True,
) -> CreatedEndpoint:
    """Register an endpoint; without a ``secret`` the hub makes a strong one."""
    endpoint = WebhookEndpoint(
        url=_checked_url(url),
        events=_checked_events(events),
        description=description.strip()[:200],
        secret=_checked_secret(secret),
        active=active,
        created_by_agent_id=actor_agent_id,
    )
    async with store.write() as session:
        session.add(endpoint)
        await session.flush()
        audit.record(
            session, "webhook.created", actor_agent_id=actor_agent_id, endpoint_id=endpoint.id, url=endpoint.url
        )
    # After the commit, so the next event cannot cache the list from before it.
    forget_subscriptions(store)
    return CreatedEndpoint(endpoint.id, endpoint.secret)


async def do_update_webhook_endpoint(
    store: Store,
    *,
    endpoint_id: int,
    actor_agent_id: int | None,
    url: str | None = None,
    events: Sequence[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
    secret: str | None = None,
) -> None:
    """Change what is given; a new ``secret`` takes effect on the next attempt."""
    async with store.write() as session:
        endpoint = await _endpoint(session, endpoint_id)
        changed: list[str] = []
        if url is not None:
            endpoint.url, changed = _checked_url(url), [*changed, "url"]
        if events is not None:
            endpoint.events, changed = _checked_events(events), [*changed, "events"]
        if description is not None:
            endpoint.description, changed = description.strip()[:200], [*changed, "description"]
        if active is not None:
            endpoint.active, changed = active, [*changed, "active"]
        if secret is not None:
            endpoint.secret, changed = _checked_secret(secret), [*changed, "secret"]
        if not changed:
            return
        endpoint.updated_at = utcnow()
        audit.record(
            session,
            "webhook.changed",
            actor_agent_id=actor_agent_id,
            endpoint_id=endpoint.id,
            fields=changed,
            active=endpoint.active,
        )
    forget_subscriptions(store)


async def do_delete_webhook_endpoint(store: Store, *, endpoint_id: int, actor_agent_id: int | None) -> None:
    """Remove the endpoint and its delivery log; queued deliveries to it find nothing and stop."""
    async with store.write() as session:
        endpoint = await _endpoint(session, endpoint_id)
        audit.record(
            session, "webhook.deleted", actor_agent_id=actor_agent_id, endpoint_id=endpoint.id, url=endpoint.url
        )
        await session.delete(endpoint)
    forget_subscriptions(store)
