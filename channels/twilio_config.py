"""Settings of the Twilio edge: credentials, the addresses Twilio and the hub use to reach each other, voice
options.

The hub's settings loader builds these values; nothing here reads the environment, so tests and several
accounts can live side by side.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROUTE_PREFIX = "/channels/twilio"

# The project's templates folder, next to the ``channels`` package; a deployment may point elsewhere.
DEFAULT_TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


@dataclass(frozen=True, slots=True)
class MenuOption:
    """One keypad choice of the voice menu: the digit a caller presses and the team it leads to."""

    digit: str
    team: str
    labels: Mapping[str, str]  # language tag -> words read to the caller, e.g. {"en": "sales", "zh-CN": "销售"}


@dataclass(frozen=True, slots=True)
class VoiceConfig:
    caller_id: str | None = None  # the hub's number shown to customers on call-backs
    agent_ring_seconds: int = 20
    queue_name: str = "support"
    # Twilio's public hold-music bucket; a deployment may play its own recording instead. With ``None`` a
    # queued caller hears silence between prompts.
    hold_music_url: str | None = "https://com.twilio.music.classical.s3.amazonaws.com/BusyStrings.mp3"
    voicemail_after_seconds: int = 90
    voicemail_max_seconds: int = 180
    menu: tuple[MenuOption, ...] = ()
    default_language: str = "en"


@dataclass(frozen=True, slots=True)
class TwilioConfig:
    account_sid: str
    auth_token: str
    # The address Twilio sees for this hub, e.g. "https://hub.example.com". Signatures are computed over it,
    # so it must be the public one, not whatever a reverse proxy forwards to the app.
    public_base_url: str
    # Twilio's REST API; a mock server's address in tests.
    api_base_url: str = "https://api.twilio.com"
    sms_from: str | None = None
    messaging_service_sid: str | None = None
    default_region: str = "US"
    request_timeout_seconds: float = 15.0
    # Hosts the account credentials may be sent to when media are fetched; the API host is always allowed.
    media_hosts: tuple[str, ...] = ("api.twilio.com",)
    sms_help_text: Mapping[str, str] = field(default_factory=dict)  # language tag -> reply to HELP
    templates_dir: Path = DEFAULT_TEMPLATES_DIR
    voice: VoiceConfig = field(default_factory=VoiceConfig)

    def callback_url(self, path: str, query: Mapping[str, str] | None = None) -> str:
        """The public URL of one of the routes under ``/channels/twilio``, as Twilio must call it."""
        url = f"{self.public_base_url.rstrip('/')}{ROUTE_PREFIX}/{path.lstrip('/')}"
        if query:
            url += "?" + urlencode(sorted(query.items()))
        return url
