"""Collection configs and deployment records, without a chain."""

import json

import pytest

from backend.chain.deployments import DeploymentRecord, load_collection_config, record_path
from backend.errors import CollectionConfigError, DeploymentRecordError

VALID = """
municipality: {name_ja: 加賀市, name_en: Kaga City}
collection:
  name: Kaga e-Resident
  symbol: KAGA
  policy: tradable
  base_uri: ipfs://x/
  royalty: {receiver: admin, basis_points: 250}
admin: "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"
"""


def write(tmp_path, text):
    path = tmp_path / "collection.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_config_resolves_placeholders(tmp_path):
    config = load_collection_config(write(tmp_path, VALID))
    args = config.constructor_args("0x" + "ab" * 20, "http://127.0.0.1:8000")
    assert args[:6] == ("Kaga e-Resident", "KAGA", "加賀市", "Kaga City", False, 5)
    assert args[6] == "ipfs://x/"  # an absolute base URI is deployed as written
    assert args[7] == args[8] == "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"  # royalty to the admin
    assert args[9] == 250


def test_a_base_uri_path_follows_the_public_url(tmp_path):
    config = load_collection_config(write(tmp_path, VALID.replace("ipfs://x/", "/metadata/KAGA/")))
    assert config.constructor_args("0x" + "ab" * 20, "http://127.0.0.1:8017/")[6] == \
        "http://127.0.0.1:8017/metadata/KAGA/"


def test_soulbound_defaults_to_one_card_per_wallet(tmp_path):
    config = load_collection_config(write(tmp_path, VALID.replace("tradable", "soulbound")))
    assert config.max_cards_per_wallet == 1


def test_every_problem_is_reported_at_once(tmp_path):
    bad = VALID.replace("tradable", "sellable").replace("250", "20000").replace("KAGA", "kaga!")
    with pytest.raises(CollectionConfigError) as exc:
        load_collection_config(write(tmp_path, bad))
    message = str(exc.value)
    assert "collection.policy" in message
    assert "collection.royalty.basis_points" in message
    assert "collection.symbol" in message
    assert len(exc.value.problems) == 3


def test_bad_address_checksum_is_named(tmp_path):
    bad = VALID.replace("0x5B38Da6a701c568545dCfcB03FcB875f56beddC4", "0x5B38Da6a701c568545dCfcB03FcB875f56beddc4")
    with pytest.raises(CollectionConfigError, match="checksum"):
        load_collection_config(write(tmp_path, bad))


def test_unknown_key_is_refused(tmp_path):
    with pytest.raises(CollectionConfigError, match="colour"):
        load_collection_config(write(tmp_path, VALID + "colour: blue\n"))


def test_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(CollectionConfigError, match="copy config/demo.yaml"):
        load_collection_config(tmp_path / "nope.yaml")


def test_broken_yaml_is_reported(tmp_path):
    with pytest.raises(CollectionConfigError, match="not valid YAML"):
        load_collection_config(write(tmp_path, "municipality: [unclosed"))


def record(**changes):
    fields = dict(network="development", chain_id=31337, contract="ResidentCard", address="0x" + "11" * 20,
                  deployment_block=3, deployment_tx="0x" + "22" * 32, symbol="KAGA", municipality_name_ja="加賀市",
                  municipality_name_en="Kaga City", soulbound=True, abi=[{"type": "function", "name": "issue"}])
    fields.update(changes)
    return DeploymentRecord(**fields)


def test_record_round_trips_with_japanese_text(tmp_path):
    path = record_path(31337, "KAGA", tmp_path)
    record().write(path)
    assert DeploymentRecord.read(path) == record()
    assert "加賀市" in path.read_text(encoding="utf-8")
    assert not list(path.parent.glob("*.tmp"))


def test_missing_record_says_how_to_create_it(tmp_path):
    with pytest.raises(DeploymentRecordError, match="make run"):
        DeploymentRecord.read(tmp_path / "missing.json")


def test_corrupt_record_is_reported(tmp_path):
    path = tmp_path / "r.json"
    path.write_text("{half", encoding="utf-8")
    with pytest.raises(DeploymentRecordError, match="not valid JSON"):
        DeploymentRecord.read(path)


def test_record_of_other_version_is_refused(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"version": 99}), encoding="utf-8")
    with pytest.raises(DeploymentRecordError, match="version"):
        DeploymentRecord.read(path)
