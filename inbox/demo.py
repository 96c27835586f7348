"""Demo data for a first look: two teams of agents, customers across value tiers, conversations on every
channel, all written through the same actions real traffic uses."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from channels.base import ChannelName, Identity, IdentityKind, InboundMessage, ThreadHints
from inbox.actions.ingest import do_ingest_batch
from inbox.blobs import BlobStore
from inbox.models import Agent, Contact, ContactIdentity, Conversation, Message, Team
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


async def load_demo(store: Store, blobs: BlobStore, settings: Settings, *, customers: int = 200) -> dict[str, int]:
    """Customers first, then a month of inbound traffic through the batch ingest path, then history: replies
    already sent, conversations resolved or pending. Open conversations are left for the router."""
    rng = random.Random(20261123)
    agent_ids = await _agents_and_teams(store)
    start = datetime.now(UTC) - timedelta(days=30)
    traffic: list[InboundMessage] = []
    for number in range(customers):
        chinese = rng.random() < 0.4
        tier, value = _tier(rng)
        identities = _identities(rng, number, _name(rng, chinese))
        await _customer(store, identities, tier, value, rng, chinese, agent_ids)
        traffic.extend(_customer_traffic(rng, number, identities, chinese, start))
    traffic.sort(key=lambda message: message.received_at or start)
    for offset in range(0, len(traffic), 500):
        await do_ingest_batch(store, blobs, settings, traffic[offset : offset + 500])
    replies = await _history(store, rng, agent_ids)
    async with store.read() as session:
        conversations = (await session.execute(select(func.count(Conversation.id)))).scalar_one()
    return {
        "agents taking conversations": len(agent_ids),
        "customers": customers,
        "conversations": conversations,
        "messages": len(traffic) + replies,
    }


def _customer_traffic(
    rng: random.Random, number: int, identities: dict[IdentityKind, Identity], chinese: bool, start: datetime
) -> list[InboundMessage]:
    messages: list[InboundMessage] = []
    topics = TOPICS_ZH if chinese else TOPICS_EN
    for channel in CHANNELS:
        threads = rng.randint(1, 2) if channel in (ChannelName.EMAIL, ChannelName.FAX, ChannelName.PHONE) else 1
        for thread in range(threads):
            subject, body = rng.choice(topics)
            at = start + timedelta(minutes=rng.randint(0, 29 * 24 * 60))
            previous: str | None = None
            for turn in range(rng.randint(1, 3)):
                external_id = f"demo-{number}-{channel.value}-{thread}-{turn}"
                hints = ThreadHints(
                    references=(previous,) if previous else (),
                    session_key=f"call:demo-{number}-{thread}" if channel is ChannelName.PHONE else None,
                )
                messages.append(
                    InboundMessage(
                        channel=channel,
                        external_id=external_id,
                        sender=identities[_identity_kind_for(channel)],
                        subject=subject if channel in (ChannelName.EMAIL, ChannelName.FAX) else None,
                        text=body if turn == 0 else ("还有一个问题。" if chinese else "One more question about this."),
                        received_at=at + timedelta(hours=turn * rng.randint(1, 20)),
                        thread=hints,
                        metadata={"demo": "true"},
                    )
                )
                previous = external_id
    return messages


async def _history(store: Store, rng: random.Random, agent_ids: list[int]) -> int:
    """Dates conversations by their messages, answers about half of them and closes many, as a month would."""
    async with store.write() as session:
        spans = (
            await session.execute(
                select(Message.conversation_id, func.min(Message.received_at), func.max(Message.received_at)).group_by(
                    Message.conversation_id
                )
            )
        ).all()
        conversations = {c.id: c for c in (await session.execute(select(Conversation))).scalars()}
        contacts = {c.id: c for c in (await session.execute(select(Contact))).scalars()}
        replies = 0
        for conversation_id, first, last in spans:
            if first is None or last is None:
                continue
            conversation = conversations[conversation_id]
            conversation.created_at = first
            conversation.last_message_at = last
            draw = rng.random()
            if draw < 0.55:
                agent = rng.choice(agent_ids)
                answered = last + timedelta(minutes=rng.randint(3, 240))
                chinese = contacts[conversation.contact_id].language == "zh"
                session.add(
                    Message(
                        conversation_id=conversation_id,
                        direction="outbound",
                        channel="sms" if conversation.channel == "phone" else conversation.channel,
                        kind="message",
                        subject=conversation.subject,
                        text="谢谢您的来信，我们已经处理好了。" if chinese else "Thank you, this is sorted now.",
                        sender_agent_id=agent,
                        delivery_status="delivered",
                        details={"demo": "true"},
                        created_at=answered,
                        sent_at=answered,
                    )
                )
                replies += 1
                conversation.first_response_at = answered
                conversation.last_message_at = answered
                if draw < 0.45:
                    conversation.status = "resolved"
                    conversation.resolved_at = answered + timedelta(minutes=rng.randint(1, 60))
                    conversation.assignee_id = agent
                else:
                    conversation.status = "pending"
                    conversation.assignee_id = agent
        return replies


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
        IdentityKind.WEBCHAT: Identity(IdentityKind.WEBCHAT, f"visitor-{number:05d}-{rng.randint(0, 9999)}", name),
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
            session.add(ContactIdentity(contact_id=contact.id, kind=identity.kind.value, value=identity.value))
