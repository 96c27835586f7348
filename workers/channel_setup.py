"""Which channel adapters this hub runs, built from the settings."""

from __future__ import annotations

from channels.phone import PhoneChannel
from channels.registry import ChannelRegistry
from channels.sms import SmsChannel
from channels.twilio_config import TwilioConfig, VoiceConfig
from inbox.settings import Settings
from workers.email_setup import email_channel, fax_channel
from workers.webchat_setup import webchat_channel, webchat_config


def twilio_config(settings: Settings) -> TwilioConfig | None:
    section = settings.twilio
    if not section.enabled or section.auth_token is None:
        return None
    return TwilioConfig(
        account_sid=section.account_sid,
        auth_token=section.auth_token.get_secret_value(),
        public_base_url=settings.hub.public_url,
        api_base_url=section.api_base_url,
        sms_from=section.sms_from or None,
        messaging_service_sid=section.messaging_service_sid or None,
        default_region=settings.hub.default_region,
        request_timeout_seconds=section.request_timeout_seconds,
        media_hosts=tuple(section.media_hosts),
        voice=VoiceConfig(
            caller_id=section.voice_caller_id or None,
            agent_ring_seconds=section.voice_agent_ring_seconds,
            queue_name=section.voice_queue_name,
            hold_music_url=section.voice_hold_music_url or None,
            voicemail_after_seconds=section.voice_voicemail_after_seconds,
            voicemail_max_seconds=section.voice_voicemail_max_seconds,
            default_language=settings.hub.default_language,
        ),
    )


def register_configured_channels(registry: ChannelRegistry, settings: Settings) -> None:
    """Adapters are registered only when their section of the settings configures them."""
    twilio = twilio_config(settings)
    if twilio is not None:
        registry.register(SmsChannel(twilio))
        registry.register(PhoneChannel(twilio))
    for adapter in (email_channel(settings), fax_channel(settings)):
        if adapter is not None:
            registry.register(adapter)
    webchat = webchat_config(settings)
    if webchat is not None:
        registry.register(webchat_channel(settings, webchat))
