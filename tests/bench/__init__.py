"""`scripts/bench`: latency of the product's heaviest requests against the SQL beneath them (issue 5).

Not a test suite: nothing here is collected by pytest (no `test_` modules). Run it with
`scripts/bench [--quick] [--json PATH] [--postgres-url URL]`; see docs/performance.md.
"""
