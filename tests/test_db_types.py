"""Column types of server/db/base.py: SQLite's text back to the values written."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from server.db.base import UTCDateTime, as_utc, aware

PROCESS = UTCDateTime().result_processor(sqlite.dialect(), None)


def reference(value):
    """What the processor must give: the text parsed, labelled UTC."""
    return None if value is None else (dt.datetime.fromisoformat(value) if isinstance(value, str)
                                       else value).replace(tzinfo=dt.UTC)


@given(st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)),
       st.sampled_from([" ", "T"]), st.sampled_from(["auto", "seconds", "milliseconds", "microseconds"]))
def test_utc_datetime__stored_text_read_back_aware_and_equal(value, sep, timespec):
    text = value.isoformat(sep=sep, timespec=timespec)
    read = PROCESS(text)
    assert read == reference(text) and read.tzinfo is dt.UTC
    assert read.replace(tzinfo=None) == dt.datetime.fromisoformat(text)


def test_utc_datetime__other_texts_and_values_as_before():
    for value in ["2024-03-05 12:34:56+02:00", "2024-03-05", "2024-03-05T12:34:56Z", None,
                  dt.datetime(2024, 3, 5, 12, 34, 56)]:
        assert PROCESS(value) == reference(value)


@given(st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)))
def test_utc_datetime__a_driver_datetime_labelled_utc(value):
    # PostgreSQL's driver hands back naive datetimes (the column has no zone)
    read = UTCDateTime().process_result_value(value, None)
    assert read == value.replace(tzinfo=dt.UTC) and read.tzinfo is dt.UTC and read.fold == value.fold
    assert as_utc(value) == read and aware(value) == read and aware(value.isoformat()) == read
