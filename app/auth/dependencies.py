"""Who is calling: anonymous for reads, an API key (``Authorization: Bearer``) for writes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth.keys import Role, allows
from app.auth.service import Principal, authenticate
from app.db import DatabaseDep
from app.errors import Forbidden, Unauthorized

_bearer = HTTPBearer(auto_error=False, description="an API key from `syria-events keys create`")


async def optional_principal(
    request: Request,
    db: DatabaseDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """The caller's key when one is given (a bad key is a 401, never silently anonymous)."""
    if request.headers.get("authorization") and credentials is None:
        raise Unauthorized("Authorization must be 'Bearer <API key>'")
    if credentials is None:
        return None
    principal = await authenticate(db=db, key=credentials.credentials)
    request.state.principal = principal
    return principal


MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]


def require(role: Role) -> object:
    """A dependency that lets through keys of ``role`` or a higher one."""

    async def dependency(principal: MaybePrincipal) -> Principal:
        if principal is None:
            raise Unauthorized("this operation needs an API key: Authorization: Bearer <key>")
        if not allows(principal.role, role):
            raise Forbidden(
                f"this operation needs the {role.value} role; the key is {principal.role.value}"
            )
        return principal

    return Depends(dependency)


Analyst = Annotated[Principal, require(Role.analyst)]
Editor = Annotated[Principal, require(Role.editor)]
Admin = Annotated[Principal, require(Role.admin)]
