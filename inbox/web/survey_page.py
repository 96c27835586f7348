"""The customer's survey page, reached by the signed link in a survey email or chat message: a score 1-5 and an
optional comment, in English or Simplified Chinese. Open without signing in; the signed token is the key, and a
forged or altered one finds nothing."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from inbox.actions.survey import AnswerRefused, do_answer_survey
from inbox.models import Survey, utcnow
from inbox.survey_answers import open_for_answers
from inbox.survey_links import survey_id_from
from inbox.survey_texts import LANGUAGES, WORDS
from inbox.web.csrf import verified_form

MAX_COMMENT_CHARS = 4000


async def _survey(request: Request) -> Survey:
    survey_id = survey_id_from(request.app.state.settings, str(request.path_params["token"]))
    if survey_id is None:
        raise HTTPException(404)
    async with request.app.state.store.read() as session:
        survey: Survey | None = await session.get(Survey, survey_id)
    if survey is None:
        raise HTTPException(404)
    return survey


def _language(request: Request, survey: Survey) -> str:
    wanted = request.query_params.get("lang")
    return wanted if wanted in LANGUAGES else survey.language if survey.language in LANGUAGES else "en"


def _page(request: Request, survey: Survey, *, problem: str | None = None, status_code: int = 200) -> Response:
    language = _language(request, survey)
    words = WORDS[language]
    chosen = request.query_params.get("score", "")
    context = {
        "survey": survey,
        "lang": language,
        "other": "en" if language == "zh-CN" else "zh-CN",
        "w": words,
        "open": open_for_answers(survey, utcnow()),
        "chosen": int(chosen) if chosen in ("1", "2", "3", "4", "5") else survey.score,
        "problem": words[problem] if problem else None,
        "until": survey.answer_until.strftime("%Y-%m-%d %H:%M UTC"),
        "hub": request.app.state.settings.hub.name,
        "token": request.path_params["token"],
    }
    templates = request.app.state.templates
    response: Response = templates.TemplateResponse(request, "survey/page.html", context, status_code=status_code)
    # The token in the address is a key: it must not leak to other sites through the Referer header.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def survey_form(request: Request) -> Response:
    return _page(request, await _survey(request))


async def survey_answer(request: Request) -> Response:
    form = await verified_form(request)
    survey = await _survey(request)
    raw_score = form.get("score")
    comment = form.get("comment")
    score = int(raw_score) if isinstance(raw_score, str) and raw_score in ("1", "2", "3", "4", "5") else 0
    try:
        survey = await do_answer_survey(
            request.app.state.store,
            survey_id=survey.id,
            score=score,
            comment=comment[:MAX_COMMENT_CHARS] if isinstance(comment, str) else None,
            via="link",
        )
    except AnswerRefused as refusal:
        return _page(request, survey, problem=str(refusal), status_code=422)
    return _page(request, survey)


routes = [
    Route("/survey/{token}", survey_form, methods=["GET"]),
    Route("/survey/{token}", survey_answer, methods=["POST"]),
]
