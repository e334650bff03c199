"""Seed data: a believable demo business (SPEC §11)."""
