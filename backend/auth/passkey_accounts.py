"""The passkey account of a public key: its address (predicted by the factory on chain) and its deployment.

The factory (contracts/accounts/ResidentAccountFactory.sol) puts each account at a CREATE2 address derived
from the passkey's P-256 key, so the address is known at registration without a transaction. The backend
deploys the account only when it first has to exist on chain: before a sponsored claim, whose contract
check (OpenZeppelin SignatureChecker, ERC-1271 only) needs its code, sent by the municipality's relayer,
which pays, and logged like every backend transaction (audit TransactionLog). Sign-in, ballots and claim
requests need no deployment: before it, their signatures are ERC-6492-wrapped (`signature_for`).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.auth import passkey_signing
from backend.auth.errors import ChainUnavailable, PasskeyMalformed, PasskeysUnavailable
from backend.chain.client import Chain, Contract
from backend.chain.signatures import unwrap_6492
from backend.db.models_access import PasskeyCredential
from backend.errors import ChainError

_KEY = [{"name": "qx", "type": "bytes32"}, {"name": "qy", "type": "bytes32"}]
FACTORY_ABI = [
    {"type": "function", "name": "predictAddress", "stateMutability": "view", "inputs": _KEY,
     "outputs": [{"name": "", "type": "address"}]},
    {"type": "function", "name": "createAccount", "stateMutability": "nonpayable", "inputs": _KEY,
     "outputs": [{"name": "account", "type": "address"}]},
    {"type": "error", "name": "ResidentAccountFactoryInvalidKey", "inputs": _KEY},
]


def factory(chain: Chain, address: str) -> Contract:
    if not address:
        raise PasskeysUnavailable()
    return Contract(chain, address, FACTORY_ABI)


def predict_account(chain: Chain, factory_address: str, qx: bytes, qy: bytes) -> str:
    try:
        return factory(chain, factory_address).functions.predictAddress(qx, qy).call()
    except ChainError:
        raise ChainUnavailable() from None


def ensure_deployed(chain: Chain, issuer, factory_address: str, qx: bytes, qy: bytes) -> str:
    """Deploys the account if it has no code yet (createAccount is idempotent on chain too); its address.

    `issuer` is the sender that pays (the relayer before a sponsored claim)."""
    contract = factory(chain, factory_address)
    account = predict_account(chain, factory_address, qx, qy)
    if _has_code(chain, account):
        return account
    issuer.send(contract.functions.createAccount(qx, qy))
    return account


def _has_code(chain: Chain, account: str) -> bool:
    try:
        return bool(chain.web3.eth.get_code(account))
    except Exception:  # noqa: BLE001 - web3 and requests raise several kinds for a chain that does not answer
        raise ChainUnavailable() from None


def key_of(row: PasskeyCredential) -> tuple[bytes, bytes]:
    return bytes.fromhex(row.public_x[2:]), bytes.fromhex(row.public_y[2:])


def signature_for(chain: Chain, factory_address: str, row: PasskeyCredential, response: dict,
                  to_sign: passkey_signing.ToSign) -> bytes:
    """The account's signature of an assertion that signed `to_sign`: ERC-1271 bytes once the account has
    code, ERC-6492-wrapped (this factory, createAccount of the stored key) before."""
    try:
        signature = passkey_signing.from_assertion(response, to_sign)
    except (KeyError, TypeError, ValueError, UnicodeDecodeError):
        raise PasskeyMalformed() from None
    if _has_code(chain, row.account):
        return signature
    return passkey_signing.wrap_6492(signature, factory_address, *key_of(row))


def deployed_for_claim(session: Session, chain: Chain, sender, factory_address: str, recipient: str,
                       signature: bytes) -> bytes:
    """Before a sponsored claim: a passkey account without code is deployed (paid by `sender`), and a
    6492 wrapper of this factory is taken off, since the minter's ERC-1271 check takes the inner bytes.
    Any other recipient's signature is returned as it is; deploying is idempotent."""
    row = session.scalar(select(PasskeyCredential).where(PasskeyCredential.account == recipient).limit(1))
    if row is None or not factory_address:
        return signature
    ensure_deployed(chain, sender, factory_address, *key_of(row))
    wrapped = unwrap_6492(signature)
    if wrapped is not None and wrapped[0].lower() == factory_address.lower():
        return wrapped[2]
    return signature
