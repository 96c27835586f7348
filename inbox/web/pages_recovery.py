"""The conversation page's service-recovery forms: flagging a complaint detection missed, a remedy from the
standard menu, and a repeat contact linked to the earlier conversation about the same problem. Handlers check
access, validate, and call the actions."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from inbox.access import visible_conversation
from inbox.actions.complaint import ComplaintRefused, do_flag_complaint
from inbox.actions.remedy import RemedyRefused, do_record_remedy
from inbox.actions.repeat_contact import RepeatRefused, do_record_repeat_contact
from inbox.web.csrf import verified_form
from inbox.web.pages_conversation import _reachable, show
from inbox.web.params import optional_int


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


async def give_remedy(request: Request) -> Response:
    form = await verified_form(request)
    viewer, target = await _reachable(request)
    try:
        await do_record_remedy(
            request.app.state.store,
            request.app.state.settings.recovery,
            conversation_id=target.id,
            agent_id=viewer.agent_id,
            remedy=_text(form, "remedy"),
            note=_text(form, "note"),
        )
    except RemedyRefused as refusal:
        return await show(request, problem=str(refusal), status_code=422)
    return RedirectResponse(f"/conversations/{target.id}#recovery", status_code=303)


async def flag_complaint(request: Request) -> Response:
    form = await verified_form(request)
    viewer, target = await _reachable(request)
    try:
        await do_flag_complaint(
            request.app.state.store,
            request.app.state.settings.recovery,
            conversation_id=target.id,
            agent_id=viewer.agent_id,
            reason=_text(form, "reason"),
        )
    except ComplaintRefused as refusal:
        return await show(request, problem=str(refusal), status_code=422)
    return RedirectResponse(f"/conversations/{target.id}#recovery", status_code=303)


async def record_repeat(request: Request) -> Response:
    form = await verified_form(request)
    viewer, target = await _reachable(request)
    original = optional_int(_text(form, "original_conversation_id"), "original_conversation_id")
    async with request.app.state.store.read() as session:
        # Linking to a conversation one cannot read would reveal that it exists.
        known = original is not None and await visible_conversation(session, viewer, original) is not None
    if original is None or not known:
        return await show(request, problem="choose an earlier conversation of this customer", status_code=422)
    try:
        await do_record_repeat_contact(
            request.app.state.store,
            conversation_id=target.id,
            original_conversation_id=original,
            agent_id=viewer.agent_id,
            reason=_text(form, "reason"),
        )
    except RepeatRefused as refusal:
        return await show(request, problem=str(refusal), status_code=422)
    return RedirectResponse(f"/conversations/{target.id}#recovery", status_code=303)


routes = [
    Route("/conversations/{conversation_id}/remedies", give_remedy, methods=["POST"]),
    Route("/conversations/{conversation_id}/complaint", flag_complaint, methods=["POST"]),
    Route("/conversations/{conversation_id}/repeat-contact", record_repeat, methods=["POST"]),
]
