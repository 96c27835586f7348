"""How many SMS segments a body costs, so the composer can show it before sending, and the body length limit.

A body that fits the GSM 03.38 7-bit alphabet is sent as GSM-7: 160 septets in one segment, 153 per segment
once it is split (the rest carries the concatenation header). Characters from the extension table take an
escape septet plus their own, and the pair is never split across segments. Any other character turns the whole
body into UCS-2: 70 UTF-16 code units in one segment, 67 per segment when split, and surrogate pairs stay
whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from channels.base import PermanentChannelError

# Twilio refuses longer bodies (error 21617); checking first gives the agent a clearer reason and saves a
# request.
MAX_BODY_CHARACTERS = 1600

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

_SINGLE = {"GSM-7": 160, "UCS-2": 70}
_CONCATENATED = {"GSM-7": 153, "UCS-2": 67}


class SmsEncoding(StrEnum):
    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


@dataclass(frozen=True, slots=True)
class SegmentCount:
    encoding: SmsEncoding
    characters: int
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int
    units_per_segment: int
    units_left_in_last_segment: int


class SmsBodyTooLong(PermanentChannelError):
    def __init__(self, length: int) -> None:
        super().__init__(
            f"The text is {length:,} characters long; an SMS may have at most {MAX_BODY_CHARACTERS:,}. "
            "Shorten it or send it as several messages.",
            code="21617",
        )
        self.length = length


def encoding_for(body: str) -> SmsEncoding:
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in body):
        return SmsEncoding.GSM7
    return SmsEncoding.UCS2


def _unit_cost(ch: str, encoding: SmsEncoding) -> int:
    if encoding is SmsEncoding.GSM7:
        return 2 if ch in GSM7_EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1


def count_segments(body: str) -> SegmentCount:
    encoding = encoding_for(body)
    costs = [_unit_cost(ch, encoding) for ch in body]
    units = sum(costs)
    single = _SINGLE[encoding.value]
    if units <= single:
        return SegmentCount(encoding, len(body), units, 1 if body else 0, single, single - units)
    capacity = _CONCATENATED[encoding.value]
    segments, used = 1, 0
    for cost in costs:
        if used + cost > capacity:
            segments, used = segments + 1, 0
        used += cost
    return SegmentCount(encoding, len(body), units, segments, capacity, capacity - used)


def check_body_length(body: str) -> None:
    """Refuse a body Twilio would refuse, with words an agent can act on."""
    if len(body) > MAX_BODY_CHARACTERS:
        raise SmsBodyTooLong(len(body))
