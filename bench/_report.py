"""Printing benchmark targets in the one format every bench ends with."""

from __future__ import annotations

import operator
from collections.abc import Callable

_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
}


def target(name: str, measured: float, op: str, bound: float, unit: str = "", digits: int = 3) -> bool:
    """Print ``TARGET <name> measured=<value><unit> target=<op><value><unit> PASS|MISS``; return the
    verdict."""
    passed = _COMPARISONS[op](measured, bound)
    verdict = "PASS" if passed else "MISS"
    print(
        f"TARGET {name} measured={measured:.{digits}f}{unit} target={op}{bound:.{digits}f}{unit} {verdict}",
        flush=True,
    )
    return passed
