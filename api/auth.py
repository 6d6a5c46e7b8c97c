"""API keys and roles.

Keys are random tokens sent as `Authorization: Bearer <key>`; the
database stores only their SHA-256 hash. Each endpoint names the roles
that may call it; `admin` may call every endpoint.
"""

import hashlib
import secrets
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from api.problems import ApiProblem
from models.tables import ApiKey


class Role(StrEnum):
    BACKEND = "backend"
    """Systems that create and read orders."""
    OPERATOR = "operator"
    """Staff who hold, release and cancel orders."""
    SUPPORT = "support"
    """Staff who read orders and their workflow history."""
    WAREHOUSE = "warehouse"
    """Staff who confirm pick and pack."""
    ADMIN = "admin"
    """Everything, including catalog and stock administration."""


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(session: Session, role: Role, name: str) -> str:
    """Store a new key for `role` and return it; it is never shown again."""
    key = f"oms_{role.value}_{secrets.token_urlsafe(24)}"
    session.add(ApiKey(key_hash=hash_key(key), name=name, role=role.value))
    session.commit()
    return key


def _authenticate(request: Request) -> Role:
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if header and scheme.lower() != "bearer":
        raise ApiProblem(
            401, "unauthenticated",
            f"authorization scheme {scheme!r} is not supported; send "
            "`Authorization: Bearer <key>`",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not key.strip():
        raise ApiProblem(
            401, "unauthenticated",
            "missing API key; send the header `Authorization: Bearer <key>`",
            headers={"WWW-Authenticate": "Bearer"},
        )
    with Session(request.app.state.engine) as session:
        record = session.get(ApiKey, hash_key(key.strip()))
    if record is None or record.revoked:
        raise ApiProblem(
            401, "invalid_api_key",
            "the API key is unknown or revoked; ask an admin for a valid key",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Role(record.role)


def require(*roles: Role):
    """Build a dependency that admits the given roles and admin."""
    allowed = {*roles, Role.ADMIN}

    def check(request: Request) -> Role:
        role = _authenticate(request)
        if role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise ApiProblem(
                403, "forbidden",
                f"role {role.value} may not call this endpoint; it needs one of: {names}",
            )
        return role

    return check


ReadOrders = Annotated[Role, Depends(require(Role.BACKEND, Role.SUPPORT, Role.OPERATOR))]
WriteOrders = Annotated[Role, Depends(require(Role.BACKEND))]
OperateOrders = Annotated[Role, Depends(require(Role.OPERATOR))]
ReadHistory = Annotated[Role, Depends(require(Role.SUPPORT, Role.OPERATOR))]
DecideReturns = Annotated[Role, Depends(require(Role.SUPPORT, Role.OPERATOR))]
ConfirmWarehouse = Annotated[Role, Depends(require(Role.WAREHOUSE, Role.OPERATOR))]
Administer = Annotated[Role, Depends(require())]
