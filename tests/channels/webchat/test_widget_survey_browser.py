"""The chat survey in a real Chromium: after the agent resolves the chat, the widget shows the survey card, and
the score the visitor taps is the survey's answer (stored in the conversation, which stays resolved)."""

from __future__ import annotations

import asyncio

from playwright.async_api import expect
from pydantic import SecretStr
from sqlalchemy import select

from inbox.actions.status import do_set_status
from inbox.models import Conversation, Survey
from inbox.realtime import INBOX_TOPIC, Subscription
from tests.channels.webchat.browser import chromium, page_with_widget
from tests.channels.webchat.live_hub import INBOX, live_hub
from tests.support.factories import add_agent
from tests.support.jobs import JobDriver
from workers.context import JobContext

SHADOW = "#hub-webchat"


async def _first_conversation(agents: Subscription) -> int:
    while True:
        event = await agents.get()
        assert event is not None
        if event["type"] == "message.created":
            return int(event["conversation_id"])


async def _answered(ctx: JobContext) -> Survey:
    while True:
        async with ctx.store.read() as session:
            survey = (await session.execute(select(Survey))).scalar_one_or_none()
        if survey is not None and survey.score is not None:
            return survey
        await asyncio.sleep(0.05)


async def test_the_visitor_taps_a_score_on_the_survey_card(ctx: JobContext, jobs: JobDriver) -> None:
    ctx.settings.satisfaction.delay_minutes = 0
    ctx.settings.web.secret_key = SecretStr("widget-survey-key")
    await add_agent(ctx, presence="online")
    async with live_hub(ctx) as hub, chromium() as browser:
        hub.page_html["shop"] = page_with_widget(hub.base, INBOX, lang="zh-CN")
        agents = await hub.bus.subscribe(INBOX_TOPIC)
        page = await browser.new_page(locale="zh-CN")
        await page.goto(f"{hub.page_origin}/shop")
        widget = page.locator(SHADOW)
        await widget.get_by_role("button", name="打开聊天").click()
        box = widget.get_by_label("请输入消息")
        await box.fill("房间空调坏了")
        await box.press("Enter")
        conversation_id = await asyncio.wait_for(_first_conversation(agents), timeout=10)
        await agents.close()
        await do_set_status(ctx.store, conversation_id=conversation_id, status="resolved", actor_agent_id=None)
        await jobs.drain()
        card = widget.locator(".card.survey")
        await expect(card).to_contain_text("您对这次服务满意吗？")
        await card.get_by_role("button", name="4", exact=True).click()
        await expect(card).to_contain_text("感谢您的评价！")
        await expect(card.get_by_role("link", name="留言")).to_have_attribute("rel", "noopener noreferrer")
        survey = await asyncio.wait_for(_answered(ctx), timeout=10)
    assert survey.score == 4 and survey.channel == "webchat" and survey.answered_via == "webchat"
    async with ctx.store.read() as session:
        conversation = await session.get(Conversation, conversation_id)
    assert conversation is not None and conversation.status == "resolved"
