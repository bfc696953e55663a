"""API keys, callers and the role checks every route uses."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.db.models import ApiKeyGeneration, Role, User
from marketplace.db.session import Database
from marketplace.keycache import KeyCache, Principal
from marketplace.ratelimit import Tier

API_KEY_PREFIX = "ftw_"


def new_api_key() -> str:
    """Return a fresh random API key."""
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(api_key: str) -> str:
    """Return the digest stored in place of an API key."""
    return hashlib.sha256(api_key.encode()).hexdigest()


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Yield the request's database session, closed however the request ends."""
    async with request.app.state.services.database.request_session() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


@dataclass(frozen=True)
class Caller:
    """Who is making a request: a user, or an anonymous client identified by address."""

    user: Principal | None
    address: str

    @property
    def tier(self) -> Tier:
        """Return the rate-limit tier of the caller."""
        if self.user is None:
            return Tier.ANONYMOUS
        if self.user.role is Role.OPERATOR:
            return Tier.OPERATOR
        return Tier(self.user.tier)

    @property
    def identity(self) -> str:
        """Return the key rate limits count against."""
        return f"user:{self.user.id}" if self.user else f"ip:{self.address}"


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


async def users_generation(database: Database) -> int:
    """Return the count of changes to users the database keeps (0 before any)."""
    async with database.async_session() as session:
        generation = await session.scalar(
            select(ApiKeyGeneration.generation).where(ApiKeyGeneration.id == 1)
        )
        return int(generation or 0)


async def find_principal(database: Database, digest: str) -> Principal | None:
    """Return the user whose API key has `digest`, looked up in the database."""
    async with database.async_session() as session:
        user = await session.scalar(select(User).where(User.api_key_hash == digest))
        return Principal.of(user) if user is not None else None


async def identify_caller(request: Request) -> Caller:
    """Resolve the bearer API key, if any; an unknown key is a 401, no key is anonymous.

    Known keys are cached in process: a repeat caller costs no query.
    """
    address = request.client.host if request.client else "unknown"
    header = request.headers.get("authorization")
    if header is None:
        return Caller(None, address)
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("the Authorization header must be 'Bearer <api key>'")
    digest = hash_api_key(token.strip())
    services = request.app.state.services
    cache: KeyCache = services.key_cache
    if cache.claim_check():
        cache.observe(await users_generation(services.database))
    principal = cache.get(digest)
    if principal is None:
        principal = await find_principal(services.database, digest)
        if principal is None:
            raise _unauthorized("the API key is not valid")
        cache.put(digest, principal)
    return Caller(principal, address)


CallerDep = Annotated[Caller, Depends(identify_caller)]


async def require_user(caller: CallerDep) -> Principal:
    """Return the authenticated user, or answer 401.

    Async because it does no I/O: a sync dependency would cost a thread hop per request.
    """
    if caller.user is None:
        raise _unauthorized("this endpoint needs an API key: send 'Authorization: Bearer <key>'")
    return caller.user


UserDep = Annotated[Principal, Depends(require_user)]


def require_role(user: Principal, *roles: Role, action: str) -> None:
    """Answer 403 unless `user` has one of `roles`."""
    if user.role not in roles:
        allowed = " or ".join(f"{role.value}s" for role in roles)
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail=f"only {allowed} can {action}; you are a {user.role}"
        )


def forbid(detail: str) -> HTTPException:
    """Return a 403 with `detail`."""
    return HTTPException(status.HTTP_403_FORBIDDEN, detail=detail)


def not_found(kind: str, ident: int) -> HTTPException:
    """Return a 404 naming what is missing."""
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"{kind} {ident} does not exist")


def conflict(detail: str) -> HTTPException:
    """Return a 409 with `detail`."""
    return HTTPException(status.HTTP_409_CONFLICT, detail=detail)
