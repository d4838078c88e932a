"""What a staff member may see, as query filters: the one place that decides scoping.

- ``window`` staff: their window's appointments, their county's applications, masked personal data;
- ``county`` administrators: their county's windows and applications, full personal data on detail
  views and exports (every such view is audited);
- ``prefecture`` administrators: everything, full personal data likewise audited.

A record outside the scope is answered as "not found" (never "forbidden"), so ids of other
counties' records reveal nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from tortoise.queryset import QuerySet

from handlers.errors import NotFound
from orm_models import (Appointment, CarrierApplication, Event, EventRegistration, LoanApplication, StaffAccount,
                        TrainingApplication)

FULL_PII_ROLES = ("county", "prefecture")


@dataclass(frozen=True)
class Scope:
    staff_id: int
    role: str
    county: str | None
    window_id: int | None

    @classmethod
    def of(cls, staff: StaffAccount) -> "Scope":
        return cls(staff.id, staff.role, staff.county, staff.window_id)

    @property
    def everything(self) -> bool:
        return self.role == "prefecture"

    @property
    def full_pii(self) -> bool:
        """May see unmasked ID numbers and phone numbers (detail views and exports, audited)."""
        return self.role in FULL_PII_ROLES

    def appointments(self) -> QuerySet[Appointment]:
        if self.everything:
            return Appointment.all()
        if self.role == "window":
            return Appointment.filter(window_id=self.window_id or 0)
        return Appointment.filter(window__county=self.county or "")

    def loans(self) -> QuerySet[LoanApplication]:
        if self.everything:
            return LoanApplication.all()
        return LoanApplication.filter(county=self.county or "")

    def trainings(self) -> QuerySet[TrainingApplication]:
        if self.everything:
            return TrainingApplication.all()
        return TrainingApplication.filter(county=self.county or "")

    def carrier_applications(self) -> QuerySet[CarrierApplication]:
        """Applications to settle in, by the carrier's county (window staff: their county's, masked)."""
        if self.everything:
            return CarrierApplication.all()
        return CarrierApplication.filter(county=self.county or "")

    def events(self) -> QuerySet[Event]:
        """Events of the staff member's county (a window's staff: their window's county)."""
        if self.everything:
            return Event.all()
        return Event.filter(county=self.county or "")

    def event_registrations(self) -> QuerySet[EventRegistration]:
        if self.everything:
            return EventRegistration.all()
        return EventRegistration.filter(county=self.county or "")


async def get_in_scope(query: QuerySet, record_id: int, what: str):
    """The record with this id inside the scope's query, or NotFound naming what was looked for."""
    record = await query.filter(id=record_id).first()
    if record is None:
        raise NotFound(f"没有找到编号为 {record_id} 的{what}")
    return record
