"""Exports of the lists (SPEC §7): customers, leads, locations and a customer's invoices as XLSX
or CSV, with the lists' filter, sort and columns, streamed in batches."""
