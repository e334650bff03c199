"""Keyset pages are one statement per shape (server/pagination.py `keyset_select`): the cursor's
values and the page size are bind parameters, so a list built once per shape (the lead list)
is paged by the same statement object on every request, which SQLite then runs prepared."""

from sqlalchemy import select

from server.customers.models import Customer
from server.listing import leads
from server.pagination import SortKey, encode_cursor, keyset_select
from server.sorting import LeadSortField, SortDirection


def test_the_same_form__the_same_statement_with_new_parameters():
    # given: the lead list's statement (built once per shape), newest note first
    stmt, keys, _key_of, values = leads({"open": True}, [(LeadSortField.NEWEST_NOTE_AT, SortDirection.DESC)])
    id_column = stmt.selected_columns.id
    # when: two pages after different cursors of the same form, and the first page
    first, first_params = keyset_select(stmt, keys, id_column, size=50, backwards=False, after=None, before=None)
    a, a_params = keyset_select(stmt, keys, id_column, size=50, backwards=False,
                                after=encode_cursor(["2026-01-02T03:04:05+00:00", 7]), before=None)
    b, b_params = keyset_select(stmt, keys, id_column, size=10, backwards=False,
                                after=encode_cursor(["2025-12-31T00:00:00+00:00", 9]), before=None)
    # then
    assert a is b and a is not first
    assert first_params == {"page_limit": 51}
    assert a_params == {"page_limit": 51, "page_after_0": "2026-01-02T03:04:05+00:00", "page_after_1": 7}
    assert b_params["page_limit"] == 11 and b_params["page_after_1"] == 9
    assert leads({"open": True}, [(LeadSortField.NEWEST_NOTE_AT, SortDirection.DESC)])[0] is stmt


def test_a_null_in_the_cursor__another_form():
    stmt = select(Customer.__table__)
    keys = [SortKey(Customer.alias)]  # nullable
    with_value, params = keyset_select(stmt, keys, Customer.id, size=5, backwards=False,
                                       after=encode_cursor(["A", 3]), before=None)
    with_null, null_params = keyset_select(stmt, keys, Customer.id, size=5, backwards=False,
                                           after=encode_cursor([None, 3]), before=None)
    backwards, _ = keyset_select(stmt, keys, Customer.id, size=5, backwards=True, after=None,
                                 before=encode_cursor(["A", 3]))
    assert len({id(with_value), id(with_null), id(backwards)}) == 3
    assert params == {"page_limit": 6, "page_after_0": "A", "page_after_1": 3}
    assert null_params == {"page_limit": 6, "page_after_1": 3}
