"""The fax channel: faxes arrive as mail from a fax-to-email gateway and leave as mail to one.

Inbound, mail from a configured gateway becomes a ``fax`` message whose sender is the caller's number (E.164,
a ``fax`` identity); the TIFF or PDF is kept, its pages counted (``metadata["pages"]``), and a PDF is added
when the gateway sent only a TIFF, so agents can read the fax in the browser. Outbound, the agent's reply is
rendered to a PDF and mailed to the gateway address for the customer's number (see ``channels.fax_outbound``).
"""

from __future__ import annotations

import hashlib
import re
from email.message import Message

from channels.base import (
    Attachment,
    ChannelName,
    DeliveryUpdate,
    IdentityKind,
    InboundMessage,
    OutboundMessage,
    UnparseableInput,
)
from channels.email.bodies import collect_bodies
from channels.email.config import ComposeConfig, ParseConfig
from channels.email.headers import addresses, header_date, header_text, normalize_message_id
from channels.email.parse import read_message
from channels.email.smtp import SmtpSender
from channels.fax_config import NUMBER_PATTERN_PRESETS, FaxConfig
from channels.fax_images import FaxImageError, pdf_page_count, tiff_page_count, tiff_to_pdf
from channels.fax_outbound import compose_fax_email
from channels.fax_status import gateway_delivery_update
from channels.identities import InvalidIdentity, make_identity

_TIFF_TYPES = frozenset({"image/tiff", "image/tif", "image/x-tiff"})
_PDF_TYPES = frozenset({"application/pdf", "application/x-pdf"})
_DEFAULT_PARSE = ParseConfig()


def is_from_gateway(message: Message, config: FaxConfig) -> bool:
    senders = [address.lower() for _, address in addresses(message, "From", "Sender")]
    for entry in config.gateway_senders:
        wanted = entry.strip().lower()
        if "@" in wanted and not wanted.startswith("@"):
            if wanted in senders:
                return True
        elif any(sender.endswith("@" + wanted.lstrip("@")) for sender in senders):
            return True
    return False


def sender_number(subject: str | None, body: str, config: FaxConfig) -> str | None:
    """The caller's number in E.164, from the first pattern that yields a valid number."""
    patterns = [p for name in config.presets for p in NUMBER_PATTERN_PRESETS.get(name, ())]
    patterns = [*config.number_patterns, *patterns]
    candidates = [subject or "", *body.splitlines()]
    for pattern in patterns:
        compiled = re.compile(pattern, re.IGNORECASE)
        for text in candidates:
            match = compiled.search(text)
            if match is not None:
                number = _valid_number(match.group("number"), config.default_region)
                if number is not None:
                    return number
    return None


def _valid_number(candidate: str, region: str) -> str | None:
    # Patterns are generous at the end ("(212) 555-0199 (2 pages)"), so trailing chunks are dropped until the
    # rest reads as a number.
    chunks = candidate.strip().split()
    while chunks:
        try:
            return make_identity(IdentityKind.FAX, " ".join(chunks), None, region).value
        except InvalidIdentity:
            chunks.pop()
    return None


def parse_fax(raw: bytes, config: FaxConfig, parse_config: ParseConfig = _DEFAULT_PARSE) -> InboundMessage:
    message = read_message(raw, parse_config)
    if not is_from_gateway(message, config):
        raise UnparseableInput("not sent by a configured fax gateway")
    subject = header_text(message, "Subject")
    bodies = collect_bodies(message, parse_config)
    number = sender_number(subject, bodies.text, config)
    attachments = list(bodies.attachments)
    tiffs = [a for a in attachments if a.content_type in _TIFF_TYPES or a.filename.lower().endswith((".tif", ".tiff"))]
    pdfs = [a for a in attachments if a.content_type in _PDF_TYPES or a.filename.lower().endswith(".pdf")]
    if not tiffs and not pdfs:
        raise UnparseableInput("fax gateway mail without a TIFF or PDF attachment")
    pages = _page_count(tiffs, pdfs, bodies.text)
    if pages > config.max_pages:
        raise UnparseableInput(f"fax has {pages} pages, over the {config.max_pages}-page limit")
    if tiffs and not pdfs:
        attachments.append(_readable_copy(tiffs[0]))

    metadata = {"pages": str(pages), "gateway_text": bodies.text.strip()}
    message_id = header_text(message, "Message-ID")
    external_id = normalize_message_id(message_id) if message_id else None
    return InboundMessage(
        channel=ChannelName.FAX,
        external_id=external_id or "sha256:" + hashlib.sha256(raw).hexdigest(),
        sender=make_identity(IdentityKind.FAX, number) if number else None,
        recipient=next((address.lower() for _, address in addresses(message, "To")), None),
        subject=subject,
        text=f"Fax of {pages} page{'s' if pages != 1 else ''} from {number or 'an unknown number'}",
        attachments=tuple(attachments),
        received_at=header_date(message),
        raw=raw,
        metadata=metadata | ({} if number else {"sender_unknown": "1"}),
    )


def _page_count(tiffs: list[Attachment], pdfs: list[Attachment], gateway_text: str) -> int:
    for tiff in tiffs:
        try:
            return tiff_page_count(tiff.data)
        except FaxImageError:
            continue
    for pdf in pdfs:
        counted = pdf_page_count(pdf.data)
        if counted:
            return counted
    stated = re.search(r"^\s*pages:\s*(\d+)\s*$", gateway_text, re.IGNORECASE | re.MULTILINE)
    if stated:
        return int(stated.group(1))
    raise UnparseableInput("fax image could not be read and the gateway did not state a page count")


def _readable_copy(tiff: Attachment) -> Attachment:
    try:
        pdf = tiff_to_pdf(tiff.data)
    except FaxImageError as exc:
        raise UnparseableInput(f"fax TIFF could not be converted: {exc}") from exc
    stem = tiff.filename.rsplit(".", 1)[0] or "fax"
    return Attachment(filename=f"{stem}.pdf", content_type="application/pdf", data=pdf)


class FaxChannel:
    name = ChannelName.FAX

    def __init__(
        self,
        config: FaxConfig,
        compose_config: ComposeConfig,
        sender: SmtpSender | None = None,
        parse_config: ParseConfig = _DEFAULT_PARSE,
    ) -> None:
        self.config = config
        self.compose_config = compose_config
        self.parse_config = parse_config
        self._sender = sender

    def accepts(self, raw: bytes) -> bool:
        """Whether an inbound mail belongs to this channel rather than to email."""
        try:
            return is_from_gateway(read_message(raw, self.parse_config), self.config)
        except UnparseableInput:
            return False

    def parse(self, raw: bytes) -> list[InboundMessage]:
        return [parse_fax(raw, self.config, self.parse_config)]

    def delivery_updates(self, raw: bytes) -> list[DeliveryUpdate]:
        update = gateway_delivery_update(read_message(raw, self.parse_config), self.compose_config)
        return [update] if update is not None else []

    async def send(self, outbound: OutboundMessage) -> str:
        if self._sender is None:
            raise RuntimeError("FaxChannel was built without an SMTP sender")
        composed = compose_fax_email(outbound, self.config, self.compose_config)
        await self._sender.send_bytes(composed.as_bytes(), sender=composed.sender, recipients=composed.recipients)
        return composed.message_id

    async def aclose(self) -> None:
        if self._sender is not None:
            await self._sender.aclose()
