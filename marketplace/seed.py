"""Demo users with fresh API keys."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.auth import hash_api_key, new_api_key
from marketplace.db.models import Role, User

SEED_DOMAIN = "seed.ftw.example"


@dataclass(frozen=True)
class SeededUser:
    """A seeded user and the API key just issued to them."""

    id: int
    name: str
    email: str
    role: Role
    tier: str
    api_key: str


def _plan(homeowners: int, contractors: int) -> list[tuple[str, str, Role, str]]:
    plan = [("Operator", f"operator@{SEED_DOMAIN}", Role.OPERATOR, "operator")]
    plan += [
        (f"Homeowner {n}", f"homeowner{n}@{SEED_DOMAIN}", Role.HOMEOWNER, "authenticated")
        for n in range(1, homeowners + 1)
    ]
    plan += [
        (f"Contractor {n}", f"contractor{n}@{SEED_DOMAIN}", Role.CONTRACTOR, "pro")
        for n in range(1, contractors + 1)
    ]
    return plan


def seed_users(session: Session, homeowners: int = 3, contractors: int = 5) -> list[SeededUser]:
    """Create the demo users, or issue new keys to those that exist; keys are shown only here."""
    seeded: list[SeededUser] = []
    for name, email, role, tier in _plan(homeowners, contractors):
        api_key = new_api_key()
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(name=name, email=email, role=role, tier=tier)
            session.add(user)
        user.api_key_hash = hash_api_key(api_key)
        session.flush()
        seeded.append(SeededUser(user.id, user.name, email, role, user.tier, api_key))
    session.commit()
    return seeded
