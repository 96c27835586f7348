from __future__ import annotations

import html
from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from inbox.actions.status import do_set_status
from inbox.models import Event, Survey, utcnow
from inbox.survey_links import survey_token
from tests.support.factories import inbound, ingest, update_contact
from tests.support.jobs import JobDriver
from tests.support.web import build_app, client_for, csrf_from
from workers.context import JobContext


@pytest.fixture(autouse=True)
def _signed_links(ctx: JobContext) -> None:
    ctx.settings.satisfaction.delay_minutes = 0
    ctx.settings.web.secret_key = SecretStr("survey-page-signing-key")


async def _survey(ctx: JobContext, jobs: JobDriver, language: str | None = None) -> Survey:
    outcome = await ingest(ctx, inbound(text="My room was not cleaned."))
    if language:
        await update_contact(ctx, outcome.contact_id, language=language)
    await do_set_status(ctx.store, conversation_id=outcome.conversation_id, status="resolved", actor_agent_id=None)
    await jobs.drain()
    async with ctx.store.read() as session:
        return (await session.execute(select(Survey))).scalar_one()


async def _stored(ctx: JobContext, survey_id: int) -> Survey:
    async with ctx.store.read() as session:
        found = await session.get(Survey, survey_id)
    assert found is not None
    return found


async def test_a_customer_answers_through_the_signed_link_without_signing_in(ctx: JobContext, jobs: JobDriver) -> None:
    survey = await _survey(ctx, jobs)
    path = f"/survey/{survey_token(ctx.settings, survey.id)}"
    async with client_for(build_app(ctx)) as client:
        page = await client.get(path + "?score=4")
        assert page.status_code == 200 and "How did we do?" in page.text
        assert page.headers["referrer-policy"] == "no-referrer"
        assert 'value="4" required checked' in page.text
        token = csrf_from(page.text)
        answered = await client.post(path, data={"csrf_token": token, "score": "4", "comment": "<b>Quick</b> fix"})
        assert answered.status_code == 200 and "Thank you! Your answer has been recorded." in answered.text
        assert "&lt;b&gt;Quick&lt;/b&gt; fix" in answered.text
        changed = await client.post(path, data={"csrf_token": token, "score": "5", "comment": ""})
        assert changed.status_code == 200
    stored = await _stored(ctx, survey.id)
    assert stored.score == 5 and stored.comment == "<b>Quick</b> fix" and stored.answer_updates == 1
    assert stored.answered_via == "link"
    async with ctx.store.read() as session:
        events = (await session.execute(select(Event).where(Event.kind == "survey.answered"))).scalars().all()
    assert [e.data["score"] for e in events] == [4, 5]


async def test_the_page_speaks_simplified_chinese_to_a_chinese_customer(ctx: JobContext, jobs: JobDriver) -> None:
    survey = await _survey(ctx, jobs, language="zh-CN")
    path = f"/survey/{survey_token(ctx.settings, survey.id)}"
    async with client_for(build_app(ctx)) as client:
        page = await client.get(path)
        english = await client.get(path + "?lang=en")
    assert '<html lang="zh-CN">' in page.text and "您对我们的服务满意吗？" in page.text
    assert "提交" in page.text and "English" in page.text
    assert "How did we do?" in english.text


async def test_forged_altered_and_unsigned_tokens_find_nothing(ctx: JobContext, jobs: JobDriver) -> None:
    survey = await _survey(ctx, jobs)
    genuine = survey_token(ctx.settings, survey.id)
    ctx.settings.web.secret_key = SecretStr("someone-elses-key")
    forged = survey_token(ctx.settings, survey.id)
    ctx.settings.web.secret_key = SecretStr("survey-page-signing-key")
    async with client_for(build_app(ctx)) as client:
        for token in (forged, genuine[:-1] + ("A" if genuine[-1] != "A" else "B"), str(survey.id), "x" * 300):
            assert (await client.get(f"/survey/{token}")).status_code == 404, token
        page = await client.get(f"/survey/{genuine}")
        refused = await client.post(f"/survey/{forged}", data={"csrf_token": csrf_from(page.text), "score": "1"})
        no_token = await client.post(f"/survey/{genuine}", data={"score": "1"})
    assert refused.status_code == 404 and no_token.status_code == 403
    assert (await _stored(ctx, survey.id)).score is None


async def test_a_closed_survey_takes_no_answer_and_a_bad_score_is_explained(ctx: JobContext, jobs: JobDriver) -> None:
    survey = await _survey(ctx, jobs)
    path = f"/survey/{survey_token(ctx.settings, survey.id)}"
    async with client_for(build_app(ctx)) as client:
        page = await client.get(path)
        token = csrf_from(page.text)
        bad = await client.post(path, data={"csrf_token": token, "score": "9"})
        assert bad.status_code == 422 and "Please choose a score from 1 to 5." in html.unescape(bad.text)
        async with ctx.store.write() as session:
            stored = await session.get(Survey, survey.id)
            assert stored is not None
            stored.answer_until = utcnow() - timedelta(seconds=1)
        closed = await client.post(path, data={"csrf_token": token, "score": "3"})
    assert closed.status_code == 422 and "This survey is closed." in closed.text
    assert (await _stored(ctx, survey.id)).score is None
