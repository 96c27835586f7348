"""Reading outgoing webhook endpoints and their delivery log, for the settings page and the API."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.models import WebhookDelivery, WebhookEndpoint

DELIVERY_PAGE = 50


async def endpoints(session: AsyncSession) -> Sequence[WebhookEndpoint]:
    return (await session.execute(select(WebhookEndpoint).order_by(WebhookEndpoint.id))).scalars().all()


async def endpoint(session: AsyncSession, endpoint_id: int) -> WebhookEndpoint | None:
    return await session.get(WebhookEndpoint, endpoint_id)


async def delivery_counts(session: AsyncSession) -> dict[int, dict[str, int]]:
    """Per endpoint, how many deliveries are in each status."""
    rows = await session.execute(
        select(WebhookDelivery.endpoint_id, WebhookDelivery.status, func.count()).group_by(
            WebhookDelivery.endpoint_id, WebhookDelivery.status
        )
    )
    counts: dict[int, dict[str, int]] = {}
    for endpoint_id, status, count in rows.all():
        counts.setdefault(int(endpoint_id), {})[str(status)] = int(count)
    return counts


async def deliveries(
    session: AsyncSession, endpoint_id: int, *, limit: int = DELIVERY_PAGE, status: str | None = None
) -> Sequence[WebhookDelivery]:
    """The endpoint's deliveries, newest first."""
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    query = query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()).limit(limit)
    return (await session.execute(query)).scalars().all()


async def delivery(session: AsyncSession, endpoint_id: int, delivery_id: int) -> WebhookDelivery | None:
    found = await session.get(WebhookDelivery, delivery_id)
    return found if found is not None and found.endpoint_id == endpoint_id else None
