"""Constants and helpers shared by the ResidentCard tests (conftest.py holds the fixtures)."""

ZERO = "0x0000000000000000000000000000000000000000"
BASIC, PREMIUM = 0, 1
DAY = 86_400


def error(name, *args):
    """The revert string Brownie shows for custom error `name(args)`.

    Brownie prints addresses in lower case and bytes32 values as Python bytes.
    """
    shown = []
    for arg in args:
        if hasattr(arg, "address"):
            arg = arg.address
        if isinstance(arg, str) and arg.startswith("0x") and len(arg) == 42:
            shown.append(arg.lower())
        elif isinstance(arg, bytes):  # Brownie's HexString (bytes32) is a bytes subclass
            shown.append(repr(bytes(arg)))
        else:
            shown.append(str(arg))
    return f"{name}: {', '.join(shown)}"


def config(admin, *, soulbound=True, cap=1, royalty_bps=0, base_uri="ipfs://cards/", name_ja="美祢市"):
    """A ResidentCard.Config tuple."""
    return (
        "Mine City Digital Resident",
        "MINE",
        name_ja,
        "Mine City",
        soulbound,
        cap,
        base_uri,
        admin.address,
        admin.address,
        royalty_bps,
    )


def issued(contract, issuer, holder):
    """Issues a basic card without expiry to `holder`; returns its token id."""
    return contract.issue(holder, BASIC, 0, {"from": issuer}).return_value
