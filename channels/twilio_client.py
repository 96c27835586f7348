"""The official twilio client in async mode, pointed at the API address from the settings.

``Client.api`` is a ``Domain`` whose public ``base_url`` every Messages and Calls request is built from, so
setting it is how the hub talks to a mock server in tests or a regional endpoint in production with no
patching. The client is given an explicit environment so stray ``TWILIO_EDGE``/``TWILIO_REGION`` variables
cannot rewrite that host. The aiohttp session behind ``AsyncTwilioHttpClient`` belongs to the event loop it
was made in, so it is created on first use inside that loop and closed with ``aclose``.
"""

from __future__ import annotations

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from channels.twilio_config import TwilioConfig


class TwilioApi:
    def __init__(self, config: TwilioConfig, http_client: AsyncTwilioHttpClient | None = None) -> None:
        self._config = config
        self._http_client = http_client
        self._client: Client | None = None

    @property
    def account_sid(self) -> str:
        return self._config.account_sid

    def client(self) -> Client:
        if self._client is None:
            http = self._http_client or AsyncTwilioHttpClient(timeout=self._config.request_timeout_seconds)
            self._http_client = http
            client = Client(
                self._config.account_sid,
                self._config.auth_token,
                http_client=http,
                environment={"TWILIO_ACCOUNT_SID": self._config.account_sid},
            )
            client.api.base_url = self._config.api_base_url.rstrip("/")
            self._client = client
        return self._client

    async def aclose(self) -> None:
        if self._http_client is not None:
            await self._http_client.close()
        self._client = None
        self._http_client = None
