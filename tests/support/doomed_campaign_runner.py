"""A job process for the campaign crash test: real channels (SMTP sink, Twilio mock), one of which hangs once a
given number of messages went out, so the test can kill the process there, mid-campaign.

Usage: python -m tests.support.doomed_campaign_runner SETTINGS_JSON MARKER_FILE HANG_AFTER

SETTINGS_JSON holds the keyword arguments for ``load_settings``. With a Redis URL the process is an arq worker
(the production path), otherwise the embedded runner.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from channels.base import Channel, ChannelName, InboundMessage, OutboundMessage
from channels.registry import ChannelRegistry
from inbox.settings import load_settings
from workers.arq_worker import make_worker
from workers.channel_setup import register_configured_channels
from workers.composition import build_context
from workers.embedded import EmbeddedRunner


class Tripwire:
    def __init__(self, marker: Path, hang_after: int) -> None:
        self.marker = marker
        self.left = hang_after

    async def pass_or_hang(self, outbound: OutboundMessage) -> None:
        self.left -= 1
        if self.left < 0:
            if not self.marker.exists():
                self.marker.write_text(f"{outbound.channel.value}:{outbound.message_id}")
            await asyncio.sleep(3600)


class HangingChannel:
    def __init__(self, inner: Channel, tripwire: Tripwire) -> None:
        self.inner = inner
        self.name: ChannelName = inner.name
        self.tripwire = tripwire

    def parse(self, raw: bytes) -> list[InboundMessage]:
        return self.inner.parse(raw)

    async def send(self, outbound: OutboundMessage) -> str:
        await self.tripwire.pass_or_hang(outbound)
        return await self.inner.send(outbound)


async def main(overrides: dict[str, Any], marker: str, hang_after: str) -> None:
    settings = load_settings(**overrides)
    real = ChannelRegistry()
    register_configured_channels(real, settings)
    tripwire = Tripwire(Path(marker), int(hang_after))
    channels = ChannelRegistry()
    for adapter in real:
        channels.register(HangingChannel(adapter, tripwire))
    if settings.jobs.uses_arq:
        worker = make_worker(settings, channels=channels)
        await worker.main()
        return
    runner = EmbeddedRunner(build_context(settings, channels))
    runner.start()
    await asyncio.sleep(3600)


if __name__ == "__main__":
    asyncio.run(main(json.loads(Path(sys.argv[1]).read_text()), sys.argv[2], sys.argv[3]))
