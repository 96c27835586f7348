"""Sending the satisfaction survey for one resolution, once; a chat survey also shows its card at once to a
visitor who is online (one who is not reads the survey message in the chat history when they come back)."""

from __future__ import annotations

import logging
from typing import Any

from channels.base import ChannelName
from channels.registry import UnknownChannel
from channels.webchat import WebchatChannel
from channels.webchat.ports import visitor_topic
from inbox.actions.survey import do_send_survey
from workers.context import JobContext

log = logging.getLogger("hub.jobs.survey")


async def run(ctx: JobContext, payload: dict[str, Any]) -> None:
    agent = payload.get("agent_id")
    sent = await do_send_survey(
        ctx.store,
        ctx.settings,
        conversation_id=int(payload["conversation_id"]),
        resolution=str(payload["resolution"]),
        agent_id=int(agent) if agent is not None else None,
    )
    if sent is None or sent.card is None or not sent.created:
        return
    try:
        adapter = ctx.channels.get(ChannelName.WEBCHAT)
    except UnknownChannel:
        return
    if not isinstance(adapter, WebchatChannel):
        return
    card = dict(sent.card)
    visitor = str(card.pop("visitor"))
    try:
        # The bus the chat's replies travel on, so the card reaches the visitor wherever their socket is served.
        await adapter.bus.publish(visitor_topic(visitor), card)
    except Exception:
        # The survey message itself is queued and will reach the visitor; only the live card is missed.
        log.warning("could not show the survey card to visitor %s", visitor, exc_info=True)
