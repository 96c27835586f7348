"""What a web chat visitor does besides writing: proving who they are, leaving an address, asking for a transcript.

An unverified claim never joins an existing record: a typed email address is attached only when no other
customer has it (otherwise an agent decides, by merging), while an id the host site signed joins the record
that id already belongs to.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import ChannelName, Identity, IdentityKind, MessageKind
from inbox import audit, outbox, queries
from inbox.contact_lookup import resolve_contacts
from inbox.models import Contact, ContactIdentity, Conversation, Direction, Message, utcnow
from inbox.store import Store
from inbox.upsert import insert_if_absent

WEBCHAT = IdentityKind.WEBCHAT.value
# Marks a preference the offline form set, so the visitor's return to the chat can undo it.
OFFLINE_EMAIL_FLAG = "webchat_offline_email"


async def _visitor_contact(session: AsyncSession, visitor_id: str, name: str | None) -> Contact:
    matches = await resolve_contacts(session, [Identity(IdentityKind.WEBCHAT, visitor_id, name)])
    return await queries.live_contact(session, matches[(WEBCHAT, visitor_id)].contact_id)


async def _add_identity(session: AsyncSession, contact_id: int, kind: str, value: str, verified: bool) -> None:
    row = {"contact_id": contact_id, "kind": kind, "value": value, "verified": verified, "created_at": utcnow()}
    await insert_if_absent(session, ContactIdentity, row, ["kind", "value"])


async def do_link_verified_visitor(store: Store, visitor_id: str, external_id: str, name: str | None) -> int:
    """Join the visitor to the customer the host site vouched for; returns that customer's id."""
    async with store.write() as session:
        known = await queries.identity_by_value(session, IdentityKind.EXTERNAL.value, external_id)
        visitor = await queries.identity_by_value(session, WEBCHAT, visitor_id)
        if known is None:
            contact = await _visitor_contact(session, visitor_id, name)
            await _add_identity(session, contact.id, IdentityKind.EXTERNAL.value, external_id, True)
        else:
            contact = await queries.live_contact(session, known.contact_id)
            if visitor is None:
                await _add_identity(session, contact.id, WEBCHAT, visitor_id, True)
            else:
                before = await queries.live_contact(session, visitor.contact_id)
                if before.id == contact.id:
                    return contact.id
                # The chat started anonymously: it and its conversations now belong to the signed-in customer.
                await session.execute(
                    update(ContactIdentity).where(ContactIdentity.id == visitor.id).values(contact_id=contact.id)
                )
                await session.execute(
                    update(Conversation)
                    .where(
                        Conversation.contact_id == before.id,
                        Conversation.channel == ChannelName.WEBCHAT.value,
                        Conversation.session_key == visitor_id,
                    )
                    .values(contact_id=contact.id)
                )
        if name and not contact.name:
            contact.name = name
        audit.record(
            session, "webchat.identity_verified", contact_id=contact.id, visitor=visitor_id, external=external_id
        )
        return contact.id


async def do_leave_webchat_email(
    store: Store, visitor_id: str, email: str, name: str | None, *, prefer_email: bool
) -> bool:
    """Record the address a visitor typed; True when it now reaches them (it belonged to nobody else)."""
    async with store.write() as session:
        contact = await _visitor_contact(session, visitor_id, name)
        holder = await queries.identity_by_value(session, IdentityKind.EMAIL.value, email)
        if holder is None:
            await _add_identity(session, contact.id, IdentityKind.EMAIL.value, email, False)
            reaches = True
        else:
            reaches = (await queries.live_contact(session, holder.contact_id)).id == contact.id
        if name and not contact.name:
            contact.name = name
        if prefer_email and reaches:
            contact.preferred_channel = ChannelName.EMAIL.value
            contact.custom_attributes = {**(contact.custom_attributes or {}), OFFLINE_EMAIL_FLAG: True}
        audit.record(
            session,
            "webchat.email_left",
            contact_id=contact.id,
            visitor=visitor_id,
            email=email,
            attached=reaches,
            # When another customer has this address an agent may merge the two; nothing joins them unasked.
            held_by_another=not reaches,
            prefer_email=prefer_email and reaches,
        )
        return reaches


async def do_webchat_visitor_back(store: Store, visitor_id: str) -> None:
    """A visitor who left an email while nobody was there is chatting live again: answer them in the chat."""
    async with store.read() as session:
        identity = await queries.identity_by_value(session, WEBCHAT, visitor_id)
        if identity is None:
            return
        contact = await queries.live_contact(session, identity.contact_id)
        if not (contact.custom_attributes or {}).get(OFFLINE_EMAIL_FLAG):
            # The common case costs one read: most visitors never used the offline form.
            return
    async with store.write() as session:
        contact = await queries.live_contact(session, contact.id)
        attributes = dict(contact.custom_attributes or {})
        if not attributes.pop(OFFLINE_EMAIL_FLAG, False):
            return
        contact.custom_attributes = attributes
        if contact.preferred_channel == ChannelName.EMAIL.value:
            contact.preferred_channel = None
        audit.record(session, "webchat.visitor_back", contact_id=contact.id, visitor=visitor_id)


async def do_send_webchat_transcript(store: Store, visitor_id: str, email: str) -> int | None:
    """Queue the visitor's latest chat, as text, by email; the queued message's id, None if there is no chat."""
    async with store.write() as session:
        identity = await queries.identity_by_value(session, WEBCHAT, visitor_id)
        if identity is None:
            return None
        contact = await queries.live_contact(session, identity.contact_id)
        conversation = await queries.latest_conversation(session, contact.id, ChannelName.WEBCHAT.value)
        if conversation is None:
            return None
        rows = await session.execute(
            select(Message)
            .where(
                Message.conversation_id == conversation.id,
                Message.kind == MessageKind.MESSAGE.value,
                Message.direction.in_((Direction.INBOUND.value, Direction.OUTBOUND.value)),
            )
            .order_by(Message.id)
        )
        lines = [
            f"[{m.created_at:%Y-%m-%d %H:%M} UTC] {'You' if m.direction == Direction.INBOUND.value else 'Agent'}: "
            f"{m.text}"
            for m in rows.scalars()
        ]
        if not lines:
            return None
        transcript = Message(
            conversation_id=conversation.id,
            direction=Direction.OUTBOUND.value,
            channel=ChannelName.EMAIL.value,
            kind=MessageKind.SYSTEM.value,
            subject="Your chat transcript / 您的聊天记录",
            text="\n".join(lines),
            recipient=email,
            delivery_status="queued",
            details={"transcript": True, "channel_reason": "email: the visitor asked for a transcript"},
            created_at=utcnow(),
        )
        session.add(transcript)
        await session.flush()
        audit.record(
            session,
            "webchat.transcript_requested",
            contact_id=contact.id,
            conversation_id=conversation.id,
            message_id=transcript.id,
            email=email,
        )
        await outbox.enqueue(session, "send", f"send:{transcript.id}", {"message_id": transcript.id})
        return transcript.id
