"""Untrusted XML: strip what XML 1.0 forbids, then parse with defusedxml (no DTD, no entities);
and the XML we answer with, which stays well-formed whatever text it carries.

Every body (and every decrypted inner message) goes through ``safe_fields`` BEFORE wechatpy
sees it, so wechatpy's own parser only ever gets text that is well-formed and DTD-free.
Every reply (and its safe-mode envelope) is written by ``render_xml``: wechatpy's own templates
put values into CDATA as they are, so a ``]]>`` in a label or a staff reply would close the
section early and inject elements.
"""
from __future__ import annotations

import re
from typing import Mapping
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_BODY_BYTES = 64 * 1024

# Characters XML 1.0 does not allow (C0 controls except tab/LF/CR, surrogates, U+FFFE/FFFF).
_ILLEGAL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# The same characters written as numeric character references (&#1; &#x1F;).
_ILLEGAL_REFS = re.compile(r"&#(?:x0*(?:[0-8bcef]|1[0-9a-f])|0*(?:[0-8]|1[1-2]|1[4-9]|2[0-9]|3[01]));", re.I)


class BadXml(ValueError):
    """The body is not a well-formed, DTD-free WeChat XML message."""


def clean_text(raw: bytes | str) -> str:
    """Decode as UTF-8 (undecodable bytes replaced) and drop XML-illegal characters."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return _ILLEGAL_REFS.sub("", _ILLEGAL_CHARS.sub("", text))


def safe_fields(text: str) -> dict[str, str]:
    """The ``<xml>`` root's child elements as a flat dict; BadXml for anything else.

    Refuses DTDs, entity declarations and external references (defusedxml), malformed XML,
    a root other than ``<xml>``, and nested structure deeper than WeChat ever sends.
    """
    try:
        root = fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise BadXml(f"forbidden XML construct: {type(exc).__name__}") from None
    except ParseError as exc:
        raise BadXml(f"not well-formed XML: {exc}") from None
    if root.tag != "xml":
        raise BadXml(f"unexpected root element <{root.tag}>")
    fields: dict[str, str] = {}
    for child in root:
        if isinstance(child.tag, str):
            fields[child.tag] = (child.text or "").strip() if len(child) == 0 else ""
    return fields


def cdata(value: str) -> str:
    """``value`` as CDATA sections that read back as exactly ``value``: every ``]]>`` is split
    across two sections (``]]`` ends one, ``>`` starts the next)."""
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def render_xml(fields: Mapping[str, str | int]) -> str:
    """A flat ``<xml>`` message: integers as digits, every other value as CDATA (see ``cdata``),
    without the characters XML 1.0 forbids (no parser would read the reply otherwise)."""
    def node(name: str, value: str | int) -> str:
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else cdata(
            _ILLEGAL_CHARS.sub("", str(value)))
        return f"<{name}>{text}</{name}>"

    return "<xml>" + "".join(node(name, value) for name, value in fields.items()) + "</xml>"
