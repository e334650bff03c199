"""The contract's enums, each the domain's own Python enum exposed by member name."""

import strawberry

from server.access.models import Role, TokenScope
from server.customers.models import BillingStatus, CreditCode, CustomerStatus, TermsBasis
from server.documents.models import (
    InvoiceClassification,
    InvoiceStatus,
    LineType,
    OrderClassification,
    OrderStatus,
)
from server.figures.customer_list import Engagement
from server.figures.history import HistoryRole
from server.leads.models import LeadState
from server.lists.models import ListKind
from server.notes.models import NoteType
from server.payments.models import PaymentStatus, PaymentStyle
from server.sorting import CustomerSortField, InvoiceSortField, LeadSortField, SortDirection

RoleEnum = strawberry.enum(Role, name="Role")
TokenScopeEnum = strawberry.enum(TokenScope, name="TokenScope")
CustomerStatusEnum = strawberry.enum(CustomerStatus, name="CustomerStatus")
CreditCodeEnum = strawberry.enum(CreditCode, name="CreditCode")
BillingStatusEnum = strawberry.enum(BillingStatus, name="BillingStatus")
TermsBasisEnum = strawberry.enum(TermsBasis, name="TermsBasis")
HistoryRoleEnum = strawberry.enum(HistoryRole, name="HistoryRole")
LineTypeEnum = strawberry.enum(LineType, name="LineType")
OrderStatusEnum = strawberry.enum(OrderStatus, name="OrderStatus")
OrderClassificationEnum = strawberry.enum(OrderClassification, name="OrderClassification")
InvoiceClassificationEnum = strawberry.enum(InvoiceClassification, name="InvoiceClassification")
InvoiceStatusEnum = strawberry.enum(InvoiceStatus, name="InvoiceStatus")
PaymentStyleEnum = strawberry.enum(PaymentStyle, name="PaymentStyle")
PaymentStatusEnum = strawberry.enum(PaymentStatus, name="PaymentStatus")
NoteTypeEnum = strawberry.enum(NoteType, name="NoteType")
LeadStateEnum = strawberry.enum(LeadState, name="LeadState")
ListKindEnum = strawberry.enum(ListKind, name="ListKind")
CustomerSortFieldEnum = strawberry.enum(CustomerSortField, name="CustomerSortField")
InvoiceSortFieldEnum = strawberry.enum(InvoiceSortField, name="InvoiceSortField")
LeadSortFieldEnum = strawberry.enum(LeadSortField, name="LeadSortField")
SortDirectionEnum = strawberry.enum(SortDirection, name="SortDirection")

EngagementEnum = strawberry.enum(Engagement, name="Engagement")
