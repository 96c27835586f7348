"""Webhook routes Twilio calls after the fact: call status, voicemail recording, voicemail transcription.

They only report; the TwiML they answer is empty. A call-back's status URL names the hub's log entry of the call
(``message_id``): its status also moves that entry, as a message status callback moves a sent SMS.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from channels.base import ChannelName, InboundSink
from channels.twilio_call_events import call_event, call_status_event, customer_number, voicemail_part
from channels.twilio_config import ROUTE_PREFIX, TwilioConfig
from channels.twilio_status import delivery_update_from_call_status
from channels.twilio_webhook import EMPTY_TWIML, SignedForm, signed_endpoint, twiml


def voice_callback_routes(config: TwilioConfig, sink: InboundSink) -> list[Route]:
    region = config.default_region

    async def status(form: SignedForm) -> Response:
        await sink.ingest(call_status_event(form.fields, form.query, region, form.raw))
        if form.query.get("message_id"):
            await sink.delivery_update(delivery_update_from_call_status(form.fields, form.query["message_id"]))
        return twiml(EMPTY_TWIML)

    async def recording(form: SignedForm) -> Response:
        state = form.get("RecordingStatus", "completed").lower()
        if state == "completed":
            await sink.ingest(voicemail_part(form.fields, form.query, region, form.raw))
        else:
            # No usable recording: still a caller who wanted something, so it is reported as missed.
            await sink.ingest(
                call_event(
                    form.fields,
                    event="voicemail-empty",
                    text=f"The caller left no voicemail (recording {state})",
                    customer=customer_number(form.fields, form.query),
                    region=region,
                    raw=form.raw,
                    extra={"missed": "true", "recording_status": state},
                    id_suffix=f"voicemail:{form.get('RecordingSid') or state}",
                )
            )
        return twiml(EMPTY_TWIML)

    async def transcription(form: SignedForm) -> Response:
        await sink.ingest(voicemail_part(form.fields, form.query, region, form.raw))
        return twiml(EMPTY_TWIML)

    handlers = {"status": status, "recording": recording, "transcription": transcription}
    return [
        Route(
            f"{ROUTE_PREFIX}/voice/{name}",
            signed_endpoint(config, sink, ChannelName.PHONE, handler),
            methods=["POST"],
            name=f"twilio_voice_{name}",
        )
        for name, handler in handlers.items()
    ]
