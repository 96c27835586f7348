"""The ``[email]`` and ``[fax]`` sections turned into adapters and mailbox settings; passwords from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from channels.base import ChannelName
from channels.email import AfterFetch, EmailChannel, ImapSecurity
from channels.fax import FaxChannel
from channels.registry import ChannelRegistry
from inbox.settings import ConfigurationError, Settings, load_settings
from workers.channel_setup import register_configured_channels
from workers.email_setup import compose_config, fax_config, imap_configs

MAILBOXES = """
[email]
from_address = "support@hotel.example"
smtp_host = "smtp.hotel.example"
reply_domain = "reply.hotel.example"

[[email.mailboxes]]
name = "support"
address = "support@hotel.example"
host = "imap.hotel.example"
username = "support"

[[email.mailboxes]]
name = "billing"
host = "imap.hotel.example"
port = 143
security = "starttls"
username = "billing"
after_fetch = "move"
move_to = "Done"
use_idle = false
poll_interval_seconds = 30

[fax]
gateway_senders = ["gw.example"]
"""


def configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str = MAILBOXES) -> Settings:
    path = tmp_path / "settings.toml"
    path.write_text(text)
    monkeypatch.setenv("HUB_SETTINGS_FILE", str(path))
    return load_settings()


def test_nothing_is_registered_by_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    registry = ChannelRegistry()
    register_configured_channels(registry, configured(tmp_path, monkeypatch, ""))
    assert ChannelName.EMAIL not in registry and ChannelName.FAX not in registry


def test_configured_email_and_fax_are_registered(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    registry = ChannelRegistry()
    register_configured_channels(registry, configured(tmp_path, monkeypatch))
    assert isinstance(registry.get(ChannelName.EMAIL), EmailChannel)
    assert isinstance(registry.get(ChannelName.FAX), FaxChannel)


def test_mailbox_passwords_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HUB_EMAIL__IMAP_PASSWORD", "shared")
    monkeypatch.setenv("HUB_EMAIL__IMAP_PASSWORDS", '{"billing": "own"}')
    support, billing = imap_configs(configured(tmp_path, monkeypatch).email)
    assert (support.password, support.security, support.port, support.after_fetch) == (
        "shared",
        ImapSecurity.TLS,
        993,
        AfterFetch.MARK_SEEN,
    )
    assert (billing.password, billing.security, billing.move_to, billing.use_idle) == (
        "own",
        ImapSecurity.STARTTLS,
        "Done",
        False,
    )
    assert billing.poll_interval_seconds == 30


def test_ids_and_business_name_fall_back_to_what_is_configured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = configured(tmp_path, monkeypatch)
    config = compose_config(settings)
    assert (config.message_id_domain, config.business_name) == ("hotel.example", settings.hub.name)
    fax = fax_config(settings)
    assert fax is not None and fax.gateway_senders == ("gw.example",)


def test_a_password_in_the_file_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="HUB_EMAIL__SMTP_PASSWORD"):
        configured(
            tmp_path,
            monkeypatch,
            MAILBOXES.replace("[[email.mailboxes]]", 'smtp_password = "x"\n\n[[email.mailboxes]]', 1),
        )


def test_a_number_pattern_without_its_group_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"fax\.number_patterns"):
        configured(tmp_path, monkeypatch, MAILBOXES + 'number_patterns = ["Caller: (\\\\d+)"]\n')
