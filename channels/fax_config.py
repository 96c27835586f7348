"""Settings of the fax channel: which mail comes from a fax-to-email gateway, and how to read and reach it."""

from __future__ import annotations

from dataclasses import dataclass

# Where common gateways put the caller's number. Each pattern has a named group "number" and is tried on the
# subject first, then on each line of the body.
NUMBER_PATTERN_PRESETS: dict[str, tuple[str, ...]] = {
    # HylaFAX faxrcvd: subject 'Fax received from "+1 555 0100"', body lines "Sender:" and "CallID1:".
    "hylafax": (
        r"fax received from\s*\"?(?P<number>\+?[\d\s().-]{4,})\"?",
        r"^\s*sender:\s*(?P<number>\+?[\d\s().-]{4,})\s*$",
        r"^\s*callid1:\s*(?P<number>\+?[\d\s().-]{4,})\s*$",
    ),
    # Hosted services phrase it "Fax from <number>", or label a body line "Caller ID:", "From:" or "Sender:".
    "hosted": (
        r"\bfax (?:message )?from\s*:?\s*\"?(?P<number>\+?[\d\s().-]{6,})",
        r"^\s*(?:caller(?: id)?|from|remote (?:csid|id)|sender(?: number)?)\s*:"
        r"\s*(?P<number>\+?[\d\s().-]{6,})\s*$",
    ),
}


@dataclass(frozen=True, slots=True)
class FaxConfig:
    """``gateway_senders`` holds full addresses (``fax@gw.example``) or domains (``gw.example``,
    ``@gw.example``).

    ``gateway_address_pattern`` builds the address an outbound fax is mailed to: ``{number}`` is the E.164
    number
    without its plus sign, ``{e164}`` the number with it.
    """

    gateway_senders: tuple[str, ...]
    presets: tuple[str, ...] = ("hylafax", "hosted")
    number_patterns: tuple[str, ...] = ()
    default_region: str = "US"
    gateway_address_pattern: str = "{number}@fax.example.net"
    business_name: str = ""
    # TrueType fonts for rendered faxes, first choice first; later ones fill in glyphs the first lacks (CJK).
    font_paths: tuple[str, ...] = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)
    max_pages: int = 200
