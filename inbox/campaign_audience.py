"""What a campaign needs to know about its customers at send time, read in one query per batch.

Only the fields campaigns use are selected: the sealed columns are never read, so they are never decrypted.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from inbox.campaign_templates import CampaignContent, CampaignTemplateError, RenderedContent, customer_variables
from inbox.models import Campaign, Contact
from inbox.segment_queries import sample_members
from inbox.settings import Settings


@dataclass(frozen=True, slots=True)
class Audience:
    contact_id: int
    name: str | None
    language: str | None
    timezone: str | None
    tier: str
    relationship_class: str
    consent: dict[str, bool]
    attributes: dict[str, Any]
    gone: bool

    def variables(self, address: str, sensitive: Collection[str], **extra: str) -> dict[str, Any]:
        return customer_variables(
            name=self.name,
            language=self.language,
            tier=self.tier,
            relationship_class=self.relationship_class,
            timezone=self.timezone,
            attributes=self.attributes,
            address=address,
            sensitive=sensitive,
            **extra,
        )


async def load_audience(session: AsyncSession, contact_ids: Iterable[int]) -> dict[int, Audience]:
    wanted = list(set(contact_ids))
    if not wanted:
        return {}
    rows = await session.execute(
        select(
            Contact.id,
            Contact.name,
            Contact.language,
            Contact.timezone,
            Contact.tier,
            Contact.relationship_class,
            Contact.consent,
            Contact.custom_attributes,
            Contact.erased_at,
            Contact.merged_into_id,
        ).where(Contact.id.in_(wanted))
    )
    return {
        row.id: Audience(
            contact_id=row.id,
            name=row.name,
            language=row.language,
            timezone=row.timezone,
            tier=row.tier,
            relationship_class=row.relationship_class,
            consent=dict(row.consent or {}),
            attributes=dict(row.custom_attributes or {}),
            gone=row.erased_at is not None or row.merged_into_id is not None,
        )
        for row in rows.all()
    }


def content_of(campaign: Campaign) -> CampaignContent:
    return _compiled(campaign.channel, campaign.subject_template, campaign.html_template, campaign.text_template)


@lru_cache(maxsize=32)
def _compiled(channel: str, subject: str, html: str, text: str) -> CampaignContent:
    # Keyed by the sources themselves, so an edited campaign compiles afresh; every batch of an unchanged one
    # reuses the compiled templates. A source that does not compile raises and is not cached.
    return CampaignContent(channel, subject=subject, html=html, text=text)


@dataclass(frozen=True, slots=True)
class Preview:
    contact_id: int
    address: str
    content: RenderedContent


async def preview_for(
    session: AsyncSession,
    settings: Settings,
    campaign: Campaign,
    rules: dict[str, Any],
    *,
    dialect: str,
    now: datetime,
    contact_id: int | None = None,
    sample: int = 1,
) -> list[Preview]:
    """Render the campaign for ``contact_id`` or the segment's first ``sample`` members; raises
    ``CampaignTemplateError`` at the first template error, naming the customer it failed for."""
    content = content_of(campaign)
    sensitive = settings.privacy.sensitive_attributes
    members = await sample_members(
        session, rules, channel=campaign.channel, dialect=dialect, now=now, sensitive=sensitive, limit=sample
    )
    if contact_id is not None:
        members = [member for member in members if member[0] == contact_id] or [(contact_id, "")]
    audience = await load_audience(session, [member for member, _ in members])
    previews: list[Preview] = []
    for member, address in members:
        person = audience.get(member)
        if person is None:
            continue
        variables = person.variables(address, sensitive, unsubscribe_url="https://example.invalid/unsubscribe")
        try:
            rendered = content.render(variables)
        except CampaignTemplateError as error:
            raise CampaignTemplateError(error.part, f"{error.reason} (customer #{member})") from error
        previews.append(Preview(member, address, rendered))
    return previews
