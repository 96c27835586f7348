"""HTML from customers, made safe to show to agents, and turned into plain text when only HTML was sent.

Every channel that accepts HTML (email bodies, web chat rich text) passes it through ``sanitize_html`` before
it is stored, so the agents' browser never sees script, event handlers, frames, forms or style tricks. The
allow-list is the sanitizer's conservative default plus what mail clients need to render a message legibly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html.parser import HTMLParser

import nh3

_ALLOWED_TAGS = frozenset(nh3.ALLOWED_TAGS | {"font", "tfoot"})

# Presentation attributes mail clients rely on; "style" is allowed only through the property and value
# filters.
_GLOBAL_ATTRIBUTES = frozenset({"style", "title", "dir", "lang", "align", "width", "height"})
_EXTRA_ATTRIBUTES: Mapping[str, frozenset[str]] = {
    "font": frozenset({"color", "face", "size"}),
    "td": frozenset({"valign", "bgcolor", "nowrap"}),
    "th": frozenset({"valign", "bgcolor", "nowrap"}),
    "table": frozenset({"border", "cellpadding", "cellspacing", "bgcolor"}),
    "img": frozenset({"title"}),
}

# Content of these elements is dropped with the element: their text is never meant to be read as message text.
_DROP_WITH_CONTENT = frozenset(
    {
        "script",
        "style",
        "title",
        "noscript",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "template",
        "svg",
        "math",
        "textarea",
        "select",
        "xml",
    }
)

# cid: keeps inline images resolvable against the message's own parts; data: is refused because it can carry
# HTML or SVG documents, and http(s) links stay clickable.
_URL_SCHEMES = frozenset({"http", "https", "mailto", "tel", "cid"})

_STYLE_PROPERTIES = frozenset(
    {
        "color",
        "background-color",
        "font-family",
        "font-size",
        "font-style",
        "font-weight",
        "text-align",
        "text-decoration",
        "line-height",
        "margin",
        "margin-top",
        "margin-bottom",
        "margin-left",
        "margin-right",
        "padding",
        "padding-top",
        "padding-bottom",
        "padding-left",
        "padding-right",
        "border",
        "border-left",
        "border-collapse",
        "width",
        "height",
        "vertical-align",
        "white-space",
        "list-style-type",
        "display",
    }
)

# Old engines executed CSS expressions, behaviours and url() loads; escapes and comments can hide those
# words, so a
# value containing any of them is dropped whole rather than repaired.
_DANGEROUS_STYLE = re.compile(
    r"expression|url\s*\(|javascript|vbscript|behavior|-moz-binding|@import|\\|/\*", re.IGNORECASE
)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "style" and _DANGEROUS_STYLE.search(value):
        return None
    return value


def _attributes() -> dict[str, set[str]]:
    merged: dict[str, set[str]] = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
    for tag, attrs in _EXTRA_ATTRIBUTES.items():
        merged.setdefault(tag, set()).update(attrs)
    merged["*"] = set(_GLOBAL_ATTRIBUTES)
    return merged


_CLEANER = nh3.Cleaner(
    tags=set(_ALLOWED_TAGS),
    clean_content_tags=set(_DROP_WITH_CONTENT),
    attributes=_attributes(),
    attribute_filter=_filter_attribute,
    url_schemes=set(_URL_SCHEMES),
    filter_style_properties=set(_STYLE_PROPERTIES),
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


def sanitize_html(html: str) -> str:
    """A fragment safe to embed in an agent's page: no active content, no frames, no external style sheets."""
    return _CLEANER.clean(html)


_CID_URL = re.compile(r"""(src|href)=(["'])cid:([^"']+)\2""", re.IGNORECASE)


def replace_cid_urls(html: str, urls: Mapping[str, str]) -> str:
    """Point ``cid:`` references at the URLs the attachments are served from; unknown ids stay."""

    def substitute(match: re.Match[str]) -> str:
        url = urls.get(match.group(3).strip("<>"))
        if url is None:
            return match.group(0)
        return f"{match.group(1)}={match.group(2)}{url}{match.group(2)}"

    return _CID_URL.sub(substitute, html)


# Elements after which a reader expects a new line, and those that also stand apart as paragraphs.
_LINE_TAGS = frozenset({"br", "div", "tr", "li", "dt", "dd", "pre", "hr", "section", "article", "header", "footer"})
_PARAGRAPH_TAGS = frozenset({"p", "ul", "ol", "dl", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"})
_SKIP_TAGS = frozenset({"script", "style", "head", "title", "noscript", "template"})


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0
        self._quote_depth = 0
        self._pending_breaks = 0
        self._started = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
            return
        self._break_for(tag)
        if tag == "blockquote":
            self._quote_depth += 1
        elif tag == "li":
            self._write("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
            return
        if tag == "blockquote":
            self._quote_depth = max(0, self._quote_depth - 1)
        if tag != "br":
            self._break_for(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._break_for(tag)

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        # Source line breaks in HTML are just whitespace; only elements decide where lines end.
        collapsed = re.sub(r"\s+", " ", data)
        if self._pending_breaks or not self._started:
            collapsed = collapsed.lstrip()
        if collapsed:
            self._write(collapsed)

    def _break_for(self, tag: str) -> None:
        if tag == "br":
            # Consecutive <br> are deliberate blank lines.
            self._pending_breaks += 1
        elif tag in _PARAGRAPH_TAGS:
            self._pending_breaks = max(self._pending_breaks, 2)
        elif tag in _LINE_TAGS:
            self._pending_breaks = max(self._pending_breaks, 1)

    def _write(self, text: str) -> None:
        at_line_start = self._pending_breaks > 0 or not self._started
        if self._started and self._pending_breaks:
            self.parts.append("\n" * self._pending_breaks)
        if at_line_start and self._quote_depth:
            self.parts.append("> " * self._quote_depth)
        self._pending_breaks = 0
        self._started = True
        self.parts.append(text)


def html_to_text(html: str) -> str:
    """Readable plain text of HTML; quoted blocks keep ``>`` markers so reply stripping still works."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = [line.rstrip() for line in "".join(extractor.parts).replace("\xa0", " ").splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
