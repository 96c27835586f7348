"""The short text an agent's list shows for a message: plain text, one line, bounded.

Message text is stored as plain text (HTML bodies are sanitized and kept apart), and the browser inserts it as
text, never as markup; this also strips control and formatting characters that could disguise it (bidi
overrides, zero-width joiners) and folds the whitespace of quoted mail into one line.
"""

from __future__ import annotations

import re
import unicodedata

PREVIEW_CHARS = 200
_SPACE = re.compile(r"\s+")


def preview(text: str | None, limit: int = PREVIEW_CHARS) -> str:
    if not text:
        return ""
    head = text[: limit * 4]
    visible = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in head)
    folded = _SPACE.sub(" ", visible).strip()
    return folded if len(folded) <= limit else folded[: limit - 1].rstrip() + "…"
