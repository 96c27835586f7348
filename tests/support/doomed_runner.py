"""A job runner process for the crash test: its channel hangs mid-send so the test can kill it there.

Usage: python -m tests.support.doomed_runner DATABASE_URL DATA_DIR MARKER_FILE
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from channels.base import ChannelName, OutboundMessage
from channels.registry import ChannelRegistry
from inbox.settings import load_settings
from tests.support.recording_channel import RecordingChannel
from workers.composition import build_context
from workers.embedded import EmbeddedRunner


class HangingChannel(RecordingChannel):
    def __init__(self, marker: Path) -> None:
        super().__init__(ChannelName.EMAIL)
        self.marker = marker

    async def send(self, outbound: OutboundMessage) -> str:
        self.marker.write_text(str(outbound.message_id))
        await asyncio.sleep(3600)
        raise AssertionError("the test kills this process before the send completes")


async def main(url: str, data_dir: str, marker: str) -> None:
    settings = load_settings(database={"url": url}, hub={"data_dir": data_dir}, jobs={"lease_seconds": 1})
    channels = ChannelRegistry()
    channels.register(HangingChannel(Path(marker)))
    runner = EmbeddedRunner(build_context(settings, channels))
    runner.start()
    await asyncio.sleep(3600)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
