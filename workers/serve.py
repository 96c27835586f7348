"""``hub serve``: the web application, plus the embedded job runner when no Redis is configured."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import uvicorn

from inbox.actions.keys import do_register_primary_key
from inbox.crypto.key_check import require_usable_keys
from inbox.realtime import PublishingSink, process_bus
from inbox.settings import Settings
from inbox.sink import StoreSink
from inbox.web.app import create_app
from workers.composition import JobProcessing, build_context, close_context, start_job_processing
from workers.webhooks import channel_routes


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    """uvloop's event loop when it is installed (uvicorn's own choice too): every webhook, socket frame and
    store round trip passes through the loop, and uvloop runs each of them for less CPU."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop
    return uvloop.new_event_loop


def run_with_server_loop(main: Coroutine[Any, Any, None]) -> None:
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(main)


async def serve(settings: Settings, *, host: str | None = None, port: int | None = None) -> None:
    ctx = build_context(settings)
    # A missing or wrong encryption key stops the start here, before anything is read or sealed.
    try:
        await require_usable_keys(ctx.store)
        await do_register_primary_key(ctx.store)
    except BaseException:
        await close_context(ctx)
        raise
    # Every channel's inbound messages are announced on the bus, so the agents' inbox updates live.
    sink = PublishingSink(StoreSink(ctx.store, ctx.blobs, settings), process_bus(settings))
    processing: list[JobProcessing] = []

    async def start_jobs() -> None:
        processing.append(await start_job_processing(ctx, sink))

    async def stop_jobs() -> None:
        for item in processing:
            await item.stop()
        await sink.close()
        await close_context(ctx)

    app = create_app(
        settings=settings,
        store=ctx.store,
        channel_routes=channel_routes(settings, sink, ctx.store),
        on_startup=[start_jobs],
        on_shutdown=[stop_jobs],
        # The agents' live inbox hears the channels' sink and the committed changes of this process on this bus.
        bus=process_bus(settings),
    )
    config = uvicorn.Config(
        app,
        host=host or settings.web.host,
        port=port or settings.web.port,
        proxy_headers=True,
        # Chat frames are small and many: compressing each costs more CPU than it saves in bandwidth.
        ws_per_message_deflate=False,
        log_level="info",
    )
    await uvicorn.Server(config).serve()
