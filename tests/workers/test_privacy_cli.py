from __future__ import annotations

import csv
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from inbox.crypto.keyring import Keyring
from tests.support.factories import inbound, ingest
from tests.support.privacy import KEY_A
from workers.context import JobContext

ROOT = Path(__file__).resolve().parents[2]


def hub(ctx: JobContext, *args: str, keys: str = KEY_A) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HUB_DATABASE__URL": ctx.settings.database_url,
        "HUB_HUB__DATA_DIR": str(ctx.settings.data_dir),
        "HUB_PRIVACY__ENCRYPTION_KEYS": keys,
    }
    return subprocess.run(
        [sys.executable, "-m", "workers.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_keys_generate_prints_a_usable_key() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "workers.cli", "keys", "generate"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert Keyring.from_text(result.stdout.strip()).primary_id


async def test_the_archive_commands_act_as_the_system(ctx: JobContext, tmp_path: Path) -> None:
    outcome = await ingest(ctx, inbound(text="Hello from the command line test"))
    contact = str(outcome.contact_id)

    dry = hub(ctx, "purge", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "chat_visitors: 0 rows, 0 files would go" in dry.stdout

    out = tmp_path / "customer.zip"
    exported = hub(ctx, "customer", "export", contact, str(out))
    assert exported.returncode == 0, exported.stderr
    with zipfile.ZipFile(out) as archive:
        assert "Hello from the command line test" in archive.read("conversations.json").decode()

    refused = hub(ctx, "customer", "erase", contact)
    assert refused.returncode == 2 and "--yes" in refused.stderr
    erased = hub(ctx, "customer", "erase", contact, "--yes")
    assert erased.returncode == 0, erased.stderr
    assert "1 messages tombstoned" in erased.stdout

    trail = tmp_path / "audit.csv"
    exported_audit = hub(ctx, "audit", "export", "--contact", contact, str(trail))
    assert exported_audit.returncode == 0, exported_audit.stderr
    with trail.open(newline="") as stream:
        kinds = [row["kind"] for row in csv.DictReader(stream)]
    assert "contact.exported" in kinds and "contact.erased" in kinds

    rotated = hub(ctx, "keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    assert "re-sealed" in rotated.stdout
