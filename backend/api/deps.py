"""Dependencies every router shares: settings, a database session, the chain."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from backend.chain.client import Chain
from backend.errors import ApiError
from backend.chain.issuer import Issuer
from backend.settings import Settings


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    """A session per request; the handler commits what it wants kept, the rest is rolled back."""
    with request.app.state.session_factory() as session:
        yield session


def get_chain(request: Request) -> Chain:
    return request.app.state.chain


def get_issuer(request: Request) -> Issuer:
    """The backend's transaction signer; 503 with what to configure when there is none."""
    issuer = request.app.state.issuer
    if issuer is None:
        raise ApiError(503, "issuer_not_configured",
                       "This needs the municipality's issuer key: set RESIDENT_ISSUER_KEY on the server.",
                       "発行者の鍵が設定されていません。サーバーに RESIDENT_ISSUER_KEY を設定してください。")
    return issuer


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
ChainDep = Annotated[Chain, Depends(get_chain)]
IssuerDep = Annotated[Issuer, Depends(get_issuer)]
