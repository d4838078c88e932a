"""deploy/grafana-dashboard.json and deploy/prometheus-alerts.yml load and name only metrics the app exposes."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.support.env import SQLITE_ONLY

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"\bchuangye_[a-zA-Z0-9_]+")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",), "summary": ("_count", "_sum", "")}

@pytest.fixture
async def exposed(client) -> dict[str, str]:
    """Every series name one scrape of the app can show, mapped to its family (the names queries may use)."""
    resp = await client.get("/metrics")
    assert resp.status == 200
    names = {}
    for family in text_string_to_metric_families(await resp.text()):
        for suffix in SUFFIXES.get(family.type, ("",)):
            names[family.name + suffix] = family.name
    return names


def dashboard() -> dict:
    return json.loads((ROOT / "deploy" / "grafana-dashboard.json").read_text(encoding="utf-8"))


def alert_rules() -> list[dict]:
    data = yaml.safe_load((ROOT / "deploy" / "prometheus-alerts.yml").read_text(encoding="utf-8"))
    return [rule for group in data["groups"] for rule in group["rules"]]


def balanced(expr: str) -> bool:
    depth = {"(": 0, "{": 0, "[": 0}
    closing = {")": "(", "}": "{", "]": "["}
    for ch in re.sub(r'"[^"]*"', "", expr):
        if ch in depth:
            depth[ch] += 1
        elif ch in closing:
            depth[closing[ch]] -= 1
            if depth[closing[ch]] < 0:
                return False
    return not any(depth.values())


def test_the_dashboard_is_a_grafana_dashboard_with_well_placed_panels_and_queries():
    dash = dashboard()
    assert dash["title"] and dash["uid"] and isinstance(dash["schemaVersion"], int)
    variables = {v["name"] for v in dash["templating"]["list"]}
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids)) >= 12
    for panel in dash["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["w"] > 0 and grid["x"] + grid["w"] <= 24 and grid["h"] > 0, panel["title"]
        assert panel["type"] in {"timeseries", "stat"} and panel["title"]
        assert panel["datasource"]["uid"].strip("${}") in variables
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["refId"] and balanced(target["expr"]), target["expr"]


@SQLITE_ONLY
async def test_every_dashboard_query_names_only_metrics_the_app_exposes_and_shows_each_of_them(exposed):
    used = set()
    for panel in dashboard()["panels"]:
        for target in panel["targets"]:
            names = set(NAME.findall(target["expr"]))
            assert names, target["expr"]
            unknown = names - set(exposed)
            assert not unknown, f"{panel['title']}: {unknown}"
            used |= {exposed[n] for n in names}
    shown = {family for family in exposed.values() if not family.startswith("chuangye_process_")}
    assert shown <= used, f"not on the dashboard: {shown - used}"


@SQLITE_ONLY
async def test_the_alert_rules_parse_and_name_only_metrics_the_app_exposes(exposed):
    rules = alert_rules()
    for rule in rules:
        assert rule["alert"] and rule["labels"]["severity"] in {"critical", "warning"}
        assert rule["annotations"]["summary"] and balanced(rule["expr"]), rule["alert"]
        names = set(NAME.findall(rule["expr"]))
        assert names and names <= set(exposed), (rule["alert"], names - set(exposed))
    by_name = {rule["alert"]: " ".join(str(rule["expr"]).split()) for rule in rules}
    assert "chuangye_outbox_oldest_pending_age_seconds) > 300" in by_name["ChuangyeOutboxStuck"]
    assert "chuangye_outbox_gave_up_total" in by_name["ChuangyeOutboxGaveUp"]
    assert by_name["ChuangyeLateReplies"].endswith("> 0.01") and 'delivery="late"' in by_name["ChuangyeLateReplies"]
    assert 'status_class="5xx"' in by_name["ChuangyeServerErrors"]
