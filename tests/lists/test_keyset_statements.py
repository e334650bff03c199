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


def test_the_customer_list__one_statement_per_filter_shape():
    from server.customers.listing import CustomerFilter, filter_form, sorted_statement
    from server.customers.models import CreditCode
    from server.sorting import CustomerSortField
    # given: two filters of the same shape with different values, and one of another shape
    one, one_values = filter_form(CustomerFilter(search="acme", credit_codes=[CreditCode.CURRENT_ACCOUNT]))
    two, two_values = filter_form(CustomerFilter(search="grove", credit_codes=[CreditCode.CURRENT_ACCOUNT, CreditCode.CREDIT_HOLD]))
    other, _ = filter_form(CustomerFilter(search="acme"))
    order = ((CustomerSortField.LIFETIME_VALUE, SortDirection.DESC),)
    # then: the same statement for the same shape; the values are parameters
    assert one == two and one != other
    assert sorted_statement(one, order)[0] is sorted_statement(two, order)[0]
    assert sorted_statement(other, order)[0] is not sorted_statement(one, order)[0]
    assert one_values == {"filter_search": "%acme%", "filter_credit_codes": [CreditCode.CURRENT_ACCOUNT]}
    assert two_values["filter_credit_codes"] == [CreditCode.CURRENT_ACCOUNT, CreditCode.CREDIT_HOLD]
