"""Plans made for the values at hand, for the queries whose best plan depends on them.

PostgreSQL replans a prepared statement for its parameters only for the first five runs; after that it may
settle on one generic plan. For search (a rare word wants the trigram index, a common one the newest messages
first) and the inbox views (an agent's few conversations or a queue of fifty thousand), one plan for every value
is the wrong plan for many: a query that takes milliseconds with its own plan takes seconds with the generic one.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.upsert import dialect_name

# Where the session keeps the transaction it last set the mode in.
_SET_IN = "custom_plans_set_in"


async def plan_for_these_values(session: AsyncSession) -> None:
    """For the rest of the session's current transaction (a read session's one transaction). Asked for again
    within that transaction (a page's rows, then its counts), it costs no second round trip."""
    if dialect_name(session) != "postgresql":
        return
    transaction = session.get_transaction()
    if transaction is not None and session.info.get(_SET_IN) is transaction:
        return
    await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    session.info[_SET_IN] = session.get_transaction()
