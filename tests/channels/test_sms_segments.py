from __future__ import annotations

import pytest

from channels.base import PermanentChannelError
from channels.sms_segments import (
    MAX_BODY_CHARACTERS,
    SmsBodyTooLong,
    SmsEncoding,
    check_body_length,
    count_segments,
    encoding_for,
)


def test_plain_ascii_is_gsm7_and_fits_one_segment_up_to_160() -> None:
    count = count_segments("a" * 160)
    assert count.encoding is SmsEncoding.GSM7
    assert (count.units, count.segments, count.units_left_in_last_segment) == (160, 1, 0)


def test_161_gsm_characters_take_two_segments_of_153() -> None:
    count = count_segments("a" * 161)
    assert (count.segments, count.units_per_segment, count.units_left_in_last_segment) == (2, 153, 145)
    assert count_segments("a" * 306).segments == 2
    assert count_segments("a" * 307).segments == 3


def test_extension_characters_count_two_septets() -> None:
    count = count_segments("€" * 80)
    assert count.encoding is SmsEncoding.GSM7
    assert (count.characters, count.units, count.segments) == (80, 160, 1)
    assert count_segments("{" * 81).segments == 2


def test_escape_pair_is_not_split_across_segments() -> None:
    # 306 septets would fit two segments of 153, but 152 plain septets leave one free in the first
    # segment, too few for the two-septet euro sign, which moves whole to the second and pushes one
    # septet into a third.
    count = count_segments("a" * 152 + "€" + "a" * 152)
    assert count.units == 306
    assert count.segments == 3
    assert count.units_left_in_last_segment == 152


def test_gsm_accented_letters_stay_gsm7_but_other_accents_switch_to_ucs2() -> None:
    assert encoding_for("Café Ñandu à Zürich") is SmsEncoding.GSM7
    assert encoding_for("Crème brûlée") is SmsEncoding.UCS2


def test_chinese_is_ucs2_with_70_then_67_per_segment() -> None:
    assert count_segments("你" * 70).segments == 1
    count = count_segments("你" * 71)
    assert count.encoding is SmsEncoding.UCS2
    assert (count.segments, count.units_per_segment) == (2, 67)
    assert count_segments("你" * 134).segments == 2
    assert count_segments("你" * 135).segments == 3


def test_emoji_take_two_utf16_units_and_are_not_split() -> None:
    count = count_segments("😀" * 35)
    assert (count.units, count.segments) == (70, 1)
    # 134 units would fit two segments of 67, but each segment holds only 33 whole emoji (66 units).
    count = count_segments("😀" * 67)
    assert (count.units, count.segments, count.units_left_in_last_segment) == (134, 3, 65)


def test_empty_body_has_no_segments() -> None:
    assert count_segments("").segments == 0


def test_body_over_1600_characters_is_refused_with_reason() -> None:
    check_body_length("x" * MAX_BODY_CHARACTERS)
    with pytest.raises(SmsBodyTooLong) as caught:
        check_body_length("x" * 1734)
    assert isinstance(caught.value, PermanentChannelError)
    assert "1,734" in caught.value.reason
    assert "1,600" in caught.value.reason
