import json
async def test_scratch(api):
    for q, v in [
        ("mutation($i: CustomerInput!){ createCustomer(input: $i){ customer { number creditLimit { amount } } userErrors { field message code } } }", {"i": {"name": "A", "creditLimit": 0.1}}),
        ("mutation{ createCustomer(input: {name: \"A\", creditCode: BOGUS}){ customer { number } userErrors { field message code } } }", None),
        ("{ customers(first: 251) { totalCount } }", None),
        ("{ customers(first: 1) { edges { node { number aging { total { amount } } } } } }", None),
    ]:
        r = await api.post(q, v)
        print(r.status_code, r.headers.get("content-type"), json.dumps(r.json()))
