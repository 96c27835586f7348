"""Sending composed mail over SMTP with aiosmtplib, reusing connections between messages.

Opening a TLS session and logging in costs several round trips, so a sender keeps up to ``pool_size`` sessions
open and hands them out one message at a time. A session the server closed while it sat idle is noticed with a
NOOP and replaced before use; a failure during a send discards the session, so the next message starts on a
fresh one.

Failures become the hub's channel errors: 4xx replies, timeouts and dropped connections are worth retrying;
5xx replies are final and carry the server's own words, which the agent will read. A rejected login is
reported as retryable because it is a configuration fault, not something wrong with the message.
"""

from __future__ import annotations

import asyncio
import copy
import ssl
import time
from email.generator import BytesGenerator
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses, parseaddr
from io import BytesIO

import aiosmtplib

from channels.base import ChannelError, PermanentChannelError, TransientChannelError
from channels.email.config import SmtpConfig, SmtpSecurity

_WIRE_POLICY = compat32.clone(linesep="\r\n")
# A session idle longer than this is checked with NOOP before use; servers commonly drop idle clients after
# 30-300 s.
_IDLE_CHECK_SECONDS = 10.0


class _Session:
    def __init__(self, client: aiosmtplib.SMTP) -> None:
        self.client = client
        self.last_used = time.monotonic()


class SmtpSender:
    def __init__(self, config: SmtpConfig, *, tls_context: ssl.SSLContext | None = None) -> None:
        self._config = config
        self._tls_context = tls_context or _context_from_config(config)
        self._idle: list[_Session] = []
        self._slots = asyncio.Semaphore(max(1, config.pool_size))

    async def send(self, message: Message, recipients: tuple[str, ...] | None = None) -> None:
        """Deliver one message; the envelope comes from its headers unless ``recipients`` is given."""
        sender = self._config.envelope_sender or parseaddr(str(message.get("From", "")))[1]
        if recipients is None:
            fields = [str(value) for name in ("To", "Cc", "Bcc") for value in message.get_all(name, [])]
            recipients = tuple(address for _, address in getaddresses(fields) if address)
        if "Bcc" in message:
            # Blind copies are envelope-only; the header itself must never reach any recipient.
            message = copy.deepcopy(message)
            del message["Bcc"]
        buffer = BytesIO()
        BytesGenerator(buffer, mangle_from_=False, policy=_WIRE_POLICY).flatten(message)
        await self.send_bytes(buffer.getvalue(), sender=sender, recipients=recipients)

    async def send_bytes(self, data: bytes, *, sender: str, recipients: tuple[str, ...]) -> None:
        """Deliver a serialized message; raise ``TransientChannelError`` or ``PermanentChannelError``."""
        envelope_from = self._config.envelope_sender or sender
        async with self._slots:
            session = await self._checkout()
            try:
                # Recipients refused while others were accepted are not an error: the message went out.
                await session.client.sendmail(envelope_from, list(recipients), data)
            except Exception as exc:
                await self._release_after_failure(session, exc)
                raise channel_error(exc) from exc
            except BaseException:
                await _discard(session)
                raise
            session.last_used = time.monotonic()
            self._idle.append(session)

    async def _release_after_failure(self, session: _Session, exc: Exception) -> None:
        """Keep a session the server merely refused a message on; drop one whose state is unknown."""
        refused = isinstance(exc, aiosmtplib.SMTPResponseException | aiosmtplib.SMTPRecipientsRefused)
        if refused and session.client.is_connected:
            try:
                await session.client.rset()
            except (aiosmtplib.SMTPException, OSError):
                await _discard(session)
                return
            session.last_used = time.monotonic()
            self._idle.append(session)
            return
        await _discard(session)

    async def aclose(self) -> None:
        sessions, self._idle = self._idle, []
        for session in sessions:
            await _quit(session)

    async def _checkout(self) -> _Session:
        while self._idle:
            session = self._idle.pop()
            if await _still_open(session):
                return session
            await _discard(session)
        client = self._client()
        try:
            await client.connect()
        except Exception as exc:
            await _discard(_Session(client))
            raise channel_error(exc) from exc
        return _Session(client)

    def _client(self) -> aiosmtplib.SMTP:
        config = self._config
        return aiosmtplib.SMTP(
            hostname=config.host,
            port=config.port,
            username=config.username,
            password=config.password,
            local_hostname=config.local_hostname,
            timeout=config.timeout_seconds,
            use_tls=config.security is SmtpSecurity.TLS,
            start_tls=config.security is SmtpSecurity.STARTTLS,
            validate_certs=config.validate_certs,
            tls_context=self._tls_context if config.security is not SmtpSecurity.NONE else None,
        )


def channel_error(exc: Exception) -> ChannelError:
    """Retry on 4xx and network trouble; fail on 5xx with the server's text."""
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return TransientChannelError(
            f"The mail server rejected the hub's login ({exc.code} {exc.message}); check the SMTP credentials.",
            code=str(exc.code),
        )
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        first = exc.recipients[0]
        return _from_reply(first.code, f"{first.recipient}: {first.message}")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return _from_reply(exc.code, exc.message)
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return TransientChannelError("The mail server did not answer in time; the message will be tried again.")
    if isinstance(exc, OSError | aiosmtplib.SMTPException):
        return TransientChannelError(f"Could not talk to the mail server ({exc}); the message will be tried again.")
    return TransientChannelError(f"Unexpected SMTP failure: {exc!r}")


def _from_reply(code: int, text: str) -> ChannelError:
    reason = f"The mail server answered {code}: {text.strip()}"
    if 500 <= code < 600:
        return PermanentChannelError(reason, code=str(code))
    return TransientChannelError(reason, code=str(code))


def _context_from_config(config: SmtpConfig) -> ssl.SSLContext | None:
    if config.ca_file is None:
        return None
    return ssl.create_default_context(cafile=config.ca_file)


async def _still_open(session: _Session) -> bool:
    if not session.client.is_connected:
        return False
    if time.monotonic() - session.last_used < _IDLE_CHECK_SECONDS:
        return True
    try:
        await session.client.noop()
    except (aiosmtplib.SMTPException, OSError):
        return False
    return True


async def _quit(session: _Session) -> None:
    try:
        await session.client.quit()
    except (aiosmtplib.SMTPException, OSError):
        session.client.close()


async def _discard(session: _Session) -> None:
    # Closing without QUIT: after a failure the protocol state is unknown and the server may already be gone.
    session.client.close()
