"""An agent calling a customer back from the inbox: logged in the conversation and handed to the call job.

The call itself is placed by a job (Twilio rings the agent, then bridges the customer), so the agent's click
returns at once and a crash between the click and Twilio's answer loses nothing.

The log entry's external id is ``message:<id>`` until Twilio accepted the call, then the call's own id: the
call's status callbacks name the entry both ways, so they find it whichever arrives first. Placing the call
closes the conversation's call-back item (the label a missed call put there); a call-back that rings nobody
reports itself as missed, which puts the label back.
"""

from __future__ import annotations

from dataclasses import dataclass

from channels.base import ChannelName, IdentityKind, MessageKind
from inbox import audit, outbox, queries
from inbox.actions.delivery import STATUS_RANK
from inbox.inbound_effects import CALLBACK_LABEL
from inbox.models import Agent, Conversation, Direction, Message, utcnow
from inbox.reply_channel import reachable
from inbox.store import Store


class CallbackRefused(Exception):
    """The call-back cannot be placed; the reason is written for the agent."""


@dataclass(frozen=True, slots=True)
class CallbackOutcome:
    message_id: int
    customer: str


async def do_request_callback(store: Store, *, conversation_id: int, agent_id: int) -> CallbackOutcome:
    async with store.write() as session:
        conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            raise CallbackRefused(f"conversation {conversation_id} does not exist")
        agent = await session.get(Agent, agent_id)
        if agent is None or not agent.active:
            raise CallbackRefused("only an active agent can call a customer back")
        if not (agent.voice_identity or "").strip():
            raise CallbackRefused("you have no phone number or voice client set up, so the call cannot ring you")
        contact = await queries.live_contact(session, conversation.contact_id)
        identities = await queries.identities_of(session, contact.id)
        problem = reachable(ChannelName.PHONE, [identity.kind for identity in identities], dict(contact.consent or {}))
        if problem is not None:
            raise CallbackRefused(f"the customer cannot be called: {problem}")
        # The newest number: the one the customer most recently reached us from.
        number = [identity.value for identity in identities if identity.kind == IdentityKind.PHONE.value][-1]
        now = utcnow()
        message = Message(
            conversation_id=conversation.id,
            direction=Direction.OUTBOUND.value,
            channel=ChannelName.PHONE.value,
            kind=MessageKind.CALL_EVENT.value,
            text=f"Call-back to {number} requested by {agent.name}",
            sender_agent_id=agent.id,
            recipient=number,
            delivery_status="queued",
            details={
                "event": "callback-requested",
                "agent_voice_identity": agent.voice_identity,
                "language": contact.language or "",
            },
            created_at=now,
        )
        session.add(message)
        await session.flush()
        message.external_id = f"message:{message.id}"
        conversation.last_message_at = now
        audit.record(
            session,
            "callback.queued",
            actor_agent_id=agent.id,
            contact_id=contact.id,
            conversation_id=conversation.id,
            message_id=message.id,
        )
        await outbox.enqueue(session, "callback", f"callback:{message.id}", {"message_id": message.id})
        return CallbackOutcome(message.id, number)


async def do_callback_placed(store: Store, message_id: int, call_sid: str, external_id: str) -> None:
    """Twilio accepted the call: keep its id, and the conversation no longer waits for a call-back.

    ``external_id`` is the phone channel's id for a call it placed, the one the call's callbacks name."""
    async with store.write() as session:
        message = await session.get(Message, message_id)
        if message is None:
            return
        message.external_id = external_id
        message.sent_at = utcnow()
        # A status callback that came first ("failed", "completed") is not undone.
        if STATUS_RANK.get(message.delivery_status, 0) <= STATUS_RANK["sent"]:
            message.delivery_status = "sent"
            message.failure_reason = None
        message.details = {**message.details, "call_sid": call_sid, "event": "callback-placed"}
        conversation = await session.get(Conversation, message.conversation_id)
        # A call that already reported it rang nobody leaves the customer waiting: the item stays open.
        rang_nobody = message.delivery_status == "failed"
        if conversation is not None and not rang_nobody and CALLBACK_LABEL in (conversation.labels or []):
            conversation.labels = [label for label in conversation.labels if label != CALLBACK_LABEL]
        audit.record(
            session,
            "callback.placed",
            actor_agent_id=message.sender_agent_id,
            conversation_id=message.conversation_id,
            message_id=message.id,
            call_sid=call_sid,
        )
