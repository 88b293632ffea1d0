"""Who is acting in a unit of work, carried on the db Session as `session.info["actor"]`.

The HTTP layer's sign-in dependencies put it there (backend/api/deps.py): a Session, unlike a contextvar,
is the same object in the dependency that resolves the staff member and in the endpoint that changes data
(FastAPI runs sync dependencies and endpoints in different threadpool calls). Work that opens sessions of
its own gets a factory whose sessions carry the same actor (`acting_sessions`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

KEY = "actor"


@dataclass(frozen=True)
class Actor:
    kind: str  # "staff", "venue" or "system" (backend.db.models_audit.ACTOR_KINDS)
    id: int | None
    name: str  # username or venue login, as it was at the time
    client_address: str | None = None
    route: str | None = None  # "PATCH /staff/perks/{perk_id}"
    # The `{municipality_id}` of the route, if any: the scope of a changed object that has none of its own.
    municipality_id: int | None = None


SYSTEM = Actor("system", None, "system")


def actor_of(session: Session) -> Actor | None:
    return session.info.get(KEY)


def act_as(session: Session, actor: Actor) -> None:
    session.info[KEY] = actor


class ActingSessions:
    """A session factory whose sessions carry the actor that `info` holds when each session is opened.

    `info` is the request session's info dict: read at call time, so the order in which a route's
    dependencies were resolved does not matter.
    """

    def __init__(self, factory: sessionmaker[Session], info: dict) -> None:
        self.factory = factory
        self.info = info

    def __call__(self, **kw) -> Session:
        session = self.factory(**kw)
        actor = self.info.get(KEY)
        if actor is not None:
            session.info[KEY] = actor
        return session
