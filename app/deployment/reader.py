"""Reading the deployment file's values: each with a type check, and every refusal naming the
file and the key, so a partnership can find and correct what is wrong without a developer.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn

# A phone number as the provider takes it: +, country code, no spaces.
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class DeploymentConfigError(ValueError):
    """The deployment file is missing or wrong; the message names the file and the key."""


class Reader:
    """Looks up dotted keys with a type check, so every error names the key and the file."""

    def __init__(self, raw: dict[str, Any], source: str) -> None:
        self.raw = raw
        self.source = source

    def fail(self, key: str, why: str) -> NoReturn:
        raise DeploymentConfigError(f"{self.source}: {key}: {why}")

    _MISSING = object()

    def get(self, key: str, kind: type, default: Any = _MISSING) -> Any:
        node: Any = self.raw
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                if default is self._MISSING:
                    self.fail(key, "is required")
                return default
            node = node[part]
        # bool is a subclass of int in Python; refuse True where a number is wanted.
        if not isinstance(node, kind) or (kind is int and isinstance(node, bool)):
            self.fail(key, f"must be {kind.__name__}, not {type(node).__name__}")
        return node

    def positive(self, key: str, default: int) -> int:
        value = self.get(key, int, default)
        if value <= 0:
            self.fail(key, "must be a positive whole number")
        return value

    def words(self, key: str, listed: list[Any]) -> list[str]:
        if not all(isinstance(w, str) and w.strip() for w in listed):
            self.fail(key, "must be a list of words")
        return [w.strip() for w in listed]

    def phones(self, key: str) -> tuple[str, ...]:
        phones = tuple(self.get(key, list, []))
        for number in phones:
            if not isinstance(number, str) or not E164.match(number):
                self.fail(key, f"{number!r} is not an E.164 number")
        return phones
