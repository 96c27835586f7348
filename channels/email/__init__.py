"""Email in (IMAP, parsed with no I/O) and out (SMTP), threaded by reply address, Message-ID and subject."""

from __future__ import annotations

from channels.email.bounce import delivery_updates, is_delivery_report, parse_bounce
from channels.email.channel import EmailChannel
from channels.email.compose import ComposedEmail, compose_email
from channels.email.config import (
    AfterFetch,
    ComposeConfig,
    ImapConfig,
    ImapSecurity,
    ParseConfig,
    SmtpConfig,
    SmtpSecurity,
)
from channels.email.imap import Checkpoint, CheckpointStore, ImapPoller, RawMailHandler
from channels.email.inbound import deliver_mail
from channels.email.parse import parse_email
from channels.email.reply import visible_reply
from channels.email.smtp import SmtpSender
from channels.email.threading import reply_address

__all__ = [
    "AfterFetch",
    "Checkpoint",
    "CheckpointStore",
    "ComposeConfig",
    "ComposedEmail",
    "EmailChannel",
    "ImapConfig",
    "ImapPoller",
    "ImapSecurity",
    "ParseConfig",
    "RawMailHandler",
    "SmtpConfig",
    "SmtpSecurity",
    "SmtpSender",
    "compose_email",
    "deliver_mail",
    "delivery_updates",
    "is_delivery_report",
    "parse_bounce",
    "parse_email",
    "reply_address",
    "visible_reply",
]
