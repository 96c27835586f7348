from __future__ import annotations

from datetime import timedelta

from pydantic import SecretStr
from sqlalchemy import select

from inbox.access import load_viewer
from inbox.actions.status import do_set_status
from inbox.models import Survey, utcnow
from inbox.satisfaction_report import satisfaction_report
from tests.support.jobs import JobDriver
from tests.support.web import build_app, build_world, client_for, sign_in
from workers.context import JobContext


async def _answer(ctx: JobContext, conversation_id: int, score: int | None, *, complaint: bool = False) -> None:
    async with ctx.store.write() as session:
        survey = (await session.execute(select(Survey).where(Survey.conversation_id == conversation_id))).scalar_one()
        survey.score = score
        survey.complaint = complaint
        survey.answered_at = utcnow() if score is not None else None


async def test_csat_per_agent_channel_and_complaints_within_the_viewers_reach(ctx: JobContext, jobs: JobDriver) -> None:
    ctx.settings.web.secret_key = SecretStr("csat-report-key")
    ctx.settings.satisfaction.delay_minutes = 0
    world = await build_world(ctx)
    for key in ("chen_own", "marcus_own", "billing_own"):
        await do_set_status(ctx.store, conversation_id=world.conversations[key], status="resolved", actor_agent_id=None)
    await jobs.drain()
    await _answer(ctx, world.conversations["chen_own"], 5)
    await _answer(ctx, world.conversations["marcus_own"], 2, complaint=True)
    await _answer(ctx, world.conversations["billing_own"], 4)
    async with ctx.store.read() as session:
        root = await load_viewer(session, world.people["root"])
        olivia = await load_viewer(session, world.people["olivia"])
        assert root is not None and olivia is not None
        start, end = utcnow() - timedelta(days=1), utcnow() + timedelta(days=1)
        everything = await satisfaction_report(session, root, start, end)
        front_desk = await satisfaction_report(session, olivia, start, end)
        earlier = await satisfaction_report(session, root, start - timedelta(days=30), start)
    assert (everything.overall.asked, everything.overall.answered, everything.overall.satisfied) == (3, 3, 2)
    assert {line.label: line.average for line in everything.by_agent} == {"Chen": 5.0, "Marcus": 2.0, "Zhao": 4.0}
    assert [(line.label, line.asked) for line in everything.by_channel] == [("email", 3)]
    assert (everything.complaints.answered, everything.complaints.csat) == (1, 0.0)
    assert (everything.others.answered, everything.others.csat) == (2, 1.0)
    assert {line.label for line in front_desk.by_agent} == {"Chen", "Marcus"}
    assert earlier.overall.asked == 0
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["olivia"])
        page = await client.get("/supervisor/satisfaction")
        bad_range = await client.get("/supervisor/satisfaction?from=2026-02-01&to=2026-01-01")
        conversation = await client.get(f"/conversations/{world.conversations['chen_own']}")
        await sign_in(client, world.emails["chen"])
        agent = await client.get("/supervisor/satisfaction")
    assert page.status_code == 200 and "Complaint handling" in page.text and "Marcus" in page.text
    assert "Zhao" not in page.text
    assert bad_range.status_code == 400
    assert "score 5/5" in conversation.text
    assert agent.status_code == 403
