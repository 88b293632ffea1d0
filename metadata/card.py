"""A card's ERC-721 metadata JSON, as marketplaces (OpenSea) and wallets read it.

Fields: name, description (Japanese and English), image (`ipfs://<cid>` of
the rendered card), optional external_url, and attributes
[{trait_type, value}] — municipality, resident number, tier, issued and
expires (display_type "date", unix seconds), soulbound, plus the art traits
picked by rarity. The bytes are deterministic (sorted keys, UTF-8 without
ASCII escapes, no spaces), so the same card always has the same CID.

tokenURI points at the backend (`http://<backend>/metadata/<SYMBOL>/<id>`),
not at `ipfs://`: tier and expiry change on chain and must show at once. The
JSON served there is the current version; each version is also stored under
its own CID here, so it can be pinned and checked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from eth_utils import is_hex_address, to_checksum_address

from metadata.errors import CardDataError

JST = timezone(timedelta(hours=9), "JST")
DEFAULT_TIERS = ((0, "Basic", "ベーシック"), (1, "Premium", "プレミアム"))


@dataclass(frozen=True)
class CollectionInfo:
    """What a card image and its metadata need to know about the collection."""

    address: str
    name: str
    symbol: str
    municipality_ja: str
    municipality_en: str
    soulbound: bool
    external_url: str | None = None
    # (tier number, English, Japanese); tiers not listed show as "Tier N". A
    # mapping {tier: (English, Japanese)} is accepted too. Kept as a tuple so
    # the collection is hashable (renderers cache per collection).
    tier_names: tuple[tuple[int, str, str], ...] = DEFAULT_TIERS

    def __post_init__(self) -> None:
        if not isinstance(self.address, str) or not is_hex_address(self.address):
            raise CardDataError("collection.address", f"must be a 0x-prefixed 20-byte address (got {self.address!r})")
        object.__setattr__(self, "address", to_checksum_address(self.address))
        if isinstance(self.tier_names, dict):
            names = tuple((int(tier), str(en), str(ja)) for tier, (en, ja) in sorted(self.tier_names.items()))
            object.__setattr__(self, "tier_names", names)
        for name in ("name", "symbol", "municipality_ja", "municipality_en"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip():
                raise CardDataError(f"collection.{name}", "must not be empty")

    @classmethod
    def from_config(cls, config, address: str, external_url: str | None = None) -> "CollectionInfo":
        """From a collection config (backend.chain.deployments.CollectionConfig) and the deployed address."""
        return cls(address=address, name=config.collection.name, symbol=config.collection.symbol,
                   municipality_ja=config.municipality.name_ja, municipality_en=config.municipality.name_en,
                   soulbound=config.collection.policy == "soulbound", external_url=external_url)

    @classmethod
    def from_record(cls, record, name: str, external_url: str | None = None) -> "CollectionInfo":
        """From a deployment record (backend.chain.deployments.DeploymentRecord) and the collection's name()."""
        return cls(address=record.address, name=name, symbol=record.symbol,
                   municipality_ja=record.municipality_name_ja, municipality_en=record.municipality_name_en,
                   soulbound=record.soulbound, external_url=external_url)

    def tier_name(self, tier: int) -> tuple[str, str]:
        for number, english, japanese in self.tier_names:
            if number == tier:
                return english, japanese
        return f"Tier {tier}", f"ランク {tier}"


@dataclass(frozen=True)
class CardData:
    """A card as the chain records it (`cardOf`): no personal data."""

    token_id: int
    resident_number: int
    tier: int
    issued_at: int  # unix seconds
    expires_at: int  # unix seconds; 0 = never

    def __post_init__(self) -> None:
        for name in ("token_id", "resident_number", "tier", "issued_at", "expires_at"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise CardDataError(f"card.{name}", f"must be a whole number >= 0 (got {value!r})")
        if self.expires_at and self.expires_at <= self.issued_at:
            raise CardDataError("card.expires_at", f"{self.expires_at} is not after issued_at {self.issued_at}")


def jst_date(unix_seconds: int) -> str:
    """The calendar date in Japan, as printed on the card (YYYY.MM.DD)."""
    return datetime.fromtimestamp(unix_seconds, JST).strftime("%Y.%m.%d")


# The `Soulbound` trait's values, as wallets show them.
SOULBOUND_VALUES = {True: "Yes", False: "No"}


def card_seed(collection: CollectionInfo, card: CardData) -> str:
    """What the card art is derived from: the same resident keeps the same art when the card is re-issued."""
    return f"{collection.address.lower()}:{card.resident_number}"


def metadata_for(collection: CollectionInfo, card: CardData, image_cid: str,
                 art_traits: list[dict] | None = None) -> dict:
    """The metadata JSON object for `card`, its image being `image_cid`."""
    tier_en, tier_ja = collection.tier_name(card.tier)
    number = f"{card.resident_number:06d}"
    if collection.soulbound:
        ja_rule, en_rule = "譲渡できない（ソウルバウンド）カードです。", "It is soulbound: it cannot be transferred."
    else:
        ja_rule, en_rule = "譲渡できるカードです。", "It can be transferred."
    if card.expires_at:
        ja_valid = f"有効期限は {jst_date(card.expires_at)} です。"
        en_valid = f"Valid until {jst_date(card.expires_at)} (JST)."
    else:
        ja_valid, en_valid = "有効期限はありません。", "It does not expire."
    description = (
        f"{collection.municipality_ja}のデジタル住民カード（{tier_ja}）、住民番号 {number}。{ja_rule}{ja_valid}\n\n"
        f"Digital resident card of {collection.municipality_en} ({tier_en}), resident No. {number}. "
        f"{en_rule} {en_valid}")
    attributes = [
        {"trait_type": "Municipality", "value": collection.municipality_en},
        {"trait_type": "自治体", "value": collection.municipality_ja},
        {"trait_type": "Resident Number", "value": card.resident_number, "display_type": "number"},
        {"trait_type": "Tier", "value": tier_en},
        {"trait_type": "Issued", "value": card.issued_at, "display_type": "date"},
    ]
    if card.expires_at:
        attributes.append({"trait_type": "Expires", "value": card.expires_at, "display_type": "date"})
    # A string: marketplaces document trait values as strings or numbers (OpenSea shows a boolean as nothing).
    attributes.append({"trait_type": "Soulbound", "value": SOULBOUND_VALUES[collection.soulbound]})
    attributes.extend(art_traits or [])
    document = {
        "name": f"{collection.name} No. {number}",
        "description": description,
        "image": f"ipfs://{image_cid}",
        "attributes": attributes,
    }
    if collection.external_url:
        document["external_url"] = collection.external_url.replace("{id}", str(card.token_id))
    return document


def metadata_bytes(document: dict) -> bytes:
    """Deterministic JSON bytes: sorted keys, UTF-8 (Japanese unescaped), no spaces."""
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
