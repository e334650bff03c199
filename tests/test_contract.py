"""The served schema keeps the contract, and schema/schema.graphql is its current print."""

import os
from pathlib import Path

import pytest
from graphql import build_schema, find_breaking_changes

from schema import PRINTED, printed_schema


# A copy of the contract, for a checkout without the shared folder beside it (a clean clone
# elsewhere); test_contract_copy_is_current keeps it equal to the shared one where both exist.
COPY = Path(__file__).parent / "contract.graphql"


def _shared_contract() -> Path | None:
    """The contract where CLIENTELE_CONTRACT points, or beside the checkout (../shared)."""
    if os.environ.get("CLIENTELE_CONTRACT"):
        return Path(os.environ["CLIENTELE_CONTRACT"])
    for folder in Path(__file__).resolve().parents:
        candidate = folder / "shared" / "contract" / "schema.graphql"
        if candidate.exists():
            return candidate
    return None


SHARED = _shared_contract()
CONTRACT = SHARED or COPY


def test_contract_copy_is_current():
    if SHARED is None:
        pytest.skip("no shared contract beside the checkout: the copy in tests/ is what is checked")
    assert COPY.read_text() == SHARED.read_text(), "copy the shared contract to tests/contract.graphql"


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
