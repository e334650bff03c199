"""Every model, imported once so that the metadata (and Alembic) sees the whole graph."""

from server.access.models import (
    ApiToken,
    LoginFailure,
    RateBucket,
    Role,
    TokenScope,
    User,
    WebSession,
)
from server.audit.models import AuditEvent, AuditEventEntity
from server.customers.models import Contact, Customer, Location, PaymentTerms
from server.db.base import Base
from server.db.sequences import Sequence
from server.documents.models import Invoice, InvoiceLine, Item, Order, OrderLine
from server.leads.models import Lead, LeadProgram, LeadSource, LeadStateChange
from server.lists.models import ListView
from server.notes.models import Note, OutboxMail
from server.payments.models import Payment, PaymentApplication

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Base",
    "Contact",
    "Customer",
    "Invoice",
    "InvoiceLine",
    "Item",
    "Lead",
    "LeadProgram",
    "LeadSource",
    "LeadStateChange",
    "ListView",
    "Location",
    "Note",
    "Order",
    "OrderLine",
    "OutboxMail",
    "Payment",
    "PaymentApplication",
    "PaymentTerms",
    "Role",
    "Sequence",
    "TokenScope",
    "User",
    "LoginFailure",
    "RateBucket",
    "WebSession",
    "AuditEventEntity",
]
