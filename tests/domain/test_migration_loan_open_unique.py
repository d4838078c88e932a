"""Migration 0002: duplicates filed before the one-open-per-person rule are withdrawn, oldest kept."""
from __future__ import annotations

import sqlite3

import pytest

from chuangye.db import close_db, init_db, migrate
from orm_models import LoanApplication
from tests.support.builders import LOAN, make_id, make_users
from tests.support.migrations import sqlite_at


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_open_duplicates_from_before_the_rule_are_withdrawn_keeping_the_oldest(tmp_path, backend):
    from chuangye.pii import protect_id

    path, config = await sqlite_at(tmp_path, "0001_initial")
    await init_db(config)
    try:
        (user,) = await make_users(1)
        idn = protect_id(make_id())
        row = {**LOAN, "user_id": user.id, "id_enc": idn.enc, "id_hash": idn.hash, "id_masked": idn.masked,
               "phone_enc": "x", "phone_hash": "h", "phone_masked": "138****8000", "eligibility": "eligible"}
        oldest, newer, newest = [await LoanApplication.create(**row) for _ in range(3)]
        await LoanApplication.filter(id=newer.id).update(status="reviewing")
        other_product = await LoanApplication.create(**{**row, "product": "云岭创业贷"})
    finally:
        await close_db()
    await migrate(config)
    with sqlite3.connect(path) as db:
        status = dict(db.execute("SELECT id, status FROM loan_applications").fetchall())
        with pytest.raises(sqlite3.IntegrityError):
            db.execute("UPDATE loan_applications SET status = 'submitted' WHERE id = ?", (newer.id,))
    assert status == {oldest.id: "submitted", newer.id: "withdrawn", newest.id: "withdrawn",
                      other_product.id: "submitted"}
