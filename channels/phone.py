"""The phone channel on Twilio Voice: call callbacks become call events, and agents call customers back.

Live calls are steered by the webhook routes (``channels.twilio_routes``); this adapter covers what the rest
of the hub calls directly.
"""

from __future__ import annotations

from channels.base import ChannelName, InboundMessage, OutboundMessage, PermanentChannelError
from channels.identities import InvalidIdentity, normalize_phone
from channels.twilio_call_events import call_status_event, voicemail_part
from channels.twilio_client import TwilioApi
from channels.twilio_config import TwilioConfig
from channels.twilio_errors import channel_error_from
from channels.twilio_voice_agents import AgentTarget
from channels.twilio_webhook import parse_form


class PhoneChannel:
    """Satisfies ``channels.base.Channel`` for phone conversations. Close it with ``aclose``."""

    name = ChannelName.PHONE

    def __init__(self, config: TwilioConfig, api: TwilioApi | None = None) -> None:
        self._config = config
        self._api = api or TwilioApi(config)

    def parse(self, raw: bytes) -> list[InboundMessage]:
        """Re-read a voice callback form: a voicemail part if it names a recording, else a call event."""
        form = parse_form(raw)
        if "RecordingSid" in form:
            return [voicemail_part(form, {}, self._config.default_region, raw)]
        return [call_status_event(form, {}, self._config.default_region, raw)]

    async def send(self, outbound: OutboundMessage) -> str:
        # A phone conversation has no written reply path; the agent calls back or answers by SMS instead.
        raise PermanentChannelError(
            "A written reply cannot be sent on a phone call. Call the customer back, or reply by SMS."
        )

    async def place_callback_call(
        self, agent: AgentTarget, customer: str, language: str | None = None, *, message_id: int | None = None
    ) -> str:
        """Ring the agent; once they answer, Twilio asks the bridge route, which dials the customer.

        Returns the Call SID of the agent's leg; its events reach the status route, naming the customer and
        ``message_id``, the hub's log entry of the call, whose status they update.
        """
        caller_id = self._config.voice.caller_id
        if not caller_id:
            raise PermanentChannelError("No caller id is configured for call-backs; set the hub's voice number.")
        try:
            customer_e164 = normalize_phone(customer, self._config.default_region)
        except InvalidIdentity as exc:
            raise PermanentChannelError(f"The customer's number {customer!r} is not a phone number.") from exc
        lang = language or self._config.voice.default_language
        query = {"customer": customer_e164, "agent": agent.agent_id, "lang": lang}
        if message_id is not None:
            query["message_id"] = str(message_id)
        to = f"client:{agent.client_identity}" if agent.client_identity is not None else agent.phone_number
        try:
            call = await self._api.client().calls.create_async(
                to=to,
                from_=caller_id,
                url=self._config.callback_url("voice/bridge", query),
                method="POST",
                # Only the final status (completed, busy, no-answer, failed) is asked for: the customer's side
                # is logged by the bridge's dial action, and intermediate events would only add noise.
                status_callback=self._config.callback_url("voice/status", query),
                status_callback_method="POST",
            )
        except Exception as exc:
            raise channel_error_from(exc) from exc
        sid: str = call.sid
        return sid

    async def aclose(self) -> None:
        await self._api.aclose()
