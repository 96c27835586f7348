"""Pieces of a real SMTP server (aiosmtpd) for the sender tests: a recording handler and login check."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.smtp import AuthResult, LoginPassword

USERNAME = "hub"
PASSWORD = "s3cret"


@dataclass
class Received:
    sender: str
    recipients: list[str]
    content: bytes
    peer: Any


@dataclass
class SinkHandler:
    """Accepts everything except addresses whose local part asks for a failure."""

    received: list[Received] = field(default_factory=list)
    drop_next: bool = False

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        local = address.split("@")[0]
        if local == "tempfail":
            return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        if local == "nouser":
            return "550 5.1.1 <nouser@example.com>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.drop_next:
            self.drop_next = False
            # The connection vanishes before the server confirms the message.
            server.transport.abort()
            return "250 OK"
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content, session.peer))
        return "250 OK queued"


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USERNAME.encode()
        and auth_data.password == PASSWORD.encode()
    )
    # handled=False lets the server send its own 535 reply on failure.
    return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    handler: SinkHandler
    port: int
    client_context: ssl.SSLContext
