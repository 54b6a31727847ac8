"""API keys: random tokens shown once, stored as SHA-256 hashes, each with a role."""

from __future__ import annotations

import hashlib
import secrets
from typing import Literal

Role = Literal["viewer", "editor", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "editor", "admin")
RANK: dict[str, int] = {r: i for i, r in enumerate(ROLES)}


def new_token() -> str:
    return "pm_" + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # Tokens carry 256 random bits, so a plain hash is enough; no salt or slow KDF is needed.
    return hashlib.sha256(token.encode()).hexdigest()


def prefix_of(token: str) -> str:
    return token[:10]


def allows(have: str, need: Role) -> bool:
    return RANK.get(have, -1) >= RANK[need]
