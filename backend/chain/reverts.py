"""One decoder for every revert: a custom error's name and values, from the contract's ABI.

Whatever the revert came as — web3's ContractCustomError / ContractLogicError, a JSON-RPC error
(`{"code": 3, "message": …, "data": "0x…"}`) from eth_call or eth_estimateGas, the ValueError
Brownie's middleware makes of one, or bare revert data — `decode_revert(abi, it)` gives a `Revert`:
- a custom error of the ABI: its name and decoded values;
- `Error(string)` (require with a message): name "Error", the message as its value;
- `Panic(uint256)` (assert, overflow…): name "Panic", the panic code;
- an unknown selector: the selector as the name; no data: no name, the node's message.
backend/campaigns/reasons.py turns the name into words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import encode_hex, function_abi_to_4byte_selector, to_checksum_address

ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string)
PANIC = bytes.fromhex("4e487b71")  # Panic(uint256)
NO_REASON = "reverted without a reason"


@dataclass(frozen=True)
class Revert:
    """A decoded revert. `name` is "" when the node gave no revert data (then `message` says what it said)."""

    name: str
    args: tuple = ()
    arg_names: tuple = ()
    data: str = ""  # the raw revert data, 0x-hex ("" without)
    message: str = ""

    @property
    def values(self) -> dict[str, Any]:
        """The error's values by their ABI names."""
        return dict(zip(self.arg_names, self.args))

    @property
    def error(self) -> str:
        """What to call it in one word: the error's name, else what the node said."""
        return self.name or self.message or NO_REASON

    def __str__(self) -> str:
        if not self.name:
            return self.message or NO_REASON
        if not self.args:
            return self.name
        shown = ", ".join(encode_hex(v) if isinstance(v, bytes) else str(v) for v in self.args)
        return f"{self.name}({shown})"


def revert_data(source: Any) -> tuple[str | None, str]:
    """(revert data as 0x-hex or None, the node's message) of any form a revert comes in."""
    if source is None:
        return None, ""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "0x" + bytes(source).hex(), ""
    if isinstance(source, str):
        return (source if source.startswith("0x") else None), ("" if source.startswith("0x") else source)
    if isinstance(source, dict):  # a JSON-RPC error object; some nodes nest the data one level down
        data = source.get("data")
        if isinstance(data, dict):
            data = data.get("data") or data.get("result")
        return (data if isinstance(data, str) and data.startswith("0x") else None), str(source.get("message", ""))
    if isinstance(source, BaseException):
        message = str(getattr(source, "message", None) or source)
        data = getattr(source, "data", None)
        if data is None and source.args and isinstance(source.args[0], dict):
            return revert_data(source.args[0])  # Brownie: ValueError({code, message, data})
        if isinstance(data, dict):
            found, _ = revert_data(data)
            return found, message
        if isinstance(data, (bytes, bytearray)):
            return "0x" + bytes(data).hex(), message
        return (data if isinstance(data, str) and data.startswith("0x") else None), message
    return None, str(source)


def decode_revert(abi: list[dict], source: Any) -> Revert:
    """The revert `source` carries, named and decoded with `abi` (list the ABIs of every contract the call may
    reach, e.g. the minter's and the card's)."""
    data, message = revert_data(source)
    if not data or len(data) < 10:
        return Revert("", data=data or "", message=message)
    raw = bytes.fromhex(data[2:])
    selector, body = raw[:4], raw[4:]
    if selector == ERROR_STRING:
        return Revert("Error", _decode(["string"], body), ("message",), data, message)
    if selector == PANIC:
        return Revert("Panic", _decode(["uint256"], body), ("code",), data, message)
    for item in abi:
        if item.get("type") == "error" and function_abi_to_4byte_selector(item) == selector:
            inputs = item.get("inputs", [])
            values = tuple(to_checksum_address(v) if i["type"] == "address" else v
                           for i, v in zip(inputs, _decode([i["type"] for i in inputs], body)))
            return Revert(item["name"], values, tuple(i["name"] for i in inputs), data, message)
    return Revert("0x" + selector.hex(), (), (), data, message)


def _decode(types: list[str], body: bytes) -> tuple:
    try:
        return tuple(abi_decode(types, body))
    except Exception:  # noqa: BLE001 - malformed revert data still names its error
        return ()
