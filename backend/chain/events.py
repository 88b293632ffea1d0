"""The contracts' events: topics derived from the ABI, one decoder per event.

A topic is keccak of the event's canonical signature, computed from the ABI entry (the compiled
artifact in build/contracts, or a deployment record's ABI), never typed by hand. Each `EventType` has
one decoder with two doors:
- `decode(log)` for any log: raw JSON-RPC (hex strings) or web3's (HexBytes), any argument types;
- `decode_raw(log)` for raw logs of events whose arguments are all one-word values (uints, bools,
  addresses, bytes32): parses the hex text directly, the indexer's 20,000-log path.
Both give a dict keyed by the ABI's argument names. `Events.for_abi(abi)` holds a contract's events by
name and by topic; `card_events()` and `minter_events()` are ResidentCard's and ResidentMinter's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import event_abi_to_log_topic, to_checksum_address

from backend.errors import DeploymentError

ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "contracts"
ZERO_ADDRESS = "0x" + "00" * 20
# One-word types decode_raw reads straight from the hex text.
_WORD_KINDS = {"bool": "bool", "address": "address", "bytes32": "bytes32"}


def _hex(value: Any) -> str:
    """0x-hex text of a topic or data field, whether raw (str) or web3's (bytes/HexBytes)."""
    if isinstance(value, str):
        return value if value.startswith("0x") else "0x" + value
    return "0x" + bytes(value).hex()


def _word_kind(abi_type: str) -> str | None:
    if abi_type in _WORD_KINDS:
        return _WORD_KINDS[abi_type]
    if abi_type.startswith("uint"):
        return "uint"
    return None


def _address(text: str) -> str:
    value = int(text, 16)
    # Checksumming costs a keccak: skipped for the zero address (every mint's `from`, every burn's `to`).
    return to_checksum_address(value.to_bytes(32, "big")[12:]) if value else ZERO_ADDRESS


# hex text of one word (a topic "0x…" or 64 digits of data) -> its value, by kind
_CONVERT: dict[str, Callable[[str], Any]] = {
    "uint": lambda text: int(text, 16),
    "bool": lambda text: int(text, 16) != 0,
    "address": _address,
    "bytes32": lambda text: "0x" + text[-64:].lower(),
}


@dataclass(frozen=True)
class EventType:
    """One event of an ABI: its topic and the decoder of its logs."""

    name: str
    topic: str  # 0x-hex, lower case
    abi: dict = field(repr=False, compare=False)
    # (name, from topics?, position, kind) per argument; None when one is longer than a word.
    _plan: list | None = field(init=False, repr=False, compare=False, default=None)

    _topic_count: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_plan", self._raw_plan())
        object.__setattr__(self, "_topic_count", 1 + len(self.indexed))

    @classmethod
    def of(cls, entry: dict) -> EventType:
        return cls(entry["name"], "0x" + event_abi_to_log_topic(entry).hex(), entry)

    @property
    def indexed(self) -> list[dict]:
        return [i for i in self.abi["inputs"] if i.get("indexed")]

    @property
    def unindexed(self) -> list[dict]:
        return [i for i in self.abi["inputs"] if not i.get("indexed")]

    def matches(self, log: dict) -> bool:
        topics = log["topics"]
        return bool(topics) and _hex(topics[0]).lower() == self.topic and len(topics) == 1 + len(self.indexed)

    def decode(self, log: dict) -> dict[str, Any]:
        """The event's arguments by name (eth_abi's Python values; addresses checksummed). Raises ValueError
        when the log is not this event (another topic, or as many indexed arguments as the ABI says)."""
        if not self.matches(log):
            raise ValueError(f"not a {self.name} log")
        args: dict[str, Any] = {}
        for item, topic in zip(self.indexed, log["topics"][1:]):
            (args[item["name"]],) = abi_decode([_canonical_type(item)], bytes.fromhex(_hex(topic)[2:]))
        data = bytes.fromhex(_hex(log["data"])[2:])
        values = abi_decode([_canonical_type(i) for i in self.unindexed], data)
        args.update(zip((i["name"] for i in self.unindexed), values))
        return {name: to_checksum_address(v) if _is_address(self.abi, name) else v for name, v in args.items()}

    def _raw_plan(self) -> list[tuple[str, bool, int, int, Callable[[str], Any]]] | None:
        plan, topic_at, word_at = [], 1, 0
        for item in self.abi["inputs"]:
            kind = _word_kind(item["type"])
            if kind is None:
                return None
            if item.get("indexed"):
                plan.append((item["name"], True, topic_at, 0, _CONVERT[kind]))
                topic_at += 1
            else:
                plan.append((item["name"], False, 2 + 64 * word_at, 66 + 64 * word_at, _CONVERT[kind]))
                word_at += 1
        return plan

    def decode_raw(self, log: dict) -> dict[str, Any] | None:
        """The arguments of a raw log (hex strings, as eth_getLogs answers) by name; None when it is not this
        event (another topic or topic count, as an ERC-20 `Transfer` beside ERC-721's). Addresses are
        checksummed, bytes32 are 0x-hex. Only for events of one-word arguments (`fast`)."""
        plan = self._plan
        if plan is None:
            raise TypeError(f"{self.name} has arguments longer than a word: use decode()")
        topics = log["topics"]
        if len(topics) != self._topic_count or topics[0].lower() != self.topic:
            return None
        data = log["data"]
        return {name: convert(topics[start] if indexed else data[start:end])
                for name, indexed, start, end, convert in plan}

    @property
    def fast(self) -> bool:
        """Whether decode_raw can read this event."""
        return self._plan is not None


def _canonical_type(item: dict) -> str:
    """`(uint64,…)` for a tuple, the type itself otherwise (what eth_abi decodes)."""
    kind = item["type"]
    if kind.startswith("tuple"):
        return "(" + ",".join(_canonical_type(c) for c in item["components"]) + ")" + kind[len("tuple"):]
    return kind


def _is_address(abi: dict, name: str) -> bool:
    return any(i["name"] == name and i["type"] == "address" for i in abi["inputs"])


class Events:
    """A contract's events, by name and by topic."""

    def __init__(self, abi: Iterable[dict]) -> None:
        self.by_name: dict[str, EventType] = {}
        for entry in abi:
            if entry.get("type") == "event":
                self.by_name[entry["name"]] = EventType.of(entry)
        self.by_topic = {e.topic: e for e in self.by_name.values()}

    @classmethod
    def for_abi(cls, abi: Iterable[dict]) -> Events:
        return cls(abi)

    def __getitem__(self, name: str) -> EventType:
        return self.by_name[name]

    def __contains__(self, name: str) -> bool:
        return name in self.by_name

    def of(self, log: dict) -> EventType | None:
        """The event a log is, by its first topic (None for events this ABI does not declare)."""
        topics = log["topics"]
        return self.by_topic.get(_hex(topics[0]).lower()) if topics else None

    def decode_all(self, name: str, logs: Iterable[dict], address: str | None = None) -> list[dict[str, Any]]:
        """The arguments of every `name` log among `logs` (a receipt's), optionally only those `address` emitted."""
        event = self.by_name[name]
        wanted = to_checksum_address(address) if address else None
        return [event.decode(log) for log in logs
                if event.matches(log) and (wanted is None or to_checksum_address(log["address"]) == wanted)]


def artifact_abi(contract: str) -> list[dict]:
    """The ABI of a compiled contract (build/contracts/<contract>.json, written by `make`)."""
    path = ARTIFACTS / f"{contract}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))["abi"]
    except FileNotFoundError:
        raise DeploymentError(f"{path} is missing: compile the contracts first (`make compile`)") from None


@lru_cache(maxsize=1)
def card_events() -> Events:
    """ResidentCard's events, from its compiled ABI."""
    return Events(artifact_abi("ResidentCard"))


@lru_cache(maxsize=1)
def minter_events() -> Events:
    """ResidentMinter's events, from its compiled ABI."""
    return Events(artifact_abi("ResidentMinter"))


def issued_token_ids(logs: Iterable[dict], card_address: str) -> list[int]:
    """Token ids the CardsIssued events of `card_address` among `logs` announce (firstTokenId .. + count - 1)."""
    ids: list[int] = []
    for issued in card_events().decode_all("CardsIssued", logs, card_address):
        ids.extend(range(issued["firstTokenId"], issued["firstTokenId"] + issued["count"]))
    return ids
