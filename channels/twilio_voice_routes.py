"""Webhook routes that steer a live call: greeting, menu, agent, queue, voicemail, and the call-back bridge.

Each answers with TwiML at once. Whether an agent is free is asked of an injected ``FindAgent``; the caller's
language of an injected ``CallerLanguage``. Call events are handed to the sink as they happen.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route
from twilio.twiml.voice_response import VoiceResponse

from channels import twilio_voice_twiml as build
from channels.base import ChannelName, InboundSink, UnparseableInput
from channels.twilio_call_events import call_event, call_status_event
from channels.twilio_config import ROUTE_PREFIX, TwilioConfig
from channels.twilio_identity import number_or_raw
from channels.twilio_texts import resolve_language
from channels.twilio_voice_agents import AgentRequest, CallerLanguage, FindAgent
from channels.twilio_webhook import SignedForm, signed_endpoint, twiml

ANSWERED = frozenset({"completed", "answered"})
# QueueResult values after which the caller is still on the line but nobody can take the call.
QUEUE_GAVE_UP = frozenset({"queue-full", "error", "system-error"})
# A hold prompt is spoken only at the start of the wait, not each time the music loops.
HOLD_PROMPT_SECONDS = 5


def _seconds(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0


def _respond(document: VoiceResponse) -> Response:
    return twiml(str(document.to_xml(xml_declaration=True)))


def voice_routes(
    config: TwilioConfig, sink: InboundSink, find_agent: FindAgent, caller_language: CallerLanguage
) -> list[Route]:
    region = config.default_region

    def language_of(form: SignedForm) -> str:
        return resolve_language(form.query.get("lang"), config.voice.default_language)

    def total_wait(form: SignedForm) -> int:
        return _seconds(form.query.get("waited", "0")) + _seconds(form.get("QueueTime", "0"))

    def agent_request(form: SignedForm, language: str, team: str | None) -> AgentRequest:
        return AgentRequest(
            call_sid=form.get("CallSid"),
            caller=number_or_raw(form.get("From"), region),
            called=form.get("To"),
            language=language,
            team=team,
        )

    async def connect(form: SignedForm, language: str, team: str | None, waited: int = 0) -> VoiceResponse:
        agent = await find_agent(agent_request(form, language, team))
        if agent is None:
            return build.enqueue(config, language, team, waited)
        return build.dial_agent(config, language, agent, team)

    async def inbound(form: SignedForm) -> Response:
        try:
            await sink.ingest(call_status_event(form.fields, form.query, region, form.raw))
        except UnparseableInput as exc:
            # The caller is on the line: an event the hub cannot log must not cost them the call.
            await sink.quarantine(ChannelName.PHONE, form.raw, exc.reason)
        known = await caller_language(number_or_raw(form.get("From"), region))
        return _respond(build.greeting(config, resolve_language(known, config.voice.default_language)))

    async def connect_step(form: SignedForm) -> Response:
        return _respond(await connect(form, language_of(form), form.query.get("team")))

    async def menu(form: SignedForm) -> Response:
        language = language_of(form)
        digit = form.get("Digits").strip()[:1]
        option = next((o for o in config.voice.menu if o.digit == digit), None)
        if option is None:
            return _respond(build.menu_again(config, language))
        await sink.ingest(
            call_event(
                form.fields,
                event="menu",
                text=f"Caller chose {option.team} (key {digit})",
                customer=form.get("From"),
                region=region,
                raw=form.raw,
                extra={"team": option.team},
                id_suffix=f"menu:{digit}",
            )
        )
        return _respond(await connect(form, language, option.team))

    async def dial_action(form: SignedForm) -> Response:
        language = language_of(form)
        status = form.get("DialCallStatus", "failed").lower()
        agent = form.query.get("agent", "")
        callback = form.query.get("leg") == "callback"
        extra = {"agent": agent, "dial_status": status}
        if status in ANSWERED:
            duration = form.get("DialCallDuration", "0")
            extra["duration_seconds"] = duration
            text = f"Answered by agent {agent}; talked {duration} s"
            if callback:
                text = f"Call-back by agent {agent} answered; talked {duration} s"
        else:
            extra["missed"] = "true"
            text = f"Agent {agent} did not take the call ({status})"
            if callback:
                text = f"Call-back by agent {agent}: the customer did not answer ({status})"
        customer = form.query.get("customer") or form.get("From")
        await sink.ingest(
            call_event(
                form.fields,
                event="answered" if status in ANSWERED else f"dial-{status}",
                text=text,
                customer=customer,
                region=region,
                raw=form.raw,
                extra=extra,
                id_suffix=f"dial:{form.get('DialCallSid') or agent}:{status}",
            )
        )
        if status in ANSWERED:
            return _respond(build.hangup())
        if callback:
            return _respond(build.goodbye(config, language, "callback_unanswered"))
        return _respond(build.enqueue(config, language, form.query.get("team")))

    async def queue_wait(form: SignedForm) -> Response:
        language = language_of(form)
        waited = total_wait(form)
        if waited >= config.voice.voicemail_after_seconds:
            return _respond(build.leave_queue())
        request = agent_request(form, language, form.query.get("team"))
        if await find_agent(request) is not None:
            # Leaving the queue hands the call to the queue-result route, which dials the agent.
            return _respond(build.leave_queue())
        first_time = _seconds(form.get("QueueTime", "0")) < HOLD_PROMPT_SECONDS
        return _respond(build.hold(config, language, first_time=first_time))

    async def queue_result(form: SignedForm) -> Response:
        language = language_of(form)
        result = form.get("QueueResult").lower()
        waited = str(total_wait(form))
        caller = number_or_raw(form.get("From"), region)
        if result in ("bridged", "bridging-in-process"):
            await sink.ingest(
                call_event(
                    form.fields,
                    event="answered",
                    text="Answered from the queue",
                    customer=caller,
                    region=region,
                    raw=form.raw,
                    extra={"queue_seconds": waited},
                    id_suffix="queue:bridged",
                )
            )
            return _respond(build.hangup())
        if result == "hangup":
            await sink.ingest(
                call_event(
                    form.fields,
                    event="abandoned",
                    text=f"Caller hung up after waiting {waited} s in the queue",
                    customer=caller,
                    region=region,
                    raw=form.raw,
                    extra={"queue_seconds": waited, "missed": "true"},
                    id_suffix="queue:abandoned",
                )
            )
            return _respond(VoiceResponse())
        if result == "leave" and int(waited) < config.voice.voicemail_after_seconds:
            # Left because an agent looked free; if that agent is gone by now, the caller queues again.
            return _respond(await connect(form, language, form.query.get("team"), int(waited)))
        if result == "leave" or result in QUEUE_GAVE_UP:
            return _respond(build.voicemail(config, language, caller))
        return _respond(VoiceResponse())

    async def voicemail_done(form: SignedForm) -> Response:
        return _respond(build.goodbye(config, language_of(form), "voicemail_thanks"))

    async def bridge(form: SignedForm) -> Response:
        customer = form.query.get("customer", "")
        return _respond(build.bridge_to_customer(config, language_of(form), customer, form.query.get("agent", "")))

    handlers = {
        "inbound": inbound,
        "connect": connect_step,
        "menu": menu,
        "dial-action": dial_action,
        "queue-wait": queue_wait,
        "queue-result": queue_result,
        "voicemail-done": voicemail_done,
        "bridge": bridge,
    }
    return [
        Route(
            f"{ROUTE_PREFIX}/voice/{name}",
            signed_endpoint(config, sink, ChannelName.PHONE, handler),
            methods=["POST"],
            name=f"twilio_voice_{name.replace('-', '_')}",
        )
        for name, handler in handlers.items()
    ]
