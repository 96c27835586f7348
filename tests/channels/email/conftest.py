"""A real SMTP server (aiosmtpd) with certificates from a throw-away CA, on a free local port."""

from __future__ import annotations

import itertools
import os
import ssl
from collections.abc import Iterator

import pytest
import trustme
from aiosmtpd.controller import Controller

from tests.channels.email.dovecot_server import Dovecot, ImapAccount, available, running_dovecot
from tests.channels.email.smtp_sink import SinkHandler, SmtpServer, authenticate
from tests.support.ports import free_port

_ACCOUNTS = itertools.count(1)


@pytest.fixture(scope="session")
def certificate_authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def client_tls(certificate_authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    certificate_authority.configure_trust(context)
    return context


def _server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture
def starttls_server(certificate_authority: trustme.CA, client_tls: ssl.SSLContext) -> Iterator[SmtpServer]:
    handler = SinkHandler()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        tls_context=_server_context(certificate_authority),
        require_starttls=True,
        auth_required=True,
        authenticator=authenticate,
    )
    controller.start()
    try:
        yield SmtpServer(handler, port, client_tls)
    finally:
        controller.stop()


@pytest.fixture
def implicit_tls_server(certificate_authority: trustme.CA, client_tls: ssl.SSLContext) -> Iterator[SmtpServer]:
    handler = SinkHandler()
    port = free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, ssl_context=_server_context(certificate_authority)
    )
    controller.start()
    try:
        yield SmtpServer(handler, port, client_tls)
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def dovecot_server(certificate_authority: trustme.CA) -> Iterator[Dovecot]:
    if not available():
        # `make test` installs it; CI must exercise the real server, so there its absence is a failure.
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Dovecot is not installed (apt-get install dovecot-imapd)")
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd)")
    with running_dovecot(certificate_authority) as server:
        yield server


@pytest.fixture
def dovecot(dovecot_server: Dovecot) -> ImapAccount:
    """A fresh, empty account on the shared server: any user name logs in and gets its own maildir."""
    return ImapAccount(port=dovecot_server.port, tls_port=dovecot_server.tls_port, user=f"hub{next(_ACCOUNTS)}")
