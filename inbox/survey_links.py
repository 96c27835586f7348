"""Signed survey links: the token names one survey and is signed with the hub's web secret key, so a customer
can answer without signing in and nobody can answer a survey they were not sent."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

from inbox.settings import Settings

SALT = "hub.survey"


def _serializer(settings: Settings) -> URLSafeSerializer | None:
    key = settings.web.secret_key
    if key is None or not key.get_secret_value():
        # A key made up per process would break every link at the next restart, and differ between processes.
        return None
    return URLSafeSerializer(key.get_secret_value(), salt=SALT)


def links_available(settings: Settings) -> bool:
    return _serializer(settings) is not None


def survey_token(settings: Settings, survey_id: int) -> str:
    serializer = _serializer(settings)
    if serializer is None:
        raise LookupError("survey links need HUB_WEB__SECRET_KEY")
    return str(serializer.dumps({"s": survey_id}))


def survey_url(settings: Settings, survey_id: int) -> str:
    return f"{settings.hub.public_url}/survey/{survey_token(settings, survey_id)}"


def survey_id_from(settings: Settings, token: str) -> int | None:
    """The survey a token names, or None for a forged, altered or unsigned one."""
    serializer = _serializer(settings)
    if serializer is None or len(token) > 200:
        return None
    try:
        value = serializer.loads(token)
    except BadSignature:
        return None
    survey_id = value.get("s") if isinstance(value, dict) else None
    return survey_id if isinstance(survey_id, int) and not isinstance(survey_id, bool) else None
