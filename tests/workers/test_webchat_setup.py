"""Wiring: the chat runs only when configured, and then both its routes and its adapter are there."""

from __future__ import annotations

from pydantic import SecretStr
from starlette.routing import BaseRoute

from channels.base import ChannelName
from channels.registry import ChannelRegistry
from channels.webchat import WebchatChannel
from inbox.settings import Settings, WebchatInbox, WebchatSection
from inbox.sink import StoreSink
from workers.channel_setup import register_configured_channels
from workers.context import JobContext
from workers.webchat_setup import webchat_config
from workers.webhooks import channel_routes


def _configured(settings: Settings) -> Settings:
    section = WebchatSection(
        secret_key=SecretStr("k" * 32),
        identity_secrets={"shop": SecretStr("s3cret")},
        inboxes=[WebchatInbox(key="shop", allowed_origins=["https://shop.example/"], prechat_form=True)],
    )
    return settings.model_copy(update={"webchat": section})


def _paths(routes: list[BaseRoute]) -> set[str]:
    return {str(getattr(route, "path", "")) for route in routes}


async def test_without_a_signing_key_there_is_no_chat(ctx: JobContext) -> None:
    assert webchat_config(ctx.settings) is None
    registry = ChannelRegistry()
    register_configured_channels(registry, ctx.settings)
    assert ChannelName.WEBCHAT not in registry
    sink = StoreSink(ctx.store, ctx.blobs, ctx.settings)
    assert "/channels/webchat/ws" not in _paths(channel_routes(ctx.settings, sink, ctx.store))
    await sink.close()


async def test_a_configured_chat_has_its_routes_and_adapter(ctx: JobContext) -> None:
    settings = _configured(ctx.settings)
    config = webchat_config(settings)
    assert config is not None
    inbox = config.inbox("shop")
    assert inbox is not None and inbox.allowed_origins == ("https://shop.example",)
    assert inbox.identity_secret == "s3cret" and inbox.prechat_form
    registry = ChannelRegistry()
    register_configured_channels(registry, settings)
    assert isinstance(registry.get(ChannelName.WEBCHAT), WebchatChannel)
    sink = StoreSink(ctx.store, ctx.blobs, settings)
    paths = _paths(channel_routes(settings, sink, ctx.store))
    assert {"/channels/webchat/ws", "/widget.js", "/channels/webchat/{name}"} <= paths
    await sink.close()
