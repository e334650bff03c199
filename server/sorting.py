"""Sort fields and directions of the lists, shared by the API, exports and saved views."""

import enum


class SortDirection(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"


class CustomerSortField(enum.Enum):
    NUMBER = "NUMBER"
    NAME = "NAME"
    LIFETIME_VALUE = "LIFETIME_VALUE"
    ORDER_COUNT = "ORDER_COUNT"
    ORDER_TOTAL = "ORDER_TOTAL"
    AVERAGE_ORDER_VALUE = "AVERAGE_ORDER_VALUE"
    LAST_ORDER_DATE = "LAST_ORDER_DATE"
    NEWEST_NOTE_AT = "NEWEST_NOTE_AT"
    CREATED_AT = "CREATED_AT"
    REGION = "REGION"


class InvoiceSortField(enum.Enum):
    INVOICE_DATE = "INVOICE_DATE"
    DUE_DATE = "DUE_DATE"
    NUMBER = "NUMBER"
    TOTAL_AMOUNT = "TOTAL_AMOUNT"
    BALANCE_DUE = "BALANCE_DUE"


class LeadSortField(enum.Enum):
    NUMBER = "NUMBER"
    CUSTOMER_NAME = "CUSTOMER_NAME"
    STATE = "STATE"
    PROBABILITY = "PROBABILITY"
    POTENTIAL_VALUE = "POTENTIAL_VALUE"
    ESTIMATED_CONVERSION_DATE = "ESTIMATED_CONVERSION_DATE"
    NEWEST_NOTE_AT = "NEWEST_NOTE_AT"
