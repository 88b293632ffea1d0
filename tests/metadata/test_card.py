"""The ERC-721 metadata JSON as marketplaces and wallets read it; deterministic bytes."""

import json

import pytest

from metadata.card import CardData, CollectionInfo, jst_date, metadata_bytes, metadata_for
from metadata.cid import cid_of
from metadata.errors import CardDataError

ADDRESS = "0x" + "ab" * 20
IMAGE = "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"


def collection(**changes):
    values = dict(address=ADDRESS, name="Mine City Digital Resident", symbol="MINEDEMO",
                  municipality_ja="美祢市", municipality_en="Mine City", soulbound=True)
    values.update(changes)
    return CollectionInfo(**values)


def card(**changes):
    values = dict(token_id=7, resident_number=123, tier=1, issued_at=1_764_000_000, expires_at=1_806_000_000)
    values.update(changes)
    return CardData(**values)


def attribute(document, trait):
    found = [a for a in document["attributes"] if a["trait_type"] == trait]
    assert len(found) <= 1
    return found[0] if found else None


def test_name_description_and_image():
    document = metadata_for(collection(), card(), IMAGE)
    assert document["name"] == "Mine City Digital Resident No. 000123"
    assert document["image"] == f"ipfs://{IMAGE}"
    assert "美祢市のデジタル住民カード" in document["description"]
    assert "Digital resident card of Mine City" in document["description"]
    assert "external_url" not in document


def test_attributes_wallets_show():
    document = metadata_for(collection(), card(), IMAGE)
    assert attribute(document, "Municipality")["value"] == "Mine City"
    assert attribute(document, "自治体")["value"] == "美祢市"
    assert attribute(document, "Resident Number") == {"trait_type": "Resident Number", "value": 123,
                                                      "display_type": "number"}
    assert attribute(document, "Tier")["value"] == "Premium"
    assert attribute(document, "Issued") == {"trait_type": "Issued", "value": 1_764_000_000, "display_type": "date"}
    assert attribute(document, "Expires") == {"trait_type": "Expires", "value": 1_806_000_000,
                                              "display_type": "date"}
    assert attribute(document, "Soulbound")["value"] == "Yes"


@pytest.mark.parametrize("soulbound", [True, False])
def test_every_trait_value_is_a_string_or_a_number(soulbound):
    # Marketplaces document trait values as strings or numbers; a JSON boolean is neither (bool is an int here).
    for trait in metadata_for(collection(soulbound=soulbound), card(), IMAGE)["attributes"]:
        assert type(trait["value"]) in (str, int, float), trait


def test_tradable_and_basic():
    document = metadata_for(collection(soulbound=False), card(tier=0), IMAGE)
    assert attribute(document, "Soulbound")["value"] == "No"
    assert attribute(document, "Tier")["value"] == "Basic"
    assert "can be transferred" in document["description"]


def test_unnamed_tier_and_custom_names():
    assert attribute(metadata_for(collection(), card(tier=5), IMAGE), "Tier")["value"] == "Tier 5"
    custom = collection(tier_names={0: ("Friend", "ともだち"), 1: ("Patron", "応援団")})
    assert attribute(metadata_for(custom, card(tier=1), IMAGE), "Tier")["value"] == "Patron"


def test_card_that_never_expires_has_no_expiry_date():
    document = metadata_for(collection(), card(expires_at=0), IMAGE)
    assert attribute(document, "Expires") is None
    assert "does not expire" in document["description"]


def test_art_traits_are_appended():
    traits = [{"trait_type": "Motif", "value": "Nishikigoi / 錦鯉"}]
    document = metadata_for(collection(), card(), IMAGE, traits)
    assert attribute(document, "Motif")["value"] == "Nishikigoi / 錦鯉"


def test_external_url_takes_the_token_id():
    document = metadata_for(collection(external_url="https://mine.example/cards/{id}"), card(), IMAGE)
    assert document["external_url"] == "https://mine.example/cards/7"


def test_bytes_are_sorted_utf8_and_stable():
    document = metadata_for(collection(), card(), IMAGE)
    data = metadata_bytes(document)
    assert "美祢市".encode() in data and b"\\u" not in data
    assert data == json.dumps(json.loads(data), sort_keys=True, ensure_ascii=False,
                              separators=(",", ":")).encode()
    assert cid_of(metadata_bytes(metadata_for(collection(), card(), IMAGE))) == cid_of(data)
    assert cid_of(metadata_bytes(metadata_for(collection(), card(tier=0), IMAGE))) != cid_of(data)


def test_dates_are_japan_calendar_dates():
    assert jst_date(1_764_000_000) == "2025.11.25"  # 2025-11-24 16:00 UTC is the 25th in Japan


@pytest.mark.parametrize("field, changes", [
    ("card.resident_number", dict(resident_number=-1)),
    ("card.tier", dict(tier="1")),
    ("card.expires_at", dict(expires_at=1_700_000_000)),
    ("card.token_id", dict(token_id=True)),
])
def test_bad_card_data_names_the_field(field, changes):
    with pytest.raises(CardDataError, match=field.replace(".", r"\.")):
        card(**changes)


@pytest.mark.parametrize("field, changes", [
    ("collection.address", dict(address="0x1234")),
    ("collection.municipality_ja", dict(municipality_ja=" ")),
])
def test_bad_collection_names_the_field(field, changes):
    with pytest.raises(CardDataError, match=field.replace(".", r"\.")):
        collection(**changes)
