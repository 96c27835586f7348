"""Recording what happened to claimed campaign messages, many per transaction.

A recipient row is only changed while it still carries the claim's token: if its claim ran out and another
process took it over, that process owns the row's outcome. The message row follows the network's answer either
way, so the conversation shows what the customer got.

Sends that went out are the bulk of every flush and all get the same values, so they are written with one
statement per table over the list of ids (an array parameter on PostgreSQL), not a statement per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Table, any_, bindparam, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from inbox import audit
from inbox.models import CampaignRecipient, Message, RecipientStatus
from inbox.store import Store


@dataclass(frozen=True, slots=True)
class SendOutcome:
    recipient_id: int
    message_id: int
    external_id: str | None = None
    error: str | None = None
    permanent: bool = False
    code: str | None = None
    # The external id the message row already carries (an email Message-ID minted at the claim): a send that
    # returns it leaves the row's id as it is.
    stored_external_id: str | None = None

    @property
    def sent(self) -> bool:
        return self.error is None


def _table(model: Any) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


_RECIPIENTS = _table(CampaignRecipient)
_MESSAGES = _table(Message)

_RECIPIENT_UPDATE = (
    update(_RECIPIENTS)
    .where(_RECIPIENTS.c.id == bindparam("b_id"), _RECIPIENTS.c.claim_token == bindparam("b_token"))
    .values(
        status=bindparam("b_status"),
        reason=bindparam("b_reason"),
        sent_at=bindparam("b_sent_at"),
        not_before=bindparam("b_not_before"),
        claim_token=None,
        claimed_until=None,
    )
)
_MESSAGE_UPDATE = (
    update(_MESSAGES)
    .where(_MESSAGES.c.id == bindparam("b_id"))
    .values(
        delivery_status=bindparam("b_status"),
        external_id=bindparam("b_external_id"),
        sent_at=bindparam("b_sent_at"),
        failure_reason=bindparam("b_reason"),
    )
)


def _id_among(column: Any, ids: list[int], dialect: str) -> ColumnElement[bool]:
    """``column IN ids``; on PostgreSQL as one array parameter, so the statement is prepared once whatever the
    number of ids."""
    if dialect == "postgresql":
        return column == any_(bindparam(None, ids, type_=ARRAY(BigInteger)))  # type: ignore[no-any-return]
    return column.in_(ids)  # type: ignore[no-any-return]


def _failed_status(outcome: SendOutcome, channel: str) -> str:
    # A mail server's permanent refusal of the address is a bounce; anything else permanent is a failure.
    if channel == "email" and outcome.code and outcome.code.startswith("5"):
        return RecipientStatus.BOUNCED.value
    return RecipientStatus.FAILED.value


async def do_record_outcomes(
    store: Store,
    token: str,
    channel: str,
    outcomes: list[SendOutcome],
    *,
    now: datetime,
    retry_delay_seconds: float,
    extend_until: datetime | None = None,
) -> None:
    """Record ``outcomes``; with ``extend_until``, the claim's remaining rows are held until then (a heartbeat,
    so a batch slowed down by a loaded machine never sees its rows taken over while it still works on them)."""
    limit = store.settings.campaigns.max_send_attempts
    async with store.write() as session:
        if extend_until is not None:
            await session.execute(
                update(_RECIPIENTS)
                .where(
                    _RECIPIENTS.c.claim_token == token,
                    _RECIPIENTS.c.status == RecipientStatus.SENDING.value,
                )
                .values(claimed_until=extend_until)
            )
        if not outcomes:
            return
        retrying = [item.recipient_id for item in outcomes if not item.sent and not item.permanent]
        attempts: dict[int, int] = {}
        if retrying:
            rows = await session.execute(
                select(CampaignRecipient.id, CampaignRecipient.attempts).where(CampaignRecipient.id.in_(retrying))
            )
            attempts = {int(rid): int(count) for rid, count in rows.all()}
        sent = [item for item in outcomes if item.sent]
        if sent:
            await _record_sent(session, store.dialect, token, sent, now)
        recipients: list[dict[str, Any]] = []
        messages: list[dict[str, Any]] = []
        for item in outcomes:
            if item.sent and item.external_id == item.stored_external_id:
                continue
            if item.sent:
                status, message_status, reason, not_before = RecipientStatus.SENT.value, "sent", None, None
            elif item.permanent or attempts.get(item.recipient_id, 0) >= limit:
                status, message_status, not_before = _failed_status(item, channel), "failed", None
                reason = item.error if item.permanent else f"gave up after {limit} attempts: {item.error}"
            else:
                status, message_status, reason = RecipientStatus.QUEUED.value, "queued", item.error
                not_before = now + timedelta(seconds=retry_delay_seconds)
            sent_at = now if item.sent else None
            messages.append(
                {
                    "b_id": item.message_id,
                    "b_status": message_status,
                    "b_external_id": item.external_id,
                    "b_sent_at": sent_at,
                    "b_reason": reason if message_status == "failed" else None,
                }
            )
            if item.sent:
                continue
            recipients.append(
                {
                    "b_id": item.recipient_id,
                    "b_token": token,
                    "b_status": status,
                    "b_reason": reason,
                    "b_sent_at": sent_at,
                    "b_not_before": not_before,
                }
            )
        if recipients:
            await session.execute(_RECIPIENT_UPDATE, recipients)
        # A retry keeps the Message-ID reserved at the claim; only a sent message learns the network's id.
        sent_messages = [row for row in messages if row["b_external_id"] is not None]
        other_messages = [row for row in messages if row["b_external_id"] is None]
        if sent_messages:
            await session.execute(_MESSAGE_UPDATE, sent_messages)
        if other_messages:
            await session.execute(
                update(_MESSAGES)
                .where(_MESSAGES.c.id == bindparam("b_id"))
                .values(
                    delivery_status=bindparam("b_status"),
                    sent_at=bindparam("b_sent_at"),
                    failure_reason=bindparam("b_reason"),
                ),
                [{key: value for key, value in row.items() if key != "b_external_id"} for row in other_messages],
            )
        failed = sum(1 for item in outcomes if not item.sent)
        if failed:
            audit.record(session, "campaign.send_failures", count=failed, channel=channel)


async def _record_sent(session: AsyncSession, dialect: str, token: str, sent: list[SendOutcome], now: datetime) -> None:
    await session.execute(
        update(_RECIPIENTS)
        .where(_id_among(_RECIPIENTS.c.id, [item.recipient_id for item in sent], dialect))
        .where(_RECIPIENTS.c.claim_token == token)
        .values(
            status=RecipientStatus.SENT.value,
            reason=None,
            sent_at=now,
            not_before=None,
            claim_token=None,
            claimed_until=None,
        )
    )
    unchanged = [item.message_id for item in sent if item.external_id == item.stored_external_id]
    if unchanged:
        await session.execute(
            update(_MESSAGES)
            .where(_id_among(_MESSAGES.c.id, unchanged, dialect))
            .values(delivery_status="sent", sent_at=now, failure_reason=None)
        )


async def do_release_claims(store: Store, token: str, recipient_ids: list[int]) -> None:
    """Hand back claimed recipients that were not sent to (the batch ran out of time); the next batch takes them,
    with the message rows already made for them."""
    if not recipient_ids:
        return
    async with store.write() as session:
        await session.execute(
            update(_RECIPIENTS)
            .where(
                _RECIPIENTS.c.id.in_(recipient_ids),
                _RECIPIENTS.c.claim_token == token,
                _RECIPIENTS.c.status == RecipientStatus.SENDING.value,
            )
            .values(
                status=RecipientStatus.QUEUED.value,
                claim_token=None,
                claimed_until=None,
                attempts=_RECIPIENTS.c.attempts - 1,
            )
        )
