"""The preview command staff run to see their cards before issuing."""

import json
from pathlib import Path

from PIL import Image

from metadata import preview

ROOT = Path(__file__).resolve().parents[2]


def test_preview_writes_cards_metadata_and_a_sheet(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RESIDENT_DATA_DIR", str(tmp_path / "data"))
    assert preview.main(["--config", str(ROOT / "config" / "demo.yaml"), "--count", "3", "--out",
                         str(tmp_path / "out")]) == 0
    out = tmp_path / "out"
    for n in (1, 2, 3):
        assert Image.open(out / f"card-{n}.png").size == (600, 380)
        document = json.loads((out / f"card-{n}.json").read_text(encoding="utf-8"))
        assert document["name"] == f"Mine City Digital Resident No. {n:06d}"
    assert Image.open(out / "sheet.png").size == (1200, 760)
    printed = capsys.readouterr().out
    assert "美祢市 / Mine City" in printed and "stand-in" in printed and str(out / "sheet.png") in printed


def test_preview_uses_the_deployed_address_when_recorded(tmp_path, monkeypatch):
    from backend.chain.deployments import DeploymentRecord

    monkeypatch.setenv("RESIDENT_DATA_DIR", str(tmp_path / "data"))
    address = "0x" + "42" * 20
    DeploymentRecord(network="anvil", chain_id=31337, contract="ResidentCard", address=address, deployment_block=1,
                     deployment_tx="0x" + "00" * 32, symbol="MINEDEMO", municipality_name_ja="美祢市",
                     municipality_name_en="Mine City", soulbound=True, abi=[]
                     ).write(tmp_path / "data" / "deployments" / "31337" / "MINEDEMO.json")
    assert preview._address_for("MINEDEMO", None)[0] == address
