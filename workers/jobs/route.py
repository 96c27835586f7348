"""Routing conversations that need an agent: one snapshot of the agents for the lot, the router's decision for
each, one atomic claim for all.

Ingest names the conversations of each stored batch, in the one routing job that waits to be picked up (see
``inbox.route_jobs``); a missed call's call-back names its one conversation. Conversations assigned or closed
in the meantime are passed over, so running twice assigns nothing twice.
"""

from __future__ import annotations

from typing import Any

from inbox.actions.assign import do_apply_routings
from inbox.models import utcnow
from inbox.routing_plan import plan_routing
from inbox.routing_snapshots import agent_snapshots
from inbox.waiting_queue import waiting_among
from router import RouterPolicy
from workers.context import JobContext

MAX_CLAIM_ATTEMPTS = 3


def conversation_ids(payload: dict[str, Any]) -> list[int]:
    ids = [int(value) for value in payload.get("conversation_ids") or ()]
    if "conversation_id" in payload:
        ids.append(int(payload["conversation_id"]))
    return sorted(set(ids))


async def run(ctx: JobContext, payload: dict[str, Any]) -> None:
    policy: RouterPolicy = ctx.extras.get("router_policy") or ctx.settings.routing.policy()
    pending = conversation_ids(payload)
    for _ in range(MAX_CLAIM_ATTEMPTS):
        now = utcnow()
        async with ctx.store.read() as session:
            waiting = await waiting_among(session, pending, policy.offsets, policy.synchronous_channels)
            if not waiting:
                return
            agents = await agent_snapshots(session)
        proposals = plan_routing([entry.item for entry in waiting], agents, now.timestamp(), policy)
        applied = await do_apply_routings(ctx.store, proposals, policy=policy)
        # Another router took the slot between our snapshot and our claim: decide again on fresh figures.
        pending = applied.bumped
        if not pending:
            return
