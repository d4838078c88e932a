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
    await decide_application(pref, "loan", w.a.loan.id, "approved", "", jobs_created=3)
    # The same person as a.loan applies again once the first is decided (one open pre-application per product).
    second_loan = await loan(again.id, COUNTY_A, w.a.id_number, w.a.phone)
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
        "communities": (10, 0), "villages": (15, 1), "guided": (200, 0)}
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


async def _approved_people(w, count: int, county: str) -> None:
    """``count`` more approved loan pre-applications in ``county``, each of another person, and a
    second approved one for each of the first three of them (the same ID hash)."""
    from orm_models import LoanApplication

    rows = [dict(user_id=w.a.user.id, product="创业担保贷款", category="返乡创业农民工", county=county, name="测试",
                 business_type="小吃", amount=100000, purpose="设备", status="approved", eligibility="eligible",
                 id_enc="x", id_hash=f"extra-person-{i}", id_masked="x", phone_enc="x", phone_hash="h",
                 phone_masked="x") for i in range(count)]
    await LoanApplication.bulk_create([LoanApplication(**r) for r in rows + rows[:3]])


async def test_people_approved_several_times_and_in_several_counties_count_once_each_way(client):
    from tests.support.staff import training

    w = await build_world()
    await _activity(w)
    await _approved_people(w, 4, COUNTY_A)
    await _approved_people(w, 2, COUNTY_B)  # extra-person-0 and -1 again, now in the other county
    b_again = await training(w.b.user.id, COUNTY_A, w.b.id_number, w.b.phone)  # person b, trained in county A too
    from handlers.applications.review import decide_application

    await decide_application(w.staff["prefecture"], "training", b_again.id, "approved", "")
    body = await (await client.get("/api/v1/staff/stats", headers=await token(client, "pref"))).json()
    targets = {t["key"]: t["actual"] for t in body["targets"]}
    rows = {r["county"]: r for r in body["counties"]}
    # a (twice in A), b, extra 0-3 (0-2 twice in A; 0 and 1 in B too)
    assert targets["loan_backed"] == 6
    assert (rows[COUNTY_A]["loan_backed"], rows[COUNTY_B]["loan_backed"]) == (5, 3)
    assert targets["trained"] == 2 and (rows[COUNTY_A]["trained"], rows[COUNTY_B]["trained"]) == (2, 0)


async def test_the_stats_read_counts_from_the_database_not_one_row_per_application(client):
    from handlers.reporting.stats import progress_stats
    from tests.support.queries import recorded_queries

    w = await build_world()
    await _activity(w)
    with recorded_queries() as before:
        first = await progress_stats()
    await _approved_people(w, 30, COUNTY_A)
    with recorded_queries() as after:
        second = await progress_stats()
    assert second["targets"][0]["actual"] == first["targets"][0]["actual"] + 30
    assert len(after) == len(before) and max(after.rows) == max(before.rows), list(zip(after.statements, after.rows))
