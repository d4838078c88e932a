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
from typing import Any, Mapping
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from wechatpy.events import EVENT_TYPES
from wechatpy.messages import MESSAGE_TYPES, UnknownMessage

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
    return _fields(_root(text))


def safe_message(text: str) -> tuple[dict[str, str], Any]:
    """``(safe_fields(text), the wechatpy message)`` from ONE parse (defusedxml's).

    The message is what ``wechatpy.parse_message(text)`` gives for the same text: it is built
    from the dict xmltodict would have made (empty elements None, nested ones or ones with
    attributes a dict, repeated ones a list), so the same bodies are refused with the same
    KeyError/TypeError/AttributeError (tests/chat/test_callback_reply_xml.py compares them).
    """
    root = _root(text)
    return _fields(root), _wechat_message(_as_xmltodict(root))


def _as_xmltodict(root: Element) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for child in root:
        if not isinstance(child.tag, str):
            continue
        if len(child) or child.attrib:
            value: Any = {"nested": True}
        else:
            value = (child.text or "").strip() or None
        if child.tag in doc:
            previous = doc[child.tag]
            doc[child.tag] = (previous if isinstance(previous, list) else [previous]) + [value]
        else:
            doc[child.tag] = value
    return doc


def _wechat_message(message: dict[str, Any]) -> Any:
    """wechatpy.parser.parse_message after its xmltodict.parse (wechatpy 1.8, MIT)."""
    message_type = message["MsgType"].lower()
    event_type = None
    if message_type == "event" or message_type.startswith("device_"):
        if "Event" in message:
            event_type = message["Event"].lower()
        if event_type is None and message_type.startswith("device_"):
            event_type = message_type
        elif message_type.startswith("device_"):
            event_type = f"device_{event_type}"
        if event_type == "subscribe" and message.get("EventKey"):
            event_key = message["EventKey"]
            if event_key.startswith(("scanbarcode|", "scanimage|")):
                event_type = "subscribe_scan_product"
                message["Event"] = event_type
            elif event_key.startswith("qrscene_"):
                event_type = "subscribe_scan"
                message["Event"] = event_type
                message["EventKey"] = event_key[len("qrscene_"):]
        message_class = EVENT_TYPES.get(event_type, UnknownMessage)
    else:
        message_class = MESSAGE_TYPES.get(message_type, UnknownMessage)
    return message_class(message)


def _root(text: str) -> Element:
    try:
        root = fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise BadXml(f"forbidden XML construct: {type(exc).__name__}") from None
    except ParseError as exc:
        raise BadXml(f"not well-formed XML: {exc}") from None
    if root.tag != "xml":
        raise BadXml(f"unexpected root element <{root.tag}>")
    return root


def _fields(root: Element) -> dict[str, str]:
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
