"""The visitors' websocket against the real app under uvicorn: refusals, throttling, storage, replies."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from channels.base import ChannelName
from inbox.actions.reply import do_reply
from inbox.models import Contact, ContactIdentity, Conversation, Message
from inbox.realtime import INBOX_TOPIC
from tests.channels.webchat.live_hub import LiveHub, live_hub, signed_user
from tests.channels.webchat.visitor_client import visitor
from tests.support.factories import add_agent
from tests.support.jobs import JobDriver
from workers.context import JobContext


async def _stored(ctx: JobContext) -> list[Message]:
    async with ctx.store.read() as session:
        rows = await session.execute(
            select(Message).where(Message.channel == ChannelName.WEBCHAT.value).order_by(Message.id)
        )
        return list(rows.scalars())


async def _closed_with(hub: LiveHub, hello: dict[str, object]) -> tuple[int, dict[str, object]]:
    async with connect(hub.socket_url, origin=hub.page_origin) as connection:  # type: ignore[arg-type]
        await connection.send(json.dumps({"type": "hello", **hello}))
        error = json.loads(await connection.recv())
        with pytest.raises(ConnectionClosed) as closed:
            await connection.recv()
        assert closed.value.rcvd is not None
        return closed.value.rcvd.code, error


async def test_a_new_visitor_gets_a_signed_token_and_is_told_nobody_is_online(ctx: JobContext) -> None:
    async with live_hub(ctx) as hub, visitor(hub) as chat:
        assert chat.welcome["token"] and chat.welcome["visitor"].startswith("v")
        assert chat.welcome["online"] is False and chat.welcome["reason"] == "no_agent"
        assert chat.history == []


async def test_a_first_visit_reads_only_whether_anyone_is_there(
    ctx: JobContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with live_hub(ctx) as hub:
        reads = 0
        real_read = ctx.store.read

        def counted_read() -> object:
            nonlocal reads
            reads += 1
            return real_read()

        monkeypatch.setattr(ctx.store, "read", counted_read)
        async with visitor(hub) as chat:
            assert chat.history == []
        # The availability check; a visitor with no past here has no history to read.
        assert reads == 1


async def test_an_online_agent_makes_the_chat_live(ctx: JobContext) -> None:
    await add_agent(ctx, presence="online")
    async with live_hub(ctx) as hub, visitor(hub) as chat:
        assert chat.welcome["online"] is True


async def test_a_forged_token_is_refused_and_nothing_is_stored(ctx: JobContext) -> None:
    async with live_hub(ctx) as hub:
        async with visitor(hub) as chat:
            genuine = chat.welcome["token"]
        forged = genuine[:-4] + ("AAAA" if not genuine.endswith("AAAA") else "BBBB")
        code, error = await _closed_with(hub, {"token": forged})
        assert code == 4401 and error["code"] == "bad_token"
        code, _ = await _closed_with(hub, {"token": "made-up"})
        assert code == 4401
    assert await _stored(ctx) == []


async def test_a_wrong_identity_hash_is_refused(ctx: JobContext) -> None:
    user_id, good_hash = signed_user("customer-42")
    async with live_hub(ctx) as hub:
        code, error = await _closed_with(hub, {"user_id": user_id, "user_hash": "0" * len(good_hash)})
        assert code == 4403 and error["code"] == "bad_identity"
        code, _ = await _closed_with(hub, {"user_id": "customer-43", "user_hash": good_hash})
        assert code == 4403
    async with ctx.store.read() as session:
        assert (await session.execute(select(ContactIdentity))).scalars().all() == []


async def test_a_verified_visitor_joins_the_customer_record_the_site_vouched_for(ctx: JobContext) -> None:
    user_id, user_hash = signed_user("customer-42")
    async with live_hub(ctx) as hub:
        async with visitor(hub, user_id=user_id, user_hash=user_hash) as first:
            await first.say("a1", "hello from my laptop")
        async with visitor(hub, user_id=user_id, user_hash=user_hash) as second:
            # A new device, but the customer the site vouched for: their chat so far is there.
            assert [entry["text"] for entry in second.history] == ["hello from my laptop"]
            await second.say("b1", "and from my phone")
    async with ctx.store.read() as session:
        identities = (await session.execute(select(ContactIdentity))).scalars().all()
        conversations = (await session.execute(select(Conversation))).scalars().all()
    assert {identity.contact_id for identity in identities} == {conversations[0].contact_id}
    assert sorted(identity.kind for identity in identities) == ["external", "webchat", "webchat"]
    assert next(i for i in identities if i.kind == "external").value == f"site:{user_id}"


async def test_a_disallowed_origin_is_refused_at_the_handshake(ctx: JobContext) -> None:
    async with live_hub(ctx) as hub:
        with pytest.raises(InvalidStatus) as refused:
            async with connect(hub.socket_url, origin="https://evil.example"):  # type: ignore[arg-type]
                pass
        assert refused.value.response.status_code == 403
        with pytest.raises(InvalidStatus):
            async with connect(hub.socket_url.replace("inbox=site", "inbox=other"), origin=hub.page_origin):  # type: ignore[arg-type]
                pass


async def test_a_flooding_visitor_is_throttled_with_a_clear_message(ctx: JobContext) -> None:
    async with live_hub(ctx, visitor_burst=3, visitor_per_second=0.01) as hub, visitor(hub) as chat:
        for number in range(3):
            assert (await chat.say(f"m{number}", f"message {number}"))["key"]
        await chat.send({"type": "message", "cid": "m3", "text": "one too many"})
        error = await chat.receive_type("error")
    assert error["code"] == "rate_limited" and error["cid"] == "m3"
    assert "too quickly" in error["message"]
    assert [message.text for message in await _stored(ctx)] == ["message 0", "message 1", "message 2"]


async def test_markup_typed_by_a_visitor_is_stored_as_plain_text(ctx: JobContext) -> None:
    typed = '<script>alert("hi")</script><b>bold</b>'
    async with live_hub(ctx) as hub, visitor(hub) as chat:
        ack = await chat.say("x1", typed)
    assert ack["text"] == typed
    (stored,) = await _stored(ctx)
    assert stored.text == typed and stored.html is None


async def test_a_message_sent_twice_after_a_lost_ack_is_stored_once(ctx: JobContext) -> None:
    async with live_hub(ctx) as hub:
        async with visitor(hub) as chat:
            first = await chat.say("same", "only once please")
            token = chat.welcome["token"]
        async with visitor(hub, token=token) as again:
            assert [entry["key"] for entry in again.history] == [first["key"]]
            second = await again.say("same", "only once please")
    assert first["key"] == second["key"]
    assert len(await _stored(ctx)) == 1


async def test_an_agent_reply_reaches_the_socket_and_the_delivery_is_recorded(ctx: JobContext, jobs: JobDriver) -> None:
    await add_agent(ctx, presence="online")
    async with live_hub(ctx) as hub:
        agents = await hub.bus.subscribe(INBOX_TOPIC)
        async with visitor(hub) as chat:
            await chat.say("q1", "Is my order shipped?")
            created = await agents.get()
            assert created is not None and created["type"] == "message.created"
            outcome = await do_reply(
                ctx.store, conversation_id=created["conversation_id"], agent_id=None, text="Yes, today."
            )
            assert outcome.channel == "webchat"
            await jobs.drain()
            reply = await chat.reply()
            assert reply["dir"] == "out" and reply["text"] == "Yes, today."
            await chat.send({"type": "delivered", "keys": [reply["key"]]})
            while (event := await agents.get()) is not None and event["type"] != "delivery":
                pass
            assert event is not None and event["status"] == "delivered"
        await agents.close()
    async with ctx.store.read() as session:
        stored = await session.get(Message, outcome.message_id)
        assert stored is not None and stored.delivery_status == "delivered"


async def test_resuming_after_a_cursor_replays_only_what_was_missed(ctx: JobContext, jobs: JobDriver) -> None:
    async with live_hub(ctx) as hub:
        async with visitor(hub) as chat:
            await chat.say("r1", "first")
            token = chat.welcome["token"]
        async with ctx.store.read() as session:
            conversation = (await session.execute(select(Conversation))).scalar_one()
        replies = [
            await do_reply(ctx.store, conversation_id=conversation.id, agent_id=None, text=text)
            for text in ("seen before the drop", "sent while away")
        ]
        await jobs.drain()
        async with visitor(hub, token=token, after=replies[0].message_id) as back:
            assert [entry["text"] for entry in back.history] == ["sent while away"]
        async with visitor(hub, token=token) as reloaded:
            assert [entry["text"] for entry in reloaded.history] == [
                "first",
                *["seen before the drop", "sent while away"],
            ]


async def test_the_offline_form_keeps_the_email_and_answers_go_there(ctx: JobContext) -> None:
    async with live_hub(ctx) as hub, visitor(hub) as chat:
        assert chat.welcome["online"] is False
        await chat.send(
            {"type": "offline", "email": "Mei@Example.com", "name": "Mei", "text": "Call me back", "cid": "o1"}
        )
        saved = await chat.receive_type("email.saved")
    assert saved["email"] == "mei@example.com"
    async with ctx.store.read() as session:
        contact = (await session.execute(select(Contact))).scalar_one()
        conversation = (await session.execute(select(Conversation))).scalar_one()
    assert contact.preferred_channel == "email" and contact.name == "Mei"
    outcome = await do_reply(ctx.store, conversation_id=conversation.id, agent_id=None, text="Happy to help")
    assert outcome.channel == "email" and "preference" in outcome.channel_reason


async def test_a_bad_email_in_the_offline_form_is_explained(ctx: JobContext) -> None:
    async with live_hub(ctx) as hub, visitor(hub) as chat:
        await chat.send({"type": "offline", "email": "not an address", "text": "hi", "cid": "o2"})
        error = await chat.receive_type("error")
    assert error["code"] == "bad_email"


async def test_a_transcript_is_queued_as_an_email(ctx: JobContext) -> None:
    async with live_hub(ctx) as hub, visitor(hub) as chat:
        await chat.send({"type": "transcript", "email": "mei@example.com"})
        assert (await chat.receive_type("transcript.empty"))["email"] == "mei@example.com"
        await chat.say("t1", "my question")
        await chat.send({"type": "transcript", "email": "mei@example.com"})
        await chat.receive_type("transcript.queued")
    async with ctx.store.read() as session:
        mail = (await session.execute(select(Message).where(Message.channel == "email"))).scalar_one()
    assert mail.recipient == "mei@example.com" and "You: my question" in mail.text


async def test_typing_is_announced_to_the_agents(ctx: JobContext) -> None:
    async with live_hub(ctx) as hub:
        agents = await hub.bus.subscribe(INBOX_TOPIC)
        async with visitor(hub) as chat:
            await chat.send({"type": "typing", "on": True})
            event = await agents.get()
        assert event is not None and event["type"] == "typing" and event["on"] is True
        assert event["visitor"] == chat.welcome["visitor"]
        await agents.close()


async def test_an_agent_typing_reaches_the_visitor(ctx: JobContext) -> None:
    from inbox.realtime import visitor_topic

    async with live_hub(ctx) as hub, visitor(hub) as chat:
        await hub.bus.publish(visitor_topic(chat.welcome["visitor"]), {"type": "typing", "who": "agent", "on": True})
        event = await chat.receive_type("typing")
    assert event["on"] is True


async def test_the_widget_script_is_served_small_and_cacheable(ctx: JobContext) -> None:
    import httpx

    async with live_hub(ctx) as hub, httpx.AsyncClient(base_url=hub.base) as client:
        script = await client.get("/widget.js")
        style = await client.get("/channels/webchat/widget.css")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert len(script.content) <= 30 * 1024
    assert style.status_code == 200 and b".launcher" in style.content


async def test_an_image_is_stored_as_an_attachment_and_a_disguised_file_is_refused(ctx: JobContext) -> None:
    import base64

    from inbox.models import Attachment

    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64).decode()
    fake = base64.b64encode(b"MZ\x90\x00 not an image").decode()
    async with live_hub(ctx) as hub, visitor(hub) as chat:
        await chat.send({"type": "message", "cid": "f1", "text": "", "file": {"name": "receipt.png", "data": png}})
        ack = await chat.receive_type("ack")
        await chat.send({"type": "message", "cid": "f2", "file": {"name": "cat.png", "data": fake}})
        error = await chat.receive_type("error")
        assert chat.welcome["max_upload_bytes"] == hub.settings.webchat.max_upload_bytes
    assert ack["files"] == ["receipt.png"]
    assert error["code"] == "bad_type" and error["cid"] == "f2"
    async with ctx.store.read() as session:
        (stored,) = (await session.execute(select(Attachment))).scalars().all()
    assert stored.content_type == "image/png" and stored.filename == "receipt.png"


async def test_unreadable_frames_are_answered_and_the_chat_goes_on(ctx: JobContext) -> None:
    async with live_hub(ctx) as hub, visitor(hub) as chat:
        await chat.connection.send(b"\x00\x01binary")
        assert (await chat.receive_type("error"))["code"] == "bad_frame"
        await chat.connection.send("{not json")
        assert (await chat.receive_type("error"))["code"] == "bad_frame"
        await chat.send({"type": "launch-missiles"})
        assert (await chat.receive_type("error"))["code"] == "bad_frame"
        assert (await chat.say("ok1", "still here"))["text"] == "still here"
