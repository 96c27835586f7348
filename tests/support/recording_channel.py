"""A channel adapter for job-machinery tests: records what it was asked to send and can be told to fail.

Channel behaviour itself is tested against real peers (SMTP, IMAP, the Twilio mock) in tests/channels/.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from channels.base import (
    ChannelName,
    InboundMessage,
    OutboundMessage,
    PermanentChannelError,
    TransientChannelError,
)


@dataclass
class RecordingChannel:
    name: ChannelName
    sent: list[OutboundMessage] = field(default_factory=list)
    # Errors raised by the next send calls, in order; when empty, sends succeed.
    failures: list[Exception] = field(default_factory=list)

    def parse(self, raw: bytes) -> list[InboundMessage]:
        raise NotImplementedError("this adapter only sends")

    async def send(self, outbound: OutboundMessage) -> str:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(outbound)
        return f"{self.name.value}-out-{outbound.message_id}"

    def fail_next(self, *errors: TransientChannelError | PermanentChannelError) -> None:
        self.failures.extend(errors)
