"""HTTP API: translates requests into Temporal calls and database reads."""
