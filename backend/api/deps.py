"""Dependencies every router shares: settings, a database session, the chain."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from backend.chain import Chain
from backend.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    """A session per request; the handler commits what it wants kept, the rest is rolled back."""
    with request.app.state.session_factory() as session:
        yield session


def get_chain(request: Request) -> Chain:
    return request.app.state.chain


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
ChainDep = Annotated[Chain, Depends(get_chain)]
