"""GET /training/courses, POST /training-applications, GET mine, POST withdraw."""
from __future__ import annotations

from typing import Any

from handlers.validation import COUNTIES
from orm_models import TrainingApplication, TrainingSession

from tests.support.api import API, error_of, login, seed_windows_and_courses
from tests.support.env import SQLITE_ONLY
from tests.support.builders import make_id

TRAINING_KEYS = {"id", "session_id", "course_title", "session_start", "county", "category", "name", "id_masked",
                 "phone_masked", "status", "status_text", "created_at"}


async def first_session(client: Any, county: str = "元谋县") -> dict[str, Any]:
    courses = (await (await client.get(f"{API}/training/courses", params={"county": county})).json())["courses"]
    return next(s | {"title": c["title"]} for c in courses for s in c["sessions"])


def signup(session_id: int, **changes: Any) -> dict[str, Any]:
    return {"session_id": session_id, "county": "元谋县", "category": "农村劳动力", "name": "李秀英",
            "id_number": make_id(), "phone": "13812348000", **changes}


async def test_courses_list_their_coming_sessions_per_county(client: Any) -> None:
    await seed_windows_and_courses()
    courses = (await (await client.get(f"{API}/training/courses")).json())["courses"]
    titles = {c["title"] for c in courses}
    assert {"民族药膳", "养老护理"} <= titles
    sessions = [s for c in courses for s in c["sessions"]]
    assert {s["county"] for s in sessions} == set(COUNTIES)
    assert all(s["start"].endswith("+08:00") and s["remaining"] == s["capacity"] for s in sessions)
    only = (await (await client.get(f"{API}/training/courses", params={"county": "元谋县"})).json())["courses"]
    assert {s["county"] for c in only for s in c["sessions"]} == {"元谋县"}
    err = await error_of(await client.get(f"{API}/training/courses", params={"county": "昆明市"}), 422)
    assert list(err["fields"]) == ["county"] and err["fields"]["county"].startswith("县市：应为以下之一")


async def test_signing_up_takes_a_seat_and_shows_in_mine(client: Any, standin: Any) -> None:
    await seed_windows_and_courses()
    headers, _ = await login(client)
    session = await first_session(client)
    resp = await client.post(f"{API}/training-applications", json=signup(session["id"]), headers=headers)
    app = (await resp.json())["application"]
    assert resp.status == 201 and set(app) == TRAINING_KEYS
    assert app["status"] == "submitted" and app["course_title"] == session["title"]
    assert app["session_start"] == session["start"]
    assert (await first_session(client))["remaining"] == session["remaining"] - 1
    mine = (await (await client.get(f"{API}/training-applications/mine", headers=headers)).json())["applications"]
    assert mine == [app]


async def test_a_full_session_is_409_session_full(client: Any, standin: Any) -> None:
    await seed_windows_and_courses()
    session = await first_session(client)
    await TrainingSession.filter(id=session["id"]).update(capacity=1)
    first, _ = await login(client, "a")
    second, _ = await login(client, "b")
    assert (await client.post(f"{API}/training-applications", json=signup(session["id"]), headers=first)).status == 201
    err = await error_of(await client.post(f"{API}/training-applications", json=signup(session["id"]),
                                           headers=second), 409)
    assert err["code"] == "session_full" and err["message"] == "该期培训名额已满，请选择其他期次"
    assert await TrainingApplication.all().count() == 1


async def test_signing_up_twice_is_409_duplicate(client: Any, standin: Any) -> None:
    await seed_windows_and_courses()
    headers, _ = await login(client)
    session = await first_session(client)
    await client.post(f"{API}/training-applications", json=signup(session["id"]), headers=headers)
    err = await error_of(await client.post(f"{API}/training-applications", json=signup(session["id"]),
                                           headers=headers), 409)
    assert err["code"] == "duplicate"
    assert await TrainingApplication.all().count() == 1


@SQLITE_ONLY
async def test_invalid_sign_ups_are_422_and_store_nothing(client: Any, standin: Any) -> None:
    await seed_windows_and_courses()
    headers, _ = await login(client)
    session = await first_session(client)
    bad = signup(session["id"], category="大学生", id_number="123")
    err = await error_of(await client.post(f"{API}/training-applications", json=bad, headers=headers), 422)
    assert set(err["fields"]) == {"category", "id_number"}
    err = await error_of(await client.post(f"{API}/training-applications", json=signup(99999), headers=headers), 422)
    assert err["fields"] == {"session_id": "培训班：没有找到该培训班，请重新选择"}
    await error_of(await client.post(f"{API}/training-applications", json=signup(session["id"])), 401)
    assert await TrainingApplication.all().count() == 0


async def test_withdrawing_frees_the_seat_and_others_cannot(client: Any, standin: Any) -> None:
    await seed_windows_and_courses()
    headers, _ = await login(client)
    session = await first_session(client)
    resp = await client.post(f"{API}/training-applications", json=signup(session["id"]), headers=headers)
    app_id = (await resp.json())["application"]["id"]
    other, _ = await login(client, "mallory")
    await error_of(await client.post(f"{API}/training-applications/{app_id}/withdraw", headers=other), 404)
    resp = await client.post(f"{API}/training-applications/{app_id}/withdraw", headers=headers)
    assert resp.status == 200 and (await resp.json())["application"]["status"] == "withdrawn"
    assert (await first_session(client))["remaining"] == session["remaining"]
    err = await error_of(await client.post(f"{API}/training-applications/{app_id}/withdraw", headers=headers), 409)
    assert err["code"] == "not_allowed"
