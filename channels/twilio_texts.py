"""Customer-facing words of the Twilio channels (voice prompts, the SMS help reply) in English and Simplified
Chinese.

The words live in ``templates/voice/<name>.<language>.txt`` and ``templates/sms/...`` so they can be edited
without touching code; the TwiML around them is built in code, which escapes them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

ENGLISH = "en"
CHINESE = "zh-CN"
LANGUAGES = (ENGLISH, CHINESE)


def resolve_language(tag: str | None, default: str = ENGLISH) -> str:
    """The supported language closest to a language tag (zh, zh-Hans, zh_CN → zh-CN; en-GB → en)."""
    if not tag:
        return default if default in LANGUAGES else ENGLISH
    primary = tag.replace("_", "-").split("-")[0].lower()
    if primary == "zh":
        return CHINESE
    if primary == "en":
        return ENGLISH
    return default if default in LANGUAGES else ENGLISH


def language_of_text(text: str) -> str:
    """A customer who writes in Chinese characters is answered in Chinese."""
    return CHINESE if any("\u4e00" <= ch <= "\u9fff" for ch in text) else ENGLISH


@lru_cache(maxsize=8)
def _environment(templates_dir: Path) -> Environment:
    # Plain text, not HTML: TwiML builders escape it for XML.
    return Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=False,
        undefined=StrictUndefined,
        keep_trailing_newline=False,
    )


def render_text(templates_dir: Path, folder: str, name: str, language: str, **context: Any) -> str:
    template = _environment(templates_dir).get_template(f"{folder}/{name}.{resolve_language(language)}.txt")
    return " ".join(template.render(**context).split())


def voice_text(templates_dir: Path, name: str, language: str, **context: Any) -> str:
    return render_text(templates_dir, "voice", name, language, **context)


def sms_text(templates_dir: Path, name: str, language: str, **context: Any) -> str:
    return render_text(templates_dir, "sms", name, language, **context)
