"""The Twilio mocks of the channel tests, for the jobs and flows that reach Twilio through the channels."""

from __future__ import annotations

from tests.channels.conftest import fake_twilio, prism_url

__all__ = ["fake_twilio", "prism_url"]
