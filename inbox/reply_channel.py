"""Which channel an answer goes back on, and why — the customer's choice, never the agent's convenience."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from channels.base import ChannelName, IdentityKind

# The kind of address each channel delivers to.
IDENTITY_FOR_CHANNEL: dict[ChannelName, IdentityKind] = {
    ChannelName.EMAIL: IdentityKind.EMAIL,
    ChannelName.SMS: IdentityKind.PHONE,
    ChannelName.PHONE: IdentityKind.PHONE,
    ChannelName.FAX: IdentityKind.FAX,
    ChannelName.WEBCHAT: IdentityKind.WEBCHAT,
}

CHANNEL_WORDS = {
    ChannelName.EMAIL: "email",
    ChannelName.SMS: "SMS",
    ChannelName.PHONE: "phone",
    ChannelName.FAX: "fax",
    ChannelName.WEBCHAT: "web chat",
}


@dataclass(frozen=True, slots=True)
class ChannelChoice:
    channel: ChannelName | None
    reason: str


def reachable(channel: ChannelName, identity_kinds: Sequence[str], consent: dict[str, bool]) -> str | None:
    """None when the customer can be reached on ``channel``, else why not."""
    if consent.get(channel.value) is False:
        return f"the customer opted out of {CHANNEL_WORDS[channel]}"
    if IDENTITY_FOR_CHANNEL[channel].value not in identity_kinds:
        return f"the customer has no {IDENTITY_FOR_CHANNEL[channel].value} identity for {CHANNEL_WORDS[channel]}"
    return None


def _parse(name: str | None) -> ChannelName | None:
    try:
        return ChannelName(name) if name else None
    except ValueError:
        return None


def choose_reply_channel(
    *,
    preferred: str | None,
    last_inbound: str | None,
    conversation_channel: str,
    identity_kinds: Sequence[str],
    consent: dict[str, bool],
) -> ChannelChoice:
    """The customer's stated preference, else the channel they last wrote on, else the conversation's own."""
    skipped: list[str] = []
    candidates = (
        (_parse(preferred), "the customer's stated preference"),
        (_parse(last_inbound), "the channel the customer last wrote on"),
        (_parse(conversation_channel), "the channel this conversation started on"),
    )
    for channel, why in candidates:
        if channel is None:
            continue
        # A phone conversation is answered in writing by SMS: one cannot "send" a call.
        deliverable = ChannelName.SMS if channel is ChannelName.PHONE else channel
        problem = reachable(deliverable, identity_kinds, consent)
        if problem is None:
            note = f" ({'; '.join(skipped)})" if skipped else ""
            via = " (a call is answered by SMS)" if deliverable is not channel else ""
            return ChannelChoice(deliverable, f"{CHANNEL_WORDS[deliverable]}: {why}{via}{note}")
        refusal = f"not {CHANNEL_WORDS[deliverable]}: {problem}"
        if refusal not in skipped:
            skipped.append(refusal)
    return ChannelChoice(None, "no channel can reach this customer: " + "; ".join(skipped))
