"""Search across messages and customers, within what the viewer may read. Read-only.

Finding is the index's job: FTS5 trigram tables on SQLite, pg_trgm GIN indexes on PostgreSQL (migration 0004);
both find substrings of three characters or more, Chinese included. A term shorter than that cannot use the
index: when a query has only such terms, the scan is bounded to the most recent messages and says so.

Ranking reads the newest ``CANDIDATES`` visible matches and orders them by relevance (``search_text.score``),
newest first among equals. A search that matches more than that says so, and the agent narrows it with another
word: the price of a page is then bounded however common the words are, on a store of any size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy import (
    ColumnElement,
    Select,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
    union,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute, aliased
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BooleanClauseList

from inbox.access import Viewer, conversation_scope
from inbox.models import Contact, ContactIdentity, Conversation, Message
from inbox.query_plans import plan_for_these_values
from inbox.search_text import INDEXED_LENGTH, Query, contains_all, highlight, parse_query, score, snippet
from inbox.upsert import dialect_name

CANDIDATES = 200
PER_PAGE = 20
CUSTOMER_LIMIT = 10
# Queries of only one- or two-character terms read this many of the latest messages, no more.
SHORT_QUERY_WINDOW = 20_000
# Words of three characters or more are first looked for among this many of the latest messages, checked one by
# one, before the index is asked for the older ones (_candidate_rows). A viewer who reaches only a share of the
# archive checks the words on that share alone, and so reads the widest window for the same work (_reach).
RECENT_WINDOW = 5_000
WIDEST_WINDOW = 200_000


@dataclass(frozen=True, slots=True)
class MessageHit:
    message_id: int
    conversation_id: int
    contact_id: int
    contact_name: str | None
    channel: str
    direction: str
    created_at: datetime
    subject: Markup
    snippet: Markup
    score: float


@dataclass(frozen=True, slots=True)
class CustomerHit:
    contact_id: int
    name: Markup
    tier: str
    identities: list[Markup]
    # The latest of the customer's conversations the viewer may open, if any (an owner may reach none).
    conversation_id: int | None


@dataclass(frozen=True, slots=True)
class SearchResults:
    query: Query
    messages: list[MessageHit]
    customers: list[CustomerHit]
    page: int
    has_next: bool
    # More messages matched than were ranked: the agent should add a word.
    truncated: bool
    # Only short terms: the latest SHORT_QUERY_WINDOW messages were searched.
    recent_only: bool


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _fts_phrases(terms: tuple[str, ...]) -> str:
    """An FTS5 query: each term a quoted phrase (so no operator syntax leaks in), all of them required."""
    return " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)


def _fts_rowids(table: str, terms: tuple[str, ...]) -> Select[Any]:
    """Rowids an FTS5 table matches; its name is one of ours, never the user's."""
    match = text(f"{table} MATCH :phrases").bindparams(phrases=_fts_phrases(terms))
    return select(literal_column("rowid")).select_from(text(table)).where(match)


def _substring(column: QueryableAttribute[Any], term: str) -> ColumnElement[bool]:
    return _matching(column, term, _like(term))


def _matching(column: QueryableAttribute[Any], term: str, pattern: str) -> ColumnElement[bool]:
    if term.lower() == term.upper():
        # Nothing in the term has a case (Chinese, digits): a plain LIKE finds the same rows, without folding
        # the case of every row's text first, which is most of what a case-insensitive match costs.
        return column.like(pattern, escape="\\")
    return column.ilike(pattern, escape="\\")


def _message_match(dialect: str, query: Query, source: type[Message]) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    indexed = query.indexed_terms
    if dialect == "sqlite" and indexed:
        clauses.append(source.id.in_(_fts_rowids("search_messages", indexed)))
        pending = query.short_terms
    else:
        pending = query.terms
    clauses.extend(or_(_substring(source.text, t), _substring(source.subject, t)) for t in pending)
    if not indexed:
        latest = select(func.max(Message.id)).scalar_subquery()
        clauses.append(source.id > latest - SHORT_QUERY_WINDOW)
    return clauses


ReachOf = Callable[[type[Message]], ColumnElement[bool]]


def _message_candidates(
    dialect: str, reach: ReachOf, query: Query, source: type[Message], limit: int
) -> Select[Any, Any, Any, Any, Any, Any, Any, Any, Any]:
    return (
        select(
            source.id,
            source.conversation_id,
            source.subject,
            source.text,
            source.channel,
            source.direction,
            source.created_at,
            Conversation.contact_id,
            Contact.name,
        )
        .join(Conversation, Conversation.id == source.conversation_id)
        .join(Contact, Contact.id == Conversation.contact_id)
        .where(reach(source), Contact.erased_at.is_(None), *_message_match(dialect, query, source))
        .order_by(source.id.desc())
        .limit(limit)
    )


def _messages_from(floor: int, window: int) -> type[Message]:
    """The messages from ``floor`` on, newest first, as a source the match is checked on row by row. The LIMIT
    keeps the planner from reaching for the index instead; it is wide enough never to cut the range (which holds
    at most ``window`` messages, and the few that arrived since the floor was read)."""
    columns = (Message.id, Message.conversation_id, Message.subject, Message.text, Message.channel)
    latest = (
        select(*columns, Message.direction, Message.created_at)
        .where(Message.id >= floor)
        .order_by(Message.id.desc())
        .limit(2 * window)
        .subquery()
    )
    return aliased(Message, latest, name="latest_messages")


async def _candidate_rows(session: AsyncSession, viewer: Viewer, query: Query) -> list[Any]:
    """The newest ``CANDIDATES + 1`` visible matches, looked for in two steps that together read them all.

    The latest messages come first, read newest first and checked one by one: a common word fills the candidates
    there, from a few thousand rows, where the index would list hundreds of thousands of matches only to keep the
    newest two hundred. Only when that window holds too few (a rare word, or a narrow reach) does the index search
    the older messages, for the rest."""
    dialect = dialect_name(session)
    wanted = CANDIDATES + 1
    reach, window = _reach(viewer)
    if not query.indexed_terms:
        # Short terms only: the match itself is bounded to the latest messages.
        return list((await session.execute(_message_candidates(dialect, reach, query, Message, wanted))).all())
    # Any floor splits the messages into two steps that together read them all; ids follow arrival, so this one
    # leaves about ``window`` messages above it, read without counting them.
    latest = (await session.execute(select(func.max(Message.id)))).scalar_one_or_none()
    if latest is None or latest <= window:
        # A store smaller than the window: one step reads it all.
        return list((await session.execute(_message_candidates(dialect, reach, query, Message, wanted))).all())
    floor = latest - window + 1
    recent = _message_candidates(dialect, reach, query, _messages_from(floor, window), wanted)
    rows = list((await session.execute(recent)).all())
    if len(rows) < wanted:
        older = _message_candidates(dialect, reach, query, Message, wanted - len(rows)).where(Message.id < floor)
        rows.extend((await session.execute(older)).all())
    return rows


def _reach(viewer: Viewer) -> tuple[ReachOf, int]:
    """How a message's conversation is checked against what the viewer may read, and how many of the latest
    messages to read one by one before turning to the index.

    Short of seeing everything, a viewer reaches a share of the archive: those conversations are listed once
    (each branch of the access rule read from its own index, then united) and each message is checked against
    the list by hash before its words are, so the window can be wider: only the share in reach is matched."""
    scope = conversation_scope(viewer)
    if viewer.sees_everything:
        return (lambda _source: scope), RECENT_WINDOW
    branches = scope.clauses if isinstance(scope, BooleanClauseList) and scope.operator is operators.or_ else [scope]
    reachable = union(*(select(Conversation.id).where(branch) for branch in branches))
    # "IS TRUE" keeps the list a hashed set probed row by row, built once: as a join the planner would start
    # from the list and read every message of every conversation in it.
    return (lambda source: source.conversation_id.in_(reachable).is_(True)), WIDEST_WINDOW


async def search_messages(session: AsyncSession, viewer: Viewer, query: Query) -> tuple[list[MessageHit], bool]:
    """Visible matches, best first, and whether more matched than were ranked."""
    if not viewer.reads_conversations or not query.terms:
        return [], False
    rows = await _candidate_rows(session, viewer, query)
    truncated = len(rows) > CANDIDATES
    hits = [
        MessageHit(
            message_id=row.id,
            conversation_id=row.conversation_id,
            contact_id=row.contact_id,
            contact_name=row.name,
            channel=row.channel,
            direction=row.direction,
            created_at=row.created_at,
            subject=highlight(row.subject, query.terms),
            snippet=snippet(row.text, query.terms),
            score=score(query, row.subject, row.text),
        )
        for row in rows[:CANDIDATES]
    ]
    hits.sort(key=lambda hit: (-hit.score, -hit.message_id))
    return hits, truncated


def _contact_visible(viewer: Viewer) -> ColumnElement[bool]:
    """As ``access.visible_contact``: the owner, and whoever may read one of the customer's conversations."""
    if viewer.sees_everything:
        return true()
    reachable = exists(select(Conversation.id).where(Conversation.contact_id == Contact.id, conversation_scope(viewer)))
    return or_(Contact.owner_agent_id == viewer.agent_id, reachable)


def _name_term(term: str) -> ColumnElement[bool]:
    """A long term anywhere in the name; a short one (a Chinese given name, a surname) at its start, which
    pg_trgm can still serve from the index: the start of a name is padded into whole trigrams."""
    if len(term) >= INDEXED_LENGTH:
        return _substring(Contact.name, term)
    return _matching(Contact.name, term, _like(term)[1:])


def _contact_match(dialect: str, query: Query) -> ColumnElement[bool]:
    """The customers the query finds, as one list of ids: several lists OR-ed together would each be probed for
    every customer in turn, where one list is read once and its few customers looked up."""
    indexed = query.indexed_terms
    found: list[Select[Any]] = []
    if dialect == "sqlite" and indexed:
        by_index = Contact.id.in_(_fts_rowids("search_contacts", indexed))
        found.append(select(Contact.id).where(by_index, *(_name_term(t) for t in query.short_terms)))
    else:
        found.append(select(Contact.id).where(*(_name_term(t) for t in query.terms)))
        if len(query.text) >= INDEXED_LENGTH:
            found.append(select(ContactIdentity.contact_id).where(_substring(ContactIdentity.value, query.text)))
    digits = query.phone_digits
    if digits is not None:
        found.append(select(ContactIdentity.contact_id).where(ContactIdentity.value.like(_like(digits))))
    if not indexed:
        # Only the beginnings of names: a narrow list, which the planner would otherwise look for by reading the
        # customers newest first, one by one, for as long as it takes to fill a page.
        listed = union(*found).cte("names_beginning").prefix_with("MATERIALIZED")
        return Contact.id.in_(select(listed.c.id))
    return Contact.id.in_(union(*found)) if len(found) > 1 else Contact.id.in_(found[0])


def _closeness(query: Query, name: str | None, identities: list[str]) -> int:
    """0 for an exact name or identity, 1 for one that starts with the query, 2 for anywhere inside."""
    wanted = query.text.casefold()
    values = [value.casefold() for value in [name or "", *identities]]
    if wanted in values:
        return 0
    if any(value.startswith(wanted) for value in values):
        return 1
    return 2


async def search_customers(session: AsyncSession, viewer: Viewer, query: Query) -> list[CustomerHit]:
    if not viewer.reads_conversations or not query.terms:
        return []
    rows = (
        await session.execute(
            select(Contact.id, Contact.name, Contact.tier)
            .where(
                _contact_match(dialect_name(session), query),
                Contact.erased_at.is_(None),
                Contact.merged_into_id.is_(None),
                _contact_visible(viewer),
            )
            .order_by(Contact.id.desc())
            .limit(CANDIDATES)
        )
    ).all()
    identities: dict[int, list[str]] = {row.id: [] for row in rows}
    if identities:
        found = await session.execute(
            select(ContactIdentity.contact_id, ContactIdentity.value)
            .where(ContactIdentity.contact_id.in_(identities))
            .order_by(ContactIdentity.id)
        )
        for contact_id, value in found.all():
            identities[contact_id].append(value)
    ranked = sorted(rows, key=lambda row: (_closeness(query, row.name, identities[row.id]), -row.id))
    shown_ids = [row.id for row in ranked[:CUSTOMER_LIMIT]]
    latest = await session.execute(
        select(Conversation.contact_id, func.max(Conversation.id))
        .where(Conversation.contact_id.in_(shown_ids), conversation_scope(viewer))
        .group_by(Conversation.contact_id)
    )
    conversations: dict[int, int] = {contact_id: conversation_id for contact_id, conversation_id in latest.all()}
    terms = query.terms if query.phone_digits is None else (*query.terms, query.phone_digits)
    hits = []
    for row in ranked[:CUSTOMER_LIMIT]:
        shown = [value for value in identities[row.id] if contains_all(value, (query.text,))] or identities[row.id]
        hits.append(
            CustomerHit(
                contact_id=row.id,
                name=highlight(row.name, terms),
                tier=row.tier,
                identities=[highlight(value, terms) for value in shown[:3]],
                conversation_id=conversations.get(row.id),
            )
        )
    return hits


async def search(
    session: AsyncSession, viewer: Viewer, raw_query: str, *, page: int = 1, per_page: int = PER_PAGE
) -> SearchResults:
    """One page of message hits (customers on the first page only), for what the viewer may read."""
    query = parse_query(raw_query)
    page = max(page, 1)
    await plan_for_these_values(session)
    messages, truncated = await search_messages(session, viewer, query)
    customers = await search_customers(session, viewer, query) if page == 1 else []
    start = (page - 1) * per_page
    return SearchResults(
        query=query,
        messages=messages[start : start + per_page],
        customers=customers,
        page=page,
        has_next=len(messages) > start + per_page,
        truncated=truncated,
        recent_only=bool(query.terms) and not query.indexed_terms,
    )
