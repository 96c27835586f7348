"""TwiML documents for the inbound call flow, built with twilio's ``VoiceResponse``.

greeting → optional keypad menu → an agent (``<Dial>``) or the queue (``<Enqueue>`` with hold music) → after a
configured wait, voicemail (``<Record>`` with transcription). Every URL here is absolute and public, because
Twilio signs the URL it calls and the routes check that signature against the configured public base URL.
"""

from __future__ import annotations

from twilio.twiml.voice_response import Dial, Enqueue, Gather, VoiceResponse

from channels.twilio_config import TwilioConfig
from channels.twilio_texts import CHINESE, voice_text
from channels.twilio_voice_agents import AgentTarget

# The <Say> language attribute wants a locale.
_SAY_LANGUAGE = {"en": "en-US", CHINESE: "zh-CN"}

MENU_SECONDS = 6


def _say(response: VoiceResponse | Gather, config: TwilioConfig, name: str, language: str, **context: object) -> None:
    text = voice_text(config.templates_dir, name, language, **context)
    response.say(text, language=_SAY_LANGUAGE.get(language, "en-US"))


def _menu_options(config: TwilioConfig, language: str) -> list[dict[str, str]]:
    return [
        {
            "digit": option.digit,
            "label": option.labels.get(language) or option.labels.get("en") or option.team,
        }
        for option in config.voice.menu
    ]


def greeting(config: TwilioConfig, language: str) -> VoiceResponse:
    """The start of a call: the greeting, then the menu if one is configured, else on to the connect step."""
    response = VoiceResponse()
    _say(response, config, "greeting", language)
    _append_menu_or_connect(response, config, language)
    return response


def _append_menu_or_connect(response: VoiceResponse, config: TwilioConfig, language: str) -> None:
    connect_url = config.callback_url("voice/connect", {"lang": language})
    if config.voice.menu:
        gather = Gather(
            num_digits=1,
            timeout=MENU_SECONDS,
            action=config.callback_url("voice/menu", {"lang": language}),
            method="POST",
        )
        _say(gather, config, "menu", language, options=_menu_options(config, language))
        response.append(gather)
    # Reached when the menu got no key press, or straight away without a menu.
    response.redirect(connect_url, method="POST")


def menu_again(config: TwilioConfig, language: str) -> VoiceResponse:
    response = VoiceResponse()
    _say(response, config, "menu_invalid", language)
    _append_menu_or_connect(response, config, language)
    return response


def dial_agent(config: TwilioConfig, language: str, agent: AgentTarget, team: str | None) -> VoiceResponse:
    response = VoiceResponse()
    _say(response, config, "connecting", language)
    query = {"lang": language, "agent": agent.agent_id}
    if team:
        query["team"] = team
    dial = Dial(
        timeout=config.voice.agent_ring_seconds,
        action=config.callback_url("voice/dial-action", query),
        method="POST",
    )
    if agent.client_identity is not None:
        dial.client(agent.client_identity)
    else:
        dial.number(agent.phone_number)
    response.append(dial)
    return response


def enqueue(config: TwilioConfig, language: str, team: str | None, waited_before: int = 0) -> VoiceResponse:
    """Hold in the queue.

    ``waited_before`` is time spent in an earlier round (a caller is queued again when the agent who seemed
    free was taken meanwhile), so the voicemail offer is not pushed back.
    """
    query = {"lang": language}
    if team:
        query["team"] = team
    if waited_before:
        query["waited"] = str(waited_before)
    response = VoiceResponse()
    queue = Enqueue(
        config.voice.queue_name,
        action=config.callback_url("voice/queue-result", query),
        method="POST",
        wait_url=config.callback_url("voice/queue-wait", query),
        wait_url_method="POST",
    )
    response.append(queue)
    return response


def hold(config: TwilioConfig, language: str, first_time: bool) -> VoiceResponse:
    """What a queued caller hears; Twilio asks for it again each time it has been played."""
    response = VoiceResponse()
    if first_time:
        _say(response, config, "hold", language)
    if config.voice.hold_music_url:
        response.play(config.voice.hold_music_url)
    else:
        response.pause(length=15)
    return response


def leave_queue() -> VoiceResponse:
    response = VoiceResponse()
    response.leave()
    return response


def voicemail(config: TwilioConfig, language: str, caller: str) -> VoiceResponse:
    # The caller's number rides in the callback URLs (which Twilio signs) because the recording callback lacks
    # it.
    query = {"lang": language, "caller": caller}
    response = VoiceResponse()
    _say(response, config, "voicemail", language)
    response.record(
        action=config.callback_url("voice/voicemail-done", {"lang": language}),
        method="POST",
        max_length=config.voice.voicemail_max_seconds,
        finish_on_key="#",
        play_beep=True,
        transcribe=True,
        transcribe_callback=config.callback_url("voice/transcription", query),
        recording_status_callback=config.callback_url("voice/recording", query),
        recording_status_callback_method="POST",
    )
    _say(response, config, "no_message", language)
    response.hangup()
    return response


def goodbye(config: TwilioConfig, language: str, name: str) -> VoiceResponse:
    response = VoiceResponse()
    _say(response, config, name, language)
    response.hangup()
    return response


def hangup() -> VoiceResponse:
    response = VoiceResponse()
    response.hangup()
    return response


def bridge_to_customer(config: TwilioConfig, language: str, customer: str, agent_id: str) -> VoiceResponse:
    """The agent's leg of a call-back: once the agent answers, ring the customer from the hub's number."""
    response = VoiceResponse()
    _say(response, config, "callback_intro", language)
    dial = Dial(
        caller_id=config.voice.caller_id,
        timeout=config.voice.agent_ring_seconds * 2,
        action=config.callback_url(
            "voice/dial-action",
            {"lang": language, "agent": agent_id, "customer": customer, "leg": "callback"},
        ),
        method="POST",
    )
    dial.number(customer)
    response.append(dial)
    return response
