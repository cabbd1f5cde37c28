"""Privacy: retention periods and their purge, a visitor's rights, and the end of a contract."""
