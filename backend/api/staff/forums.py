"""A municipality's Discourse forums: register one (with its own DiscourseConnect secret, shown once), list
them, rotate a secret. A forum belongs to the municipality of its collection; others can neither see nor
overwrite it."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError

from backend.api.deps import Admin, SessionDep, SettingsDep, Viewer
from backend.auth.errors import NotFound
from backend.db.models_access import Forum
from backend.db.models_chain import Collection
from backend.db.session import write_transaction
from backend.forum import (
    MAX_TIER, forum_of_municipality, forums_of, group_names, register_forum, rotate_secret,
)

router = APIRouter(prefix="/staff", tags=["staff"])


class ForumIn(BaseModel):
    collection_id: int
    url: str = Field(max_length=500, description="The forum's base URL, e.g. https://forum.city.example.jp")
    name: str = Field(default="", max_length=200)
    # Longer than any name Discourse takes, so a too-long prefix meets the refusal that says how long it may be.
    group_prefix: str | None = Field(default=None, max_length=100,
                                     description="Discourse groups <prefix>_holders and <prefix>_tier_<n> (each at "
                                                 "most 20 characters); default: the collection's symbol")
    max_tier: int = Field(default=1, ge=0, le=MAX_TIER)


class ForumOut(BaseModel):
    id: int
    collection_id: int
    url: str
    name: str
    group_prefix: str
    max_tier: int
    groups: list[str] = Field(description="The groups to create in Discourse")
    sso_url: str = Field(description="Set Discourse's discourse_connect_url to this")
    has_secret: bool = Field(description="False for a forum that needs its secret rotated before anyone signs in")
    secret_set_at: int | None


class ForumWithSecretOut(ForumOut):
    secret: str | None = Field(description="Shown once: set Discourse's discourse_connect_secret to it (null when "
                                           "an existing forum was updated: its secret stays)")


def _forum_out(forum: Forum, settings) -> ForumOut:
    return ForumOut(id=forum.id, collection_id=forum.collection_id, url=forum.url, name=forum.name,
                    group_prefix=forum.group_prefix, max_tier=forum.max_tier,
                    groups=group_names(forum.group_prefix, forum.max_tier),
                    sso_url=f"{settings.public_url.rstrip('/')}/forum/sso", has_secret=bool(forum.sso_secret),
                    secret_set_at=forum.secret_set_at)


def _with_secret(forum: Forum, secret: str | None, settings) -> ForumWithSecretOut:
    return ForumWithSecretOut(**_forum_out(forum, settings).model_dump(), secret=secret)


@router.get("/municipalities/{municipality_id}/forums", response_model=list[ForumOut],
            summary="The municipality's Discourse forums")
def list_forums(municipality_id: int, db: SessionDep, settings: SettingsDep, _: Viewer) -> list[ForumOut]:
    """Forums that let holders of this municipality's cards in (never their secrets)."""
    return [_forum_out(forum, settings) for forum in forums_of(db, municipality_id)]


@router.post("/municipalities/{municipality_id}/forums", response_model=ForumWithSecretOut,
             summary="Register a Discourse forum")
def create_forum(municipality_id: int, body: ForumIn, db: SessionDep, settings: SettingsDep,
                 _: Admin) -> ForumWithSecretOut:
    """Let holders of a valid card of `collection_id` into the Discourse forum at `url` (admin). A new forum
    gets its own DiscourseConnect secret, in this answer only; registering this municipality's forum again
    updates it. Another municipality's forum is refused (409)."""
    write_transaction(db)
    collection = db.get(Collection, body.collection_id)
    if collection is None or collection.municipality_id != municipality_id:
        raise NotFound("collection_in_municipality", collection_id=body.collection_id,
                       municipality_id=municipality_id)
    def register():
        return register_forum(db, body.collection_id, body.url, sealing_key=settings.sealing_key, name=body.name,
                              group_prefix=body.group_prefix, max_tier=body.max_tier)

    try:
        registered = register()
        db.commit()
    except IntegrityError:
        # The same URL registered by another request at this moment (PostgreSQL takes no write lock here): once
        # more, this request finds that forum and is answered as for any registered one.
        db.rollback()
        write_transaction(db)
        registered = register()
        db.commit()
    return _with_secret(registered.forum, registered.secret, settings)


@router.post("/municipalities/{municipality_id}/forums/{forum_id}/secret", response_model=ForumWithSecretOut,
             summary="Rotate a forum's DiscourseConnect secret")
def rotate_forum_secret(municipality_id: int, forum_id: int, db: SessionDep, settings: SettingsDep,
                        _: Admin) -> ForumWithSecretOut:
    """A new secret, in this answer only; the old one stops working at once, so paste the new one into
    Discourse straight away (admin)."""
    write_transaction(db)
    forum = forum_of_municipality(db, municipality_id, forum_id)
    secret = rotate_secret(db, forum, sealing_key=settings.sealing_key)
    db.commit()
    return _with_secret(forum, secret, settings)
