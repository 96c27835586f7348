"""Separating what a customer just wrote from the quoted history and signature beneath it.

Agents read the visible reply; the full body is stored alongside it, so a wrong cut never loses text. The
rules follow what common clients emit: ``>`` quoting, "On … wrote:" attributions (possibly wrapped over two
lines), Outlook's header blocks and separators, and the conventional signature delimiter and mobile sign-offs.
"""

from __future__ import annotations

import re

_ATTRIBUTION = re.compile(
    r"^\s*(>\s*)*("
    r"on\b.{0,200}\bwrote\s*:"  # English clients
    r"|le\b.{0,200}\ba écrit\s*:"  # French
    r"|am\b.{0,200}\bschrieb\b.{0,80}:"  # German
    r"|el\b.{0,200}\bescribió\s*:"  # Spanish
    r"|\d{1,4}[./-]\d{1,2}[./-]\d{1,4}.{0,200}@.{0,200}:"  # numeric-date attributions naming an address
    r"|在.{0,200}写道\s*[:：]"  # Simplified Chinese
    r"|.{0,200}\d{4}年\d{1,2}月\d{1,2}日.{0,100}[:：]"
    r")\s*$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(
    r"^\s*(-{2,}\s*(original message|forwarded message|ursprüngliche nachricht|原始邮件)\s*-{2,}"
    r"|_{20,}|-{20,}"
    r"|begin forwarded message:)\s*$",
    re.IGNORECASE,
)
# Outlook and web mail quote the previous message as a header block: a From line followed by
# Sent/Date/To/Subject.
_HEADER_FROM = re.compile(r"^\s*\*?(from|von|de|发件人)\s*\*?\s*[:：]", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\*?(sent|date|to|subject|cc|gesendet|an|betreff|envoyé|à|objet|发送时间|收件人|主题)\*?\s*[:：]",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"^(-- ?|--|__)\s*$")
_MOBILE_SIGNOFF = re.compile(
    r"^\s*(sent from my \S.{0,60}|sent from (mail|outlook|yahoo mail) for \S.{0,40}|get outlook for \S.{0,30}"
    r"|sent (from|via|with) (blackberry|samsung|android).{0,60}|发自我的.{1,20})\s*$",
    re.IGNORECASE,
)


def visible_reply(text: str) -> str:
    """What the sender wrote for this message; the whole text when nothing is quoted."""
    lines = text.replace("\r\n", "\n").split("\n")
    cut = _quote_start(lines)
    kept = lines[:cut]
    kept = _drop_signature(kept)
    reply = "\n".join(kept).strip()
    if reply:
        return reply
    # Bottom-posting: the quote comes first and the answer below it, so keep what is neither quote nor
    # attribution.
    unquoted = [line for line in lines if not line.lstrip().startswith(">") and not _ATTRIBUTION.match(line)]
    return "\n".join(_drop_signature(unquoted)).strip() or text.strip()


def _quote_start(lines: list[str]) -> int:
    only_quotes_after = _only_quotes_from(lines)
    for index in range(len(lines)):
        if _is_quote_boundary(lines, index, only_quotes_after[index]):
            return index
    return len(lines)


def _only_quotes_from(lines: list[str]) -> list[bool]:
    """For each line, whether it and every non-blank line after it is quoted text or a sign-off."""
    flags = [False] * (len(lines) + 1)
    flags[len(lines)] = True
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        quoted = not line.strip() or line.lstrip().startswith(">") or _is_trailing_noise(line)
        flags[index] = quoted and flags[index + 1]
    return flags


def _is_quote_boundary(lines: list[str], index: int, only_quotes_follow: bool) -> bool:
    line = lines[index]
    if _SEPARATOR.match(line) or _ATTRIBUTION.match(line):
        return True
    if index + 1 < len(lines) and _ATTRIBUTION.match(line + " " + lines[index + 1].strip()):
        # Attribution wrapped by the sender's client ("On Tue, … Abhishek Kona" / "wrote:").
        return not lines[index].lstrip().startswith(">")
    if _HEADER_FROM.match(line):
        following = [candidate for candidate in lines[index + 1 : index + 5] if candidate.strip()]
        return sum(1 for candidate in following if _HEADER_NEXT.match(candidate)) >= 2
    # A quoted block counts only when nothing the sender wrote follows it (bottom quoting); interleaved
    # answers keep the quotes so the reply still makes sense.
    return line.lstrip().startswith(">") and only_quotes_follow


def _is_trailing_noise(line: str) -> bool:
    return bool(_SIGNATURE.match(line) or _MOBILE_SIGNOFF.match(line))


def _drop_signature(lines: list[str]) -> list[str]:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    for index in range(len(lines) - 1, -1, -1):
        if _SIGNATURE.match(lines[index]) and len(lines) - index <= 15:
            return lines[:index]
    if lines and _MOBILE_SIGNOFF.match(lines[-1]):
        return lines[:-1]
    return lines
