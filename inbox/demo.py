"""Demo data for a first look: two teams of agents, customers across value tiers, conversations on every
channel, all written through the same actions real traffic uses."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from channels.base import ChannelName, Identity, IdentityKind, InboundMessage, ThreadHints
from inbox.actions.ingest import do_ingest
from inbox.actions.reply import ReplyRefused, do_reply
from inbox.blobs import BlobStore
from inbox.models import Agent, Contact, ContactIdentity, Team
from inbox.passwords import hash_password
from inbox.settings import Settings
from inbox.store import Store

TIERS = (("platinum", 0.05, 50_000), ("gold", 0.15, 12_000), ("silver", 0.30, 3_000), ("bronze", 0.50, 400))
FAMILY = ("Wang", "Li", "Zhang", "Liu", "Chen", "Smith", "Johnson", "Garcia", "Müller", "Okafor", "Tanaka")
GIVEN = ("Wei", "Fang", "Min", "Jun", "Anna", "James", "Maria", "David", "Aisha", "Kenji", "Lucas")
ZH_FAMILY = ("王", "李", "张", "刘", "陈", "杨", "赵", "黄")
ZH_GIVEN = ("伟", "芳", "敏", "静", "磊", "洋", "艳", "军")
TOPICS_EN = (
    (
        "Booking change for next week",
        "Hello, I need to move my reservation to the following Tuesday. Is that possible?",
    ),
    ("Invoice question", "The invoice I received lists two nights but I stayed only one. Could you check?"),
    ("Lost property", "I think I left my charger in room 412. Could someone look for it?"),
    ("Complaint about noise", "The room next to ours was very loud all night and nobody at the desk helped."),
    ("Loyalty points missing", "My last stay has not been credited to my membership account."),
    ("Airport transfer", "Can you arrange a car from the airport for two people on Friday at 18:30?"),
)
TOPICS_ZH = (
    ("预订变更", "您好，我想把下周的预订改到周二，可以吗？"),
    ("发票问题", "我收到的发票上写了两晚，但我只住了一晚，请帮忙核对。"),
    ("投诉：房间不干净", "入住时房间很脏，前台也没有处理，我要投诉。"),
    ("积分没有到账", "我上次入住的积分还没有记到会员账户里。"),
)
# Every demo agent signs in with this password. It exists only in demo data, which is for trying the hub out on
# one machine; real accounts are made with `hub user add`, which asks for a password.
DEMO_PASSWORD = "demo-password"
CHANNELS = (ChannelName.EMAIL, ChannelName.SMS, ChannelName.WEBCHAT, ChannelName.FAX, ChannelName.PHONE)


async def store_is_empty(store: Store) -> bool:
    async with store.read() as session:
        return (await session.execute(select(func.count(Contact.id)))).scalar_one() == 0


async def load_demo(
    store: Store, blobs: BlobStore, settings: Settings, *, customers: int = 200
) -> dict[str, int]:
    rng = random.Random(20261123)
    agent_ids = await _agents_and_teams(store)
    counts = {"agents": len(agent_ids), "customers": 0, "conversations": 0, "messages": 0}
    base_time = datetime.now(UTC) - timedelta(days=30)
    for number in range(customers):
        chinese = rng.random() < 0.4
        name = _name(rng, chinese)
        tier, value = _tier(rng)
        identities = _identities(rng, number, name)
        await _customer(store, identities, tier, value, rng, chinese, agent_ids)
        for conversation_number in range(rng.randint(1, 3)):
            channel = rng.choice(CHANNELS)
            subject, body = rng.choice(TOPICS_ZH if chinese else TOPICS_EN)
            sender = identities[_identity_kind_for(channel)]
            at = base_time + timedelta(minutes=rng.randint(0, 30 * 24 * 60))
            outcome = await do_ingest(
                store,
                blobs,
                settings,
                InboundMessage(
                    channel=channel,
                    external_id=f"demo-{number}-{conversation_number}",
                    sender=sender,
                    subject=subject if channel in (ChannelName.EMAIL, ChannelName.FAX) else None,
                    text=body,
                    received_at=at,
                    thread=ThreadHints(session_key=f"demo-call-{number}-{conversation_number}")
                    if channel is ChannelName.PHONE
                    else ThreadHints(),
                    metadata={"demo": "true"},
                ),
            )
            counts["messages"] += 1
            if outcome.new_conversation:
                counts["conversations"] += 1
            if rng.random() < 0.5:
                try:
                    await do_reply(
                        store,
                        conversation_id=outcome.conversation_id,
                        agent_id=rng.choice(agent_ids),
                        text="谢谢您的来信，我们正在处理。"
                        if chinese
                        else "Thank you, we are looking into this now.",
                    )
                except ReplyRefused:
                    # Some demo customers opted out of the only channel they used, as real ones do.
                    continue
                counts["messages"] += 1
        counts["customers"] += 1
    return counts


async def _agents_and_teams(store: Store) -> list[int]:
    demo_hash = hash_password(DEMO_PASSWORD)
    async with store.write() as session:
        front = Team(name="Front desk")
        billing = Team(name="Billing and loyalty")
        people = (
            ("Olivia Reyes", "olivia@hub.example", "supervisor", front, ["en", "es"]),
            ("Chen Jing", "chen.jing@hub.example", "agent", front, ["zh", "en"]),
            ("Marcus Hall", "marcus@hub.example", "agent", front, ["en"]),
            ("Liu Yang", "liu.yang@hub.example", "agent", front, ["zh"]),
            ("Sofia Rossi", "sofia@hub.example", "supervisor", billing, ["en", "it"]),
            ("Zhao Min", "zhao.min@hub.example", "agent", billing, ["zh", "en"]),
            ("Daniel Kim", "daniel@hub.example", "agent", billing, ["en", "ko"]),
            ("Admin", "admin@hub.example", "admin", None, ["en"]),
        )
        agents = []
        for name, email, role, team, languages in people:
            agent = Agent(
                name=name,
                email=email,
                role=role,
                password_hash=demo_hash,
                presence="online" if role == "agent" else "offline",
                skills=["billing"] if team is billing else ["reservations"],
                languages=languages,
                capacity={},
                schedule={},
                teams=[team] if team is not None else [],
            )
            session.add(agent)
            agents.append(agent)
        await session.flush()
        return [agent.id for agent in agents if agent.role == "agent"]


def _name(rng: random.Random, chinese: bool) -> str:
    if chinese:
        return rng.choice(ZH_FAMILY) + rng.choice(ZH_GIVEN)
    return f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}"


def _tier(rng: random.Random) -> tuple[str, int]:
    draw = rng.random()
    cumulative = 0.0
    for name, share, value in TIERS:
        cumulative += share
        if draw < cumulative:
            return name, value
    return TIERS[-1][0], TIERS[-1][2]


def _identities(rng: random.Random, number: int, name: str) -> dict[IdentityKind, Identity]:
    phone = f"+1415555{number:04d}"
    return {
        IdentityKind.EMAIL: Identity(IdentityKind.EMAIL, f"customer{number}@example.com", name),
        IdentityKind.PHONE: Identity(IdentityKind.PHONE, phone, name),
        IdentityKind.FAX: Identity(IdentityKind.FAX, f"+1415666{number:04d}", name),
        IdentityKind.WEBCHAT: Identity(
            IdentityKind.WEBCHAT, f"visitor-{number:05d}-{rng.randint(0, 9999)}", name
        ),
    }


def _identity_kind_for(channel: ChannelName) -> IdentityKind:
    return {
        ChannelName.EMAIL: IdentityKind.EMAIL,
        ChannelName.SMS: IdentityKind.PHONE,
        ChannelName.PHONE: IdentityKind.PHONE,
        ChannelName.FAX: IdentityKind.FAX,
        ChannelName.WEBCHAT: IdentityKind.WEBCHAT,
    }[channel]


async def _customer(
    store: Store,
    identities: dict[IdentityKind, Identity],
    tier: str,
    value: int,
    rng: random.Random,
    chinese: bool,
    agent_ids: list[int],
) -> None:
    """One person behind every identity, so their email, texts, faxes and chats share one record."""
    async with store.write() as session:
        contact = Contact(
            name=identities[IdentityKind.EMAIL].display_name,
            tier=tier,
            realised_value=Decimal(int(value * rng.uniform(0.5, 1.5))),
            potential_value=Decimal(int(value * rng.uniform(0.2, 1.0))),
            model_value=Decimal(int(value * rng.uniform(0.0, 0.3))),
            cost_to_serve=Decimal(rng.randint(10, 400)),
            language="zh" if chinese else "en",
            timezone="Asia/Shanghai" if chinese else "America/Los_Angeles",
            is_key_account=tier == "platinum",
            relationship_class=rng.choice(("new", "long_term", "long_term", "at_risk")),
            consent={"email": True, "sms": rng.random() > 0.1},
            owner_agent_id=rng.choice(agent_ids) if tier in ("platinum", "gold") else None,
            custom_attributes={},
        )
        session.add(contact)
        await session.flush()
        for identity in identities.values():
            session.add(
                ContactIdentity(contact_id=contact.id, kind=identity.kind.value, value=identity.value)
            )
