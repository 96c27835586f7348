"""The common first step of every Twilio route: read the form, check the signature, or refuse with 403."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from channels.base import ChannelName, InboundSink, UnparseableInput
from channels.twilio_config import TwilioConfig
from channels.twilio_signature import SIGNATURE_HEADER, is_signed_by_twilio, public_url

TWIML_MEDIA_TYPE = "application/xml"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'

# Twilio's webhook forms are a few kilobytes; anything far larger is not from Twilio and is not worth parsing.
MAX_FORM_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class SignedForm:
    """A webhook whose signature checked out: form fields, query parameters, and the body as received."""

    fields: dict[str, str]
    query: dict[str, str]
    raw: bytes

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)


def parse_form(raw: bytes) -> dict[str, str]:
    return dict(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))


async def _read_limited(request: Request) -> bytes | None:
    """The body, or ``None`` once it passes the limit, so an oversized upload is never held in memory."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def read_signed_form(request: Request, config: TwilioConfig) -> SignedForm | None:
    """The verified form, or ``None`` when the request must be refused: unsigned, forged, tampered, huge."""
    raw = await _read_limited(request)
    if raw is None:
        return None
    fields = parse_form(raw)
    url = public_url(config, request.url.path, request.url.query)
    if not is_signed_by_twilio(config, url, fields, request.headers.get(SIGNATURE_HEADER)):
        return None
    return SignedForm(fields=fields, query=dict(request.query_params), raw=raw)


def forbidden() -> Response:
    return Response("invalid Twilio signature", status_code=403, media_type="text/plain")


def twiml(xml: str) -> Response:
    return Response(xml, media_type=TWIML_MEDIA_TYPE)


FormHandler = Callable[["SignedForm"], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def signed_endpoint(config: TwilioConfig, sink: InboundSink, channel: ChannelName, handler: FormHandler) -> Endpoint:
    """Wrap a handler of verified forms: refuse unsigned requests with 403 before anything else happens, and
    quarantine a signed form the channel cannot read (answering 200, since Twilio retrying it cannot help)."""

    async def endpoint(request: Request) -> Response:
        form = await read_signed_form(request, config)
        if form is None:
            return forbidden()
        try:
            return await handler(form)
        except UnparseableInput as exc:
            await sink.quarantine(channel, form.raw, exc.reason)
            return twiml(EMPTY_TWIML)

    return endpoint
