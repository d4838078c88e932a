"""The callback parses each XML document once: ``safe_message`` must give what wechatpy's own
``parse_message`` (a second parse, with xmltodict) gives, refusals included."""
from __future__ import annotations

import pytest
from wechatpy import parse_message

from bot.xmlsafe import safe_fields, safe_message

HEAD = "<xml><ToUserName>gh</ToUserName><FromUserName>u</FromUserName><CreateTime>12</CreateTime>"
CASES = [
    HEAD + "<MsgType>text</MsgType><Content><![CDATA[ 你好 ]]></Content><MsgId>5</MsgId></xml>",
    HEAD + "<MsgType></MsgType></xml>",
    HEAD + "</xml>",
    HEAD + "<MsgType><a>1</a></MsgType></xml>",
    HEAD + "<MsgType a='1'>text</MsgType></xml>",
    HEAD + "<MsgType>text</MsgType><MsgType>text</MsgType></xml>",
    HEAD + "<MsgType>event</MsgType><Event>subscribe</Event><EventKey>qrscene_12</EventKey></xml>",
    HEAD + "<MsgType>event</MsgType><Event>subscribe</Event><EventKey>scanbarcode|x</EventKey></xml>",
    HEAD + "<MsgType>event</MsgType><Event>CLICK</Event><EventKey>BOOK</EventKey></xml>",
    HEAD + "<MsgType>event</MsgType></xml>",
    HEAD + "<MsgType>event</MsgType><Event></Event></xml>",
    HEAD + "<MsgType>device_text</MsgType></xml>",
    HEAD + "<MsgType>location</MsgType><Location_X>25.1</Location_X><Location_Y>abc</Location_Y></xml>",
    "<xml><FromUserName>u</FromUserName><MsgType>text</MsgType><CreateTime>soon</CreateTime></xml>",
    HEAD + "<MsgType>text</MsgType><MsgId></MsgId></xml>",
    HEAD + "<MsgType>voice</MsgType><Recognition>贷款</Recognition><MediaId>m</MediaId></xml>",
    HEAD + "<MsgType>weird</MsgType></xml>",
]
ATTRIBUTES = ("type", "event", "key", "content", "id", "source", "target", "time", "scene_id", "location",
              "recognition", "media_id")


def _seen(parse, xml: str):
    try:
        message = parse(xml)
        return type(message).__name__, {name: repr(getattr(message, name, None)) for name in ATTRIBUTES}
    except Exception as exc:
        return "refused", type(exc).__name__


@pytest.mark.parametrize("xml", CASES)
def test_one_parse_gives_the_message_wechatpys_parser_gives(xml: str) -> None:
    assert _seen(lambda x: safe_message(x)[1], xml) == _seen(parse_message, xml)


def test_one_parse_gives_the_same_fields_as_safe_fields() -> None:
    assert safe_message(CASES[0])[0] == safe_fields(CASES[0])
