"""GET /metadata/{symbol}/{id} (tokenURI, live from the index) and GET/HEAD /ipfs/{cid} (the content store)."""

import os

import pytest

from tests.backend.access_setup import bearer, sign_in
from backend.content import store_for
from metadata import cid_of
from metadata.cid import _cid_bytes, _cid_text

FAR_FUTURE = 4_102_444_800  # 2100-01-01
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_json_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["message_en"] and body["message_ja"] and body["detail"] == body["message_en"]
    if code:
        assert body["code"] == code, body
    return body


def attributes(document: dict) -> dict:
    return {a["trait_type"]: a["value"] for a in document["attributes"]}


def image_cid(document: dict) -> str:
    assert document["image"].startswith("ipfs://")
    return document["image"].removeprefix("ipfs://")


def test_metadata_follows_the_card_on_chain(client, chain_with_collection, sync_index):
    collection = chain_with_collection.collection
    holder = chain_with_collection.new_holder()
    token_id = collection.issue(holder.address, tier=1, expires_at=FAR_FUTURE)
    sync_index()
    on_chain = collection.card_on_chain(token_id)

    response = client.get(f"/metadata/RESTEST/{token_id}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "public, max-age=60"
    # The body is exactly the stored metadata version the ETag names.
    assert response.headers["etag"] == f'"{cid_of(response.content)}"'
    document = response.json()
    number = f"{on_chain['resident_number']:06d}"
    assert document["name"] == f"Test City Digital Resident No. {number}"
    assert "テスト市" in document["description"] and "Test City" in document["description"]
    traits = attributes(document)
    assert traits["Resident Number"] == on_chain["resident_number"]
    assert traits["Tier"] == "Premium"  # tier 1
    assert traits["Issued"] == on_chain["issued_at"] and traits["Expires"] == FAR_FUTURE == on_chain["expires_at"]
    assert traits["Soulbound"] == "No" and traits["Municipality"] == "Test City" and traits["自治体"] == "テスト市"
    first_image = image_cid(document)

    # The same state answers the same bytes (the rendered image is reused).
    assert client.get(f"/metadata/RESTEST/{token_id}").content == response.content
    assert client.get(f"/metadata/RESTEST/{token_id}",
                      headers={"If-None-Match": response.headers["etag"]}).status_code == 304

    collection.set_tier(token_id, 0)
    sync_index()
    changed = client.get(f"/metadata/RESTEST/{token_id}").json()
    assert attributes(changed)["Tier"] == "Basic"
    assert image_cid(changed) != first_image  # the tier is printed on the card

    collection.set_expiry(token_id, 0)
    sync_index()
    never = client.get(f"/metadata/RESTEST/{token_id}").json()
    assert "Expires" not in attributes(never) and "It does not expire." in never["description"]


def test_soulbound_card_metadata_says_so(client, chain_with_collection, sync_index):
    holder = chain_with_collection.new_holder()
    token_id = chain_with_collection.soulbound_collection.issue(holder.address)
    sync_index()
    document = client.get(f"/metadata/RESSOUL/{token_id}").json()
    assert document["name"].startswith("Mine City Digital Resident No. ")
    assert attributes(document)["Soulbound"] == "Yes" and attributes(document)["Tier"] == "Basic"


def test_the_card_image_is_served_by_its_cid(client, chain_with_collection, sync_index):
    holder = chain_with_collection.new_holder()
    token_id = chain_with_collection.collection.issue(holder.address, tier=1)
    sync_index()
    metadata = client.get(f"/metadata/RESTEST/{token_id}")
    cid = image_cid(metadata.json())

    image = client.get(f"/ipfs/{cid}")
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png" and image.content.startswith(PNG_MAGIC)
    assert cid_of(image.content) == cid
    assert image.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert image.headers["etag"] == f'"{cid}"'
    assert int(image.headers["content-length"]) == len(image.content)
    assert image.headers["x-content-type-options"] == "nosniff"

    head = client.head(f"/ipfs/{cid}")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == image.headers["content-length"]
    assert head.headers["content-type"] == "image/png" and head.headers["etag"] == f'"{cid}"'

    again = client.get(f"/ipfs/{cid}", headers={"If-None-Match": f'"{cid}"'})
    assert again.status_code == 304 and again.content == b""

    # The metadata version is stored too, under the CID its ETag names.
    metadata_cid = metadata.headers["etag"].strip('"')
    stored = client.get(f"/ipfs/{metadata_cid}")
    assert stored.headers["content-type"] == "application/json" and stored.content == metadata.content


def test_large_and_other_files_stream_whole(client, chain_with_collection):
    store = store_for(chain_with_collection.data_dir)
    data = b"{" + os.urandom(600_000)  # three chunks (a dag-pb root over raw leaves), not JSON though it looks so
    cid = store.put(data)
    assert cid.startswith("bafybei")
    response = client.get(f"/ipfs/{cid}")
    assert response.status_code == 200 and response.content == data
    assert response.headers["content-type"] == "application/octet-stream"
    assert int(response.headers["content-length"]) == len(data)
    assert client.head(f"/ipfs/{cid}").headers["content-length"] == str(len(data))

    text = store.put(b"hello, not json {")
    assert client.get(f"/ipfs/{text}").headers["content-type"] == "application/octet-stream"
    big_json = store.put(b'[' + b'"\xe6\x97\xa5\xe6\x9c\xac",' * 50_000 + b'0]')
    response = client.get(f"/ipfs/{big_json}")
    assert response.headers["content-type"] == "application/json" and response.json()[0] == "日本"
    empty = store.put(b"")
    response = client.get(f"/ipfs/{empty}")
    assert response.status_code == 200 and response.content == b""


def test_a_damaged_stored_block_is_reported_not_served(client, chain_with_collection):
    store = store_for(chain_with_collection.data_dir)
    cid = store.put(b'{"damaged": ' + os.urandom(8).hex().encode() + b"}")
    store.path_of(cid).write_bytes(b'{"damaged": "tampered"}')
    assert_json_error(client.get(f"/ipfs/{cid}"), 500, "content_corrupt")


def test_unknown_collections_and_cards_are_404(client, chain_with_collection, sync_index):
    collection = chain_with_collection.collection
    holder = chain_with_collection.new_holder()
    revoked = collection.issue(holder.address)
    collection.revoke(revoked)
    sync_index()
    assert_json_error(client.get("/metadata/NOSUCH/1"), 404, "collection_not_found")
    assert_json_error(client.get("/metadata/RESTEST/999999999"), 404, "card_not_found")
    assert_json_error(client.get(f"/metadata/RESTEST/{2**256}"), 404, "card_not_found")
    assert_json_error(client.get("/metadata/RESTEST/-1"), 404, "card_not_found")
    assert_json_error(client.get("/metadata/RESTEST/1.json"), 404, "card_not_found")
    assert_json_error(client.get("/metadata/RES%00TEST/1"), 404, "collection_not_found")
    assert_json_error(client.get("/metadata/" + "X" * 5000 + "/1"), 404, "collection_not_found")
    body = assert_json_error(client.get(f"/metadata/RESTEST/{revoked}"), 404, "card_burned")
    assert body["card_status"] == "revoked"
    # A CID that is well formed but not stored here.
    assert_json_error(client.get(f"/ipfs/{cid_of(os.urandom(32))}"), 404, "content_not_found")


def test_a_missing_head_is_404_without_body(client):
    response = client.head(f"/ipfs/{cid_of(os.urandom(32))}")
    assert response.status_code == 404 and response.content == b""


VALID = cid_of(b"some content")
BAD_CIDS = [
    "abc", "b", "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG",  # CIDv0 is not used
    VALID.upper(), VALID[:-1], VALID + "a", "b" + "a" * 3000, "bafy!!", "%00", "b%00",
    "..%2F..%2Fetc%2Fpasswd", "..%252F..%252Fsecret", "bafk%2F..%2F..",
    _cid_text(_cid_bytes(0x71, b"dag-cbor block")),  # codec dag-cbor: not stored here
    "f01551220" + "00" * 32,  # base16 multibase
]


@pytest.mark.parametrize("cid", BAD_CIDS)
def test_bad_cids_are_refused_clearly(client, cid):
    response = client.get(f"/ipfs/{cid}")
    assert response.status_code in (400, 404), (cid, response.status_code, response.text)
    assert_json_error(response, response.status_code)
    assert client.head(f"/ipfs/{cid}").status_code == response.status_code


def test_traversal_attempts_never_reach_the_store(client):
    assert_json_error(client.get("/ipfs/..%2F..%2Fresident.db"), 404)  # the router sees two path segments
    assert_json_error(client.get("/ipfs/..resident.db"), 400, "invalid_cid")
    assert_json_error(client.get("/ipfs/" + VALID.upper()), 400, "invalid_cid")


def test_my_cards_show_the_rendered_image(client, chain_with_collection, sync_index):
    holder = chain_with_collection.new_holder()
    token_id = chain_with_collection.collection.issue(holder.address, tier=1)
    sync_index()
    token = sign_in(client, holder).json()["token"]
    card = next(c for c in client.get("/me/cards", headers=bearer(token)).json() if c["token_id"] == token_id)
    cid = image_cid(client.get(f"/metadata/RESTEST/{token_id}").json())
    assert card["image"] == f"http://127.0.0.1:8000/ipfs/{cid}"
    assert client.get(f"/ipfs/{cid}").content.startswith(PNG_MAGIC)


def test_openapi_documents_the_content_routes(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path, method in [("/metadata/{symbol}/{token_id}", "get"), ("/ipfs/{cid}", "get"), ("/ipfs/{cid}", "head")]:
        operation = paths[path][method]
        assert operation["summary"] and operation.get("description"), (path, method)
    assert "404" in paths["/metadata/{symbol}/{token_id}"]["get"]["responses"]
    assert {"400", "404"} <= set(paths["/ipfs/{cid}"]["get"]["responses"])


def test_an_image_removed_from_the_store_is_rendered_again(client, chain_with_collection, sync_index):
    holder = chain_with_collection.new_holder()
    token_id = chain_with_collection.collection.issue(holder.address)
    sync_index()
    cid = image_cid(client.get(f"/metadata/RESTEST/{token_id}").json())
    store = store_for(chain_with_collection.data_dir)
    store.path_of(cid).unlink()  # e.g. the data directory was restored from an older backup
    assert_json_error(client.get(f"/ipfs/{cid}"), 404, "content_not_found")
    assert image_cid(client.get(f"/metadata/RESTEST/{token_id}").json()) == cid
    assert cid_of(client.get(f"/ipfs/{cid}").content) == cid


def test_metadata_without_a_reachable_chain_is_503_not_500(settings, client, chain_with_collection, sync_index):
    from fastapi.testclient import TestClient

    from backend.app import create_app
    from tests.backend.localchain import free_port

    holder = chain_with_collection.new_holder()
    token_id = chain_with_collection.collection.issue(holder.address)
    sync_index()
    # A second app on the same index whose RPC node is gone: the collection's name() cannot be read.
    offline = settings.model_copy(update={"rpc_url": f"http://127.0.0.1:{free_port()}", "indexer_enabled": False})
    with TestClient(create_app(offline)) as other:
        assert_json_error(other.get(f"/metadata/RESTEST/{token_id}"), 503, "chain_unavailable")
        assert other.get("/ipfs/" + VALID).status_code == 404  # files need no chain
