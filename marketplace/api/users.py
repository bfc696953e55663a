"""Users: operators register homeowners and contractors; everyone can read themselves."""

from __future__ import annotations

from fastapi import APIRouter, Depends, status
from sqlalchemy.exc import IntegrityError

from marketplace.api.deps import enforce_rate_limit
from marketplace.api.errors import AUTH_ERRORS, CONFLICT
from marketplace.api.schemas import UserCreate, UserCreated, UserOut
from marketplace.auth import SessionDep, UserDep, conflict, hash_api_key, new_api_key, require_role
from marketplace.db.models import Role, User
from marketplace.keycache import Principal

router = APIRouter(
    prefix="/api",
    tags=["users"],
    dependencies=[Depends(enforce_rate_limit)],
    responses=AUTH_ERRORS,
)


@router.post(
    "/users", status_code=status.HTTP_201_CREATED, response_model=UserCreated, responses=CONFLICT
)
async def create_user(body: UserCreate, user: UserDep, session: SessionDep) -> UserCreated:
    """Register a homeowner or contractor and return their API key, shown only once."""
    require_role(user, Role.OPERATOR, action="register users")
    api_key = new_api_key()
    created = User(
        name=body.name,
        email=body.email,
        role=Role(body.role),
        tier=body.tier,
        api_key_hash=hash_api_key(api_key),
    )
    session.add(created)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise conflict(f"a user with email {body.email} already exists") from None
    return UserCreated(user=UserOut.model_validate(created), api_key=api_key)


@router.get("/me", response_model=UserOut)
async def me(user: UserDep) -> Principal:
    """Return the caller."""
    return user
