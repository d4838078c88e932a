"""The official-account callback, ``GET|POST {callback_path}`` (CONTRACT §3).

Each POST: verify the query (signature, freshness) → read a capped body → parse it safely →
decrypt and re-check in safe/compatible mode (msg_signature) → hand an ``Incoming`` to the
conversation → render the passive reply, encrypted when the request was. Any refusal happens
before anything is processed: 403 for signatures and stale timestamps, 400 for bad XML.

Signatures are compared in constant time, and an empty ``token`` (anyone could sign with it)
accepts nothing. The plaintext-mode signature does not cover the body, so a signed query seen
once (an access log, say) could carry any message for five minutes: each (timestamp, nonce) is
bound in the store to the first body it came with, and the same query with another body is 403.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import secrets
import time

from aiohttp import web
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import WeChatSigner

from chuangye import appkeys as K
from chuangye.config import Config
from chuangye.log import log_event
from chuangye.store import keys
from handlers.validation import FieldError, validate_latitude, validate_longitude

from handlers import texts
from bot.conversation import Binding, Conversation, QueryReplayed, drain_background
from bot.skills import Incoming
from bot.xmlsafe import MAX_BODY_BYTES, BadXml, clean_text, render_xml, safe_fields, safe_message

log = logging.getLogger("chuangye.bot.callback")

FRESHNESS_SECONDS = 300
CONVERSATION = web.AppKey("bot_conversation", Conversation)
clock = time.time  # tests freeze it to replay Tencent's dated sample vectors


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _signature(token: str, *parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(token, *parts)
    return signer.signature


def _same(expected: str, given: str) -> bool:
    """Constant-time comparison (bytes: the given value may hold any character)."""
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


def _verified_query(request: web.Request, token: str) -> dict[str, str]:
    if not token:
        raise Refused(403, "wechat.official_account.token is empty: every signature would be forgeable")
    q = request.query
    needed = ("signature", "timestamp", "nonce")
    if any(not q.get(k) for k in needed):
        raise Refused(403, "missing signature parameters")
    try:
        age = abs(clock() - int(q["timestamp"]))
    except ValueError:
        raise Refused(403, "timestamp is not a number") from None
    if age > FRESHNESS_SECONDS:
        raise Refused(403, "stale timestamp")
    if not _same(_signature(token, q["timestamp"], q["nonce"]), q["signature"]):
        raise Refused(403, "bad signature")
    return dict(q)


def _binding(query: dict[str, str], body: bytes) -> Binding:
    """The signed (timestamp, nonce) bound to this body (see above); the conversation checks it in
    its first store round trip. WeChat's own retries repeat the body and pass."""
    return Binding(keys.custom(f"wxquery:{query['timestamp']}:{query['nonce']}"), hashlib.sha256(body).hexdigest(),
                   2 * FRESHNESS_SECONDS)


async def _read_body(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise Refused(413, "body too large")
    body = b""
    while len(body) <= MAX_BODY_BYTES:  # read() gives what has arrived so far: read to the end
        chunk = await request.content.read(MAX_BODY_BYTES + 1 - len(body))
        if not chunk:
            return body
        body += chunk
    raise Refused(413, "body too large")


def _crypto(config: Config) -> WeChatCrypto | None:
    oa = config.wechat.official_account
    return _crypto_for(oa.token, oa.encoding_aes_key, oa.app_id) if oa.encoding_aes_key else None


@functools.lru_cache(maxsize=8)
def _crypto_for(token: str, encoding_aes_key: str, app_id: str) -> WeChatCrypto:
    return WeChatCrypto(token, encoding_aes_key, app_id)


def _inner_xml(config: Config, query: dict[str, str], outer: dict[str, str]) -> str:
    """Safe/compatible mode: check msg_signature over Encrypt, decrypt, and vet the inner XML."""
    crypto = _crypto(config)
    if crypto is None:
        raise Refused(400, "encrypted message but wechat.official_account.encoding_aes_key is empty")
    if not query.get("msg_signature"):
        raise Refused(403, "missing msg_signature")
    if not outer.get("Encrypt"):
        raise Refused(400, "no Encrypt element")
    expected = _signature(config.wechat.official_account.token, query["timestamp"], query["nonce"], outer["Encrypt"])
    if not _same(expected, query["msg_signature"]):
        raise Refused(403, "bad msg_signature")
    try:
        inner = crypto.decrypt_message({"Encrypt": outer["Encrypt"]}, query["msg_signature"],
                                       query["timestamp"], query["nonce"])
    except InvalidSignatureException:
        raise Refused(403, "bad msg_signature") from None
    except Exception as exc:  # wrong app id, bad padding, not base64...
        raise Refused(400, f"cannot decrypt: {type(exc).__name__}") from None
    return clean_text(inner)


def to_incoming(fields: dict[str, str]) -> Incoming:
    """Translate WeChat's fields into the channel-neutral Incoming."""
    msg_type = fields.get("MsgType", "").lower() or "unknown"
    event = fields.get("Event", "").lower() if msg_type == "event" else ""
    openid = fields.get("FromUserName", "")
    # Always per user: a MsgId is only unique within one user's messages, and another user sending
    # the same MsgId must never be handed this user's cached reply (issue 7, item 5).
    if event:  # WeChat's rule, plus EventKey so two different clicks in one second stay apart
        msg_key = f"{openid}:{fields.get('CreateTime', '')}:{event}:{fields.get('EventKey', '')}"
    elif fields.get("MsgId"):
        msg_key = f"{openid}:{fields['MsgId']}"
    else:
        msg_key = f"{openid}:{fields.get('CreateTime', '')}:{msg_type}"
    lat, lng = (fields.get("Latitude"), fields.get("Longitude")) if event else (
        fields.get("Location_X"), fields.get("Location_Y"))
    lat, lng = _coordinates(lat, lng)
    text = fields.get("Content", "") if msg_type == "text" else fields.get("Recognition", "")
    return Incoming(openid=openid, msg_type=msg_type, text=text.strip(), event=event,
                    event_key=fields.get("EventKey", ""), lat=lat, lng=lng,
                    label=fields.get("Label") or fields.get("Title", ""), msg_key=msg_key, raw=fields)


def _coordinates(lat: str | None, lng: str | None) -> tuple[float | None, float | None]:
    """Both coordinates when they are a place on Earth, else (None, None): the skills then ask
    for a proper location (a location message) or ignore it (a LOCATION event)."""
    try:
        return validate_latitude(lat), validate_longitude(lng)
    except FieldError:
        return None, None


async def _handle(request: web.Request, query: dict[str, str]) -> web.Response:
    config = request.app[K.CONFIG]
    started = clock()
    encrypted = query.get("encrypt_type", "").lower() == "aes"
    try:
        body = await _read_body(request)
        xml = clean_text(body)
        if encrypted:
            xml = _inner_xml(config, query, safe_fields(xml))
        # One parse (defusedxml: well-formed, no DTD, no entities) gives the fields and wechatpy's
        # message, which refuses what is not a WeChat message (KeyError, AttributeError...).
        fields, _ = safe_message(xml)
    except BadXml as exc:
        raise Refused(400, str(exc)) from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise Refused(400, f"not a WeChat message: {type(exc).__name__}") from None
    if not fields.get("FromUserName"):
        raise Refused(400, "no FromUserName")
    inc = to_incoming(fields)
    budget = config.bot.reply_budget_seconds - (clock() - started)
    try:
        reply = await request.app[CONVERSATION].reply(inc, budget, _binding(query, body))
    except QueryReplayed:
        raise Refused(403, "signed query replayed with another body") from None
    except Exception:
        log.exception("conversation failed", extra={"fields": {"openid": inc.openid}})
        reply = texts.APOLOGY
    log_event(log, "message", msg_type=inc.msg_type, event=inc.event, replied=bool(reply),
              ms=round((clock() - started) * 1000, 1))
    if not reply:
        return web.Response(text="success")
    rendered = render_xml({"ToUserName": fields["FromUserName"], "FromUserName": fields.get("ToUserName", ""),
                           "CreateTime": int(time.time()), "MsgType": "text", "Content": reply})
    if encrypted:
        rendered = _envelope(config, rendered)
    return web.Response(text=rendered, content_type="application/xml")


def _envelope(config: Config, inner: str) -> str:
    """Safe mode's encrypted reply (``Encrypt, MsgSignature, TimeStamp, Nonce``), written by render_xml too."""
    crypto = _crypto(config)
    assert crypto is not None  # an encrypted request was refused without a key
    nonce, timestamp = secrets.token_hex(8), str(int(time.time()))
    # What crypto.encrypt_message puts in its <Encrypt> (base64), without rendering and re-parsing its XML.
    encrypt = PrpCrypto(crypto.key).encrypt(inner, crypto.app_id).decode("ascii")
    return render_xml({"Encrypt": encrypt, "MsgSignature": _signature(config.wechat.official_account.token, timestamp,
                                                                      nonce, encrypt),
                       "TimeStamp": int(timestamp), "Nonce": nonce})


async def verify_get(request: web.Request) -> web.Response:
    try:
        _verified_query(request, request.app[K.CONFIG].wechat.official_account.token)
    except Refused as exc:
        log_event(log, "callback refused", logging.WARNING, status=exc.status, reason=exc.reason)
        return web.Response(status=exc.status, text="forbidden")
    return web.Response(text=request.query.get("echostr", ""))


async def receive_post(request: web.Request) -> web.Response:
    try:
        query = _verified_query(request, request.app[K.CONFIG].wechat.official_account.token)
        return await _handle(request, query)
    except Refused as exc:
        log_event(log, "callback refused", logging.WARNING, status=exc.status, reason=exc.reason)
        return web.Response(status=exc.status, text={403: "forbidden", 413: "too large"}.get(exc.status, "bad request"))


def setup_routes(app: web.Application, config: Config) -> None:
    path = config.wechat.official_account.callback_path
    app[CONVERSATION] = Conversation(app)
    app.router.add_get(path, verify_get)
    app.router.add_post(path, receive_post)
    app.on_shutdown.append(drain_background)
