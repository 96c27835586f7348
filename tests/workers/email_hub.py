"""A hub configured for email and fax against the test servers: Dovecot for IMAP, aiosmtpd for SMTP."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import aioimaplib
import trustme
from sqlalchemy import select

from inbox.models import Message
from inbox.settings import EmailMailbox, EmailSection, FaxSection, Settings
from inbox.store import Store
from tests.channels.email.dovecot_server import PASSWORD as IMAP_PASSWORD
from tests.channels.email.dovecot_server import ImapAccount
from tests.channels.email.smtp_sink import PASSWORD as SMTP_PASSWORD
from tests.channels.email.smtp_sink import USERNAME as SMTP_USERNAME

HUB_ADDRESS = "support@hub.test"
REPLY_DOMAIN = "reply.hub.test"
GATEWAY = "fax@gw.example"
# Only stops a hung test; nothing here measures speed.
HANG_GUARD_SECONDS = 30.0


def trust_file(ca: trustme.CA, folder: Path) -> Path:
    path = folder / "test-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def with_email(
    settings: Settings,
    ca_file: Path,
    *,
    smtp_port: int = 0,
    imap: ImapAccount | None = None,
    mailbox: dict[str, object] | None = None,
) -> Settings:
    """``settings`` with the ``[email]`` and ``[fax]`` sections a deployment would write, secrets included."""
    boxes = []
    if imap is not None:
        values: dict[str, object] = {
            "name": "support",
            "address": HUB_ADDRESS,
            "host": "127.0.0.1",
            "port": imap.tls_port,
            "security": "tls",
            "username": imap.user,
            "batch_size": 20,
        }
        values.update(mailbox or {})
        boxes.append(EmailMailbox.model_validate(values))
    email = EmailSection.model_validate(
        {
            "from_address": HUB_ADDRESS,
            "from_name": "Hub Support",
            "message_id_domain": "hub.test",
            "reply_domain": REPLY_DOMAIN,
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port or 25,
            "smtp_security": "starttls",
            "smtp_username": SMTP_USERNAME,
            "smtp_password": SMTP_PASSWORD,
            "smtp_pool_size": 2,
            "timeout_seconds": 10,
            "ca_file": str(ca_file),
            "imap_passwords": {"support": IMAP_PASSWORD},
            "mailboxes": boxes,
        }
    )
    fax = FaxSection(gateway_senders=[GATEWAY], business_name="Hub Hotels")
    return settings.model_copy(update={"email": email, "fax": fax})


async def append(account: ImapAccount, *messages: bytes, mailbox: str = "INBOX") -> None:
    client = aioimaplib.IMAP4(host="127.0.0.1", port=account.port, timeout=10)
    await client.wait_hello_from_server()
    assert (await client.login(account.user, IMAP_PASSWORD)).result == "OK"
    try:
        for raw in messages:
            response = await client.append(raw, mailbox=mailbox)
            assert response.result == "OK", response
    finally:
        await client.logout()


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Wait until ``check`` holds; fail only when the hang guard runs out."""
    try:
        async with asyncio.timeout(HANG_GUARD_SECONDS):
            # The condition lives in the store or on a server; there is no event to wait on.
            while not await check():  # noqa: ASYNC110
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"gave up waiting for {what}") from None


async def stored_ids(store: Store) -> list[str]:
    async with store.read() as session:
        rows = await session.execute(
            select(Message.external_id).where(Message.direction == "inbound").order_by(Message.id)
        )
        return [value for value in rows.scalars().all() if value]


async def wait_for_stored(store: Store, *external_ids: str) -> None:
    async def present() -> bool:
        return set(external_ids) <= set(await stored_ids(store))

    await eventually(present, f"messages {external_ids} stored")


def customer_mail(number: int, *, sender: str = "guest@example.com", extra: str = "") -> bytes:
    return (
        f"From: Guest <{sender}>\r\nTo: {HUB_ADDRESS}\r\nSubject: Booking question {number}\r\n"
        f"Message-ID: <guest{number}@example.com>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n{extra}\r\n"
        f"Can I change booking {number}?\r\n"
    ).encode()
