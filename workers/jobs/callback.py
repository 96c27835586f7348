"""Placing an agent's call-back through the phone channel, once, and recording what Twilio said."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from channels.base import ChannelName, PermanentChannelError
from channels.registry import UnknownChannel
from channels.twilio_status import placed_call_id
from channels.twilio_voice_agents import AgentTarget
from inbox.actions.callback import do_callback_placed
from inbox.actions.delivery import do_mark_failed, do_mark_sending
from workers.context import JobContext
from workers.voice_routing import agent_target


@runtime_checkable
class CallPlacer(Protocol):
    async def place_callback_call(
        self, agent: AgentTarget, customer: str, language: str | None = None, *, message_id: int | None = None
    ) -> str: ...


async def run(ctx: JobContext, payload: dict[str, Any]) -> None:
    message_id = int(payload["message_id"])
    message = await do_mark_sending(ctx.store, message_id)
    if message is None:
        return
    try:
        adapter = ctx.channels.get(ChannelName.PHONE)
    except UnknownChannel:
        adapter = None
    if not isinstance(adapter, CallPlacer):
        await do_mark_failed(ctx.store, message_id, "phone calls are not configured on this hub")
        return
    identity = str(message.details.get("agent_voice_identity") or "")
    if message.sender_agent_id is None or not identity or not message.recipient:
        await do_mark_failed(ctx.store, message_id, "the call-back names no agent phone or customer number")
        return
    target = agent_target(message.sender_agent_id, identity)
    language = str(message.details.get("language") or "") or None
    try:
        call_sid = await adapter.place_callback_call(target, message.recipient, language, message_id=message_id)
    except PermanentChannelError as error:
        await do_mark_failed(ctx.store, message_id, error.reason, error.code)
        return
    await do_callback_placed(ctx.store, message_id, call_sid, placed_call_id(call_sid))


async def on_exhausted(ctx: JobContext, payload: dict[str, Any], error: str) -> None:
    attempts = ctx.retry.max_attempts
    reason = f"the call could not be placed after {attempts} attempts: {error}"
    await do_mark_failed(ctx.store, int(payload["message_id"]), reason)
