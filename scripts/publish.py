"""Publish a collection: every card's image and metadata, content-addressed, and pinned on the IPFS node.

    .venv/bin/python scripts/publish.py SYMBOL [--rpc URL] [--pin] [--ipfs-api ADDR] [--workers N]

(A plain script, not a Brownie one: it reads the chain with web3.)

1. The deployment record data_dir()/deployments/<chain id>/<SYMBOL>.json
   (chain id asked from the RPC: --rpc, default Settings.rpc_url, i.e.
   $RESIDENT_RPC_URL or the chain `make run` starts on $RESIDENT_RPC_PORT)
   gives the address, ABI and deployment block; it must be a record of that
   chain (block 0's hash, code at the address: check_record).
2. Every live card: Transfer logs from the deployment block to the head (in
   chunks of blocks, halved when the node refuses a range) give the tokens
   minted and not burned (revoked, opted out, replaced by a re-issue); their
   `cardOf` is read at that same head block, in JSON-RPC batches.
3. metadata.pipeline.build_cards renders and stores every image and metadata
   JSON in the content store (a progress bar on stderr). Rendering is
   deterministic and the store is content-addressed, so a second run gives
   the same CIDs (the ones the backend serves). A second run renders only
   cards whose on-chain state changed: the previous manifest's entries are
   kept for the others, as long as their content is still in the store and
   nothing that shapes a card changed (the fingerprint covers the
   collection's data and every file of the `metadata` package: code, layer
   images, fonts).
4. The manifest (token -> image CID, metadata CID, art) is written to
   data_dir()/manifests/<chain id>/<SYMBOL>.json, and next to it
   <SYMBOL>.state.json (each card's on-chain state and the fingerprint).
5. With --pin (or RESIDENT_IPFS_API set, or --ipfs-api), everything is added
   and pinned on the node through pin_manifest, whose journal
   (data_dir()/ipfs/pins.sqlite) records each confirmed batch: if the node
   goes away mid-way, the script says how many are pinned and exits 1, and
   the same command run again pins only the rest.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/publish.py`: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eth_abi import decode as abi_decode
from eth_utils import function_signature_to_4byte_selector, keccak, to_checksum_address

from backend.chain.client import Chain
from backend.chain.deployments import DeploymentRecord, check_record, deployments_root, record_path
from backend.errors import ChainError, ResidentError
from backend.settings import Settings
from metadata.card import CardData, CollectionInfo
from metadata.errors import IpfsNodeError, MetadataError, PinIncompleteError
from metadata.ipfs import ENV_API, IpfsNode, PinReport, node_at
from metadata.pipeline import Manifest, ManifestEntry, build_cards, pin_manifest
from metadata.store import ContentStore

METADATA_DIR = Path(__file__).resolve().parent.parent / "metadata"
LOG_CHUNK_BLOCKS = 50_000
CALL_BATCH = 500
TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
CARD_OF = "0x" + function_signature_to_4byte_selector("cardOf(uint256)").hex()
NAME = "0x" + function_signature_to_4byte_selector("name()").hex()
ZERO_TOPIC = "0x" + "00" * 32

class PublishError(ResidentError):
    """Raised when a collection cannot be published; the message (English / Japanese) says what to do."""


class PublishPinError(PublishError):
    """Raised when pinning stopped part way; the same command run again finishes it."""

    def __init__(self, incomplete: PinIncompleteError, command: str) -> None:
        self.pinned = incomplete.pinned
        self.total = incomplete.total
        self.reason = incomplete.reason
        super().__init__(
            f"Pinning stopped: {self.pinned} of {self.total} items are pinned on the IPFS node ({self.reason}).\n"
            f"Nothing is lost. Start the IPFS node (python tools/ipfs_node.py) or fix {ENV_API}, then run the "
            f"same command again; it skips the {self.pinned} already pinned and finishes the rest:\n"
            f"    {command}\n"
            f"ピン留めが中断しました: {self.total} 件中 {self.pinned} 件を IPFS ノードにピン留め済みです。"
            f"データは失われていません。IPFS ノードを起動する（python tools/ipfs_node.py）か {ENV_API} を直してから、"
            f"同じコマンドをもう一度実行してください。ピン留め済みの {self.pinned} 件は飛ばし、残りを完了します。")


@dataclass
class PublishResult:
    chain_id: int
    block: int  # the head block the cards were read at
    manifest: Manifest
    manifest_path: Path
    rendered: int  # cards rendered in this run (the others were unchanged since the last run)
    pin: PinReport | None  # None: no node configured, nothing pinned


# -- reading the chain ------------------------------------------------------

def _topic_int(topic: str) -> int:
    return int(topic, 16)


def live_token_ids(chain: Chain, address: str, from_block: int, to_block: int,
                   chunk_blocks: int = LOG_CHUNK_BLOCKS) -> list[int]:
    """Tokens minted and not burned in [from_block, to_block], from Transfer logs in chain order."""
    live: dict[int, None] = {}
    start, size = from_block, chunk_blocks
    while start <= to_block:
        end = min(start + size - 1, to_block)
        try:
            logs = chain.request("eth_getLogs", [{"address": address, "topics": [TRANSFER_TOPIC],
                                                  "fromBlock": hex(start), "toBlock": hex(end)}]) or []
        except ChainError:
            if size == 1:
                raise
            size = max(1, size // 2)  # providers cap ranges or result sizes: ask for less
            continue
        for entry in logs:
            topics = entry["topics"]
            if len(topics) != 4:  # not ERC-721's Transfer(from, to, tokenId) with all three indexed
                continue
            token = _topic_int(topics[3])
            if _topic_int(topics[1]) == 0:
                live[token] = None
            elif _topic_int(topics[2]) == 0:
                live.pop(token, None)
        start = end + 1
    return sorted(live)


def read_cards(chain: Chain, address: str, token_ids: list[int], block: int,
               batch: int = CALL_BATCH) -> list[CardData]:
    """`cardOf` of each token at `block`, in JSON-RPC batches; a token that reverts (burned) is left out."""
    cards: list[CardData] = []
    provider = chain.web3.provider
    for i in range(0, len(token_ids), batch):
        group = token_ids[i:i + batch]
        calls = [("eth_call", [{"to": address, "data": CARD_OF + token.to_bytes(32, "big").hex()}, hex(block)])
                 for token in group]
        try:
            responses = provider.make_batch_request(calls)
        except Exception as exc:  # requests / OS / web3 errors: the node is down or refused the batch
            raise ChainError(chain.rpc_url, f"reading cardOf of {len(group)} cards failed: {exc}") from exc
        if isinstance(responses, dict):  # the node answered the whole batch with one error
            raise ChainError(chain.rpc_url, f"batch of cardOf calls refused: {responses.get('error')}")
        by_id = {response.get("id"): response for response in responses}
        ordered = sorted(responses, key=lambda r: r.get("id", 0)) if len(by_id) == len(responses) else responses
        for token, response in zip(group, ordered):
            if "error" in response or not response.get("result") or response["result"] == "0x":
                continue  # burned after the logs were read: not a card any more
            number, tier, _locked, issued_at, expires_at = abi_decode(
                ["uint256", "uint256", "bool", "uint256", "uint256"], bytes.fromhex(response["result"][2:]))
            cards.append(CardData(token_id=token, resident_number=number, tier=tier, issued_at=issued_at,
                                  expires_at=expires_at))
    return cards


def collection_name(chain: Chain, address: str, block: int) -> str:
    raw = chain.request("eth_call", [{"to": address, "data": NAME}, hex(block)])
    (name,) = abi_decode(["string"], bytes.fromhex(raw.removeprefix("0x")))
    return name


# -- publishing -------------------------------------------------------------

def manifest_path(chain_id: int, symbol: str) -> Path:
    return Settings().data_dir / "manifests" / str(chain_id) / f"{symbol}.json"


def state_path(chain_id: int, symbol: str) -> Path:
    return manifest_path(chain_id, symbol).with_suffix(".state.json")


def fingerprint(collection: CollectionInfo) -> str:
    """What every card's bytes depend on besides its own state: the collection and the `metadata` package."""
    digest = hashlib.sha256(repr(collection).encode())
    for path in sorted(METADATA_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(METADATA_DIR)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _state(card: CardData) -> list[int]:
    return [card.resident_number, card.tier, card.issued_at, card.expires_at]


def reusable_entries(chain_id: int, symbol: str, key: str, cards: list[CardData],
                     store: ContentStore) -> dict[int, ManifestEntry]:
    """Entries of the previous run for cards whose state is unchanged and whose content is still stored."""
    try:
        state = json.loads(state_path(chain_id, symbol).read_text(encoding="utf-8"))
        previous = Manifest.from_json(manifest_path(chain_id, symbol).read_text(encoding="utf-8")).by_token()
    except (OSError, ValueError, KeyError, TypeError):
        return {}  # no previous run (or a damaged file): render everything
    if state.get("fingerprint") != key:
        return {}
    known = state.get("cards", {})
    reused = {}
    for card in cards:
        entry = previous.get(card.token_id)
        if (entry is not None and known.get(str(card.token_id)) == _state(card)
                and store.has(entry.image_cid) and store.has(entry.metadata_cid)):
            reused[card.token_id] = entry
    return reused


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _bar(description: str, unit: str, enabled: bool):
    """A tqdm bar on stderr driven by (done, total) callbacks; returns (callback, close)."""
    from tqdm import tqdm

    bar = tqdm(desc=description, unit=unit, file=sys.stderr, disable=not enabled, dynamic_ncols=True)

    def update(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
        bar.n = done
        bar.refresh()

    return update, bar.close


def publish(symbol: str, rpc_url: str, *, pin: bool = False, node: IpfsNode | None = None,
            workers: int = 2, progress: bool = True, command: str | None = None) -> PublishResult:
    """Renders, stores and (with a node) pins every live card of collection `symbol`; see the module doc.

    The node is `node` (main: --ipfs-api, else Settings.ipfs_api); `pin=True` without a node is an error. `command` is what the error of an interrupted pin tells staff to run again.
    """
    chain = Chain(rpc_url, timeout=30)
    try:
        chain_id = chain.chain_id()
    except ChainError as exc:
        raise PublishError(f"cannot reach the chain at {rpc_url} ({exc.reason}); start it (make run) or pass "
                           f"--rpc URL.\nチェーン（{rpc_url}）に接続できません。起動するか --rpc で URL を指定して"
                           f"ください。") from None
    path = record_path(chain_id, symbol, deployments_root(Settings().data_dir))
    if not path.exists():
        raise PublishError(f"no collection {symbol!r} is deployed on chain {chain_id}: {path} does not exist. "
                           f"Check the symbol, or deploy it first (make run / scripts/deploy.py).\n"
                           f"チェーン {chain_id} にコレクション {symbol!r} のデプロイ記録がありません。"
                           f"シンボルを確認するか、先にデプロイしてください。")
    record = DeploymentRecord.read(path)
    genesis = chain.request("eth_getBlockByNumber", ["0x0", False])["hash"]
    code = chain.request("eth_getCode", [to_checksum_address(record.address), "latest"])
    checked = check_record(record, path, genesis, bytes.fromhex(code.removeprefix("0x")))
    if checked is None:
        raise PublishError(f"the recorded {symbol} at {record.address} has no code on the chain at {rpc_url} "
                           f"(a reset chain?): deploy it again, or pass the --rpc of the chain it was deployed on.\n"
                           f"記録された {symbol} のコントラクトがこのチェーンにありません。デプロイし直すか、--rpc で"
                           f"デプロイしたチェーンを指定してください。")
    if checked is not record:  # a record written before block 0's hash was kept: it has it now
        checked.write(path)
    record = checked

    if pin and node is None:
        raise PublishError(f"--pin needs an IPFS node: set {ENV_API} (e.g. /ip4/127.0.0.1/tcp/5001/http) or pass "
                           f"--ipfs-api; `python tools/ipfs_node.py` starts a local one.\n"
                           f"--pin には IPFS ノードが必要です。{ENV_API} を設定するか --ipfs-api を指定してください。")
    if node is not None:
        # Before minutes of rendering: a node that is down now is better reported now.
        try:
            node.node_id
        except IpfsNodeError as exc:
            raise PublishError(f"{exc}.\nNothing was changed. Start the IPFS node (python tools/ipfs_node.py) or fix "
                               f"{ENV_API} / --ipfs-api, then run the same command again.\n"
                               f"IPFS ノード（{node.address}）に接続できません。何も変更していません。ノードを起動するか"
                               f"アドレスを直してから、同じコマンドをもう一度実行してください。") from None

    address = to_checksum_address(record.address)
    head = chain.head()
    tokens = live_token_ids(chain, address, record.deployment_block, head)
    cards = read_cards(chain, address, tokens, head)
    collection = CollectionInfo.from_record(record, collection_name(chain, address, head))

    store = ContentStore()
    key = fingerprint(collection)
    reused = reusable_entries(chain_id, symbol, key, cards, store)
    todo = [card for card in cards if card.token_id not in reused]
    update, close = _bar(f"{symbol}: render", "card", progress)
    try:
        built = build_cards(collection, todo, store=store, workers=workers,
                            progress=lambda done, total: update(len(reused) + done, len(cards)))
    finally:
        close()
    entries = sorted([*reused.values(), *built.entries], key=lambda entry: entry.token_id)
    manifest = Manifest(collection.address, collection.symbol, entries)
    out = manifest_path(chain_id, symbol)
    # State gone, manifest, then state: a state file never vouches for entries of another manifest.
    state_path(chain_id, symbol).unlink(missing_ok=True)
    _write_atomically(out, manifest.to_json())
    _write_atomically(state_path(chain_id, symbol), json.dumps(
        {"fingerprint": key, "cards": {str(card.token_id): _state(card) for card in cards}}))

    report = None
    if node is not None:
        update, close = _bar(f"{symbol}: pin", "item", progress)
        try:
            report = pin_manifest(manifest, store, node, progress=update)
        except PinIncompleteError as exc:
            raise PublishPinError(exc, command or _command_line(symbol, rpc_url, node, workers)) from None
        finally:
            close()
    return PublishResult(chain_id, head, manifest, out, len(todo), report)


def _command_line(symbol: str, rpc_url: str, node: IpfsNode, workers: int) -> str:
    return shlex.join([".venv/bin/python", "scripts/publish.py", symbol, "--rpc", rpc_url, "--pin",
                       "--workers", str(workers)])


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 64 (got {text!r}) / 1〜64 の整数で指定してください")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    settings = Settings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("symbol", help="collection symbol, e.g. MINEDEMO")
    parser.add_argument("--rpc", default=settings.rpc_url,
                        help=f"chain RPC URL (default $RESIDENT_RPC_URL, now {settings.rpc_url})")
    parser.add_argument("--pin", action="store_true", help=f"pin on the IPFS node (implied when {ENV_API} is set)")
    parser.add_argument("--ipfs-api", default=None, help=f"the node's RPC address (default ${ENV_API})")
    parser.add_argument("--workers", type=_workers, default=2, help="rendering processes (default 2)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    argv = sys.argv[1:] if argv is None else argv
    command = shlex.join([".venv/bin/python", "scripts/publish.py", *argv])
    try:
        node = node_at(args.ipfs_api or settings.ipfs_api)
        result = publish(args.symbol, args.rpc, pin=args.pin, node=node, workers=args.workers,
                         progress=not args.quiet, command=command)
    except (ResidentError, MetadataError) as exc:
        print(f"error / エラー: {exc}", file=sys.stderr)
        return 1
    cards = len(result.manifest.entries)
    print(f"{cards} cards of {args.symbol} (chain {result.chain_id}, block {result.block}): images and metadata "
          f"stored ({result.rendered} rendered now, {cards - result.rendered} unchanged); "
          f"manifest {result.manifest_path}")
    print(f"{args.symbol} のカード {cards} 枚の画像とメタデータを保存しました。")
    if result.pin is None:
        print(f"Not pinned: no IPFS node configured ({ENV_API} / --ipfs-api). / IPFS ノード未設定のためピン留めなし。")
    else:
        pin = result.pin
        print(f"Pinned on the IPFS node: {pin.total} items ({pin.newly_pinned} now, {pin.already_pinned} before). / "
              f"IPFS ノードに {pin.total} 件ピン留め済み（今回 {pin.newly_pinned} 件）。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
