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
DUMMY_HASH = _hasher.hash("dummy-password-for-timing")  # verified for unknown names: same timing


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
