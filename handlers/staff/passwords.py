"""Password hashing (argon2id through argon2-cffi), off the event loop.

Tests swap in cheaper parameters with ``use_hasher``; existing hashes keep verifying because
argon2 hashes carry their own parameters.
"""
from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD = 10
_hasher = PasswordHasher()
_dummy: dict[PasswordHasher, str] = {}


def dummy_hash() -> str:
    """A hash verified for unknown names (same timing as a real one), made on first use (an argon2
    hash takes about 0.1 s: not at import, which every worker's start-up pays)."""
    if _hasher not in _dummy:
        _dummy[_hasher] = _hasher.hash("dummy-password-for-timing")
    return _dummy[_hasher]


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Swap the argon2 parameters; returns the previous hasher."""
    global _hasher
    previous, _hasher = _hasher, hasher
    return previous


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)
