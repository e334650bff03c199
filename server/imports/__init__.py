"""Importing customers from CSV and XLSX files (SPEC §7)."""
