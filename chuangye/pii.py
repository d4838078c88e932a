"""Personal data at rest: AES-GCM encryption, keyed lookup hashes and masking.

Ciphertext format (versioned so keys or algorithms can change later)::

    v1.<urlsafe base64 of 12-byte random nonce + AES-256-GCM ciphertext and tag>

Two sub-keys are derived from ``security.data_key`` with HKDF-SHA256, one for encryption
and one for the HMAC-SHA256 lookup hash, so the hash never reveals the encryption key.
``configure(data_key)`` is called once by ``chuangye.db.init_db``; everything else here is
plain functions.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = "v1"
_NONCE_BYTES = 12


class PiiError(Exception):
    """Personal data cannot be handled: no key configured, or a ciphertext is damaged."""


@dataclass(frozen=True)
class _Keys:
    aes: AESGCM
    mac: bytes


_keys: _Keys | None = None


def _derive(raw: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(raw)


def configure(data_key: str) -> None:
    """Install the data key (urlsafe base64 of 32 bytes, as validated by the config)."""
    global _keys
    raw = base64.urlsafe_b64decode(data_key.encode())
    if len(raw) != 32:
        raise PiiError("security.data_key must decode to 32 bytes")
    _keys = _Keys(aes=AESGCM(_derive(raw, b"chuangye pii aes-gcm v1")), mac=_derive(raw, b"chuangye pii hmac v1"))


def _current() -> _Keys:
    if _keys is None:
        raise PiiError("personal-data key not configured: call chuangye.pii.configure(data_key)")
    return _keys


def encrypt(plaintext: str) -> str:
    """Encrypt with a fresh random nonce: the same value never gives the same ciphertext."""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _current().aes.encrypt(nonce, plaintext.encode("utf-8"), VERSION.encode())
    return f"{VERSION}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str) -> str:
    """Decrypt a value from ``encrypt``; a wrong key or tampered text raises PiiError."""
    version, _, body = token.partition(".")
    if version != VERSION or not body:
        raise PiiError(f"unknown personal-data format {version!r}")
    try:
        blob = base64.urlsafe_b64decode(body.encode())
        plain = _current().aes.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], VERSION.encode())
    except (InvalidTag, ValueError) as exc:
        raise PiiError("personal data could not be decrypted (wrong key or damaged value)") from exc
    return plain.decode("utf-8")


def lookup_hash(kind: str, value: str) -> str:
    """Keyed HMAC-SHA256 (hex) of a normalised value; ``kind`` separates phones from IDs."""
    normalised = value.strip().upper()
    msg = f"{kind}:{normalised}".encode("utf-8")
    return hmac.new(_current().mac, msg, hashlib.sha256).hexdigest()


def mask_id(id_number: str) -> str:
    """532301199001011234 -> 5323**********1234."""
    if len(id_number) <= 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_phone(phone: str) -> str:
    """13812348000 -> 138****8000."""
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


@dataclass(frozen=True)
class Protected:
    """What a model stores for one personal value: ciphertext, lookup hash, masked form."""

    enc: str
    hash: str
    masked: str


def protect_phone(phone: str) -> Protected:
    return Protected(encrypt(phone), lookup_hash("phone", phone), mask_phone(phone))


def protect_id(id_number: str) -> Protected:
    return Protected(encrypt(id_number), lookup_hash("id", id_number), mask_id(id_number))


# ---------------------------------------------------------------- transient state and free text

SEALED = "pii_enc"


def seal(value: str) -> dict[str, str]:
    """A personal value for short-lived JSON state (the store): ``{"pii_enc": ciphertext}``."""
    return {SEALED: encrypt(value)}


def unseal(value: object) -> object:
    """The inverse of ``seal``; anything else is returned as it is."""
    if isinstance(value, dict) and set(value) == {SEALED}:
        return decrypt(value[SEALED])
    return value


_DIGIT = "[0-9\uff10-\uff19]"
_SEP = "[ \u3000\\-]?"
# 18-digit resident IDs and mainland mobiles, also typed with spaces or hyphens, full-width,
# or (mobiles) after +86 / 86: the ways people actually write them in a chat.
_ID_TEXT = re.compile(f"(?<![0-9\uff10-\uff19])[1-9\uff11-\uff19](?:{_SEP}{_DIGIT}){{16}}{_SEP}[0-9Xx\uff10-\uff19\uff38\uff58]"
                      f"(?![0-9A-Za-z\uff10-\uff19])")
_MOBILE_TEXT = re.compile(f"(?<![0-9\uff10-\uff19])(?:(?:\\+|\uff0b)?(?:86|\uff18\uff16){_SEP})?"
                          f"[1\uff11](?:{_SEP}{_DIGIT}){{10}}(?![0-9\uff10-\uff19])")


# What both need, 11 digits in a row with at most one separator between two of them, is found in about
# a sixth of the time the two take (python -m benchmarks.scrub_bench): text without it skips them.
_DIGIT_RUN = re.compile(f"{_DIGIT}(?:{_SEP}{_DIGIT}){{10}}")


def _plain(match: re.Match[str]) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", match.group(0)) if c.isalnum())


def scrub(text: str) -> str:
    """Mask every resident ID and mobile number in free text (5323**********1234, 138****8000)."""
    if not _DIGIT_RUN.search(text):
        return text
    text = _ID_TEXT.sub(lambda m: mask_id(_plain(m).upper()), text)
    return _MOBILE_TEXT.sub(lambda m: mask_phone(_plain(m)[-11:]), text)
