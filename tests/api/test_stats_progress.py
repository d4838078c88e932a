"""GET /staff/stats: the plan's targets against counts computed from real rows, per county, and the funnel."""
from __future__ import annotations

from tests.support.staff import COUNTY_A, COUNTY_B, build_world, loan, token
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)


async def _activity(w) -> None:
    """Decisions, registry entries, questions and a visit, all through the real use cases or models."""
    from handlers.applications.review import decide_application
    from handlers.appointments.desk import check_in
    from handlers.users import find_or_create_user
    from orm_models import Carrier, GuidanceTeam, Mentor, QuestionLog

    pref = w.staff["prefecture"]
    again = await find_or_create_user("mp", "openid-same-person-again")
    second_loan = await loan(again.id, COUNTY_A, w.a.id_number, w.a.phone)  # the same person as a.loan
    await decide_application(pref, "loan", w.a.loan.id, "approved", "", jobs_created=3)
    await decide_application(pref, "loan", second_loan.id, "approved", "")
    await decide_application(pref, "loan", w.b.loan.id, "approved", "")
    await decide_application(pref, "training", w.a.training.id, "approved", "")
    await decide_application(pref, "training", w.b.training.id, "rejected", "名额已满")
    await check_in(w.staff["window_a"], w.a.appointment.id)
    for name in ("楚雄市创业孵化园", "楚雄高新区孵化基地"):
        await Carrier.create(kind="孵化基地", name=name, county=COUNTY_A)
    await Carrier.create(kind="创业村落", name="元马镇创业村", county=COUNTY_B)
    await GuidanceTeam.create(name="元谋县创业指导团队", county=COUNTY_B)
    for name, county in (("甲", COUNTY_A), ("乙", COUNTY_A), ("丙", None)):
        await Mentor.create(name=f"导师{name}", county=county)
    for i in range(3):
        await QuestionLog.create(channel="oa", question=f"问题{i}", confident=i > 0)


async def test_stats_count_real_rows_against_the_plans_targets(client):
    w = await build_world()
    await _activity(w)
    resp = await client.get("/api/v1/staff/stats", headers=await token(client, "win_b"))
    assert resp.status == 200
    body = await resp.json()
    targets = {t["key"]: t for t in body["targets"]}
    assert {k: (t["target"], t["actual"]) for k, t in targets.items()} == {
        "loan_backed": (2000, 2), "jobs": (5000, 3), "trained": (10000, 1), "windows": (10, 10),
        "guidance_teams": (10, 1), "mentors": (200, 3), "bases": (3, 2), "towns": (6, 0),
        "communities": (10, 0), "villages": (15, 1)}
    assert targets["bases"]["target_max"] == 5
    assert targets["loan_backed"]["percent"] == 0.1
    assert "不等于银行已放款" in targets["loan_backed"]["definition"]
    assert body["jobs_coverage"] == {"approved_loans": 3, "with_jobs_reported": 1}
    assert body["demo_windows"] == 10
    assert body["as_of"].endswith("+08:00") and "2024" in body["source"]


async def test_stats_break_down_by_county_with_prefecture_level_entries_apart(client):
    w = await build_world()
    await _activity(w)
    body = await (await client.get("/api/v1/staff/stats", headers=await token(client, "pref"))).json()
    rows = {r["county"]: r for r in body["counties"]}
    assert len(rows) == 11 and "州级" in rows
    a, b = rows[COUNTY_A], rows[COUNTY_B]
    assert (a["loan_backed"], a["jobs"], a["trained"], a["bases"], a["mentors"], a["windows"]) == (1, 3, 1, 2, 2, 1)
    assert (b["loan_backed"], b["jobs"], b["trained"], b["villages"], b["guidance_teams"]) == (1, 0, 0, 1, 1)
    assert rows["州级"]["mentors"] == 1
    assert a["funnel"] == {"pre_applications": 3, "appointments": 1, "attended": 1, "decisions": 3}
    assert b["funnel"] == {"pre_applications": 2, "appointments": 1, "attended": 0, "decisions": 2}
    assert rows["武定县"]["funnel"] == {"pre_applications": 0, "appointments": 0, "attended": 0, "decisions": 0}


async def test_the_funnel_runs_from_questions_to_decisions(client):
    w = await build_world()
    await _activity(w)
    body = await (await client.get("/api/v1/staff/stats", headers=await token(client, "county_a"))).json()
    assert [(s["key"], s["count"]) for s in body["funnel"]] == [
        ("questions", 3), ("pre_applications", 5), ("appointments", 2), ("attended", 1), ("decisions", 5)]


async def test_an_empty_platform_reports_zero_against_every_target(client):
    from handlers.staff.accounts import create_staff

    await create_staff("pref", "prefecture", "correct-horse-battery")
    body = await (await client.get("/api/v1/staff/stats", headers=await token(client, "pref"))).json()
    assert all(t["actual"] == 0 and t["percent"] == 0 for t in body["targets"])
    assert all(s["count"] == 0 for s in body["funnel"])
