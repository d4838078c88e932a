"""Every role against every handoff and FAQ endpoint, as one table (as tests/api/test_access_control_staff.py).

Callers: nobody, a mini-program user, a window's staff in county A (楚雄市) and in county B (元谋县),
county A's administrator and the prefecture administrator. Another county's session is 404, never
403; writing FAQ entries is for administrators (403 for a window's staff).
"""
from __future__ import annotations

from typing import Any

from api.auth import issue_user_token
from tests.support.chat import seed_windows_and_courses
from handlers.handoff import sessions as handoff
from handlers.users import find_or_create_user
from orm_models import FaqEntry, QuestionLog, Window
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)
from tests.support.staff import make_staff, token

ROLES = ("anon", "user", "window_a", "window_b", "county_a", "prefecture")
A, B = "楚雄市", "元谋县"


def by_role(**statuses: int) -> dict[str, int]:
    return {"anon": 401, "user": 401, **statuses}


def everyone(status: int) -> dict[str, int]:
    return by_role(**{r: status for r in ROLES[2:]})


def table(ids: dict[str, int]) -> list[tuple[str, str, Any, dict[str, int]]]:
    in_a = by_role(window_a=200, window_b=404, county_a=200, prefecture=200)
    in_b = by_role(window_a=404, window_b=200, county_a=404, prefecture=200)
    admins = by_role(window_a=403, window_b=403, county_a=200, prefecture=200)
    faq = {"question": "窗口周末开门吗", "answer": "周末不开门（测试数据）", "source": "测试"}
    return [
        ("GET", "/staff/handoffs", None, everyone(200)),
        ("GET", f"/staff/handoffs/{ids['a']}", None, in_a),
        ("GET", f"/staff/handoffs/{ids['b']}", None, in_b),
        ("POST", f"/staff/handoffs/{ids['a']}/reply", {"text": "您好"}, in_a),
        ("POST", f"/staff/handoffs/{ids['b']}/reply", {"text": "您好"}, in_b),
        # Roles are tried in ROLES order: A's window closes it first, A's administrator then finds it closed.
        ("POST", f"/staff/handoffs/{ids['a_to_close']}/close", None,
         by_role(window_a=200, window_b=404, county_a=409, prefecture=409)),
        ("GET", "/staff/questions/unconfident", None, everyone(200)),
        ("POST", "/staff/questions/dismiss", {"question_ids": [ids["question"]]}, admins),
        ("GET", "/staff/faq", None, everyone(200)),
        ("POST", "/staff/faq", faq, by_role(window_a=403, window_b=403, county_a=201, prefecture=201)),
        ("POST", f"/staff/faq/{ids['faq']}/deactivate", None, admins),
    ]


async def _world(client: Any, config: Any) -> tuple[dict[str, int], dict[str, dict[str, str]]]:
    await seed_windows_and_courses()
    window_a, window_b = await Window.get(county=A), await Window.get(county=B)
    staff = {"window_a": await make_staff("win_a", "window", window_id=window_a.id),
             "window_b": await make_staff("win_b", "window", window_id=window_b.id),
             "county_a": await make_staff("county_a", "county", county=A),
             "prefecture": await make_staff("pref", "prefecture")}
    user = await find_or_create_user("mp", "mp-someone")
    heads = {"anon": {}, "user": {"Authorization": f"Bearer {issue_user_token(config.security.secret_key, user.id)}"}}
    for role, member in staff.items():
        heads[role] = await token(client, member.username)
    ids = {"a": (await handoff.start_handoff("o-a", reason="asked", county=A))[0].id,
           "b": (await handoff.start_handoff("o-b", reason="asked", county=B))[0].id,
           "a_to_close": (await handoff.start_handoff("o-a2", reason="asked", county=A))[0].id,
           "question": (await QuestionLog.create(channel="oa", openid="o-a", question="啥", confident=False)).id,
           "faq": (await FaqEntry.create(question="问", answer="答", source="测试")).id}
    return ids, heads


async def test_every_role_against_every_handoff_and_faq_endpoint(client, config):
    ids, heads = await _world(client, config)
    failures = []
    for method, path, body, expected in table(ids):
        for role in ROLES:
            resp = await client.request(method, "/api/v1" + path, json=body, headers=heads[role])
            if resp.status != expected[role]:
                failures.append(f"{method} {path} as {role}: {resp.status} (expected {expected[role]}) "
                                f"{(await resp.text())[:160]}")
    assert not failures, "\n".join(failures)


def test_the_table_covers_every_endpoint_of_the_module():
    import re

    from api.staff_handoff import routes

    covered = {(m, re.sub(r"/\d+", "/{id}", p)) for m, p, _, _ in table({k: 1 for k in
                                                                         ("a", "b", "a_to_close", "question", "faq")})}
    declared = {(ep.method, ep.path) for ep in routes.endpoints}
    assert declared - covered == set()
