"""The Twilio mocks of the channel tests, for the jobs and flows that reach Twilio through the channels, and the
mail servers of the email tests, for the flows that read and send mail."""

from __future__ import annotations

from tests.channels.conftest import fake_twilio, prism_url
from tests.channels.email.conftest import (
    certificate_authority,
    client_tls,
    dovecot,
    dovecot_server,
    starttls_server,
)

__all__ = [
    "certificate_authority",
    "client_tls",
    "dovecot",
    "dovecot_server",
    "fake_twilio",
    "prism_url",
    "starttls_server",
]
