"""Fetching the pictures and files of an inbound MMS, which Twilio keeps behind the account's credentials.

The webhook only carries URLs; a job downloads them later so the webhook can answer at once. Twilio redirects
media requests to a storage host; httpx drops the credentials on that cross-host redirect, as it should.
"""

from __future__ import annotations

import mimetypes
from urllib.parse import urlsplit

import httpx

from channels.base import Attachment, PermanentChannelError, TransientChannelError
from channels.twilio_config import TwilioConfig

MAX_MEDIA_BYTES = 10 * 1024 * 1024  # Twilio accepts at most 5 MB per MMS; anything bigger is not Twilio media


def allowed_media_host(config: TwilioConfig, url: str) -> bool:
    """Credentials go only to Twilio's hosts (and the configured API host, a mock in tests)."""
    parts = urlsplit(url)
    api = urlsplit(config.api_base_url)
    return parts.scheme in ("https", "http") and (parts.hostname in config.media_hosts or parts.netloc == api.netloc)


def media_filename(url: str, content_type: str) -> str:
    name = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] or "media"
    if "." not in name:
        name += mimetypes.guess_extension(content_type) or ".bin"
    return name


async def download_media(url: str, config: TwilioConfig, *, client: httpx.AsyncClient | None = None) -> Attachment:
    """Download one media item; a missing item is permanent, a network hiccup or 5xx is worth retrying."""
    if not allowed_media_host(config, url):
        raise PermanentChannelError(f"Refusing to fetch media from an unexpected host: {urlsplit(url).netloc}")
    own_client = client is None
    http = client or httpx.AsyncClient(timeout=config.request_timeout_seconds)
    try:
        response = await http.get(url, auth=(config.account_sid, config.auth_token), follow_redirects=True)
    except httpx.HTTPError as exc:
        raise TransientChannelError(f"Could not fetch the media file ({type(exc).__name__}).") from exc
    finally:
        if own_client:
            await http.aclose()
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientChannelError(f"Twilio could not serve the media file right now (HTTP {response.status_code}).")
    if response.status_code >= 400:
        raise PermanentChannelError(f"The media file is no longer available (HTTP {response.status_code}).")
    if len(response.content) > MAX_MEDIA_BYTES:
        raise PermanentChannelError("The media file is larger than any MMS can be; it was not kept.")
    content_type = response.headers.get("content-type", "application/octet-stream").split(";")[0].strip()
    return Attachment(filename=media_filename(url, content_type), content_type=content_type, data=response.content)
