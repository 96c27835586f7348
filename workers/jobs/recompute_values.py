"""Recomputing every customer's value score, tier and key-account flag from the store's figures."""

from __future__ import annotations

from typing import Any

from inbox.actions.value import do_store_values, load_value_inputs
from router import CustomerValueInputs, TierShares, ValueWeights, tiers_by_percentile, value_score
from workers.context import JobContext


async def run(ctx: JobContext, payload: dict[str, Any]) -> None:
    del payload
    section = ctx.settings.value
    weights = ValueWeights(
        realised=section.weight_realised,
        potential=section.weight_potential,
        model=section.weight_model,
        cost_per_contact=section.cost_per_contact,
    )
    shares = TierShares(platinum=section.share_platinum, gold=section.share_gold, silver=section.share_silver)
    figures = await load_value_inputs(ctx.store)
    scores = {
        contact_id: value_score(
            CustomerValueInputs(
                realised=float(row.realised),
                potential=float(row.potential),
                model=float(row.model),
                contacts_handled=row.conversations,
                compensation=float(row.concessions),
            ),
            weights,
        )
        for contact_id, row in figures.items()
    }
    tiers = tiers_by_percentile(scores, shares)
    await do_store_values(
        ctx.store,
        {
            contact_id: (score, tiers[contact_id].name.lower(), score >= section.key_account_min_score)
            for contact_id, score in scores.items()
        },
    )
