"""Maps channel names to adapter instances; the web app and workers look adapters up here."""

from __future__ import annotations

from collections.abc import Iterator

from channels.base import Channel, ChannelName


class UnknownChannel(LookupError):
    pass


class ChannelRegistry:
    def __init__(self) -> None:
        self._adapters: dict[ChannelName, Channel] = {}

    def register(self, adapter: Channel) -> None:
        self._adapters[adapter.name] = adapter

    def get(self, name: ChannelName | str) -> Channel:
        try:
            return self._adapters[ChannelName(name)]
        except (KeyError, ValueError) as exc:
            raise UnknownChannel(f"no adapter registered for channel {name!r}") from exc

    def __contains__(self, name: object) -> bool:
        return name in self._adapters

    def __iter__(self) -> Iterator[Channel]:
        return iter(self._adapters.values())
