"""``hub keys``, ``hub purge``, ``hub customer`` and ``hub audit``: the archive's safekeeping from the command line.

These commands act as the system itself (no agent): whoever can run them on the server already holds the keys and
the database. Their audit entries therefore carry no actor; the web app's callers pass the signed-in admin instead.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from inbox.actions.audit_export import do_export_audit
from inbox.actions.customer_erase import EraseRefused, do_erase_customer
from inbox.actions.customer_export import ExportRefused, do_export_customer
from inbox.actions.keys import do_rotate_keys
from inbox.actions.purge import do_purge
from inbox.audit_log import AuditFilter
from inbox.blobs import BlobStore
from inbox.crypto.key_check import require_usable_keys
from inbox.crypto.keyring import KeyringError, generate_key
from inbox.settings import Settings
from inbox.store import Store

SettingsLoader = Callable[[], Settings]


def _with_store(settings: Settings, work: Callable[[Store, BlobStore], Coroutine[Any, Any, int]]) -> int:
    async def run() -> int:
        store = Store(settings)
        try:
            await require_usable_keys(store)
            return await work(store, BlobStore(settings.data_dir / "blobs"))
        finally:
            await store.dispose()

    try:
        return asyncio.run(run())
    except (KeyringError, ExportRefused, EraseRefused) as problem:
        print(f"Stopped: {problem}", file=sys.stderr)
        return 1


def _keys(settings: Settings, args: argparse.Namespace) -> int:
    if args.keys_command == "generate":
        print(generate_key())
        return 0

    async def rotate(store: Store, _blobs: BlobStore) -> int:
        report = await do_rotate_keys(store, batch_size=settings.privacy.rotation_batch_size)
        print(f"{report.rows_scanned} rows read, {report.values_resealed} values re-sealed with the newest key.")
        if report.left_behind:
            print(f"{report.left_behind} values are still under an older key (written meanwhile?): run it again.")
            return 1
        retired = ", ".join(report.retired) or "none"
        print(f"Retired keys: {retired}. They may now be removed from HUB_PRIVACY__ENCRYPTION_KEYS.")
        return 0

    return _with_store(settings, rotate)


def _purge(settings: Settings, args: argparse.Namespace) -> int:
    async def purge(store: Store, blobs: BlobStore) -> int:
        report = await do_purge(store, blobs, settings, dry_run=args.dry_run)
        verb = "would go" if report.dry_run else "went"
        for kind, purged in report.kinds.items():
            extra = f", {purged.conversations} conversations, {purged.messages} messages" if purged.messages else ""
            print(f"{kind}: {purged.rows} rows, {purged.files} files {verb}{extra}")
        if report.dry_run:
            print("Dry run: nothing was changed. Files freed by deleted rows are counted only on a real run.")
        return 0

    return _with_store(settings, purge)


def _customer(settings: Settings, args: argparse.Namespace) -> int:
    if args.customer_command == "export":

        async def export(store: Store, blobs: BlobStore) -> int:
            summary = await do_export_customer(store, blobs, args.contact_id, Path(args.out), actor_agent_id=None)
            print(
                f"Customer {summary.contact_id}: {summary.conversations} conversations, {summary.messages} messages, "
                f"{summary.files} files written to {args.out}"
                + (f" ({summary.missing_files} files were missing from the store)" if summary.missing_files else "")
            )
            return 0

        return _with_store(settings, export)
    if not args.yes:
        print("Erasure cannot be undone; add --yes to erase this customer's personal data.", file=sys.stderr)
        return 2

    async def erase(store: Store, blobs: BlobStore) -> int:
        summary = await do_erase_customer(store, blobs, args.contact_id, actor_agent_id=None)
        print(
            f"Erased customer {args.contact_id} (records {summary.contact_ids}): {summary.messages} messages "
            f"tombstoned, {summary.identities} identities, {summary.attachments} attachments, "
            f"{summary.raw_payloads} raw payloads and {summary.files} files deleted."
        )
        return 0

    return _with_store(settings, erase)


def _audit(settings: Settings, args: argparse.Namespace) -> int:
    async def export(store: Store, _blobs: BlobStore) -> int:
        selection = AuditFilter(contact_id=args.contact, agent_id=args.agent)
        count = await do_export_audit(store, selection, Path(args.out), actor_agent_id=None)
        print(f"{count} audit entries written to {args.out}")
        return 0

    return _with_store(settings, export)


def add_parsers(commands: Any, load: SettingsLoader) -> None:
    """Add the commands to ``hub``'s sub-command parsers; ``load`` reads the settings or exits."""

    def runner(handler: Callable[[Settings, argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
        return lambda args: handler(load(), args)

    keys = commands.add_parser("keys", help="encryption keys of sensitive customer fields")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    key_commands.add_parser("generate", help="print a new key for HUB_PRIVACY__ENCRYPTION_KEYS")
    key_commands.add_parser("rotate", help="re-seal every sensitive value with the newest (first) key")
    keys.set_defaults(run=runner(_keys))

    purge = commands.add_parser("purge", help="destroy data past its retention period")
    purge.add_argument("--dry-run", action="store_true", help="only count what would go")
    purge.set_defaults(run=runner(_purge))

    customer = commands.add_parser("customer", help="a customer's own data: export or erase (as the system)")
    customer_commands = customer.add_subparsers(dest="customer_command", required=True)
    export = customer_commands.add_parser("export", help="everything held about a customer, as a zip archive")
    export.add_argument("contact_id", type=int)
    export.add_argument("out", help="the .zip file to write")
    erase = customer_commands.add_parser("erase", help="erase a customer's personal data, irreversibly")
    erase.add_argument("contact_id", type=int)
    erase.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    customer.set_defaults(run=runner(_customer))

    audit = commands.add_parser("audit", help="the audit trail")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    audit_export = audit_commands.add_parser("export", help="write audit entries as CSV")
    audit_export.add_argument("--contact", type=int, help="only entries about this customer")
    audit_export.add_argument("--agent", type=int, help="only entries by this agent")
    audit_export.add_argument("out", help="the .csv file to write")
    audit.set_defaults(run=runner(_audit))
