"""The EIP-712 ballot and the answers' rules, without I/O: real eth-account signatures."""

import pytest
from eth_account import Account
from eth_utils import keccak

from backend.civic.ballots import (AnswersInvalid, Question, answers_hash, canonical_answers, digest, normalize_answers,
                                   recover, signed_by, typed_data)

CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
QUESTIONS = [
    Question(id=11, kind="single", options=3, min_choices=1, max_choices=1, required=True, label="Q1"),
    Question(id=12, kind="multiple", options=4, min_choices=1, max_choices=2, required=True, label="Q2"),
    Question(id=13, kind="text", options=0, min_choices=0, max_choices=0, required=False, label="Q3"),
]


def ballot(**overrides):
    fields = dict(chain_id=31337, contract=CONTRACT, poll_id=7, token_id=42,
                  answers_hash_hex=answers_hash({"11": [1]}), expires_at=1_900_000_000)
    fields.update(overrides)
    return typed_data(**fields)


def test_answers_are_normalized_to_a_canonical_form():
    normalized = normalize_answers(QUESTIONS, {11: 2, "12": [3, 0], "13": "  棚田を守りたい "})
    assert normalized == {"11": [2], "12": [0, 3], "13": "棚田を守りたい"}
    assert canonical_answers(normalized) == '{"11":[2],"12":[0,3],"13":"棚田を守りたい"}'
    assert answers_hash(normalized) == "0x" + keccak(text='{"11":[2],"12":[0,3],"13":"棚田を守りたい"}').hex()


@pytest.mark.parametrize("answers, fragment", [
    ({"11": [0, 1], "12": [0]}, "Q1: choose exactly 1"),
    ({"11": [], "12": [0]}, "Q1: choose exactly 1"),
    ({"11": [3], "12": [0]}, "Q1: there is no option 3"),
    ({"11": [0], "12": [0, 1, 2]}, "Q2: choose between 1 and 2"),
    ({"11": [0], "12": [1, 1]}, "Q2: an option is chosen twice"),
    ({"11": [0], "12": ["1"]}, "Q2: choose options by their numbers"),
    ({"11": [0], "12": [1], "13": 5}, "Q3: the answer must be text"),
    ({"11": [0], "12": [1], "99": "x"}, "No question 99"),
    ({"11": [0], "12": [1], "13": "x" * 2001}, "Q3: at most 2000"),
])
def test_answers_that_do_not_fit_are_refused_naming_the_question(answers, fragment):
    with pytest.raises(AnswersInvalid) as raised:
        normalize_answers(QUESTIONS, answers)
    assert fragment in raised.value.message_en and raised.value.message_ja


def test_a_required_free_text_question_needs_an_answer():
    required = [Question(id=1, kind="text", options=0, min_choices=0, max_choices=0, required=True, label="Q1")]
    with pytest.raises(AnswersInvalid, match="required"):
        normalize_answers(required, {"1": "   "})


def test_a_wallet_signature_recovers_to_the_signer():
    voter = Account.create()
    data = ballot()
    signature = voter.sign_typed_data(full_message=data).signature
    assert recover(data, signature) == voter.address
    assert signed_by(data, signature, voter.address)
    assert not signed_by(data, signature, Account.create().address)


@pytest.mark.parametrize("changed", [
    dict(chain_id=1), dict(contract="0x" + "11" * 20), dict(poll_id=8), dict(token_id=43),
    dict(answers_hash_hex=answers_hash({"11": [2]})), dict(expires_at=1_900_000_001),
])
def test_a_signature_binds_chain_contract_poll_card_answers_and_expiry(changed):
    voter = Account.create()
    signature = voter.sign_typed_data(full_message=ballot()).signature
    assert recover(ballot(**changed), signature) != voter.address


def test_the_domain_names_the_purpose():
    data = ballot()
    assert data["domain"]["name"] == "ResidentPoll" and data["domain"]["version"] == "1"
    other = dict(data, domain=dict(data["domain"], name="ResidentMinter"))
    assert digest(other) != digest(data)


def test_erc1271_is_asked_with_the_eip712_digest_when_ecdsa_does_not_match():
    wallet = "0x" + "22" * 20
    owner = Account.create()
    data = ballot()
    signature = owner.sign_typed_data(full_message=data).signature
    asked = []

    def contract_wallet(address, message_digest, sig):
        asked.append((address, message_digest))
        return True

    assert signed_by(data, signature, wallet, contract_wallet)
    assert asked[0][1] == digest(data) and asked[0][0].lower() == wallet
    assert not signed_by(data, b"\x01" * 65, wallet, lambda *a: False)
