"""The SMS/MMS channel on Twilio: inbound webhook forms become messages; outbound ones go through the API."""

from __future__ import annotations

from collections.abc import Mapping

from channels.base import (
    Attachment,
    ChannelName,
    IdentityKind,
    InboundMessage,
    OutboundMessage,
    PermanentChannelError,
    ThreadHints,
    UnparseableInput,
)
from channels.sms_consent import classify_consent
from channels.sms_media import download_media
from channels.sms_segments import check_body_length, count_segments
from channels.twilio_client import TwilioApi
from channels.twilio_config import TwilioConfig
from channels.twilio_errors import channel_error_from
from channels.twilio_identity import identity_from_twilio, number_or_raw
from channels.twilio_webhook import parse_form

MAX_MEDIA_ITEMS = 10  # Twilio's own limit per MMS; a larger NumMedia is not trusted


def _media_metadata(form: Mapping[str, str]) -> dict[str, str]:
    try:
        declared = int(form.get("NumMedia") or "0")
    except ValueError as exc:
        raise UnparseableInput(f"NumMedia is not a number: {form.get('NumMedia')!r}") from exc
    found: dict[str, str] = {}
    count = 0
    for index in range(min(max(declared, 0), MAX_MEDIA_ITEMS)):
        url = form.get(f"MediaUrl{index}")
        if not url:
            continue
        found[f"media_url_{count}"] = url
        found[f"media_content_type_{count}"] = form.get(f"MediaContentType{index}") or "application/octet-stream"
        count += 1
    if count:
        found["media_count"] = str(count)
    return found


def parse_inbound_sms(form: Mapping[str, str], raw: bytes = b"", default_region: str = "US") -> InboundMessage:
    """An inbound SMS/MMS webhook form as a message.

    Media stay URLs in ``metadata`` (``media_count``, ``media_url_N``, ``media_content_type_N``): fetching
    them needs the account's credentials and time, so a job calls ``SmsChannel.download_media`` for each. A
    consent keyword is reported in ``metadata["consent"]`` (``opt_out``, ``opt_in`` or ``help``).
    """
    sid = form.get("MessageSid") or form.get("SmsMessageSid") or form.get("SmsSid")
    raw_from = form.get("From", "").strip()
    if not sid or not raw_from:
        raise UnparseableInput("not a Twilio inbound message: MessageSid or From is missing")
    body = form.get("Body", "")
    sender = identity_from_twilio(raw_from, default_region)
    recipient = number_or_raw(form.get("To", ""), default_region) or None
    metadata = _media_metadata(form)
    consent = classify_consent(body)
    if consent is not None:
        metadata["consent"] = consent.value
    if body:
        metadata["segments"] = str(count_segments(body).segments)
    for field, key in (("MessagingServiceSid", "messaging_service_sid"), ("FromCountry", "from_country")):
        if form.get(field):
            metadata[key] = form[field]
    return InboundMessage(
        channel=ChannelName.SMS,
        external_id=sid,
        sender=sender,
        recipient=recipient,
        text=body,
        thread=ThreadHints(session_key=f"sms:{sender.value}:{recipient or ''}"),
        raw=raw,
        metadata=metadata,
    )


class SmsChannel:
    """``channels.base.Channel`` for SMS: one instance per Twilio account, closed with ``aclose``."""

    name = ChannelName.SMS

    def __init__(self, config: TwilioConfig, api: TwilioApi | None = None) -> None:
        self._config = config
        self._api = api or TwilioApi(config)

    def parse(self, raw: bytes) -> list[InboundMessage]:
        return [parse_inbound_sms(parse_form(raw), raw, self._config.default_region)]

    def _sender_fields(self, outbound: OutboundMessage) -> dict[str, str]:
        chosen = outbound.sender_address or self._config.messaging_service_sid or self._config.sms_from
        if not chosen:
            raise PermanentChannelError("No SMS sender is configured: set a sending number or messaging service.")
        if chosen.startswith("MG"):
            return {"messaging_service_sid": chosen}
        return {"from_": chosen}

    async def send(self, outbound: OutboundMessage) -> str:
        """Hand the message to Twilio and return its Message SID; status callbacks report delivery."""
        if outbound.to.kind is not IdentityKind.PHONE:
            raise PermanentChannelError(f"An SMS needs a phone number, not a {outbound.to.kind.value} address.")
        check_body_length(outbound.text)
        if not outbound.text.strip():
            raise PermanentChannelError("The text is empty; there is nothing to send.")
        if outbound.attachments:
            raise PermanentChannelError("Files cannot be sent by SMS from the hub; share a link in the text instead.")
        sender = self._sender_fields(outbound)
        # The hub's message id in the callback URL lets a status be matched even if the SID never got stored.
        status_callback = self._config.callback_url("sms/status", {"message_id": str(outbound.message_id)})
        try:
            created = await self._api.client().messages.create_async(
                to=outbound.to.value,
                body=outbound.text,
                status_callback=status_callback,
                **sender,
            )
        except Exception as exc:
            raise channel_error_from(exc) from exc
        sid: str = created.sid
        return sid

    async def download_media(self, url: str) -> Attachment:
        return await download_media(url, self._config)

    async def aclose(self) -> None:
        await self._api.aclose()
