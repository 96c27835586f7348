"""The survey's words, in English and Simplified Chinese, and the messages that carry it on each channel."""

from __future__ import annotations

from dataclasses import dataclass

import jinja2

from channels.base import ChannelName
from inbox.settings import PROJECT_ROOT

LANGUAGES = ("en", "zh-CN")
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "subject": "How did we do?",
        "intro": "Your conversation with us has been resolved. How satisfied are you with the help you received?",
        "scale": "1 = very unhappy, 5 = very happy",
        "comment": "Anything you would like to tell us? (optional)",
        "submit": "Send",
        "thanks": "Thank you! Your answer has been recorded.",
        "change": "You can change your answer until {until}.",
        "expired": "This survey is closed. Thank you for your time.",
        "missing": "This survey link is not valid.",
        "pick": "Please choose a score from 1 to 5.",
        "other_language": "中文",
    },
    "zh-CN": {
        "subject": "您对我们的服务满意吗？",
        "intro": "您的咨询已处理完毕。您对这次的服务满意吗？",
        "scale": "1 = 非常不满意，5 = 非常满意",
        "comment": "还有什么想告诉我们的吗？（可选）",
        "submit": "提交",
        "thanks": "谢谢！我们已收到您的评价。",
        "change": "在 {until} 之前您可以修改评价。",
        "expired": "此调查已结束，感谢您的参与。",
        "missing": "此调查链接无效。",
        "pick": "请选择 1 到 5 的评分。",
        "other_language": "English",
    },
}
_FILES = {ChannelName.EMAIL: "email", ChannelName.SMS: "sms", ChannelName.WEBCHAT: "chat"}
_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(PROJECT_ROOT / "templates" / "survey"),
    # Plain-text bodies are not markup; the HTML body escapes everything it is given.
    autoescape=jinja2.select_autoescape(["html.j2"]),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=False,
)


def language_for(contact_language: str | None) -> str:
    return "zh-CN" if (contact_language or "").lower().startswith("zh") else "en"


@dataclass(frozen=True, slots=True)
class SurveyMessage:
    subject: str | None
    text: str
    html: str | None


def survey_message(
    channel: ChannelName, language: str, *, hub: str, conversation_id: int, name: str | None, url: str | None
) -> SurveyMessage:
    words = WORDS[language]
    values = {"hub": hub, "conversation_id": conversation_id, "name": name or "", "url": url or "", "lang": language}
    text = _environment.get_template(f"{_FILES[channel]}.{language}.txt").render(values).strip()
    if channel is not ChannelName.EMAIL:
        return SurveyMessage(None, text, None)
    html = _environment.get_template("email.html.j2").render(
        values, subject=words["subject"], intro=words["intro"], scale=words["scale"]
    )
    return SurveyMessage(words["subject"], text, html)
