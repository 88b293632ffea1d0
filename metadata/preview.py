"""Renders sample cards of a collection to look at before (or after) issuing.

    python -m metadata.preview [--config config/demo.yaml] [--count 8] [--out DIR] [--address 0x...]

writes card-<n>.png, card-<n>.json and sheet.png (all samples on one page)
to DIR (default <data dir>/previews/<SYMBOL>) and prints their paths. The art
depends on the collection's address: without --address, the address comes
from the local deployment record when there is one, else a stand-in address
derived from the symbol is used (the art then differs once deployed).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _address_for(symbol: str, given: str | None) -> tuple[str, str]:
    from backend.chain.deployments import DeploymentRecord
    from backend.settings import Settings
    from backend.errors import DeploymentRecordError

    if given:
        return given, "given"
    for record_path in sorted((Settings().data_dir / "deployments").glob(f"*/{symbol}.json")):
        try:
            return DeploymentRecord.read(record_path).address, f"deployment record {record_path}"
        except DeploymentRecordError:
            continue
    stand_in = "0x" + hashlib.sha256(f"preview:{symbol}".encode()).hexdigest()[:40]
    return stand_in, "stand-in (not deployed yet)"


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    from PIL import Image

    from backend.chain.deployments import load_collection_config
    from backend.settings import Settings
    from metadata.card import CardData, CollectionInfo, metadata_bytes, metadata_for
    from metadata.cid import cid_of
    from metadata.render import render_card

    parser = argparse.ArgumentParser(description="Render sample cards of a collection to PNG files.")
    parser.add_argument("--config", type=Path, default=ROOT / "config" / "demo.yaml")
    parser.add_argument("--count", type=int, default=8)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--address", default=None, help="the collection's address (default: see above)")
    args = parser.parse_args(argv)
    config = load_collection_config(args.config)
    address, source = _address_for(config.collection.symbol, args.address)
    collection = CollectionInfo.from_config(config, address)
    out = args.out or Settings().data_dir / "previews" / config.collection.symbol
    out.mkdir(parents=True, exist_ok=True)
    now = int(time.time())
    columns = 2
    rows = (args.count + columns - 1) // columns
    sheet = Image.new("RGB", (600 * columns, 380 * rows), (255, 255, 255))
    print(f"{config.municipality.name_ja} / {config.municipality.name_en} at {address} ({source})")
    for number in range(1, args.count + 1):
        card = CardData(token_id=number, resident_number=number, tier=1 if number % 4 == 1 else 0,
                        issued_at=now, expires_at=0 if number % 3 == 0 else now + 365 * 86400)
        rendered = render_card(collection, card)
        image_cid = cid_of(rendered.png)
        (out / f"card-{number}.png").write_bytes(rendered.png)
        (out / f"card-{number}.json").write_bytes(metadata_bytes(metadata_for(collection, card, image_cid,
                                                                              rendered.traits)))
        sheet.paste(Image.open(io.BytesIO(rendered.png)), (600 * ((number - 1) % columns),
                                                            380 * ((number - 1) // columns)))
        print(f"  {out / f'card-{number}.png'}  {', '.join(rendered.picks)}")
    sheet.save(out / "sheet.png")
    print(f"All on one page: {out / 'sheet.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
