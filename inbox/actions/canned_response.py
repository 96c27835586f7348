"""Writing canned responses: supervisors for everyone or their own teams, admins for any team; audited.

A template is checked to parse when saved; whether it renders for a given customer is only known at insert time,
where a failure is shown to the agent and nothing is sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox import audit
from inbox.access import ROLE_ADMIN, ROLE_SUPERVISOR, Viewer, load_viewer
from inbox.canned_responses import TemplateProblem, check_template
from inbox.models import CannedResponse, Team, utcnow
from inbox.store import Store

SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
MAX_BODY_CHARS = 10_000


class CannedRefused(Exception):
    """The change cannot be made; the reason is written for the person making it."""


@dataclass(frozen=True, slots=True)
class CannedDraft:
    shortcut: str
    title: str
    body: str
    team_id: int | None


def _validate(draft: CannedDraft) -> CannedDraft:
    shortcut = draft.shortcut.strip().lower()
    if not SHORTCUT.match(shortcut):
        raise CannedRefused("the shortcut takes lower-case letters, digits, - and _ (up to 60)")
    title = " ".join(draft.title.split())
    if not title or len(title) > 200:
        raise CannedRefused("the title needs 1 to 200 characters")
    if not draft.body.strip() or len(draft.body) > MAX_BODY_CHARS:
        raise CannedRefused(f"the text needs 1 to {MAX_BODY_CHARS:,} characters")
    try:
        check_template(draft.body)
    except TemplateProblem as problem:
        raise CannedRefused(f"the template does not parse: {problem}") from None
    return CannedDraft(shortcut, title, draft.body, draft.team_id)


def may_manage(viewer: Viewer, team_id: int | None) -> bool:
    if viewer.role == ROLE_ADMIN:
        return True
    return viewer.role == ROLE_SUPERVISOR and (team_id is None or team_id in viewer.team_ids)


async def _manager(session: AsyncSession, actor_agent_id: int, team_id: int | None) -> Viewer:
    viewer = await load_viewer(session, actor_agent_id)
    if viewer is None or not may_manage(viewer, team_id):
        raise CannedRefused("only admins, and supervisors for their own teams, manage canned responses")
    if team_id is not None and await session.get(Team, team_id) is None:
        raise CannedRefused(f"team {team_id} does not exist")
    return viewer


async def do_save_canned_response(
    store: Store, draft: CannedDraft, *, actor_agent_id: int, canned_id: int | None = None
) -> int:
    """Create (``canned_id`` None) or update a canned response; returns its id."""
    clean = _validate(draft)
    async with store.write() as session:
        await _manager(session, actor_agent_id, clean.team_id)
        clash = await session.execute(
            select(CannedResponse.id).where(CannedResponse.shortcut == clean.shortcut, CannedResponse.id != canned_id)
        )
        if clash.scalar_one_or_none() is not None:
            raise CannedRefused(f"the shortcut {clean.shortcut} is taken")
        if canned_id is None:
            row = CannedResponse(created_by_id=actor_agent_id, created_at=utcnow())
            session.add(row)
        else:
            found = await session.get(CannedResponse, canned_id)
            if found is None:
                raise CannedRefused(f"canned response {canned_id} does not exist")
            await _manager(session, actor_agent_id, found.team_id)
            row = found
        before = None if canned_id is None else {"shortcut": row.shortcut, "title": row.title, "team_id": row.team_id}
        row.shortcut, row.title, row.body, row.team_id = clean.shortcut, clean.title, clean.body, clean.team_id
        row.updated_by_id = actor_agent_id
        row.updated_at = utcnow()
        await session.flush()
        audit.record(
            session,
            "canned_response.saved",
            actor_agent_id=actor_agent_id,
            canned_response_id=row.id,
            before=before,
            after={"shortcut": row.shortcut, "title": row.title, "team_id": row.team_id},
        )
        return row.id


async def do_delete_canned_response(store: Store, canned_id: int, *, actor_agent_id: int) -> bool:
    async with store.write() as session:
        found = await session.get(CannedResponse, canned_id)
        if found is None:
            return False
        await _manager(session, actor_agent_id, found.team_id)
        audit.record(
            session,
            "canned_response.deleted",
            actor_agent_id=actor_agent_id,
            canned_response_id=found.id,
            shortcut=found.shortcut,
        )
        await session.delete(found)
        return True
