"""Workflow definitions: orchestration only, no I/O and no database."""
