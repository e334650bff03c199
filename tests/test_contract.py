"""The served schema keeps the contract, and schema/schema.graphql is its current print."""

import os
from pathlib import Path

from graphql import build_schema, find_breaking_changes

from schema import PRINTED, printed_schema


def _contract() -> Path:
    """The contract beside the checkout (../shared), or where CLIENTELE_CONTRACT points."""
    if os.environ.get("CLIENTELE_CONTRACT"):
        return Path(os.environ["CLIENTELE_CONTRACT"])
    for folder in Path(__file__).resolve().parents:
        candidate = folder / "shared" / "contract" / "schema.graphql"
        if candidate.exists():
            return candidate
    raise FileNotFoundError("no shared/contract/schema.graphql beside the checkout: set CLIENTELE_CONTRACT")


CONTRACT = _contract()


def test_served_schema_keeps_the_contract():
    # given
    contract = build_schema(CONTRACT.read_text())
    # when
    changes = find_breaking_changes(contract, build_schema(printed_schema()))
    # then
    assert [c.description for c in changes] == []


def test_printed_schema_is_current():
    assert PRINTED.read_text() == printed_schema(), "run: clientele export-schema > schema/schema.graphql"


async def test_schema_file_is_served(api):
    response = await api.client.get("/schema.graphql")
    assert response.status_code == 200
    assert response.text == printed_schema()
