"""Plays the WeChat server: builds the XML WeChat would POST, signs it, encrypts it in safe mode,
and opens the reply. Used by ``chuangye chat``, the callback benchmark and the tests."""
from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass
from typing import Any

from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

from chuangye.config import Config

from bot.xmlsafe import cdata as _cdata
from bot.xmlsafe import safe_fields

ACCOUNT_ID = "gh_chuangye_oa"
# Shared by every emulator in the process so two of them never reuse a MsgId.
_MSG_IDS = itertools.count(int(time.time() * 1000) * 1000 + secrets.randbelow(1000))


def sign(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


@dataclass
class WeChatServer:
    token: str
    aes_key: str = ""  # empty: plaintext mode
    app_id: str = ""

    @classmethod
    def from_config(cls, config: Config, plaintext: bool = False) -> "WeChatServer":
        oa = config.wechat.official_account
        return cls(oa.token, "" if plaintext else oa.encoding_aes_key, oa.app_id)

    @property
    def encrypted(self) -> bool:
        return bool(self.aes_key)

    # ------------------------------------------------------------ messages
    def xml(self, openid: str, msg_type: str, **fields: Any) -> str:
        """A message as WeChat writes it; ``MsgId`` is added to non-events unless given."""
        parts = {"ToUserName": ACCOUNT_ID, "FromUserName": openid, "CreateTime": int(time.time()), "MsgType": msg_type}
        if msg_type != "event" and "MsgId" not in fields:
            parts["MsgId"] = next(_MSG_IDS)
        parts.update(fields)
        body = "".join(f"<{k}>{v if isinstance(v, (int, float)) else _cdata(str(v))}</{k}>" for k, v in parts.items())
        return f"<xml>{body}</xml>"

    def text(self, openid: str, content: str, **extra: Any) -> str:
        return self.xml(openid, "text", Content=content, **extra)

    def location(self, openid: str, lat: float, lng: float, label: str = "") -> str:
        return self.xml(openid, "location", Location_X=lat, Location_Y=lng, Scale=15, Label=label)

    def event(self, openid: str, event: str, key: str = "", **extra: Any) -> str:
        fields: dict[str, Any] = {"Event": event, **extra}
        if key:
            fields["EventKey"] = key
        return self.xml(openid, "event", **fields)

    # ------------------------------------------------------------ the request
    def request(self, xml: str, openid: str = "", timestamp: int | None = None) -> tuple[dict[str, str], str]:
        """(query, body) exactly as WeChat sends them in this account's mode."""
        ts, nonce = str(timestamp or int(time.time())), secrets.token_hex(5)
        query = {"signature": sign(self.token, ts, nonce), "timestamp": ts, "nonce": nonce}
        if openid:
            query["openid"] = openid
        if not self.encrypted:
            return query, xml
        crypto = WeChatCrypto(self.token, self.aes_key, self.app_id)
        envelope = safe_fields(crypto.encrypt_message(xml, nonce, ts))
        query.update(encrypt_type="aes", msg_signature=sign(self.token, ts, nonce, envelope["Encrypt"]))
        body = f"<xml><ToUserName>{_cdata(ACCOUNT_ID)}</ToUserName><Encrypt>{_cdata(envelope['Encrypt'])}</Encrypt></xml>"
        return query, body

    async def post(self, http: Any, url: str, xml: str, openid: str = "") -> tuple[int, dict[str, str], str]:
        """POST through an aiohttp session (or test client): (status, reply fields, raw body)."""
        query, body = self.request(xml, openid)
        async with http.post(url, params=query, data=body.encode("utf-8")) as resp:
            raw = await resp.text()
            return resp.status, (self.open_reply(raw) if resp.status == 200 else {}), raw

    def open_reply(self, body: str) -> dict[str, str]:
        """The reply's fields (decrypted and signature-checked in safe mode); {} for ``success``."""
        if body.strip() in ("", "success"):
            return {}
        fields = safe_fields(body)
        if "Encrypt" in fields:
            crypto = WeChatCrypto(self.token, self.aes_key, self.app_id)
            inner = crypto.decrypt_message({"Encrypt": fields["Encrypt"]}, fields["MsgSignature"],
                                           fields["TimeStamp"], fields["Nonce"])
            fields = safe_fields(inner)
        return fields

