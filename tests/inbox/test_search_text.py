from __future__ import annotations

from inbox.search_text import highlight, parse_query, score, snippet


def test_queries_split_into_terms_with_quotes_kept_together() -> None:
    query = parse_query('  refund   "late delivery" 订单 Refund ')
    assert query.terms == ("refund", "late delivery", "订单")
    assert query.indexed_terms == ("refund", "late delivery") and query.short_terms == ("订单",)
    assert parse_query("").terms == ()


def test_a_query_typed_as_a_phone_number_matches_by_digits() -> None:
    assert parse_query("+1 (415) 555-0100").phone_digits == "14155550100"
    assert parse_query("room 415").phone_digits is None


def test_highlight_escapes_everything_and_marks_each_match() -> None:
    marked = highlight('<b onclick="x">Refund</b> the REFUND', ("refund",))
    assert str(marked) == "&lt;b onclick=&#34;x&#34;&gt;<mark>Refund</mark>&lt;/b&gt; the <mark>REFUND</mark>"
    assert str(highlight("退款申请已收到", ("退款",))) == "<mark>退款</mark>申请已收到"


def test_a_snippet_is_cut_around_the_first_match() -> None:
    text = " ".join(["filler"] * 40) + " the parcel never arrived " + " ".join(["more"] * 40)
    piece = str(snippet(text, ("parcel",)))
    assert piece.startswith("…") and piece.endswith("…") and "<mark>parcel</mark> never arrived" in piece
    assert len(piece) < len(text)
    assert str(snippet("short & sweet", ("nothing",))) == "short &amp; sweet"


def test_subject_matches_outrank_body_mentions() -> None:
    query = parse_query("invoice")
    assert score(query, "Invoice for March", "see below") > score(query, None, "the invoice, the invoice")
