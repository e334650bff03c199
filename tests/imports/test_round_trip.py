"""An export imports back unchanged (SPEC §7), formula-looking text included."""

import csv
import io
import json

from tests import factories

COLUMNS = ["number", "name", "alias", "email", "phone", "creditLimit", "priorSales", "billingAddress.city",
           "billingAddress.region", "billingAddress.country"]
FIELDS = "number name alias email phone creditLimit { amount } priorSales { amount } billingAddress { city region country }"


async def test_export_then_import__changes_nothing(api):
    # given: customers whose text would run as formulas in a spreadsheet
    await factories.customer(api.database, '=HYPERLINK("http://x")', alias="+1 Wholesale", email="a@example.com",
                             creditLimit="1500.50", priorSales="0.30",
                             billingAddress={"city": "-Minus", "region": "WI", "country": "US"})
    await factories.customer(api.database, "@Home Supply", phone="=1+1")
    before = await api.ok(f"{{ customers(first: 10) {{ edges {{ node {{ {FIELDS} version }} }} }} }}")
    headers = {"Authorization": f"Bearer {api.token}"}
    # when: export as CSV with the importer's own header names, then import that file
    exported = await api.client.get("/export/customers.csv", params={"columns": json.dumps(COLUMNS)},
                                    headers=headers)
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == COLUMNS
    assert any(cell.startswith("'=") for row in rows[1:] for cell in row)  # escaped on the way out
    imported = await api.client.post("/import/customers", content=exported.content,
                                     headers={**headers, "Content-Type": "text/csv"})
    # then: every customer is found by number and nothing changed, not even the version
    assert imported.status_code == 200, imported.json()
    assert imported.json()["created"] == 0 and imported.json()["errors"] == []
    after = await api.ok(f"{{ customers(first: 10) {{ edges {{ node {{ {FIELDS} version }} }} }} }}")
    assert after == before
