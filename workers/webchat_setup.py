"""The chat widget wired to the hub: its settings, the store behind visitors' history and addresses, the
agents' availability, and the process's realtime bus."""

from __future__ import annotations

import asyncio
import time

from starlette.routing import BaseRoute

from channels.base import InboundSink
from channels.webchat import (
    Availability,
    ChatEntry,
    InboxConfig,
    LimiterFactory,
    Limits,
    RateLimit,
    RedisRateLimiter,
    WebchatChannel,
    WebchatConfig,
    outbound_key,
    webchat_routes,
)
from inbox.actions.webchat import (
    do_leave_webchat_email,
    do_link_verified_visitor,
    do_send_webchat_transcript,
    do_webchat_visitor_back,
)
from inbox.models import Direction, Message
from inbox.realtime import Bus, process_bus
from inbox.routing_snapshots import agent_snapshots
from inbox.settings import Settings
from inbox.store import Store
from inbox.webchat_history import attachment_names, visitor_messages
from router import Presence, RouterPolicy, effective_presence, is_working
from workers.webchat_hours import is_open, next_opening, parse_hours

# Many visitors open the chat at once after a campaign; one store query per second answers them all, and the
# visitors who arrive while it runs wait for that one rather than each starting their own.
AVAILABILITY_CACHE_SECONDS = 1.0


def webchat_config(settings: Settings) -> WebchatConfig | None:
    section = settings.webchat
    if not section.enabled or section.secret_key is None:
        return None
    secrets = {key: value.get_secret_value() for key, value in section.identity_secrets.items()}
    inboxes = {
        inbox.key: InboxConfig(
            key=inbox.key,
            name=inbox.name,
            allowed_origins=tuple(origin.rstrip("/") for origin in inbox.allowed_origins),
            identity_secret=secrets.get(inbox.key) or None,
            prechat_form=inbox.prechat_form,
        )
        for inbox in section.inboxes
    }
    return WebchatConfig(
        secret_key=section.secret_key.get_secret_value(),
        inboxes=inboxes,
        max_text_chars=section.max_text_chars,
        max_upload_bytes=section.max_upload_bytes,
        visitor_rate=RateLimit(section.visitor_burst, section.visitor_per_second),
        ip_rate=RateLimit(section.address_burst, section.address_per_second),
    )


def webchat_channel(settings: Settings, config: WebchatConfig, bus: Bus | None = None) -> WebchatChannel:
    limits = Limits(config.max_text_chars, config.max_upload_bytes)
    return WebchatChannel(bus or process_bus(settings), limits)


def _entry(message: Message, files: list[str]) -> ChatEntry:
    inbound = message.direction == Direction.INBOUND.value
    moment = message.received_at if inbound and message.received_at else message.created_at
    return ChatEntry(
        key=(message.external_id or "") if inbound else outbound_key(message.id),
        seq=message.id,
        direction="in" if inbound else "out",
        text=message.text,
        at=moment.isoformat(timespec="seconds"),
        state="sent" if inbound else message.delivery_status,
        files=tuple(files),
        channel=message.channel,
    )


class StoreVisitors:
    """``VisitorRecords`` and the availability check over the store."""

    def __init__(self, store: Store, settings: Settings, policy: RouterPolicy | None = None) -> None:
        self.store = store
        section = settings.webchat
        self.hours = parse_hours(section.hours, section.timezone)
        # Sites may keep hours of their own (a shop in another country, a team that works weekends).
        self.inbox_hours = {
            inbox.key: parse_hours(
                section.hours if inbox.hours is None else inbox.hours, inbox.timezone or section.timezone
            )
            for inbox in section.inboxes
            if inbox.hours is not None or inbox.timezone is not None
        }
        self.policy = policy or RouterPolicy()
        self._cached: tuple[float, Availability] | None = None
        self._asking: asyncio.Task[Availability] | None = None

    async def availability(self, inbox: str) -> Availability:
        now = time.time()
        hours = self.inbox_hours.get(inbox, self.hours)
        if not is_open(hours, now):
            return Availability(False, "closed", next_opening(hours, now))
        # Every inbox is answered by the same agents: whether one is free is one answer for all of them.
        if self._cached is not None and now - self._cached[0] < AVAILABILITY_CACHE_SECONDS:
            return self._cached[1]
        if self._asking is None or self._asking.done():
            self._asking = asyncio.create_task(self._agents_available(now))
        # Shielded: one visitor hanging up must not cancel the answer the others wait for.
        return await asyncio.shield(self._asking)

    async def _agents_available(self, now: float) -> Availability:
        async with self.store.read() as session:
            agents = await agent_snapshots(session)
        timeout = self.policy.heartbeat_timeout_seconds
        online = any(
            effective_presence(agent.presence, agent.last_heartbeat, now, timeout) is Presence.ONLINE
            and is_working(agent.shifts, agent.breaks, now)
            for agent in agents
        )
        result = Availability(True, "agents_online") if online else Availability(False, "no_agent")
        self._cached = (now, result)
        return result

    async def history(self, visitor_id: str, after: int, limit: int) -> list[ChatEntry]:
        async with self.store.read() as session:
            messages = await visitor_messages(session, visitor_id, after, limit)
            files = await attachment_names(session, [m.id for m in messages])
        return [_entry(message, files.get(message.id, [])) for message in messages]

    async def link_verified(self, visitor_id: str, external_id: str, name: str | None) -> None:
        await do_link_verified_visitor(self.store, visitor_id, external_id, name)

    async def leave_email(self, visitor_id: str, email: str, name: str | None, *, prefer_email: bool) -> None:
        await do_leave_webchat_email(self.store, visitor_id, email, name, prefer_email=prefer_email)

    async def visitor_back(self, visitor_id: str) -> None:
        await do_webchat_visitor_back(self.store, visitor_id)

    async def send_transcript(self, visitor_id: str, email: str) -> bool:
        return await do_send_webchat_transcript(self.store, visitor_id, email) is not None


def shared_limiters(settings: Settings) -> LimiterFactory | None:
    """Buckets in Redis when it is configured: several web processes then hold a visitor (and an address) to one
    limit between them, not one each."""
    if not settings.jobs.redis_url:
        return None
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(settings.jobs.redis_url)
    # Hubs sharing one Redis keep apart by their queue's name, as their jobs do.
    prefix = f"{settings.jobs.queue_name}:webchat-rate:"

    def limiter(kind: str, limit: RateLimit) -> RedisRateLimiter:
        return RedisRateLimiter(client, limit, f"{prefix}{kind}:")

    return limiter


def build_webchat_routes(
    settings: Settings, sink: InboundSink, store: Store, bus: Bus | None = None
) -> list[BaseRoute]:
    config = webchat_config(settings)
    if config is None:
        return []
    visitors = StoreVisitors(store, settings)
    limiter = shared_limiters(settings)
    bus = bus or process_bus(settings)
    if limiter is None:
        return webchat_routes(config, sink, bus, visitors.availability, visitors)
    return webchat_routes(config, sink, bus, visitors.availability, visitors, limiter)
