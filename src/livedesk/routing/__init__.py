"""Pure routing domain: opening hours, assignment policy, routing engine and wait estimates.

Nothing in this package does I/O; a database-backed router drives it (see docs/routing.md).
"""
