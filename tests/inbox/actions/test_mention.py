from __future__ import annotations

from inbox.actions.mention import handles_of, mention_handles
from inbox.models import Agent


def test_handles_are_found_at_word_starts_only_and_once() -> None:
    text = "@Chen see this. cc:@marcus (@olivia) mail a@b.example and @chen again; @陈静 @ alone"
    assert mention_handles(text) == ["chen", "olivia", "陈静"]


def test_an_agent_answers_to_their_mailbox_name_and_their_name_without_spaces() -> None:
    agent = Agent(name="Chen Wei", email="c.wei@hub.example")
    assert handles_of(agent) == {"c.wei", "chenwei"}
