"""The customer's unsubscribe page and the RFC 8058 one-click endpoint, both at /unsubscribe/<signed token>.

Open to anyone holding a link: the signed token is the credential. GET only shows the page with a button,
because mail scanners fetch links on their own; POST unsubscribes. A mail provider's one-click request
(``List-Unsubscribe=One-Click``) comes without cookies or a form token, so this POST takes none: the token in
the path is what a forger cannot make.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from inbox.actions.campaign_unsubscribe import do_unsubscribe
from inbox.campaign_links import PATH_PREFIX, LinkSecretMissing, link_secret, read_unsubscribe_token
from inbox.models import Campaign, CampaignRecipient, Contact

TEXTS = {
    "en": {
        "title": "Unsubscribe",
        "ask_email": "Stop receiving our marketing emails?",
        "ask_sms": "Stop receiving our marketing text messages?",
        "button": "Unsubscribe",
        "done_email": "You are unsubscribed. You will receive no more marketing emails from us.",
        "done_sms": "You are unsubscribed. You will receive no more marketing text messages from us.",
        "note": "Messages about your own bookings and requests still reach you.",
        "invalid": "This unsubscribe link is not valid. Please use the link from your most recent message.",
    },
    "zh-CN": {
        "title": "退订",
        "ask_email": "不再接收我们的营销邮件？",
        "ask_sms": "不再接收我们的营销短信？",
        "button": "退订",
        "done_email": "您已成功退订，今后不会再收到我们的营销邮件。",
        "done_sms": "您已成功退订，今后不会再收到我们的营销短信。",
        "note": "与您的预订和咨询有关的消息仍会照常发送。",
        "invalid": "此退订链接无效，请使用您最近收到的消息中的链接。",
    },
}


def _language(request: Request, known: str | None = None) -> str:
    wanted = request.query_params.get("lang") or known or request.headers.get("accept-language", "")
    return "zh-CN" if wanted.lower().startswith("zh") else "en"


def _recipient_id(request: Request) -> int | None:
    try:
        secret = link_secret(request.app.state.settings)
    except LinkSecretMissing:
        return None
    return read_unsubscribe_token(secret, str(request.path_params["token"]))


def _page(request: Request, lang: str, state: str, channel: str = "email", status_code: int = 200) -> Response:
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "campaign/unsubscribe.html",
        {"lang": lang, "texts": TEXTS[lang], "state": state, "channel": channel, "action": request.url.path},
        status_code=status_code,
    )


async def unsubscribe_page(request: Request) -> Response:
    recipient_id = _recipient_id(request)
    if recipient_id is None:
        return _page(request, _language(request), "invalid", status_code=404)
    async with request.app.state.store.read() as session:
        recipient = await session.get(CampaignRecipient, recipient_id)
        contact = await session.get(Contact, recipient.contact_id) if recipient is not None else None
        campaign = await session.get(Campaign, recipient.campaign_id) if recipient is not None else None
    if recipient is None or contact is None:
        return _page(request, _language(request), "invalid", status_code=404)
    channel = campaign.channel if campaign is not None else "email"
    return _page(request, _language(request, contact.language), "ask", channel)


async def unsubscribe(request: Request) -> Response:
    recipient_id = _recipient_id(request)
    if recipient_id is None:
        return _page(request, _language(request), "invalid", status_code=404)
    source = "one-click" if await _one_click(request) else "page"
    done = await do_unsubscribe(request.app.state.store, recipient_id, source=source)
    if done is None:
        return _page(request, _language(request), "invalid", status_code=404)
    return _page(request, _language(request, done.language), "done", done.channel)


async def _one_click(request: Request) -> bool:
    form = await request.form()
    return form.get("List-Unsubscribe") == "One-Click"


routes = [
    Route(PATH_PREFIX + "{token}", unsubscribe_page, methods=["GET"]),
    Route(PATH_PREFIX + "{token}", unsubscribe, methods=["POST"]),
]
