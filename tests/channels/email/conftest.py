"""A real SMTP server (aiosmtpd) with certificates from a throw-away CA, on a free local port."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import pytest
import trustme
from aiosmtpd.controller import Controller
from smtp_sink import SinkHandler, SmtpServer, authenticate, free_port


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
def implicit_tls_server(
    certificate_authority: trustme.CA, client_tls: ssl.SSLContext
) -> Iterator[SmtpServer]:
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
