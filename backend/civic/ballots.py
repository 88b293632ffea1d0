"""Ballots signed with EIP-712: the typed data a wallet signs, the answers' canonical form, and checks.

The typed data binds everything a ballot means, so a signature cannot be replayed anywhere else:

    domain  {name: "ResidentPoll", version: "1", chainId, verifyingContract: <the card contract>}
    Ballot  {pollId, cardId (the token id), answersHash, expiresAt (the poll's close time)}

`answersHash` is keccak256 of the answers' canonical JSON (`canonical_answers`): keys are question
ids as strings, sorted; a choice answer is the sorted list of option indexes, a free-text answer its
string; no spaces; UTF-8 (non-ASCII kept as is). Anyone holding the stored ballot can recompute the
hash from the answers and re-verify the signature against the typed data kept with it.

Validation of answers and the signature check are pure; `cast` (backend/civic/polls.py) stores.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_typed_data
from eth_utils import keccak, to_checksum_address

from backend.errors import Refusal

DOMAIN_NAME = "ResidentPoll"
DOMAIN_VERSION = "1"
MAX_TEXT = 2000

BALLOT_TYPES = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "Ballot": [
        {"name": "pollId", "type": "uint256"},
        {"name": "cardId", "type": "uint256"},
        {"name": "answersHash", "type": "bytes32"},
        {"name": "expiresAt", "type": "uint256"},
    ],
}


class AnswersInvalid(Refusal):
    """Raised when answers do not fit the poll's questions; `detail` says which (backend/messages/civic.py)."""

    code = "answers_invalid"

    def __init__(self, detail: str, **values) -> None:
        super().__init__(detail=detail, **values)


@dataclass(frozen=True)
class Question:
    id: int
    kind: str  # single | multiple | text
    options: int  # how many options (choice questions)
    min_choices: int
    max_choices: int
    required: bool
    label: str  # for messages, e.g. "Q2"


def normalize_answers(questions: list[Question], answers: dict) -> dict[str, list[int] | str]:
    """The answers in canonical shape (`{"<question id>": [indexes] | "text"}`), or AnswersInvalid saying
    which question is wrong and why."""
    if not isinstance(answers, dict):
        raise AnswersInvalid("answers_not_object")
    known = {str(q.id) for q in questions}
    unknown = sorted(set(map(str, answers)) - known)
    if unknown:
        raise AnswersInvalid("answer_unknown_question", question=unknown[0])
    given = {str(k): v for k, v in answers.items()}
    out: dict[str, list[int] | str] = {}
    for q in questions:
        value = given.get(str(q.id))
        if q.kind == "text":
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise AnswersInvalid("answer_not_text", label=q.label)
            value = value.strip()
            if q.required and not value:
                raise AnswersInvalid("answer_required", label=q.label)
            if len(value) > MAX_TEXT:
                raise AnswersInvalid("answer_too_long", label=q.label, max_length=MAX_TEXT)
            out[str(q.id)] = value
            continue
        if value is None:
            value = []
        if isinstance(value, int) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in value):
            raise AnswersInvalid("answer_not_numbers", label=q.label)
        if len(set(value)) != len(value):
            raise AnswersInvalid("answer_twice", label=q.label)
        bad = [i for i in value if not 0 <= i < q.options]
        if bad:
            raise AnswersInvalid("answer_no_option", label=q.label, option=bad[0])
        low, high = (1, 1) if q.kind == "single" else (q.min_choices, q.max_choices)
        if not low <= len(value) <= high:
            if low == high:
                raise AnswersInvalid("answer_exactly", label=q.label, low=low)
            raise AnswersInvalid("answer_between", label=q.label, low=low, high=high)
        out[str(q.id)] = sorted(value)
    return out


def canonical_answers(answers: dict[str, list[int] | str]) -> str:
    return json.dumps(answers, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def answers_hash(answers: dict[str, list[int] | str]) -> str:
    return "0x" + keccak(text=canonical_answers(answers)).hex()


def typed_data(*, chain_id: int, contract: str, poll_id: int, token_id: int, answers_hash_hex: str,
               expires_at: int) -> dict:
    """The full EIP-712 message for `eth_signTypedData_v4` (JSON-serialisable)."""
    return {
        "types": BALLOT_TYPES,
        "primaryType": "Ballot",
        "domain": {"name": DOMAIN_NAME, "version": DOMAIN_VERSION, "chainId": chain_id,
                   "verifyingContract": to_checksum_address(contract)},
        "message": {"pollId": poll_id, "cardId": token_id, "answersHash": answers_hash_hex, "expiresAt": expires_at},
    }


def digest(data: dict) -> bytes:
    """The 32-byte EIP-712 hash that is signed (what an ERC-1271 wallet is asked about)."""
    return bytes(_hash_eip191_message(encode_typed_data(full_message=data)))


def decode_signature(signature: str) -> bytes | None:
    text = signature[2:] if signature.startswith(("0x", "0X")) else signature
    if not text or len(text) % 2 or len(text) > 10_000:
        return None
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None


def recover(data: dict, signature: bytes) -> str | None:
    """The EOA that signed `data`, or None when the bytes are not a valid ECDSA signature."""
    if len(signature) != 65:
        return None
    try:
        return to_checksum_address(Account.recover_message(encode_typed_data(full_message=data),
                                                           signature=signature))
    except Exception:  # eth-keys raises several kinds for malformed (r, s, v)
        return None


def signed_by(data: dict, signature: bytes, address: str, erc1271=None) -> bool:
    """True if `address` signed `data`: by ECDSA, or (contract wallets) by ERC-1271 through `erc1271`,
    a callable (address, digest, signature) -> bool."""
    address = to_checksum_address(address)
    if recover(data, signature) == address:
        return True
    if erc1271 is not None:
        return bool(erc1271(address, digest(data), signature))
    return False
