"""Identifier checks done before an id ever becomes part of a path."""

from __future__ import annotations

import re

COMMUNITY_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
SNAKE_ID = re.compile(r"[a-z][a-z0-9_]{0,62}")


def is_community_id(value: object) -> bool:
    return isinstance(value, str) and COMMUNITY_ID.fullmatch(value) is not None


def check_community_id(value: str) -> str:
    """Return `value` if it is a safe slug, else raise ValueError (never joins a bad id to a path)."""
    if not is_community_id(value):
        raise ValueError(f"invalid community id {value!r}: expected a slug matching {COMMUNITY_ID.pattern}")
    return value
