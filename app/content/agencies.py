"""Referral agencies and consent as data (flows/referrals.yaml): read and checked. Pure.

Which agencies advocates refer to (MARAC, an IDVA service, police, children's services,
housing, a refuge), in plain words; what a referral summary may carry (`shares`); and how the
survivor's own dated choice in the conversation maps to consent for some of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.flows import FlowError
from app.flows.loader import read_yaml

AGENCIES_FILE = "referrals.yaml"
_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@dataclass(frozen=True)
class SurvivorChoice:
    choice: str  # the choice's name in the conversation state
    given: str  # its value that gives consent
    withdrawn: str  # its value that withdraws it
    agencies: tuple[str, ...]


@dataclass(frozen=True)
class Agencies:
    names: dict[str, str]  # id -> plain words, in the file's order
    shares: dict[str, str]  # what a summary may carry -> plain words
    survivor_choice: SurvivorChoice | None


def load_agencies(flows_dir: Path) -> Agencies:
    path = flows_dir / AGENCIES_FILE
    return parse_agencies(read_yaml(path), str(path))


def _codes(raw: Any, source: str, key: str) -> dict[str, str]:
    if isinstance(raw, list):
        pairs = [(item.get("id"), item.get("name")) if isinstance(item, dict) else (None, None)
                 for item in raw]
    elif isinstance(raw, dict):
        pairs = list(raw.items())
    else:
        raise FlowError(source, key, "is required")
    found: dict[str, str] = {}
    for code, words in pairs:
        if not isinstance(code, str) or not _ID.match(code) or code in found:
            raise FlowError(source, key, f"{code!r} is not a new lower-case id")
        if not isinstance(words, str) or not words.strip():
            raise FlowError(source, key, f"{code!r} needs plain words")
        found[code] = words.strip()
    if not found:
        raise FlowError(source, key, "is empty")
    return found


def parse_agencies(raw: Any, source: str) -> Agencies:
    if not isinstance(raw, dict):
        raise FlowError(source, "file", "must be a mapping with agencies and shares")
    names = _codes(raw.get("agencies"), source, "agencies")
    shares = _codes(raw.get("shares"), source, "shares")
    choice = raw.get("survivor_choice")
    survivor = None
    if choice is not None:
        if not isinstance(choice, dict) or not all(
                isinstance(choice.get(k), str) for k in ("choice", "given", "withdrawn")):
            raise FlowError(source, "survivor_choice", "needs choice, given and withdrawn")
        covered = choice.get("agencies")
        if not isinstance(covered, list) or not covered or any(a not in names for a in covered):
            raise FlowError(source, "survivor_choice.agencies",
                            "must list agencies named above")
        survivor = SurvivorChoice(choice["choice"], choice["given"], choice["withdrawn"],
                                  tuple(covered))
    return Agencies(names, shares, survivor)


def agencies_problems(flows_dir: Path) -> list[tuple[str, str]]:
    """For `flows check`: (where, why)."""
    path = flows_dir / AGENCIES_FILE
    if not path.exists():
        return [(str(path), "is missing: advocates cannot record a referral")]
    try:
        load_agencies(flows_dir)
    except FlowError as error:
        return [(f"{error.source}: {error.where}", error.why)]
    return []
