"""An agent's reply as a fax: a PDF rendered with fpdf2, mailed to the gateway address for the number.

The first line of every fax names the business and the conversation reference, because a fax arrives on paper
with no other context. Text in scripts the configured fonts lack is still sent; the gap shows as missing
glyphs rather than the fax failing. Without any usable font file the built-in Helvetica is used, which covers
Latin-1 only.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF

from channels.base import (
    Attachment,
    ChannelName,
    Identity,
    IdentityKind,
    OutboundMessage,
    PermanentChannelError,
)
from channels.email.compose import ComposedEmail, compose_email
from channels.email.config import ComposeConfig
from channels.fax_config import FaxConfig
from channels.identities import InvalidIdentity, normalize_phone

# fpdf2 reports each glyph a font lacks; for faxes that is expected noise, not a problem to log.
logging.getLogger("fpdf").setLevel(logging.ERROR)


def gateway_address(number: str, config: FaxConfig) -> str:
    try:
        e164 = normalize_phone(number, config.default_region)
    except InvalidIdentity as exc:
        raise PermanentChannelError(f"{number!r} is not a fax number the gateway can dial.") from exc
    return config.gateway_address_pattern.format(number=e164.lstrip("+"), e164=e164)


def render_fax_pdf(text: str, *, business_name: str, reference: str, font_paths: tuple[str, ...] = ()) -> bytes:
    pdf = FPDF(format="letter")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    family = _load_fonts(pdf, font_paths)
    pdf.add_page()
    pdf.set_font(family, size=11)
    cover = (
        " · ".join(part for part in (business_name, reference) if part)
        if family != "helvetica"
        else (" - ".join(part for part in (business_name, reference) if part))
    )
    pdf.multi_cell(0, 6, _printable(cover, family), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(6)
    pdf.set_font(family, size=12)
    pdf.multi_cell(0, 6.5, _printable(text, family), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def compose_fax_email(outbound: OutboundMessage, config: FaxConfig, compose_config: ComposeConfig) -> ComposedEmail:
    """The mail the gateway turns into a fax: the rendered PDF plus any PDF the agent attached."""
    address = gateway_address(outbound.to.value, config)
    reference = outbound.metadata.get("reference", "")
    document = render_fax_pdf(
        outbound.text,
        business_name=config.business_name or compose_config.business_name,
        reference=reference,
        font_paths=config.font_paths,
    )
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    attachments = (
        Attachment(filename=f"fax-{outbound.message_id}-{stamp}.pdf", content_type="application/pdf", data=document),
        *(a for a in outbound.attachments if a.content_type == "application/pdf"),
    )
    as_email = OutboundMessage(
        channel=ChannelName.EMAIL,
        message_id=outbound.message_id,
        to=Identity(IdentityKind.EMAIL, address),
        text=outbound.text,
        # Gateways echo the subject in their confirmation; the reference lets an operator match it by eye.
        subject=outbound.subject or f"Fax {reference or outbound.message_id}",
        sender_address=outbound.sender_address,
        attachments=attachments,
        external_id_hint=outbound.external_id_hint,
        metadata={"reference": reference, "template": "fax"},
    )
    return compose_email(as_email, compose_config)


def _load_fonts(pdf: FPDF, font_paths: tuple[str, ...]) -> str:
    names: list[str] = []
    for index, path in enumerate(font_paths):
        if not Path(path).is_file():
            continue
        name = f"fax{index}"
        pdf.add_font(name, fname=path)
        names.append(name)
    if not names:
        return "helvetica"
    if len(names) > 1:
        pdf.set_fallback_fonts(names[1:])
    return names[0]


def _printable(text: str, family: str) -> str:
    if family == "helvetica":
        # The core fonts are Latin-1; anything else becomes "?" instead of aborting the fax.
        return text.encode("latin-1", "replace").decode("latin-1")
    return text
