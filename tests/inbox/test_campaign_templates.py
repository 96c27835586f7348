"""Campaign templates: sandboxed, strict about undefined variables, and blind to sealed fields."""

from __future__ import annotations

import pytest

from inbox.campaign_templates import CampaignContent, CampaignTemplateError, customer_variables


def variables(**attributes: object) -> dict[str, object]:
    return customer_variables(
        name="Chen Jing",
        language="zh-CN",
        tier="gold",
        relationship_class="long_term",
        timezone="Asia/Shanghai",
        attributes={"lifecycle_stage": "maturity", "income_band": "high", **attributes},
        address="chen@example.com",
        sensitive=["income_band"],
        unsubscribe_url="https://hub.example.com/unsubscribe/x",
    )


def test_renders_the_customers_variables_and_escapes_html() -> None:
    content = CampaignContent(
        "email",
        subject="{{ customer.first_name }}, {{ customer.lifecycle_stage }} offer",
        html="<p>{{ customer.attributes.note }}</p><a href='{{ unsubscribe_url }}'>x</a>",
        text="Dear {{ customer.name }} ({{ customer.tier }})",
    )
    rendered = content.render(variables(note="<b>VIP</b>"))
    assert rendered.subject == "Chen, maturity offer"
    assert rendered.text == "Dear Chen Jing (gold)"
    assert "&lt;b&gt;VIP&lt;/b&gt;" in rendered.html and "https://hub.example.com/unsubscribe/x" in rendered.html


def test_sensitive_attributes_are_not_there() -> None:
    content = CampaignContent("sms", text="{{ customer.attributes.income_band }}")
    with pytest.raises(CampaignTemplateError, match="income_band"):
        content.render(variables())


@pytest.mark.parametrize(
    "text",
    [
        "{{ customer.nickname }}",
        "{{ customer.__class__.__mro__[1].__subclasses__() }}",
        "{{ ''.__class__.__mro__ }}",
        "{{ customer.name.format_map }}x{{ (1).__class__ }}",
    ],
)
def test_undefined_variables_and_sandbox_escapes_fail_at_render(text: str) -> None:
    with pytest.raises(CampaignTemplateError):
        CampaignContent("sms", text=text).render(variables())


def test_syntax_errors_and_missing_parts_fail_when_compiled() -> None:
    with pytest.raises(CampaignTemplateError, match="line 1"):
        CampaignContent("sms", text="Hello {{ customer.name ")
    with pytest.raises(CampaignTemplateError, match="subject"):
        CampaignContent("email", subject=" ", text="Hi")
    assert CampaignContent("sms", text="你好{{ customer.name }}").render(variables()).sms_segments == 1
