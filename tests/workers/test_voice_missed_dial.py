"""A live call's ringing Dial is its offer: an agent who lets it ring out has declined it, and the same call is
never put to them again."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import parse_qsl, urlsplit

import httpx

from channels.twilio_voice_agents import AgentRequest
from tests.support.factories import add_agent
from tests.support.twilio_hub import ACCOUNT_SID, HUB_NUMBER, TwilioHub, twilio_hub
from workers.context import JobContext
from workers.voice_routing import VoiceRouting

VOICE = "/channels/twilio/voice"
CALL = {
    "CallSid": "CA" + "7" * 32,
    "AccountSid": ACCOUNT_SID,
    "From": "+14155552345",
    "To": HUB_NUMBER,
    "Direction": "inbound",
}


def twiml(response: httpx.Response) -> ET.Element:
    assert response.status_code == 200
    return ET.fromstring(response.text)


def follow(element: ET.Element | None) -> tuple[str, dict[str, str]]:
    """The path and query of the URL a TwiML verb sends Twilio to next."""
    assert element is not None
    url = urlsplit(element.get("action") or element.text or "")
    return url.path, dict(parse_qsl(url.query))


async def _dialled(hub: TwilioHub) -> ET.Element:
    greeting = twiml(await hub.post(f"{VOICE}/inbound", {**CALL, "CallStatus": "ringing"}))
    path, query = follow(greeting.find("Redirect"))
    return twiml(await hub.post(path, {**CALL, "CallStatus": "in-progress"}, query=query))


async def test_an_agent_who_let_the_call_ring_out_is_not_rung_again(ctx: JobContext) -> None:
    first = await add_agent(ctx, "Ana Silva", voice_identity="client:ana")
    await add_agent(ctx, "Wang Lei", voice_identity="client:wang")
    async with twilio_hub(ctx) as hub:
        dial = (await _dialled(hub)).find("Dial")
        assert dial is not None and dial.findtext("Client") == "ana"  # idle longest

        path, query = follow(dial)
        assert query["agent"] == str(first)
        missed = {**CALL, "DialCallStatus": "no-answer", "DialCallSid": "CA" + "8" * 32}
        queued = twiml(await hub.post(path, missed, query=query))
        assert queued.findtext("Enqueue") == "support"

        # On hold, the hub looks again: Wang is free, and Ana is not asked a second time.
        wait_path, wait_query = follow(queued.find("Enqueue"))
        hold = twiml(await hub.post(f"{VOICE}/queue-wait", {**CALL, "QueueTime": "5"}, query=wait_query))
        assert hold.find("Leave") is not None
        left = await hub.post(wait_path, {**CALL, "QueueResult": "leave", "QueueTime": "5"}, query=wait_query)
        assert twiml(left).findtext("Dial/Client") == "wang"


async def test_a_missed_dial_counts_only_for_its_own_call(ctx: JobContext) -> None:
    ana = await add_agent(ctx, "Ana Silva", voice_identity="client:ana")
    async with twilio_hub(ctx) as hub:
        path, query = follow((await _dialled(hub)).find("Dial"))
        await hub.post(path, {**CALL, "DialCallStatus": "busy", "DialCallSid": "CA" + "8" * 32}, query=query)
    routing = VoiceRouting(ctx.store)
    same = AgentRequest(call_sid=CALL["CallSid"], caller=CALL["From"], called=HUB_NUMBER, language="en")
    assert await routing.find_agent(same) is None
    # The same customer calling again later is put to Ana like anyone else.
    later = AgentRequest(call_sid="CA" + "9" * 32, caller=CALL["From"], called=HUB_NUMBER, language="en")
    target = await routing.find_agent(later)
    assert target is not None and target.agent_id == str(ana)
