"""Every Twilio webhook route of the hub, under ``/channels/twilio/``, for the web app to mount.

    /channels/twilio/sms/inbound          inbound SMS/MMS            → sink.ingest; empty <Response/> or HELP
    /channels/twilio/sms/status           message status callback    → sink.delivery_update
    /channels/twilio/voice/inbound        incoming call              → greeting (+ menu) TwiML
    /channels/twilio/voice/menu           keypad choice              → <Dial> an agent or <Enqueue>
    /channels/twilio/voice/connect        no key pressed / no menu   → <Dial> an agent or <Enqueue>
    /channels/twilio/voice/dial-action    agent leg ended            → hang up, or back to the queue
    /channels/twilio/voice/queue-wait     caller on hold             → music, or <Leave> for agent/voicemail
    /channels/twilio/voice/queue-result   caller left the queue      → <Dial>, voicemail <Record>, or nothing
    /channels/twilio/voice/voicemail-done recording finished         → thanks and hang up
    /channels/twilio/voice/bridge         agent answered a call-back → <Dial> the customer
    /channels/twilio/voice/status         call status callback       → call event
    /channels/twilio/voice/recording      voicemail recording ready  → voicemail message (part 1)
    /channels/twilio/voice/transcription  voicemail transcribed      → voicemail message (part 2, same id)

On the Twilio number, set "A message comes in" to ``<public>/channels/twilio/sms/inbound``, "A call comes
in" to ``<public>/channels/twilio/voice/inbound`` and the call status callback to ``.../voice/status``.
"""

from __future__ import annotations

from starlette.routing import Route

from channels.base import InboundSink
from channels.twilio_config import TwilioConfig
from channels.twilio_sms_routes import sms_routes
from channels.twilio_voice_agents import CallerLanguage, FindAgent, no_agent, unknown_language
from channels.twilio_voice_callbacks import voice_callback_routes
from channels.twilio_voice_routes import voice_routes


def twilio_routes(
    config: TwilioConfig,
    sink: InboundSink,
    *,
    find_agent: FindAgent = no_agent,
    caller_language: CallerLanguage = unknown_language,
) -> list[Route]:
    return [
        *sms_routes(config, sink),
        *voice_routes(config, sink, find_agent, caller_language),
        *voice_callback_routes(config, sink),
    ]
