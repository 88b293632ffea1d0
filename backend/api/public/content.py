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
from backend.errors import ApiError, ChainError
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


def _card_not_found(symbol: str, token: str) -> ApiError:
    return ApiError(404, "card_not_found", f"No card {token[:80]!r} in collection {symbol[:40]!r}.",
                    f"コレクション {symbol[:40]!r} にカード {token[:80]!r} はありません。")


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
        raise ApiError(404, "collection_not_found", f"No collection with the symbol {symbol[:40]!r}.",
                       f"シンボル {symbol[:40]!r} のコレクションはありません。")
    card = card_by_token(session, collection.id, int(token_id))
    if card is None:
        raise _card_not_found(symbol, token_id)
    if card.status != ACTIVE:
        raise ApiError(404, "card_burned", f"Card {card.token_id} of {symbol} no longer exists ({card.status}).",
                       f"{symbol} のカード {card.token_id} は存在しません（{card.status}）。", card_status=card.status)
    try:
        published = content.published(collection, card)
    except ChainError as exc:
        raise ApiError(503, "chain_unavailable", "The chain cannot be reached to read the collection; try again.",
                       "チェーンに接続できません。しばらくしてから再試行してください。", reason=exc.reason[:200]) from exc
    etag = f'"{published.entry.metadata_cid}"'
    headers = {"Cache-Control": METADATA_CACHE, "ETag": etag, "Access-Control-Allow-Origin": "*"}
    return _conditional(request, etag, headers) or Response(metadata_bytes(published.document),
                                                            media_type="application/json", headers=headers)


def _ipfs_response(cid: str, store, request: Request, *, body: bool) -> Response:
    try:
        size, media_type, pieces = open_content(store, cid)
    except InvalidCidError as exc:
        raise ApiError(400, "invalid_cid", f"Not a usable CID: {exc.reason[:200]}",
                       f"CID が正しくありません（CIDv1・base32・sha2-256 のみ）: {exc.reason[:200]}") from None
    except ContentNotFoundError:
        raise ApiError(404, "content_not_found", f"{cid} is not stored here.",
                       f"{cid} はここに保存されていません。") from None
    except CorruptBlockError as exc:
        raise ApiError(500, "content_corrupt", f"The stored copy of {cid} is damaged; it must be stored again.",
                       f"{cid} の保存データが破損しています。再保存が必要です。") from exc
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
