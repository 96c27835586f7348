"""Calls from Twilio's webhooks to the store and the router: the hub's web app with the real voice routing."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import parse_qsl, urlsplit

import httpx
from sqlalchemy import func, select

from channels.base import MessageKind
from inbox.models import Conversation, Event, Message, OutboxJob
from tests.support.factories import add_agent
from tests.support.jobs import JobDriver
from tests.support.twilio_hub import ACCOUNT_SID, HUB_NUMBER, PUBLIC_BASE, TwilioHub, twilio_hub
from workers.context import JobContext

VOICE = "/channels/twilio/voice"
CALLER = "+14155552345"
CALL = {
    "CallSid": "CA" + "6" * 32,
    "AccountSid": ACCOUNT_SID,
    "From": CALLER,
    "To": HUB_NUMBER,
    "Direction": "inbound",
}
RECORDING = {**CALL, "RecordingSid": "RE" + "8" * 32, "RecordingUrl": "https://api.twilio.com/rec/RE8"}


def twiml(response: httpx.Response) -> ET.Element:
    assert response.status_code == 200
    return ET.fromstring(response.text)


async def answer_call(hub: TwilioHub) -> ET.Element:
    """Ring the hub, then follow the greeting to the step that looks for an agent, as Twilio would."""
    greeting = twiml(await hub.post(f"{VOICE}/inbound", {**CALL, "CallStatus": "ringing"}))
    redirect = greeting.find("Redirect")
    assert redirect is not None and redirect.text is not None
    url = urlsplit(redirect.text)
    return twiml(await hub.post(url.path, {**CALL, "CallStatus": "in-progress"}, query=dict(parse_qsl(url.query))))


async def test_a_call_with_an_online_agent_dials_them(ctx: JobContext) -> None:
    await add_agent(ctx, "Away", presence="offline", voice_identity="client:away")
    await add_agent(ctx, "Chen Jing", presence="online", voice_identity="client:chen")
    async with twilio_hub(ctx) as hub:
        step = await answer_call(hub)
    dial = step.find("Dial")
    assert dial is not None
    assert dial.findtext("Client") == "chen"
    async with ctx.store.read() as session:
        [ringing] = (await session.execute(select(Message))).scalars().all()
    assert (ringing.channel, ringing.kind, ringing.details["event"]) == ("phone", MessageKind.CALL_EVENT, "ringing")


async def test_a_call_with_nobody_available_waits_in_the_queue(ctx: JobContext) -> None:
    await add_agent(ctx, "Away", presence="offline", voice_identity="+14155550111")
    async with twilio_hub(ctx) as hub:
        step = await answer_call(hub)
    assert step.find("Dial") is None
    assert step.findtext("Enqueue") == "support"


async def test_recording_and_transcription_make_one_voicemail_routed_once(ctx: JobContext, jobs: JobDriver) -> None:
    agent = await add_agent(ctx, "Chen Jing", presence="online")
    async with twilio_hub(ctx) as hub:
        await answer_call(hub)
        offer = twiml(await hub.post(f"{VOICE}/queue-result", {**CALL, "QueueResult": "leave", "QueueTime": "61"}))
        record = offer.find("Record")
        assert record is not None
        recording_url = urlsplit(record.get("recordingStatusCallback") or "")
        transcription_url = urlsplit(record.get("transcribeCallback") or "")
        assert f"{recording_url.scheme}://{recording_url.netloc}" == PUBLIC_BASE

        recording = {**RECORDING, "RecordingStatus": "completed", "RecordingDuration": "14"}
        transcription = {**RECORDING, "TranscriptionSid": "TR1", "TranscriptionStatus": "completed"}
        transcription["TranscriptionText"] = "Please call me back about the invoice."
        # Twilio retries callbacks; each part arrives twice, the transcription first.
        for _ in range(2):
            await hub.post(transcription_url.path, transcription, query=dict(parse_qsl(transcription_url.query)))
            await hub.post(recording_url.path, recording, query=dict(parse_qsl(recording_url.query)))
    await jobs.drain()
    async with ctx.store.read() as session:
        [voicemail] = (
            (await session.execute(select(Message).where(Message.kind == MessageKind.VOICEMAIL.value))).scalars().all()
        )
        routes = await session.execute(select(func.count()).select_from(OutboxJob).where(OutboxJob.job == "route"))
        decisions = (await session.execute(select(Event).where(Event.kind == "routing.decision"))).scalars().all()
        conversation = await session.get(Conversation, voicemail.conversation_id)
    assert voicemail.text == "Please call me back about the invoice."
    assert voicemail.details["recording_url"] == RECORDING["RecordingUrl"]
    assert voicemail.details["duration_seconds"] == "14"
    assert sorted(voicemail.details["voicemail_parts"]) == ["recording", "transcription"]
    assert routes.scalar_one() == 1
    assert [decision.data["assigned"] for decision in decisions] == [True]
    assert conversation is not None and conversation.assignee_id == agent
    assert conversation.session_key == f"call:{CALL['CallSid']}"
    async with ctx.store.read() as session:
        callers = await session.execute(
            select(func.count(func.distinct(Conversation.contact_id))).select_from(Conversation)
        )
    assert callers.scalar_one() == 1
