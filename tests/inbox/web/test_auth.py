from __future__ import annotations

from sqlalchemy import select

from inbox.actions.agents import do_set_password
from inbox.models import Event
from inbox.web.auth import safe_next
from tests.support.web import FakeClock, build_app, build_world, client_for, csrf_from, page_token, sign_in
from workers.context import JobContext


async def test_signing_in_opens_the_inbox_and_signing_out_closes_it(ctx: JobContext) -> None:
    world = await build_world(ctx)
    async with client_for(build_app(ctx)) as client:
        response = await sign_in(client, world.emails["chen"])
        assert response.status_code == 303 and response.headers["location"] == "/"
        cookie = response.headers["set-cookie"]
        assert "hub_session=" in cookie and "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
        inbox = await client.get("/")
        assert inbox.status_code == 200 and "Chen" in inbox.text
        token = csrf_from(inbox.text)
        out = await client.post("/logout", data={"csrf_token": token})
        assert out.status_code == 303 and out.headers["location"] == "/login"
        after = await client.get("/")
        assert after.status_code == 303 and after.headers["location"].startswith("/login")
    async with ctx.store.read() as session:
        kinds = list((await session.execute(select(Event.kind).where(Event.kind == "agent.signed_in"))).scalars())
    assert kinds == ["agent.signed_in"]


async def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(ctx: JobContext) -> None:
    world = await build_world(ctx)
    async with client_for(build_app(ctx)) as client:
        wrong = await sign_in(client, world.emails["chen"], "not the password")
        unknown = await sign_in(client, "nobody@hub.example", "not the password")
        assert wrong.status_code == unknown.status_code == 400
        assert "do not match" in wrong.text and "do not match" in unknown.text
        assert (await client.get("/")).status_code == 303


async def test_the_login_form_needs_its_token(ctx: JobContext) -> None:
    world = await build_world(ctx)
    async with client_for(build_app(ctx)) as client:
        await client.get("/login")
        response = await client.post("/login", data={"email": world.emails["chen"], "password": "x" * 12})
        assert response.status_code == 403


async def test_repeated_failures_lock_the_account_for_a_while(ctx: JobContext) -> None:
    world = await build_world(ctx)
    clock = FakeClock()
    async with client_for(build_app(ctx, clock)) as client:
        for _ in range(5):
            assert (await sign_in(client, world.emails["chen"], "wrong password!")).status_code == 400
        # Now even the right password waits: the attacker cannot tell when they guessed it.
        locked = await sign_in(client, world.emails["chen"])
        assert locked.status_code == 429
        assert "Too many failed sign-in attempts" in locked.text and "15 minutes" in locked.text
        clock.now += 15 * 60 + 1
        assert (await sign_in(client, world.emails["chen"])).status_code == 303


async def test_one_address_cannot_try_many_accounts(ctx: JobContext) -> None:
    world = await build_world(ctx)
    clock = FakeClock()
    async with client_for(build_app(ctx, clock)) as client:
        for number in range(20):
            assert (await sign_in(client, f"guess{number}@hub.example", "wrong password!")).status_code == 400
        assert (await sign_in(client, world.emails["olivia"])).status_code == 429


async def test_a_password_change_ends_existing_sessions(ctx: JobContext) -> None:
    world = await build_world(ctx)
    async with client_for(build_app(ctx)) as client:
        await sign_in(client, world.emails["chen"])
        assert (await client.get("/")).status_code == 200
        await do_set_password(
            ctx.store, agent_id=world.people["chen"], password="a new long password", actor_agent_id=None
        )
        assert (await client.get("/")).status_code == 303
        assert (await client.get("/login")).status_code == 200
        assert (await sign_in(client, world.emails["chen"], "a new long password")).status_code == 303
        assert (await client.get("/")).status_code == 200


async def test_a_session_cookie_from_another_key_is_ignored(ctx: JobContext) -> None:
    world = await build_world(ctx)
    async with client_for(build_app(ctx)) as first:
        await sign_in(first, world.emails["chen"])
        cookie = first.cookies["hub_session"]
    # A second app without a configured key signs with a different random one.
    async with client_for(build_app(ctx)) as second:
        second.cookies.set("hub_session", cookie)
        assert (await second.get("/")).status_code == 303


async def test_after_signing_in_the_agent_lands_where_they_were_going(ctx: JobContext) -> None:
    world = await build_world(ctx)
    conversation_id = world.conversations["chen_own"]
    async with client_for(build_app(ctx)) as client:
        bounce = await client.get(f"/conversations/{conversation_id}")
        assert bounce.headers["location"] == f"/login?next=%2Fconversations%2F{conversation_id}"
        page = await client.get(bounce.headers["location"])
        assert f'value="/conversations/{conversation_id}"' in page.text
        token = await page_token(client, "/login")
        landed = await client.post(
            "/login",
            data={
                "email": world.emails["chen"],
                "password": "correct horse battery",
                "csrf_token": token,
                "next": f"/conversations/{conversation_id}",
            },
        )
        assert landed.headers["location"] == f"/conversations/{conversation_id}"


def test_only_local_paths_are_followed_after_sign_in() -> None:
    assert safe_next("/conversations/4") == "/conversations/4"
    for hostile in ("https://evil.example/", "//evil.example/", "/\\evil.example", "", None):
        assert safe_next(hostile) == "/"
