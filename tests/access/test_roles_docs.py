"""`docs/api.md` prints the policy table of `server/access/policy.py`: the doc cannot drift."""

from __future__ import annotations

from pathlib import Path

from server.access import policy

API_MD = Path(__file__).parents[2] / "docs" / "api.md"
START, END = "<!-- policy table: generated from server/access/policy.py -->\n", "<!-- end of policy table -->"


def test_docs_print_the_policy_table() -> None:
    text = API_MD.read_text()
    printed = text[text.index(START) + len(START):text.index(END)]
    assert printed == policy.markdown_table(), (
        "docs/api.md's table differs from server/access/policy.py: paste the output of "
        "`.venv/bin/python -c \"from server.access import policy; print(policy.markdown_table())\"`")


def test_every_role_has_a_cell_and_only_self_service_for_tokens() -> None:
    assert all(len(row) == len(policy.ROLES) for row in policy.TABLE.values())
    assert policy.access(None, "createCustomer") is policy.Access.NO  # nobody signed in: nothing
    assert {a for a, row in policy.TABLE.items() if row[0] is not policy.Access.YES} == {
        "saveListView", "deleteListView", "createApiToken"}  # an ADMIN may do everything else
