"""The text side of search: reading a query into terms, scoring a hit, and the highlighted snippet an agent reads.

Pure functions, the same for both backends. Matching is by substring, case-insensitive, so Chinese (written
without spaces) is found without a word segmenter: 订单 finds 我的订单没有到.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
# The index finds substrings of three characters or more (trigrams); shorter terms need another way in.
INDEXED_LENGTH = 3
SNIPPET_CONTEXT = 48
_PHONE_LIKE = re.compile(r"^\+?[\d\s().-]{5,}$")


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    terms: tuple[str, ...]

    @property
    def indexed_terms(self) -> tuple[str, ...]:
        return tuple(term for term in self.terms if len(term) >= INDEXED_LENGTH)

    @property
    def short_terms(self) -> tuple[str, ...]:
        return tuple(term for term in self.terms if len(term) < INDEXED_LENGTH)

    @property
    def phone_digits(self) -> str | None:
        """A query typed as a phone number matches stored numbers whatever the spacing: 415 555-0100."""
        if not _PHONE_LIKE.match(self.text):
            return None
        digits = re.sub(r"\D", "", self.text)
        return digits if len(digits) >= INDEXED_LENGTH else None


def parse_query(raw: str) -> Query:
    """Whitespace separates terms (every term must match); quotes keep words together as one term."""
    text = " ".join(raw.split())[:MAX_QUERY_LENGTH]
    terms: list[str] = []
    for quoted, word in re.findall(r'"([^"]+)"|(\S+)', text):
        term = (quoted or word).strip().strip('"')
        if term and term.lower() not in (t.lower() for t in terms):
            terms.append(term)
    return Query(text=text, terms=tuple(terms[:MAX_TERMS]))


def _pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    # Longest first, so that a term inside another never splits its highlight.
    ordered = sorted(terms, key=len, reverse=True)
    return re.compile("|".join(re.escape(term) for term in ordered), re.IGNORECASE)


def contains_all(text: str, terms: tuple[str, ...]) -> bool:
    folded = text.casefold()
    return all(term.casefold() in folded for term in terms)


def score(query: Query, subject: str | None, text: str) -> float:
    """Relevance: a term in the subject counts most, repeated mentions a little, the query as typed a bonus."""
    total = 0.0
    subject_folded = (subject or "").casefold()
    text_folded = text.casefold()
    for term in query.terms:
        needle = term.casefold()
        if needle in subject_folded:
            total += 3.0
        total += min(text_folded.count(needle), 3)
    if len(query.terms) > 1 and query.text.casefold() in f"{subject_folded} {text_folded}":
        total += 2.0
    return total


def highlight(text: str | None, terms: tuple[str, ...]) -> Markup:
    """The whole text escaped, with every match wrapped in <mark>."""
    if not text:
        return Markup("")
    if not terms:
        return escape(text)
    parts: list[str] = []
    last = 0
    for found in _pattern(terms).finditer(text):
        parts.append(str(escape(text[last : found.start()])))
        parts.append(f"<mark>{escape(found.group(0))}</mark>")
        last = found.end()
    parts.append(str(escape(text[last:])))
    return Markup("".join(parts))


def snippet(text: str, terms: tuple[str, ...], context: int = SNIPPET_CONTEXT) -> Markup:
    """The part of the text around the first match, escaped and highlighted, with ellipses where it was cut."""
    flat = " ".join(text.split())
    found = _pattern(terms).search(flat) if terms else None
    centre = found.start() if found else 0
    start = max(centre - context, 0)
    end = min((found.end() if found else 0) + context * 2, len(flat))
    if start > 0:
        # Begin at a word boundary where the text has words; Chinese has none and is cut anywhere.
        space = flat.find(" ", start, centre)
        start = space + 1 if 0 <= space < centre else start
    piece = flat[start:end]
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(flat) else ""
    return Markup(prefix) + highlight(piece, terms) + Markup(suffix)
