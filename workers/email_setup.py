"""The email and fax adapters and the IMAP mailbox settings, built from the ``[email]`` and ``[fax]`` sections."""

from __future__ import annotations

from channels.email import (
    AfterFetch,
    ComposeConfig,
    EmailChannel,
    ImapConfig,
    ImapSecurity,
    ParseConfig,
    SmtpConfig,
    SmtpSecurity,
    SmtpSender,
)
from channels.fax import FaxChannel
from channels.fax_config import FaxConfig
from inbox.settings import EmailSection, Settings


def _domain_of(address: str) -> str:
    return address.rpartition("@")[2] or "localhost"


def parse_config(settings: Settings) -> ParseConfig:
    section = settings.email
    return ParseConfig(
        reply_domain=section.reply_domain or None,
        inbox_addresses=tuple(box.address.lower() for box in section.mailboxes if box.address),
        max_message_bytes=settings.ingest.max_body_bytes,
        default_region=settings.hub.default_region,
    )


def compose_config(settings: Settings) -> ComposeConfig:
    section = settings.email
    return ComposeConfig(
        from_address=section.from_address,
        from_name=section.from_name or None,
        message_id_domain=message_id_domain(section),
        reply_domain=section.reply_domain or None,
        business_name=settings.fax.business_name or settings.hub.name,
    )


def message_id_domain(section: EmailSection) -> str:
    return section.message_id_domain or _domain_of(section.from_address)


def smtp_config(section: EmailSection) -> SmtpConfig:
    return SmtpConfig(
        host=section.smtp_host,
        port=section.smtp_port,
        security=SmtpSecurity(section.smtp_security),
        username=section.smtp_username or None,
        password=section.smtp_password.get_secret_value() if section.smtp_password else None,
        timeout_seconds=section.timeout_seconds,
        ca_file=section.ca_file or None,
        pool_size=section.smtp_pool_size,
    )


def imap_configs(section: EmailSection) -> list[ImapConfig]:
    return [
        ImapConfig(
            host=box.host,
            username=box.username,
            password=section.imap_password_for(box),
            port=box.port,
            security=ImapSecurity(box.security),
            mailbox=box.mailbox,
            after_fetch=AfterFetch(box.after_fetch),
            move_to=box.move_to,
            batch_size=box.batch_size,
            use_idle=box.use_idle,
            poll_interval_seconds=box.poll_interval_seconds,
            timeout_seconds=section.timeout_seconds,
            ca_file=section.ca_file or None,
        )
        for box in section.mailboxes
    ]


def fax_config(settings: Settings) -> FaxConfig | None:
    section = settings.fax
    if not (settings.email.enabled and section.enabled):
        return None
    return FaxConfig(
        gateway_senders=tuple(section.gateway_senders),
        presets=tuple(section.presets),
        number_patterns=tuple(section.number_patterns),
        default_region=settings.hub.default_region,
        gateway_address_pattern=section.gateway_address_pattern,
        business_name=section.business_name or settings.hub.name,
    )


def email_channel(settings: Settings) -> EmailChannel | None:
    if not settings.email.enabled:
        return None
    sender = SmtpSender(smtp_config(settings.email))
    return EmailChannel(parse_config(settings), compose_config(settings), sender)


def fax_channel(settings: Settings) -> FaxChannel | None:
    config = fax_config(settings)
    if config is None:
        return None
    # A sender of its own: closing either adapter must not close the other's connections.
    sender = SmtpSender(smtp_config(settings.email))
    return FaxChannel(config, compose_config(settings), sender, parse_config(settings))
