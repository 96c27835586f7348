"""Survey answers that arrive as messages: a bare digit 1-5 by SMS or chat soon after a survey was sent there.

Such a message is the survey's answer, not a new contact: it is stored in the surveyed conversation without
reopening it or calling an agent. Found per ingest batch with one query, recorded with one more.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from channels.base import ChannelName, InboundMessage
from inbox.models import Conversation, ConversationStatus, Event, Survey, SurveyStatus
from inbox.settings import SatisfactionSection

# The thread reason stored with an answer, and how the ingest path recognises one.
SURVEY_ANSWER = "survey answer"
DIGIT_CHANNELS = frozenset({ChannelName.SMS, ChannelName.WEBCHAT})

MessageKey = tuple[str, str]
SenderKey = tuple[str, str]


def answer_digit(message: InboundMessage) -> int | None:
    """The score a message gives when it is only a digit 1-5 (full-width digits from a Chinese keyboard too)."""
    if message.channel not in DIGIT_CHANNELS or message.attachments or message.is_automatic:
        return None
    text = unicodedata.normalize("NFKC", message.text).strip().rstrip(".!。！")
    return int(text) if len(text) == 1 and text in "12345" else None


async def find_survey_answers(
    session: AsyncSession,
    section: SatisfactionSection,
    messages: Sequence[InboundMessage],
    contact_of: Mapping[SenderKey, int],
    now: datetime,
) -> dict[MessageKey, Conversation]:
    """The messages of a batch that answer a survey, each with the conversation it answers."""
    wanted: dict[MessageKey, tuple[int, str]] = {}
    for message in messages:
        if answer_digit(message) is None or message.sender is None:
            continue
        contact_id = contact_of[(message.sender.kind.value, message.sender.value)]
        wanted[(message.channel.value, message.external_id)] = (contact_id, message.channel.value)
    if not wanted:
        return {}
    pairs = set(wanted.values())
    rows = await session.execute(
        select(Survey.contact_id, Survey.channel, Survey.sent_at, Conversation)
        .join(Conversation, Conversation.id == Survey.conversation_id)
        .where(
            Survey.contact_id.in_({contact for contact, _ in pairs}),
            Survey.status.in_((SurveyStatus.SENT, SurveyStatus.ANSWERED)),
            Survey.sent_at >= now - timedelta(hours=section.reply_window_hours),
            Conversation.status == ConversationStatus.RESOLVED.value,
        )
        .order_by(Survey.sent_at)
    )
    newest: dict[tuple[int, str], Conversation] = {}
    for contact_id, channel, _sent_at, conversation in rows.all():
        newest[(contact_id, channel)] = conversation
    return {key: newest[pair] for key, pair in wanted.items() if pair in newest}


async def record_survey_answers(
    session: AsyncSession, answers: Iterable[tuple[int, int, int, InboundMessage]], now: datetime
) -> None:
    """``answers`` holds (conversation id, contact id, message id, message) of stored answers; the last one for a
    survey wins, and one answered before is updated, never duplicated."""
    latest: dict[int, tuple[int, int, InboundMessage]] = {}
    for conversation_id, contact_id, message_id, message in answers:
        latest[conversation_id] = (contact_id, message_id, message)
    if not latest:
        return
    rows = await session.execute(
        select(Survey)
        .where(Survey.conversation_id.in_(latest), Survey.status.in_((SurveyStatus.SENT, SurveyStatus.ANSWERED)))
        .order_by(Survey.sent_at)
    )
    surveys = {survey.conversation_id: survey for survey in rows.scalars()}
    events: list[dict[str, Any]] = []
    for conversation_id, (contact_id, message_id, message) in latest.items():
        found = surveys.get(conversation_id)
        score = answer_digit(message)
        if found is None or score is None or found.channel != message.channel.value:
            continue
        survey = found
        apply_answer(survey, score, None, message.channel.value, now)
        data = {"survey_id": survey.id, "score": score, "message_id": message_id, "via": message.channel.value}
        events.append(
            {
                "kind": "survey.answered",
                "actor_agent_id": None,
                "contact_id": contact_id,
                "conversation_id": conversation_id,
                "data": data,
                "created_at": now,
            }
        )
    if events:
        await session.execute(insert(Event), events)


def apply_answer(survey: Survey, score: int, comment: str | None, via: str, now: datetime) -> None:
    """One answer per survey: a later one (within the window) replaces the score, and the comment if it has one."""
    if survey.answered_at is not None:
        survey.answer_updates += 1
    survey.score = score
    if comment is not None and comment.strip():
        survey.comment = comment.strip()
    survey.answered_at = now
    survey.answered_via = via
    survey.status = SurveyStatus.ANSWERED


def open_for_answers(survey: Survey, now: datetime) -> bool:
    return survey.status in (SurveyStatus.SENT, SurveyStatus.ANSWERED) and now <= survey.answer_until
