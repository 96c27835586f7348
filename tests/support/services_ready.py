"""Exit status 0 when PostgreSQL and Redis for the second test run are reachable; the reason otherwise."""

from __future__ import annotations

import asyncio
import sys

from tests.support.backends import postgres_reachable


def main() -> int:
    problem = asyncio.run(postgres_reachable())
    if problem is not None:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
