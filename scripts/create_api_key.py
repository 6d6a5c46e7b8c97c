"""Create an API key in the configured database and print it once.

Usage: python -m scripts.create_api_key --role admin [--name NAME]

The database stores only the key's SHA-256 hash, so the printed key
cannot be shown again. stdout carries the key alone, which lets a shell
capture it: `KEY=$(python -m scripts.create_api_key --role backend)`.
"""

import argparse
import sys

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from api.auth import Role, create_api_key
from core.db import create_tables, get_engine


def create_key(engine: Engine, role: Role, name: str) -> str:
    """Create the tables if needed, then store a key and return it."""
    create_tables(engine)
    with Session(engine) as session:
        return create_api_key(session, role, name)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--role", required=True, choices=[role.value for role in Role],
        help="Role that the key grants. admin may call every endpoint.",
    )
    parser.add_argument(
        "--name", help="Label stored with the key (default: cli-<role>).",
    )
    args = parser.parse_args(argv)

    role = Role(args.role)
    name = args.name or f"cli-{role.value}"
    try:
        key = create_key(get_engine(), role, name)
    except OperationalError as error:
        # The URL is not echoed because it contains the password.
        sys.exit(f"creating the key failed: {error.orig}\n"
                 "check DATABASE_URL and that the database is running")

    print(key)
    print(f"created {role.value} key {name!r}. Store it now: it cannot be "
          "shown again.", file=sys.stderr)


if __name__ == "__main__":
    main()
