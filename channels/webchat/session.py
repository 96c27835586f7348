"""One visitor's websocket: the hello (token, verified identity), history, then frames in and events out.

Gap-free resume: the visitor's feed is subscribed to before the history is read, so an event published while
the history query runs is queued, not lost; the widget drops the few events it then sees twice by their keys.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from channels.base import ChannelName, DeliveryStatus, DeliveryUpdate, InboundSink
from channels.webchat.config import InboxConfig, WebchatConfig
from channels.webchat.frames import FrameRefused, Limits, clean_email, clean_name, envelope, to_message
from channels.webchat.identity import external_identity, verify_identity
from channels.webchat.ports import (
    INBOX_TOPIC,
    AvailabilityCheck,
    EventStream,
    RealtimeBus,
    VisitorRecords,
    visitor_topic,
)
from channels.webchat.rate_limit import Limiter
from channels.webchat.tokens import VisitorClaim, VisitorTokens, new_visitor_id

log = logging.getLogger("hub.webchat")

CLOSE_BAD_TOKEN = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_BAD_HELLO = 4400
OUTBOUND_PREFIX = "webchat-out-"
THROTTLED = "You are sending messages too quickly. Please wait a few seconds and try again."


@dataclass
class Edge:
    """Everything the visitor sockets of one process share."""

    config: WebchatConfig
    sink: InboundSink
    bus: RealtimeBus
    availability: AvailabilityCheck
    visitors: VisitorRecords
    tokens: VisitorTokens
    per_visitor: Limiter
    per_address: Limiter
    transcripts: Limiter

    @property
    def limits(self) -> Limits:
        return Limits(self.config.max_text_chars, self.config.max_upload_bytes)


class VisitorSession:
    def __init__(self, edge: Edge, websocket: WebSocket, inbox: InboxConfig, address: str) -> None:
        self.edge = edge
        self.ws = websocket
        self.inbox = inbox
        self.address = address
        self.visitor = ""
        # A visitor without a token, and with no signed-in identity joining them to a customer, has no past here.
        self.first_visit = False
        self.name: str | None = None
        self.typing = False
        # Marks this socket's own echoes on the visitor's feed, which it has already answered with an ack.
        self.tab = secrets.token_hex(6)

    async def run(self) -> None:
        hello = await self._hello()
        if hello is None:
            return
        stream = await self.edge.bus.subscribe(visitor_topic(self.visitor))
        try:
            await self._welcome(hello)
            forward = asyncio.create_task(self._forward(stream))
            try:
                await self._receive_frames()
            finally:
                forward.cancel()
                await asyncio.gather(forward, return_exceptions=True)
        except WebSocketDisconnect:
            pass
        finally:
            await stream.close()
            if self.typing:
                await self._publish_typing(False)

    async def _hello(self) -> dict[str, Any] | None:
        try:
            hello = await asyncio.wait_for(self.ws.receive_json(), self.edge.config.hello_timeout_seconds)
        except (TimeoutError, ValueError, WebSocketDisconnect):
            await self._close(CLOSE_BAD_HELLO, "bad_hello", "the chat did not start properly")
            return None
        if not isinstance(hello, dict) or hello.get("type") != "hello":
            await self._close(CLOSE_BAD_HELLO, "bad_hello", "the chat did not start properly")
            return None
        token = hello.get("token")
        if token:
            claim = self.edge.tokens.verify(str(token))
            if claim is None or claim.inbox != self.inbox.key:
                await self._close(CLOSE_BAD_TOKEN, "bad_token", "this chat session is not valid")
                return None
            self.visitor = claim.visitor_id
        else:
            self.visitor = new_visitor_id()
            self.first_visit = True
        self.name = clean_name(hello.get("name"))
        user_id, user_hash = hello.get("user_id"), hello.get("user_hash")
        if user_id or user_hash:
            if not verify_identity(self.inbox.identity_secret, str(user_id or ""), str(user_hash or "")):
                await self._close(CLOSE_FORBIDDEN, "bad_identity", "the signed-in identity could not be verified")
                return None
            external = external_identity(self.inbox.key, str(user_id))
            await self.edge.visitors.link_verified(self.visitor, external, self.name)
            self.first_visit = False
        return hello

    async def _welcome(self, hello: dict[str, Any]) -> None:
        availability = await self.edge.availability(self.inbox.key)
        if availability.online and not self.first_visit:
            await self.edge.visitors.visitor_back(self.visitor)
        await self.ws.send_json(
            {
                "type": "welcome",
                "token": self.edge.tokens.issue(VisitorClaim(self.visitor, self.inbox.key)),
                "visitor": self.visitor,
                "inbox": self.inbox.name,
                "online": availability.online,
                "reason": availability.reason,
                "opens_at": availability.opens_at,
                "prechat": self.inbox.prechat_form,
                "max_upload_bytes": self.edge.config.max_upload_bytes,
                "max_text_chars": self.edge.config.max_text_chars,
            }
        )
        after = hello.get("after")
        after = after if isinstance(after, int) and after >= 0 else 0
        # When a campaign sends thousands to the site at once, new visitors cost the store nothing here.
        entries = (
            []
            if self.first_visit
            else await self.edge.visitors.history(self.visitor, after, self.edge.config.history_limit)
        )
        await self.ws.send_json({"type": "history", "messages": [entry.as_event() for entry in entries]})

    async def _forward(self, stream: EventStream) -> None:
        while (event := await stream.get()) is not None:
            if event.get("tab") != self.tab:
                await self.ws.send_json(dict(event))
        # The feed ended (the bus lost its connection): closing makes the widget reconnect and resync.
        await self.ws.close(code=1012)

    async def _receive_frames(self) -> None:
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000))
            text = message.get("text")
            try:
                # Binary frames are not part of the protocol; they are answered like unreadable text.
                frame = json.loads(text) if text is not None else None
            except ValueError:
                await self._error("bad_frame", "the message could not be read")
                continue
            if not isinstance(frame, dict):
                await self._error("bad_frame", "the message could not be read")
                continue
            try:
                await self._dispatch(frame)
            except FrameRefused as refused:
                await self._error(refused.code, refused.message, frame.get("cid"))

    async def _dispatch(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "message":
            await self._message(frame)
        elif kind == "typing":
            await self._typing(bool(frame.get("on")))
        elif kind == "delivered":
            await self._delivered(frame.get("keys"))
        elif kind in ("offline", "prechat"):
            await self._left_email(frame, prefer_email=kind == "offline")
        elif kind == "transcript":
            await self._transcript(frame)
        elif kind == "ping":
            await self.ws.send_json({"type": "pong"})
        else:
            raise FrameRefused("bad_frame", "unknown message type")

    async def _throttle(self) -> None:
        wait = max(await self.edge.per_visitor.take(self.visitor), await self.edge.per_address.take(self.address))
        if wait > 0:
            raise FrameRefused("rate_limited", THROTTLED)

    async def _message(self, frame: dict[str, Any]) -> None:
        await self._throttle()
        content: dict[str, Any] = {key: frame[key] for key in ("cid", "text", "file") if key in frame}
        raw = envelope(self.visitor, self.inbox.key, self.name, content, self.address)
        message = to_message(self.visitor, self.inbox.key, self.name, content, self.edge.limits, raw)
        try:
            await self.edge.sink.ingest(message)
        except Exception:
            log.exception("a web chat message could not be stored")
            raise FrameRefused("failed", "the message could not be sent; please try again") from None
        if self.typing:
            await self._publish_typing(False)
        event = {
            "type": "message.created",
            "key": message.external_id,
            "cid": content["cid"],
            "dir": "in",
            "text": message.text,
            "files": [item.filename for item in message.attachments],
            "state": "sent",
            "channel": ChannelName.WEBCHAT.value,
        }
        # This tab hears it as an acknowledgement; the visitor's other tabs hear it through the bus.
        await self.ws.send_json({**event, "type": "ack"})
        await self.edge.bus.publish(visitor_topic(self.visitor), {**event, "tab": self.tab})

    async def _typing(self, on: bool) -> None:
        if on != self.typing:
            await self._publish_typing(on)

    async def _publish_typing(self, on: bool) -> None:
        self.typing = on
        event = {"type": "typing", "channel": "webchat", "visitor": self.visitor, "on": on, "who": "visitor"}
        await self.edge.bus.publish(INBOX_TOPIC, event)

    async def _delivered(self, keys: object) -> None:
        if not isinstance(keys, list):
            return
        for key in keys[:100]:
            if isinstance(key, str) and key.startswith(OUTBOUND_PREFIX):
                update = DeliveryUpdate(ChannelName.WEBCHAT, DeliveryStatus.DELIVERED, external_id=key)
                await self.edge.sink.delivery_update(update)

    async def _left_email(self, frame: dict[str, Any], *, prefer_email: bool) -> None:
        await self._throttle()
        email = clean_email(frame.get("email"))
        if email is None:
            raise FrameRefused("bad_email", "please enter a valid email address")
        self.name = clean_name(frame.get("name")) or self.name
        if frame.get("text") and frame.get("cid"):
            await self._message({"cid": frame["cid"], "text": frame["text"]})
        await self.edge.visitors.leave_email(self.visitor, email, self.name, prefer_email=prefer_email)
        await self.ws.send_json({"type": "email.saved", "email": email, "offline": prefer_email})

    async def _transcript(self, frame: dict[str, Any]) -> None:
        email = clean_email(frame.get("email"))
        if email is None:
            raise FrameRefused("bad_email", "please enter a valid email address")
        if await self.edge.transcripts.take(self.visitor) > 0:
            raise FrameRefused("rate_limited", "a transcript was sent a moment ago; please wait a little")
        queued = await self.edge.visitors.send_transcript(self.visitor, email)
        await self.ws.send_json({"type": "transcript.queued" if queued else "transcript.empty", "email": email})

    async def _error(self, code: str, message: str, client_id: object = None) -> None:
        await self.ws.send_json({"type": "error", "code": code, "message": message, "cid": client_id})

    async def _close(self, close_code: int, code: str, message: str) -> None:
        try:
            await self._error(code, message)
            await self.ws.close(code=close_code, reason=code)
        except (RuntimeError, WebSocketDisconnect):
            pass
