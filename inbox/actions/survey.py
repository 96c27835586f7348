"""Sending a satisfaction survey for one resolution of a conversation, and taking answers from the survey page.

The survey goes out on the customer's own channel as an ordinary outbound message (so delivery, failures and
retries work as for any reply): an email with a signed link, an SMS asking for a reply 1-5, a chat message that
the widget shows as a card. One survey per resolution: the survey's key is the resolution's, so a job that runs
twice finds the survey it made and sends nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import ChannelName, MessageKind
from inbox import audit, outbox, queries
from inbox.models import (
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    Survey,
    SurveyStatus,
    utcnow,
)
from inbox.reply_channel import IDENTITY_FOR_CHANNEL, reachable
from inbox.resolution_effects import resolution_key
from inbox.settings import Settings
from inbox.store import Store
from inbox.survey_answers import apply_answer, open_for_answers
from inbox.survey_links import links_available, survey_url
from inbox.survey_texts import language_for, survey_message

# A call is surveyed by SMS, as it is answered; fax has no way to carry an answer back.
SURVEY_CHANNEL = {
    ChannelName.EMAIL: ChannelName.EMAIL,
    ChannelName.SMS: ChannelName.SMS,
    ChannelName.PHONE: ChannelName.SMS,
    ChannelName.WEBCHAT: ChannelName.WEBCHAT,
}


@dataclass(frozen=True, slots=True)
class SurveySent:
    survey_id: int
    channel: str
    # Set for a chat survey, so the caller can show the card to a visitor who is online now.
    card: dict[str, object] | None
    created: bool


class AnswerRefused(Exception):
    """The answer cannot be taken; the reason is written for the customer."""


async def do_send_survey(
    store: Store, settings: Settings, *, conversation_id: int, resolution: str, agent_id: int | None
) -> SurveySent | None:
    """Queue the survey for this resolution; None when there is nothing to ask (reopened, gone, switched off)."""
    async with store.write() as session:
        existing = await session.execute(select(Survey).where(Survey.key == resolution))
        found = existing.scalar_one_or_none()
        if found is not None:
            return SurveySent(found.id, found.channel, None, created=False)
        conversation = await session.get(Conversation, conversation_id)
        if not _still_resolved(conversation, resolution) or not settings.satisfaction.enabled:
            return None
        assert conversation is not None
        contact = await queries.live_contact(session, conversation.contact_id)
        survey = _new_survey(settings, conversation, contact, resolution, agent_id)
        session.add(survey)
        await session.flush()
        problem = await _problem(session, settings, conversation, contact)
        if problem is not None:
            survey.status, survey.skip_reason = SurveyStatus.SKIPPED, problem
            audit.record(
                session,
                "survey.skipped",
                contact_id=contact.id,
                conversation_id=conversation.id,
                survey_id=survey.id,
                reason=problem,
            )
            return SurveySent(survey.id, survey.channel, None, created=True)
        message = await _queue_message(session, settings, conversation, contact, survey)
        survey.message_id = message.id
        audit.record(
            session,
            "survey.sent",
            contact_id=contact.id,
            conversation_id=conversation.id,
            survey_id=survey.id,
            message_id=message.id,
            channel=survey.channel,
        )
        card = None
        if survey.channel == ChannelName.WEBCHAT.value and message.recipient:
            link = survey_url(settings, survey.id) if links_available(settings) else None
            card = {"type": "survey.requested", "survey": survey.id, "url": link, "visitor": message.recipient}
        return SurveySent(survey.id, survey.channel, card, created=True)


def _still_resolved(conversation: Conversation | None, resolution: str) -> bool:
    """The survey is for one resolution; a conversation reopened (or resolved again) since is not asked about."""
    if conversation is None or conversation.status != ConversationStatus.RESOLVED.value:
        return False
    return conversation.resolved_at is not None and resolution_key(conversation.id, conversation.resolved_at) == (
        resolution
    )


def _new_survey(
    settings: Settings, conversation: Conversation, contact: Contact, resolution: str, agent_id: int | None
) -> Survey:
    now = utcnow()
    channel = SURVEY_CHANNEL.get(ChannelName(conversation.channel))
    return Survey(
        key=resolution,
        conversation_id=conversation.id,
        contact_id=contact.id,
        agent_id=agent_id,
        channel=(channel or ChannelName(conversation.channel)).value,
        complaint=conversation.is_complaint,
        language=language_for(contact.language),
        status=SurveyStatus.SENT,
        sent_at=now,
        answer_until=now + timedelta(days=settings.satisfaction.answer_window_days),
        answer_updates=0,
    )


async def _problem(
    session: AsyncSession, settings: Settings, conversation: Conversation, contact: Contact
) -> str | None:
    channel = SURVEY_CHANNEL.get(ChannelName(conversation.channel))
    if channel is None:
        return f"surveys are not sent on {conversation.channel}"
    if channel is ChannelName.EMAIL and not links_available(settings):
        return "email surveys need a signing key for their links (HUB_WEB__SECRET_KEY)"
    identities = await queries.identities_of(session, contact.id)
    return reachable(channel, [identity.kind for identity in identities], dict(contact.consent or {}))


async def _queue_message(
    session: AsyncSession, settings: Settings, conversation: Conversation, contact: Contact, survey: Survey
) -> Message:
    channel = ChannelName(survey.channel)
    identities = await queries.identities_of(session, contact.id)
    kind = IDENTITY_FOR_CHANNEL[channel].value
    recipient = [identity for identity in identities if identity.kind == kind][-1]
    url = survey_url(settings, survey.id) if links_available(settings) else None
    content = survey_message(
        channel, survey.language, hub=settings.hub.name, conversation_id=conversation.id, name=contact.name, url=url
    )
    message = Message(
        conversation_id=conversation.id,
        direction=Direction.OUTBOUND.value,
        channel=channel.value,
        kind=MessageKind.MESSAGE.value,
        subject=content.subject,
        text=content.text,
        html=content.html,
        sender_agent_id=None,
        recipient=recipient.value,
        delivery_status="queued",
        details={"survey_id": survey.id, "channel_reason": "the satisfaction survey goes on the customer's channel"},
        created_at=utcnow(),
    )
    session.add(message)
    await session.flush()
    await outbox.enqueue(session, "send", f"send:{message.id}", {"message_id": message.id})
    return message


async def do_answer_survey(store: Store, *, survey_id: int, score: int, comment: str | None, via: str) -> Survey:
    """Record an answer from the survey page; a later answer within the window updates the first."""
    if score not in range(1, 6):
        raise AnswerRefused("pick")
    async with store.write() as session:
        survey = await session.get(Survey, survey_id)
        now = utcnow()
        if survey is None:
            raise AnswerRefused("missing")
        if not open_for_answers(survey, now):
            raise AnswerRefused("expired")
        apply_answer(survey, score, (comment or "")[:4000], via, now)
        audit.record(
            session,
            "survey.answered",
            contact_id=survey.contact_id,
            conversation_id=survey.conversation_id,
            survey_id=survey.id,
            score=score,
            via=via,
            updated=survey.answer_updates > 0,
        )
        await session.flush()
        session.expunge(survey)
        return survey
