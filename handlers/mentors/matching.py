"""Suggesting mentors for a request: by area of expertise, county served and current load.

A mentor with no room left (load at capacity) is never suggested. The others are ranked: the
requested area first, then serving the request's county (over the prefecture-wide pool), then the
lightest load relative to capacity, then the oldest profile. Each suggestion says why, in Chinese,
so the county administrator can take the first one with one click or choose another.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orm_models import Mentor, MentorRequest

from handlers.mentors.profiles import counties_of, expertise_of, loads

MAX_SUGGESTIONS = 3


@dataclass(frozen=True)
class Suggestion:
    mentor_id: int
    name: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"mentor_id": self.mentor_id, "name": self.name, "reason": self.reason}


def _rank(m: Mentor, industry: str, county: str, load: int) -> tuple | None:
    served = counties_of(m)
    if served and county not in served:
        return None
    area = industry in expertise_of(m)
    if not area and industry != "其他":
        return None
    return (not area, not served, load / max(m.capacity, 1), m.id)


def _reason(m: Mentor, industry: str, county: str, load: int) -> str:
    parts = [f"擅长{industry}" if industry in expertise_of(m) else "综合指导"]
    parts.append(f"服务{county}" if counties_of(m) else "州级导师，服务全州")
    parts.append(f"当前帮扶 {load}/{m.capacity} 人")
    if m.team_id and m.team:
        parts.append(f"属于{m.team.name}")
    return "；".join(parts)


def rank(mentors: list[Mentor], current: dict[int, int], industry: str, county: str,
         limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
    """Pure: the best mentors with room for a request of ``industry`` in ``county``."""
    scored = []
    for m in mentors:
        load = current.get(m.id, 0)
        if load >= m.capacity:
            continue
        key = _rank(m, industry, county, load)
        if key is not None:
            scored.append((key, m, load))
    scored.sort(key=lambda item: item[0])
    return [Suggestion(m.id, m.name, _reason(m, industry, county, load)) for _, m, load in scored[:limit]]


async def suggestions_for(requests: list[MentorRequest], limit: int = MAX_SUGGESTIONS) -> dict[int, list[Suggestion]]:
    """Suggestions for each open request (one query for the mentors, one for their loads)."""
    if not any(r.status == "submitted" for r in requests):
        return {}
    mentors = await Mentor.all().select_related("team")
    current = await loads()
    return {r.id: rank(mentors, current, r.industry, r.county, limit) for r in requests if r.status == "submitted"}
