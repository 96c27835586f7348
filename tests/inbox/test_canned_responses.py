from __future__ import annotations

import pytest

from inbox.canned_responses import TemplateProblem, check_template, customer_variables, render_template
from inbox.models import Contact, ContactIdentity, Conversation


def _variables() -> dict[str, object]:
    contact = Contact(
        name="Li Na",
        language="zh-CN",
        tier="gold",
        custom_attributes={"room": "1208", "passport_note": "drawer 4"},
        id_document_number="E55501234",
    )
    identities = [
        ContactIdentity(kind="email", value="old@example.com"),
        ContactIdentity(kind="email", value="li@example.com"),
    ]
    conversation = Conversation(id=42, subject="Late checkout")
    return customer_variables(contact, identities, conversation, "Chen", ["passport_note"])


def test_customer_variables_render() -> None:
    body = "Dear {{ customer.first_name }}, room {{ customer.attributes.room }} {{ conversation.reference }}"
    body += " — {{ agent.name }}"
    assert render_template(body, _variables()) == "Dear Li, room 1208 [#42] — Chen"
    assert render_template("{{ customer.email }}", _variables()) == "li@example.com"


def test_sensitive_values_are_not_variables() -> None:
    variables = _variables()
    assert "E55501234" not in repr(variables) and "drawer 4" not in repr(variables)
    with pytest.raises(TemplateProblem, match="unknown variable"):
        render_template("{{ customer.attributes.passport_note }}", variables)
    with pytest.raises(TemplateProblem, match="unknown variable"):
        render_template("{{ customer.id_document_number }}", variables)


@pytest.mark.parametrize(
    "body",
    [
        "{{ customer.__class__.__mro__ }}",
        "{{ ''.__class__.__base__.__subclasses__() }}",
        "{{ customer.name.format.__globals__ }}",
        "{% for x in range(10000000) %}x{% endfor %}",
        "{{ cycler.__init__.__globals__.os }}",
    ],
)
def test_sandbox_violations_are_refused_with_a_reason(body: str) -> None:
    with pytest.raises(TemplateProblem, match=r"not allowed|the template failed"):
        render_template(body, _variables())


def test_an_undefined_variable_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(TemplateProblem, match="unknown variable"):
        render_template("Hello {{ customer.nickname }}", _variables())


def test_a_syntax_error_is_caught_when_saved() -> None:
    with pytest.raises(TemplateProblem, match="line 1"):
        check_template("Hello {{ customer.name ")
    check_template("Hello {{ customer.name }}")


def test_output_is_bounded() -> None:
    with pytest.raises(TemplateProblem, match="longer"):
        render_template("{% for x in range(30000) %}abc{% endfor %}", _variables())
