"""A document staff publish is answered from in chat (the official-account callback), citing it, and
no longer once it is disabled; a user who told us their county gets that county's document first."""
from __future__ import annotations

from handlers.users import find_or_create_user
from orm_models import User
from tests.api.test_staff_kb import TOPIC_MD, uploaded
from tests.support.chat import Chat
from tests.support.kb_files import TOPIC_FACT, TOPIC_QUESTION
from tests.support.staff import COUNTY_A, COUNTY_B, make_staff, token
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)

API = "/api/v1/staff/kb"


async def test_the_bot_answers_from_a_published_document_and_stops_when_it_is_disabled(client, config):
    await make_staff("kb_pref", "prefecture")
    heads = await token(client, "kb_pref")
    doc = await uploaded(client, heads, "a.md", TOPIC_MD, title="彝绣创业大赛通知")
    chat = Chat(client, config, "o-kb-chat")
    assert TOPIC_FACT not in await chat.say(TOPIC_QUESTION)  # a draft

    await client.post(f"{API}/documents/{doc['id']}/publish", headers=heads)
    reply = await chat.say(TOPIC_QUESTION)
    assert TOPIC_FACT in reply and "来源：《彝绣创业大赛通知》" in reply

    await client.post(f"{API}/documents/{doc['id']}/disable", headers=heads)
    assert TOPIC_FACT not in await chat.say(TOPIC_QUESTION)


async def test_a_user_of_a_county_gets_that_countys_document_and_never_another_countys(client, config):
    await make_staff("kb_pref", "prefecture")
    heads = await token(client, "kb_pref")
    local_fact = "5月1日至5月20日"
    local_md = TOPIC_MD.replace("3月1日至3月31日".encode(), local_fact.encode())
    local = await uploaded(client, heads, "local.md", local_md, title="彝绣创业大赛（楚雄市）", county=COUNTY_A)
    wide = await uploaded(client, heads, "wide.md", TOPIC_MD, title="彝绣创业大赛（全州）")
    for d in (local, wide):
        await client.post(f"{API}/documents/{d['id']}/publish", headers=heads)
    in_a, in_b = Chat(client, config, "o-kb-a"), Chat(client, config, "o-kb-b")
    for openid, county in (("o-kb-a", COUNTY_A), ("o-kb-b", COUNTY_B)):  # users who told us their county
        await User.filter(id=(await find_or_create_user("oa", openid)).id).update(county=county)
    assert local_fact in await in_a.say(TOPIC_QUESTION)
    reply_b = await in_b.say(TOPIC_QUESTION)
    assert local_fact not in reply_b and TOPIC_FACT in reply_b
