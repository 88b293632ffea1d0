"""Public content routes: tokenURI metadata (live from the index) and content-addressed files (/ipfs/{cid})."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from backend.api.deps import ContentDep, SessionDep, SettingsDep
from backend.cards import card_by_token
from backend.content import collection_by_symbol, open_content
from backend.db.models_chain import ACTIVE
from backend.errors import ChainError, Refusal
from backend.messages import texts
from backend.messages.entry import NOT_FOUND
from metadata.card import metadata_bytes
from metadata.errors import ContentNotFoundError, CorruptBlockError, InvalidCidError

router = APIRouter(tags=["public"])


METADATA_CACHE = "public, max-age=60"  # tier, expiry and status change on chain: wallets re-read soon


IMMUTABLE_CACHE = "public, max-age=31536000, immutable"  # a CID names exactly one content


MAX_TOKEN_ID = 2**63 - 1  # the index stores token ids as BIGINT; a larger one cannot be a card here


ERROR_RESPONSES = {404: {"description": "No such collection or card, or the card was burned (JSON error)"}}


class Attribute(BaseModel):
    trait_type: str
    value: Any
    display_type: str | None = None


class CardMetadata(BaseModel):
    """ERC-721 metadata JSON (the fields OpenSea and wallets read)."""

    name: str
    description: str = Field(description="Japanese, then English")
    image: str = Field(description="ipfs://<CIDv1> of the card image; also served at /ipfs/<CID>")
    attributes: list[Attribute]
    external_url: str | None = None


def _card_not_found(symbol: str, token: str) -> Refusal:
    return Refusal("card_not_found", detail="card_in_collection", collection_id=symbol[:40], token_id=token[:80])


def _conditional(request: Request, etag: str, headers: dict[str, str]) -> Response | None:
    """304 when the client already has this version (If-None-Match)."""
    wanted = request.headers.get("if-none-match", "")
    if wanted and (wanted.strip() == "*" or etag in (tag.strip().removeprefix("W/") for tag in wanted.split(","))):
        return Response(status_code=304, headers=headers)
    return None


@router.get("/metadata/{symbol}/{token_id}", response_model=CardMetadata, responses=ERROR_RESPONSES,
            summary="A card's ERC-721 metadata (tokenURI)")
def read_metadata(symbol: str, token_id: str, request: Request, session: SessionDep,
                  settings: SettingsDep, content: ContentDep) -> Response:
    """What the collection's `tokenURI(id)` points at: the card's metadata JSON, built from its indexed state
    (tier, expiry), so a change on chain shows as soon as it is indexed. `image` is the IPFS CID of the card
    image rendered for that state. Revoked, opted-out and re-issued (burned) cards answer 404. The body is the
    exact bytes stored under the ETag's CID."""
    if not (token_id.isascii() and token_id.isdigit() and int(token_id) <= MAX_TOKEN_ID):
        raise _card_not_found(symbol, token_id)
    collection = None
    if len(symbol) <= 64 and symbol.isprintable():  # PostgreSQL refuses NUL in text; no symbol is that long
        collection = collection_by_symbol(session, settings.chain_id, symbol)
    if collection is None:
        raise Refusal("collection_not_found", collection_id=symbol[:40])
    card = card_by_token(session, collection.id, int(token_id))
    if card is None:
        raise _card_not_found(symbol, token_id)
    if card.status != ACTIVE:
        # "card_burned" is the code for every card that is gone (a perk verdict elsewhere); the text names its status.
        said = texts("card_gone", symbol=symbol, token_id=card.token_id, card_status=card.status)
        raise Refusal.again({"code": "card_burned", "message_en": said.en, "message_ja": said.ja}, as_kind=NOT_FOUND,
                            card_status=card.status)
    try:
        published = content.published(collection, card)
    except ChainError as exc:
        raise Refusal("chain_unavailable", extra={"reason": exc.reason[:200]}) from exc
    etag = f'"{published.entry.metadata_cid}"'
    headers = {"Cache-Control": METADATA_CACHE, "ETag": etag, "Access-Control-Allow-Origin": "*"}
    return _conditional(request, etag, headers) or Response(metadata_bytes(published.document),
                                                            media_type="application/json", headers=headers)


def _ipfs_response(cid: str, store, request: Request, *, body: bool) -> Response:
    try:
        size, media_type, pieces = open_content(store, cid)
    except InvalidCidError as exc:
        raise Refusal("invalid_cid", reason=exc.reason[:200]) from None
    except ContentNotFoundError:
        raise Refusal("content_not_found", cid=cid) from None
    except CorruptBlockError as exc:
        raise Refusal("content_corrupt", cid=cid) from exc
    etag = f'"{cid}"'
    headers = {"Cache-Control": IMMUTABLE_CACHE, "ETag": etag, "Access-Control-Allow-Origin": "*",
               # Stored files are served as what they are, never as a page of this origin.
               "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"}
    not_modified = _conditional(request, etag, headers)
    if not_modified is not None:
        pieces.close()
        return not_modified
    headers["Content-Length"] = str(size)
    if not body:
        pieces.close()
        return Response(status_code=200, media_type=media_type, headers=headers)
    return StreamingResponse(pieces, media_type=media_type, headers=headers)


IPFS_DOC = ("A stored file by its IPFS CID (CIDv1, base32, as `ipfs add --cid-version=1 --raw-leaves` prints): "
            "card images and metadata versions. Immutable: cached for a year; the ETag is the CID. "
            "400 for a text that is not such a CID, 404 when it is not stored here.")


IPFS_RESPONSES = {200: {"content": {"image/png": {}, "application/json": {}, "application/octet-stream": {}},
                        "description": "The file's bytes"},
                  304: {"description": "Not modified (If-None-Match had the CID)"},
                  400: {"description": "Not a usable CID (JSON error)"},
                  404: {"description": "Not stored here (JSON error)"}}


@router.get("/ipfs/{cid}", response_class=Response, responses=IPFS_RESPONSES, summary="A stored file by CID",
            description=IPFS_DOC)
def read_ipfs(cid: str, request: Request, content: ContentDep) -> Response:
    """A stored file's bytes."""
    return _ipfs_response(cid, content.store, request, body=True)


@router.head("/ipfs/{cid}", response_class=Response, responses=IPFS_RESPONSES,
             summary="A stored file's headers by CID", description=IPFS_DOC)
def head_ipfs(cid: str, request: Request, content: ContentDep) -> Response:
    """A stored file's headers."""
    return _ipfs_response(cid, content.store, request, body=False)
