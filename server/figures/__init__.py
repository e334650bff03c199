"""Derived figures (SPEC §4): set-based SQL for a whole page of customers at once."""
