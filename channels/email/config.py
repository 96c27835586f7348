"""Settings the email adapter is built with; the composition root fills them from ``settings.toml``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

_DEFAULT_TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "email"


@dataclass(frozen=True, slots=True)
class ParseConfig:
    """Limits and addresses used while reading inbound mail.

    ``reply_domain`` and ``reply_prefix`` describe the per-conversation reply addresses we hand out
    (``reply+<token>@reply_domain``); a message sent to one carries its token as the strongest threading hint.
    """

    reply_domain: str | None = None
    reply_prefix: str = "reply"
    # The hub's own inbox addresses; the first one a message was sent to becomes its ``recipient``.
    inbox_addresses: tuple[str, ...] = ()
    max_message_bytes: int = 25 * 1024 * 1024
    max_parts: int = 500
    max_depth: int = 20
    max_attachment_bytes: int = 20 * 1024 * 1024
    max_text_chars: int = 2_000_000
    default_region: str = "US"


@dataclass(frozen=True, slots=True)
class ComposeConfig:
    """Our From address, the domain of the Message-IDs we mint, and where the templates live."""

    from_address: str
    from_name: str | None = None
    message_id_domain: str = "localhost"
    reply_domain: str | None = None
    reply_prefix: str = "reply"
    template_dir: Path = _DEFAULT_TEMPLATES
    business_name: str = ""


class SmtpSecurity(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int = 587
    security: SmtpSecurity = SmtpSecurity.STARTTLS
    username: str | None = None
    password: str | None = None
    timeout_seconds: float = 30.0
    # A CA bundle for servers with private certificates; None uses the system store.
    ca_file: str | None = None
    validate_certs: bool = True
    # One sender keeps this many connections open and reuses them across messages.
    pool_size: int = 1
    local_hostname: str | None = None
    # MAIL FROM; bounces go here. Defaults to the message's From address.
    envelope_sender: str | None = None


class ImapSecurity(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


class AfterFetch(StrEnum):
    """What happens to a message on the server once the hub has it: flagged \\Seen, or moved to a folder."""

    MARK_SEEN = "seen"
    MOVE = "move"


@dataclass(frozen=True, slots=True)
class ImapConfig:
    host: str
    username: str
    password: str
    port: int = 993
    security: ImapSecurity = ImapSecurity.TLS
    mailbox: str = "INBOX"
    after_fetch: AfterFetch = AfterFetch.MARK_SEEN
    move_to: str = "Processed"
    batch_size: int = 50
    use_idle: bool = True
    # Servers end IDLE after 30 minutes (RFC 2177). Renewing every 10 also bounds how long a connection that
    # died silently (a NAT timeout) can go unnoticed, at the cost of one cheap round trip.
    idle_renew_seconds: float = 10 * 60
    poll_interval_seconds: float = 60.0
    timeout_seconds: float = 30.0
    reconnect_min_seconds: float = 1.0
    reconnect_max_seconds: float = 300.0
    ca_file: str | None = None
