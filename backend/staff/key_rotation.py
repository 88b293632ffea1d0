"""Rotating one of the backend's keys: grant the role to the new key, move work to it, revoke the old one.

    python -m backend.staff.key_rotation --contract 0xCARD --role ISSUER_ROLE --old 0xOLD --new 0xNEW \\
        --admin-signer keystore:/secure/admin.json?passphrase_file=/secure/admin.pass

1. The administrator key (DEFAULT_ADMIN_ROLE on the contract; --admin-signer, a signer spec as in
   backend/chain/signers.py) grants `role` to the new key. Both keys now work: nothing fails meanwhile.
2. The operator points the backend at the new key (RESIDENT_ISSUER_SIGNER etc.) and restarts it; the tool
   waits until the old key has no transaction in flight (its pending nonce equals its mined one), so no work
   sent with the old key is cut off by the revoke.
3. The administrator revokes `role` from the old key, and the tool checks: the new key holds it, the old not.

Every step is idempotent: run it again after a crash and it picks up where it stopped.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from eth_utils import to_checksum_address

from backend.chain.client import Chain
from backend.chain.issuer import Issuer
from backend.chain.roles import role_id
from backend.chain.signers import signer_from_spec

# The roles' holders and admin calls of OpenZeppelin AccessControl, all both contracts need.
ACCESS_CONTROL_ABI = [
    {"type": "function", "name": name, "stateMutability": mutability,
     "inputs": [{"name": "role", "type": "bytes32"}, {"name": "account", "type": "address"}],
     "outputs": [{"name": "", "type": "bool"}] if name == "hasRole" else []}
    for name, mutability in (("hasRole", "view"), ("grantRole", "nonpayable"), ("revokeRole", "nonpayable"))
] + [{"type": "function", "name": role, "stateMutability": "view", "inputs": [],
      "outputs": [{"name": "", "type": "bytes32"}]}
     for role in ("ISSUER_ROLE", "PAUSER_ROLE", "VOUCHER_SIGNER_ROLE")]


class RotationError(Exception):
    pass


@dataclass(frozen=True)
class Rotated:
    granted: str | None  # the grant's transaction hash (None: the new key held the role already)
    revoked: str | None  # the revoke's (None: the old key held it no longer)


def wait_idle(chain: Chain, address: str, timeout: float, poll: float = 1.0) -> None:
    """Waits until `address` has no transaction in flight (pending nonce == mined nonce)."""
    deadline = time.monotonic() + timeout
    while chain.nonce(address, "pending") != chain.nonce(address, "latest"):
        if time.monotonic() > deadline:
            raise RotationError(f"{address} still has transactions in flight after {timeout:.0f} s: wait for "
                                f"them (or replace them) before revoking its role, then run this again")
        time.sleep(poll)


def rotate(admin: Issuer, contract_address: str, role: str, old: str, new: str, *,
           moved: Callable[[], None] = lambda: None, idle_timeout: float = 600) -> Rotated:
    """Grants `role` to `new`, calls `moved()` (the backend now signs with `new`), waits until `old` is idle,
    revokes `role` from `old`."""
    contract = admin.chain.contract_at(to_checksum_address(contract_address), ACCESS_CONTROL_ABI)
    old, new = to_checksum_address(old), to_checksum_address(new)
    if old == new:
        raise RotationError("the new key is the old one: give the address of the new key")
    rid = role_id(contract, role)

    def holds(address: str) -> bool:
        return bool(contract.functions.hasRole(rid, address).call())

    granted = None if holds(new) else admin.send(contract.functions.grantRole(rid, new)).tx_hash
    moved()
    wait_idle(admin.chain, old, idle_timeout)
    revoked = admin.send(contract.functions.revokeRole(rid, old)).tx_hash if holds(old) else None
    if not holds(new) or holds(old):
        raise RotationError(f"after the rotation {new} should hold {role} and {old} not; check the contract's admin")
    return Rotated(granted, revoked)


def main(argv: list[str] | None = None) -> int:
    from backend.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m backend.staff.key_rotation", description=__doc__.split("\n")[0])
    parser.add_argument("--contract", required=True, help="the card's or the minter's address")
    parser.add_argument("--role", required=True, choices=["ISSUER_ROLE", "PAUSER_ROLE", "VOUCHER_SIGNER_ROLE"])
    parser.add_argument("--old", required=True, help="the address of the key to retire")
    parser.add_argument("--new", required=True, help="the address of the key taking over")
    parser.add_argument("--admin-signer", required=True, help="signer spec of the administrator key")
    parser.add_argument("--yes", action="store_true", help="do not stop to ask before the revoke")
    args = parser.parse_args(argv)
    settings = Settings()
    admin = Issuer(Chain(settings.rpc_url), None, settings.chain_id, signer=signer_from_spec(args.admin_signer))

    def moved() -> None:
        print(f"{args.new} now holds {args.role}. Point the backend at the new key and restart it.")
        if not args.yes:
            input("Press Enter once the backend runs with the new key (the old one's role is revoked next) ")

    try:
        done = rotate(admin, args.contract, args.role, args.old, args.new, moved=moved)
    except RotationError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"granted: {done.granted or 'already held'}; revoked: {done.revoked or 'already revoked'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
