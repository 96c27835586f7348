"""The hub's configuration: ``settings.toml`` for safe defaults, ``HUB_*`` environment variables on top.

Secrets are accepted from the environment only; ``hub check`` reports one found in the file as an error.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from inbox.routing_settings import RoutingSection

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SETTINGS_FILE_VARIABLE = "HUB_SETTINGS_FILE"
SECRET_KEYS = frozenset(
    {
        "secret_key",
        "password",
        "auth_token",
        "api_key",
        "token",
        "encryption_keys",
        "identity_secrets",
        "smtp_password",
        "imap_password",
        "imap_passwords",
    }
)


def settings_file() -> Path:
    return Path(os.environ.get(SETTINGS_FILE_VARIABLE, PROJECT_ROOT / "settings.toml"))


class HubSection(BaseModel):
    name: str = "Contact Hub"
    public_url: str = "http://127.0.0.1:8000"
    data_dir: Path = Path("var")
    default_region: str = "US"
    default_language: str = "en"

    @field_validator("public_url")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("default_region")
    @classmethod
    def _region_code(cls, value: str) -> str:
        if len(value) != 2 or not value.isalpha():
            raise ValueError("must be a two-letter region code such as US or CN")
        return value.upper()


class DatabaseSection(BaseModel):
    url: str = "sqlite+aiosqlite:///var/hub.db"
    pool_size: int = Field(default=10, ge=1, le=200)
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _supported_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")


class JobsSection(BaseModel):
    redis_url: str = ""
    queue_name: str = "hub:jobs"
    max_attempts: int = Field(default=8, ge=1, le=100)
    backoff_base_seconds: float = Field(default=2.0, gt=0)
    backoff_max_seconds: float = Field(default=900.0, gt=0)
    relay_interval_seconds: float = Field(default=1.0, gt=0)
    relay_batch_size: int = Field(default=200, ge=1)
    lease_seconds: int = Field(default=300, ge=1)

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be empty (embedded runner) or start with redis://, rediss:// or unix://")
        return value

    @property
    def uses_arq(self) -> bool:
        return bool(self.redis_url)


class IngestSection(BaseModel):
    max_body_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    inline_raw_max_bytes: int = Field(default=256 * 1024, ge=0)
    reopen_window_hours: float = Field(default=168, ge=0)


class ValueSection(BaseModel):
    """Customer value: score = realised·w + potential·w + model·w − cost to serve; tiers by share of customers."""

    weight_realised: float = 1.0
    weight_potential: float = 0.5
    weight_model: float = 0.3
    cost_per_contact: float = Field(default=5.0, ge=0)
    share_platinum: float = Field(default=0.05, ge=0, le=1)
    share_gold: float = Field(default=0.15, ge=0, le=1)
    share_silver: float = Field(default=0.30, ge=0, le=1)
    key_account_min_score: float = Field(default=25_000.0, ge=0)


class ScheduleSection(BaseModel):
    """How often the periodic jobs run, in seconds; 0 turns one off."""

    recompute_values_seconds: int = Field(default=3600, ge=0)
    # A drain is queued whenever capacity frees; this one catches what a missed trigger would leave waiting.
    drain_queue_seconds: int = Field(default=60, ge=0)
    # Data past its retention period (see [privacy]) is destroyed by this job.
    purge_seconds: int = Field(default=86400, ge=0)


class TwilioSection(BaseModel):
    """SMS and phone through Twilio; on when an account SID and auth token are set (both from the environment:
    HUB_TWILIO__ACCOUNT_SID, HUB_TWILIO__AUTH_TOKEN)."""

    account_sid: str = ""
    auth_token: SecretStr | None = None
    api_base_url: str = "https://api.twilio.com"
    sms_from: str = ""
    messaging_service_sid: str = ""
    media_hosts: list[str] = Field(default_factory=lambda: ["api.twilio.com"])
    request_timeout_seconds: float = Field(default=15.0, gt=0)
    voice_caller_id: str = ""
    voice_queue_name: str = "support"
    voice_agent_ring_seconds: int = Field(default=20, ge=5, le=120)
    voice_voicemail_after_seconds: int = Field(default=90, ge=0)
    voice_voicemail_max_seconds: int = Field(default=180, ge=10)
    voice_hold_music_url: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.account_sid and self.auth_token and self.auth_token.get_secret_value())


class WebchatInbox(BaseModel):
    """One site embedding the chat widget (``data-inbox="<key>"`` on its script tag)."""

    key: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = "Support"
    # Origins (scheme://host[:port]) whose pages may open a chat; any other page is refused.
    allowed_origins: list[str] = Field(default_factory=list)
    prechat_form: bool = False
    # This site's own business hours and their zone, when they differ from the chat's (``[webchat] hours``).
    hours: list[str] | None = None
    timezone: str | None = None


class WebchatSection(BaseModel):
    """The chat widget; on when a signing key is set (HUB_WEBCHAT__SECRET_KEY) and an inbox is listed.

    Each inbox's identity-verification secret comes from HUB_WEBCHAT__IDENTITY_SECRETS, a JSON object
    ``{"<inbox key>": "<secret>"}``."""

    secret_key: SecretStr | None = None
    identity_secrets: dict[str, SecretStr] = Field(default_factory=dict)
    inboxes: list[WebchatInbox] = Field(default_factory=list)
    max_text_chars: int = Field(default=4000, ge=1, le=100_000)
    max_upload_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, le=20 * 1024 * 1024)
    visitor_burst: int = Field(default=8, ge=1)
    visitor_per_second: float = Field(default=1.0, gt=0)
    address_burst: int = Field(default=60, ge=1)
    address_per_second: float = Field(default=10.0, gt=0)
    # When agents answer chats, e.g. ["mon-fri 09:00-18:00", "sat 10:00-14:00"]; empty: around the clock.
    hours: list[str] = Field(default_factory=list)
    timezone: str = "UTC"

    @property
    def enabled(self) -> bool:
        return bool(self.secret_key and self.secret_key.get_secret_value() and self.inboxes)


class EmailMailbox(BaseModel):
    """One IMAP mailbox the hub reads; its password is HUB_EMAIL__IMAP_PASSWORDS['<name>'] or, failing that,
    HUB_EMAIL__IMAP_PASSWORD."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    # The address customers write to; mail sent to it names it as the message's recipient.
    address: str = ""
    host: str = Field(min_length=1)
    port: int = Field(default=993, ge=1, le=65535)
    security: Literal["tls", "starttls", "none"] = "tls"
    username: str = Field(min_length=1)
    mailbox: str = "INBOX"
    after_fetch: Literal["seen", "move"] = "seen"
    move_to: str = "Processed"
    batch_size: int = Field(default=50, ge=1, le=200)
    use_idle: bool = True
    poll_interval_seconds: float = Field(default=60.0, gt=0)


class EmailSection(BaseModel):
    """Email in (IMAP) and out (SMTP); on when ``from_address`` and ``smtp_host`` are set. Passwords come from
    the environment only: HUB_EMAIL__SMTP_PASSWORD, HUB_EMAIL__IMAP_PASSWORD (shared by every mailbox) and
    HUB_EMAIL__IMAP_PASSWORDS, a JSON object ``{"<mailbox name>": "<password>"}`` for mailboxes that differ."""

    from_address: str = ""
    from_name: str = ""
    # The domain of the Message-IDs we mint; empty: the domain of ``from_address``.
    message_id_domain: str = ""
    # Replies are asked for at reply+<token>@reply_domain; empty: no per-conversation reply address.
    reply_domain: str = ""
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str = ""
    smtp_password: SecretStr | None = None
    smtp_pool_size: int = Field(default=4, ge=1, le=100)
    timeout_seconds: float = Field(default=30.0, gt=0)
    # A CA bundle for mail servers with private certificates; empty: the system's trust store.
    ca_file: str = ""
    # Processes that parse inbound mail beside the one storing it; 0 parses in the process itself.
    parse_processes: int = Field(default=0, ge=0, le=64)
    imap_password: SecretStr | None = None
    imap_passwords: dict[str, SecretStr] = Field(default_factory=dict)
    mailboxes: list[EmailMailbox] = Field(default_factory=list)

    @property
    def enabled(self) -> bool:
        return bool(self.from_address and self.smtp_host)

    def imap_password_for(self, mailbox: EmailMailbox) -> str:
        secret = self.imap_passwords.get(mailbox.name) or self.imap_password
        return secret.get_secret_value() if secret is not None else ""


class FaxSection(BaseModel):
    """Fax through fax-to-email gateways; on when email is on and a gateway sender is listed."""

    # Full addresses (fax@gw.example) or domains (gw.example) whose mail is a received fax or a fax status.
    gateway_senders: list[str] = Field(default_factory=list)
    # Built-in patterns for the caller's number: "hylafax", "hosted"; tried after ``number_patterns``.
    presets: list[Literal["hylafax", "hosted"]] = Field(default=["hylafax", "hosted"])
    # Extra regular expressions with a named group "number", tried on the subject, then on each body line.
    number_patterns: list[str] = Field(default_factory=list)
    # Where an outbound fax is mailed: {number} is the E.164 number without "+", {e164} with it.
    gateway_address_pattern: str = "{number}@fax.example.net"
    # Printed on the cover line of outbound faxes; empty: the hub's name.
    business_name: str = ""

    @field_validator("number_patterns")
    @classmethod
    def _patterns_with_number(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                compiled = re.compile(pattern)
            except re.error as error:
                raise ValueError(f"{pattern!r} is not a regular expression: {error}") from None
            if "number" not in compiled.groupindex:
                raise ValueError(f"{pattern!r} has no group named 'number'")
        return value

    @property
    def enabled(self) -> bool:
        return bool(self.gateway_senders)


class WebSection(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    secret_key: SecretStr | None = None


class LiveSection(BaseModel):
    """The agents' live inbox: how often a connected screen says it is there, and how long a silent one stays
    online before it counts as away."""

    heartbeat_seconds: int = Field(default=20, ge=5, le=300)
    away_after_seconds: int = Field(default=60, ge=10, le=3600)
    # The periodic check that turns silent screens into away, for processes that could not do it themselves.
    presence_sweep_seconds: int = Field(default=30, ge=0)
    # Web addresses, besides the hub's own, whose pages may open the live socket (e.g. a second host name).
    allowed_origins: list[str] = Field(default_factory=list)


class SupervisorSection(BaseModel):
    """The supervisor's page: first-response targets per channel (minutes) and when a conversation counts as
    at risk of missing its target (the share of the target already spent)."""

    first_response_minutes: dict[str, int] = Field(
        default_factory=lambda: {"phone": 1, "webchat": 2, "sms": 60, "email": 240, "fax": 480}
    )
    at_risk_share: float = Field(default=0.8, gt=0, lt=1)
    # First-response and resolution times are taken over conversations started in this many past days.
    times_window_days: int = Field(default=7, ge=1, le=90)


class PrivacySection(BaseModel):
    """Encryption of sensitive customer fields and how long each kind of data is kept (in days)."""

    # Comma-separated keys, newest first, from HUB_PRIVACY__ENCRYPTION_KEYS only (`hub keys generate` makes one).
    encryption_keys: SecretStr | None = None
    # Custom attributes whose values are sealed like the built-in sensitive fields.
    sensitive_attributes: list[str] = Field(default_factory=list)
    raw_payloads_days: int = Field(default=90, ge=1)
    resolved_attachments_days: int = Field(default=730, ge=1)
    chat_visitors_days: int = Field(default=30, ge=1)
    audit_log_days: int = Field(default=2555, ge=1)
    quarantine_days: int = Field(default=90, ge=1)
    purge_batch_size: int = Field(default=1000, ge=1, le=100_000)
    rotation_batch_size: int = Field(default=500, ge=1, le=100_000)
    # A file touched this recently may be about to gain a row (ingest writes files before rows): left for later.
    file_grace_minutes: int = Field(default=60, ge=0)

    @field_validator("encryption_keys")
    @classmethod
    def _usable_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().strip():
            from inbox.crypto.keyring import KeyringError, parse_keys

            try:
                parse_keys(value.get_secret_value())
            except KeyringError as error:
                raise ValueError(str(error)) from None
        return value


class WebhooksSection(BaseModel):
    """Outgoing webhooks: how long a receiver may take, and how fresh the list of subscribed events must be."""

    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    # Each process remembers which event kinds any active endpoint wants for this long, so emitting costs no
    # query on the hot paths; a change made in another process reaches this one within this many seconds.
    subscription_cache_seconds: float = Field(default=5.0, ge=0, le=300)
    # Receivers should refuse a signature whose timestamp is further than this from their clock (replay window).
    signature_tolerance_seconds: int = Field(default=300, ge=1)
    # Finished deliveries (succeeded or dead) are kept this long for the log and redelivery: their bodies hold
    # customer data, so they do not stay for ever.
    delivery_log_days: int = Field(default=30, ge=1)
    # How often the log is trimmed (0: never).
    log_purge_seconds: int = Field(default=3600, ge=0)


class CampaignsSection(BaseModel):
    """Marketing campaigns: pace, quiet hours, frequency cap, consent and ROI attribution."""

    # Messages per second for an email campaign; 0 sends as fast as the SMTP pool allows.
    email_per_second: float = Field(default=50.0, ge=0)
    # Messages per second per SMS sending number (carriers commonly allow 1 on a long code); 0: no limit.
    sms_per_second: float = Field(default=1.0, ge=0)
    # Recipients claimed by one sending job; a job also stops early to stay well inside its lease.
    batch_size: int = Field(default=500, ge=1, le=10_000)
    # Sending jobs working side by side on one email campaign (the rate is shared between them).
    email_lanes: int = Field(default=2, ge=1, le=32)
    # Quiet hours in each customer's own time zone ("HH:MM"); equal start and end turn them off.
    quiet_hours_start: str = "21:00"
    quiet_hours_end: str = "08:00"
    # For customers whose time zone is unknown.
    default_timezone: str = "UTC"
    # At most this many campaign messages per customer within frequency_cap_days; 0 turns the cap off.
    frequency_cap: int = Field(default=4, ge=0)
    frequency_cap_days: int = Field(default=7, ge=1)
    # True: only customers who consented to the channel receive campaigns; False: all but those who opted out.
    require_consent: bool = True
    # Payments made within this many days after a campaign message count as its revenue.
    attribution_days: int = Field(default=14, ge=1)
    # A recipient whose message keeps failing temporarily is marked failed after this many attempts.
    max_send_attempts: int = Field(default=5, ge=1)
    # Members of the segment rendered before a campaign may start, so a template error stops it up front.
    check_sample: int = Field(default=50, ge=1)
    # Optional mailto: unsubscribe address offered next to the one-click link (List-Unsubscribe).
    unsubscribe_mailto: str = ""
    # How often delivery reports, bounces and replies are carried over to campaign recipients; 0 turns it off.
    sync_seconds: int = Field(default=60, ge=0)

    @field_validator("quiet_hours_start", "quiet_hours_end")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError("must be a time of day as HH:MM, e.g. 21:00")
        return value


class RecoverySection(BaseModel):
    """Service recovery: the words that flag a complaint, how fast it must be recovered, the remedy menu, the
    follow-up visit after resolution, and how long a new contact still counts as a repeat of a complaint."""

    enabled: bool = True
    # Matched as whole words, ignoring case ("refund" does not match "refunded"; list that form too if wanted).
    signals_en: list[str] = Field(
        default_factory=lambda: ["complaint", "complain", "refund", "lawyer", "attorney", "regulator", "ombudsman"]
    )
    # Matched anywhere in the text: Chinese is written without spaces between words.
    signals_zh: list[str] = Field(default_factory=lambda: ["投诉", "退款", "律师", "消协", "曝光"])
    recovery_sla_hours: float = Field(default=24.0, gt=0)
    remedies: list[str] = Field(
        default_factory=lambda: ["apology", "refund", "replacement", "discount voucher", "callback"], min_length=1
    )
    follow_up_days: int = Field(default=3, ge=0, le=365)
    repeat_contact_window_days: int = Field(default=14, ge=0, le=365)


class SatisfactionSection(BaseModel):
    """The survey asked after a conversation is resolved, on the channel the customer used."""

    enabled: bool = True
    # Waiting a little lets a resolution made by mistake be undone before the customer is asked anything.
    delay_minutes: float = Field(default=10.0, ge=0)
    # A bare digit 1-5 by SMS or chat within this time after the survey is its answer.
    reply_window_hours: float = Field(default=48.0, gt=0)
    # The survey link works, and a later answer replaces the first, for this long.
    answer_window_days: float = Field(default=14.0, gt=0)


class CollaborationSection(BaseModel):
    """The conversation page's composer: reply attachments, and how often snoozed conversations are woken."""

    # Each file attached to a reply, and all of them together (mail servers commonly refuse more than ~25 MB).
    max_attachment_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=50 * 1024 * 1024)
    max_total_attachment_bytes: int = Field(default=20 * 1024 * 1024, ge=1024, le=50 * 1024 * 1024)
    max_attachments: int = Field(default=10, ge=0, le=50)
    max_cc: int = Field(default=10, ge=0, le=50)
    # Seconds between checks for snoozed conversations whose time has come; 0 turns waking off.
    wake_snoozed_seconds: int = Field(default=60, ge=0)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUB_", env_nested_delimiter="__", extra="forbid")

    hub: HubSection = HubSection()
    database: DatabaseSection = DatabaseSection()
    jobs: JobsSection = JobsSection()
    ingest: IngestSection = IngestSection()
    value: ValueSection = ValueSection()
    schedule: ScheduleSection = ScheduleSection()
    twilio: TwilioSection = TwilioSection()
    webchat: WebchatSection = WebchatSection()
    web: WebSection = WebSection()
    live: LiveSection = LiveSection()
    supervisor: SupervisorSection = SupervisorSection()
    email: EmailSection = EmailSection()
    fax: FaxSection = FaxSection()
    privacy: PrivacySection = PrivacySection()
    collaboration: CollaborationSection = CollaborationSection()
    recovery: RecoverySection = RecoverySection()
    satisfaction: SatisfactionSection = SatisfactionSection()
    webhooks: WebhooksSection = WebhooksSection()
    campaigns: CampaignsSection = CampaignsSection()
    routing: RoutingSection = RoutingSection()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=settings_file())
        return (init_settings, env_settings, toml)

    @property
    def data_dir(self) -> Path:
        """The data folder, relative paths taken from the project root so every command agrees on it."""
        path = self.hub.data_dir
        return path if path.is_absolute() else PROJECT_ROOT / path

    @property
    def database_url(self) -> str:
        """The store's URL with a relative SQLite path resolved against the project root."""
        url = self.database.url
        prefix = "sqlite+aiosqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            return prefix + str(PROJECT_ROOT / url[len(prefix) :])
        return url


class ConfigurationError(Exception):
    """The configuration cannot be used; ``problems`` says where and why, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _secrets_in_file(path: Path) -> list[str]:
    if not path.exists():
        return []
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    found: list[str] = []

    def walk(node: Any, trail: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                here = f"{trail}.{key}" if trail else str(key)
                if key in SECRET_KEYS:
                    found.append(
                        f"{here}: secrets must not be written in {path.name}; "
                        f"set HUB_{here.upper().replace('.', '__')} in the environment"
                    )
                walk(value, here)

    walk(document, "")
    return found


def load_settings(**overrides: Any) -> Settings:
    """Read and validate the configuration, raising ``ConfigurationError`` with every problem found."""
    path = settings_file()
    problems: list[str] = []
    try:
        problems.extend(_secrets_in_file(path))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError([f"{path}: not valid TOML: {exc}"]) from exc
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            # A secret's value is never echoed back, not even a malformed one.
            shown = "" if set(map(str, error["loc"])) & SECRET_KEYS else f" (got {error.get('input')!r})"
            problems.append(f"{where}: {error['msg']}{shown}")
        raise ConfigurationError(problems) from exc
    if problems:
        raise ConfigurationError(problems)
    return settings
