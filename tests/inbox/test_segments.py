"""Segment rules evaluated in the database: each field, combinations, and the refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from inbox.models import Conversation, utcnow
from inbox.segment_queries import count_segment, sample_members
from inbox.segments import SegmentRuleError, segment_clause
from tests.support.campaign_people import add_people, numbered
from tests.support.factories import update_contact
from workers.context import JobContext


async def members(ctx: JobContext, rules: dict[str, Any]) -> list[int]:
    async with ctx.store.read() as session:
        found = await sample_members(
            session,
            rules,
            channel="email",
            dialect=ctx.store.dialect,
            now=utcnow(),
            sensitive=["income_band"],
            limit=100,
        )
    return [contact_id for contact_id, _ in found]


def rule(field: str, op: str, value: Any = None, **extra: Any) -> dict[str, Any]:
    return {"match": "all", "conditions": [{"field": field, "op": op, "value": value, **extra}]}


async def test_each_field_selects_the_right_customers(ctx: JobContext) -> None:
    ids = await add_people(ctx.store, numbered(6))
    await update_contact(ctx, ids[0], tier="gold", language="zh-CN", custom_attributes={"lifecycle_stage": "growth"})
    await update_contact(
        ctx, ids[1], tier="platinum", relationship_class="at_risk", custom_attributes={"region": "CN-31"}
    )
    await update_contact(ctx, ids[2], custom_attributes={"nights": 12, "region": "US-CA"}, is_key_account=True)
    await update_contact(ctx, ids[3], consent={"email": False, "sms": True}, last_inbound_at=utcnow())
    await update_contact(ctx, ids[4], last_inbound_at=datetime.now(UTC) - timedelta(days=400))
    async with ctx.store.write() as session:
        session.add(Conversation(contact_id=ids[5], channel="email", labels=["vip", "spa"], reply_token="t-spa"))
    assert await members(ctx, rule("tier", "in", ["gold", "platinum"])) == ids[:2]
    assert await members(ctx, rule("relationship_class", "is", "at_risk")) == [ids[1]]
    assert await members(ctx, rule("lifecycle_stage", "is", "growth")) == [ids[0]]
    assert await members(ctx, rule("region", "starts_with", "CN")) == [ids[1]]
    assert await members(ctx, rule("language", "starts_with", "zh")) == [ids[0]]
    assert await members(ctx, rule("attribute", "gte", 10, key="nights")) == [ids[2]]
    assert await members(ctx, rule("attribute", "exists", key="region")) == [ids[1], ids[2]]
    assert await members(ctx, rule("key_account", "is", "true")) == [ids[2]]
    assert await members(ctx, rule("label", "has", ["spa"])) == [ids[5]]
    assert await members(ctx, rule("last_contact", "within_days", 30)) == [ids[3]]
    assert await members(ctx, rule("last_contact", "older_than_days", 30)) == [i for i in ids if i != ids[3]]
    assert await members(ctx, rule("consent", "opted_out", channel="email")) == [ids[3]]
    either = {
        "match": "any",
        "conditions": [rule("tier", "is", "gold")["conditions"][0], rule("label", "has", "vip")["conditions"][0]],
    }
    assert await members(ctx, either) == [ids[0], ids[5]]
    async with ctx.store.read() as session:
        counted = await count_segment(
            session, {"conditions": []}, dialect=ctx.store.dialect, now=utcnow(), sensitive=[], require_consent=True
        )
    assert (counted.members, counted.email_reachable, counted.sms_reachable) == (6, 5, 6)


@pytest.mark.parametrize(
    "rules",
    [
        rule("attribute", "is", "high", key="income_band"),
        rule("shoe_size", "is", "42"),
        rule("tier", "resembles", "gold"),
        rule("consent", "granted", channel="fax"),
        rule("tier", "in", []),
        {"match": "most", "conditions": []},
    ],
)
def test_rules_that_cannot_be_evaluated_are_refused(rules: dict[str, Any]) -> None:
    with pytest.raises(SegmentRuleError):
        segment_clause(rules, dialect="sqlite", now=utcnow(), sensitive=["income_band"])
