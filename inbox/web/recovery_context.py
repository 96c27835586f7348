"""The service-recovery panel's data for the conversation page (complaint case, remedies, follow-ups, repeat
contacts, survey answers), kept apart so the page handler needs one line for it."""

from __future__ import annotations

from starlette.requests import Request

from inbox.models import utcnow
from inbox.recovery_view import RecoveryPanel, recovery_panel


async def recovery_context(request: Request, conversation_id: int) -> RecoveryPanel:
    async with request.app.state.store.read() as session:
        return await recovery_panel(session, conversation_id, request.app.state.settings.recovery.remedies, utcnow())
