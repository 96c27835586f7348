"""What the voice routes ask of the rest of the hub, as injected async callables.

Choosing an agent and knowing a caller's language belong to the router and the contact store; the Twilio edge
only asks, so its routes can be exercised with plain functions in tests.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AgentRequest:
    call_sid: str
    caller: str  # E.164 when the caller's number is known, else what Twilio sent
    called: str
    language: str
    team: str | None = None


@dataclass(frozen=True, slots=True)
class AgentTarget:
    """Where to ring an agent: a Twilio Client identity (browser or app) or a phone number."""

    agent_id: str
    client_identity: str | None = None
    phone_number: str | None = None

    def __post_init__(self) -> None:
        if (self.client_identity is None) == (self.phone_number is None):
            raise ValueError("an agent is rung either by client identity or by phone number, exactly one of them")


FindAgent = Callable[[AgentRequest], Awaitable[AgentTarget | None]]
CallerLanguage = Callable[[str], Awaitable[str | None]]


async def no_agent(request: AgentRequest) -> AgentTarget | None:
    """The default when no router is wired in: every caller waits in the queue, then may leave a voicemail."""
    return None


async def unknown_language(caller: str) -> str | None:
    return None
