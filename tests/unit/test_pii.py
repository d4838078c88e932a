"""Personal data at rest: AES-GCM round trip, versioned format, keyed hash, masking."""
from __future__ import annotations

import base64

import pytest

from chuangye import pii
from chuangye.config import DEV_DATA_KEY

OTHER_KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()


@pytest.fixture(autouse=True)
def _key():
    pii.configure(DEV_DATA_KEY)
    yield
    pii.configure(DEV_DATA_KEY)


def test_encrypted_value_decrypts_to_the_original():
    token = pii.encrypt("532301199001011234")
    assert token.startswith("v1.")
    assert "532301199001011234" not in token
    assert pii.decrypt(token) == "532301199001011234"


def test_the_same_value_encrypts_differently_each_time():
    assert pii.encrypt("13812348000") != pii.encrypt("13812348000")


def test_a_tampered_ciphertext_is_refused():
    token = pii.encrypt("13812348000")
    body = bytearray(base64.urlsafe_b64decode(token[3:]))
    body[-1] ^= 1
    with pytest.raises(pii.PiiError):
        pii.decrypt("v1." + base64.urlsafe_b64encode(bytes(body)).decode())


def test_another_key_cannot_decrypt():
    token = pii.encrypt("13812348000")
    pii.configure(OTHER_KEY)
    with pytest.raises(pii.PiiError):
        pii.decrypt(token)


def test_an_unknown_format_version_is_refused():
    with pytest.raises(pii.PiiError, match="unknown"):
        pii.decrypt("v9.abcd")


def test_lookup_hash_is_stable_keyed_and_separates_kinds():
    h = pii.lookup_hash("phone", "13812348000")
    assert h == pii.lookup_hash("phone", " 13812348000 ")
    assert h != pii.lookup_hash("id", "13812348000")
    assert pii.lookup_hash("id", "53230119900101123x") == pii.lookup_hash("id", "53230119900101123X")
    pii.configure(OTHER_KEY)
    assert pii.lookup_hash("phone", "13812348000") != h


def test_masking_keeps_only_the_ends():
    assert pii.mask_id("532301199001011234") == "5323**********1234"
    assert pii.mask_phone("13812348000") == "138****8000"


def test_protected_values_hold_no_plaintext():
    p = pii.protect_phone("13812348000")
    assert (p.masked, pii.decrypt(p.enc), p.hash) == ("138****8000", "13812348000", pii.lookup_hash("phone", "13812348000"))
    i = pii.protect_id("532301199001011234")
    assert i.masked == "5323**********1234" and "532301199001011234" not in i.enc + i.hash


def test_without_a_key_nothing_is_encrypted(monkeypatch):
    monkeypatch.setattr(pii, "_keys", None)
    with pytest.raises(pii.PiiError, match="not configured"):
        pii.encrypt("13812348000")
