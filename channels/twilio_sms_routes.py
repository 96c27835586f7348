"""Webhook routes of the SMS channel: inbound messages and delivery status callbacks."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route
from twilio.twiml.messaging_response import MessagingResponse

from channels.base import ChannelName, InboundSink
from channels.sms import parse_inbound_sms
from channels.sms_consent import ConsentKeyword
from channels.twilio_config import ROUTE_PREFIX, TwilioConfig
from channels.twilio_status import delivery_update_from_status
from channels.twilio_texts import language_of_text, sms_text
from channels.twilio_webhook import EMPTY_TWIML, SignedForm, signed_endpoint, twiml


def help_reply(config: TwilioConfig, body: str) -> str:
    """The HELP answer in the language the customer wrote in: the configured text, else the template."""
    language = language_of_text(body)
    text = config.sms_help_text.get(language) or sms_text(config.templates_dir, "help", language)
    response = MessagingResponse()
    response.message(text)
    return str(response.to_xml(xml_declaration=True))


def sms_routes(config: TwilioConfig, sink: InboundSink) -> list[Route]:
    async def inbound(form: SignedForm) -> Response:
        message = parse_inbound_sms(form.fields, form.raw, config.default_region)
        await sink.ingest(message)
        if message.metadata.get("consent") == ConsentKeyword.HELP.value:
            return twiml(help_reply(config, message.text))
        # Twilio itself confirms STOP and START; an empty answer avoids sending the customer a second reply.
        return twiml(EMPTY_TWIML)

    async def status(form: SignedForm) -> Response:
        await sink.delivery_update(delivery_update_from_status(form.fields, form.query.get("message_id")))
        return twiml(EMPTY_TWIML)

    return [
        Route(
            f"{ROUTE_PREFIX}/sms/inbound",
            signed_endpoint(config, sink, ChannelName.SMS, inbound),
            methods=["POST"],
            name="twilio_sms_inbound",
        ),
        Route(
            f"{ROUTE_PREFIX}/sms/status",
            signed_endpoint(config, sink, ChannelName.SMS, status),
            methods=["POST"],
            name="twilio_sms_status",
        ),
    ]
