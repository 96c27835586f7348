"""The ``hub`` command: check, migrate, serve, worker, demo, user."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from inbox.settings import ConfigurationError, Settings, load_settings


def _settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigurationError as error:
        print("The configuration has problems:", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        raise SystemExit(2) from error


def _check(_args: argparse.Namespace) -> int:
    settings = _settings_or_exit()
    from workers.checks import check_services

    problems = asyncio.run(check_services(settings))
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    if problems:
        return 1
    mode = "arq workers on " + settings.jobs.redis_url if settings.jobs.uses_arq else "the embedded runner"
    print(f"Configuration OK: store {settings.database_url.split('@')[-1]}, jobs by {mode}.")
    return 0


def _migrate(_args: argparse.Namespace) -> int:
    from inbox.migrate import upgrade

    settings = _settings_or_exit()
    upgrade(settings.database_url)
    print("The store is up to date.")
    return 0


def _demo(args: argparse.Namespace) -> int:
    settings = _settings_or_exit()
    from workers.demo import load_demo_data

    counts = asyncio.run(load_demo_data(settings, only_if_empty=args.if_empty, customers=args.customers))
    if counts is None:
        print("The store already holds data; demo data not loaded.")
    else:
        print("Demo data loaded: " + ", ".join(f"{value} {key}" for key, value in counts.items()))
        from inbox.demo import DEMO_PASSWORD

        print(f"Demo agents (e.g. olivia@hub.example, admin@hub.example) sign in with {DEMO_PASSWORD!r}.")
    return 0


def _serve(args: argparse.Namespace) -> int:
    settings = _settings_or_exit()
    from inbox.crypto.keyring import KeyringError
    from workers.serve import run_with_server_loop, serve

    try:
        run_with_server_loop(serve(settings, host=args.host, port=args.port))
    except KeyringError as error:
        print(f"Not started: the encryption keys do not fit the store:\n{error}", file=sys.stderr)
        return 1
    return 0


def _worker(args: argparse.Namespace) -> int:
    settings = _settings_or_exit()
    if not settings.jobs.uses_arq:
        print("jobs.redis_url is empty: jobs run inside `hub serve`; set HUB_JOBS__REDIS_URL for workers.")
        return 2
    from workers.arq_worker import make_worker

    make_worker(settings, burst=args.burst).run()
    return 0


def _user(args: argparse.Namespace) -> int:
    from workers.users import run_user_command

    return run_user_command(_settings_or_exit(), args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hub", description="The omnichannel customer contact hub.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="validate the configuration and reach the store").set_defaults(run=_check)
    commands.add_parser("migrate", help="bring the store's schema up to date").set_defaults(run=_migrate)
    demo = commands.add_parser("demo", help="load demo agents, customers and conversations")
    demo.add_argument("--if-empty", action="store_true", help="only when the store holds no customers yet")
    demo.add_argument("--customers", type=int, default=200, help="how many demo customers (default 200)")
    demo.set_defaults(run=_demo)
    serve = commands.add_parser("serve", help="serve the web app (and run jobs when no Redis is set)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(run=_serve)
    worker = commands.add_parser("worker", help="run an arq job worker (production)")
    worker.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    worker.set_defaults(run=_worker)
    from workers.users import add_parsers

    add_parsers(commands)
    commands.choices["user"].set_defaults(run=_user)
    from workers.privacy_cli import add_parsers as add_privacy_parsers

    add_privacy_parsers(commands, _settings_or_exit)
    from workers.campaign_cli import add_parsers as add_campaign_parsers

    add_campaign_parsers(commands, _settings_or_exit)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
