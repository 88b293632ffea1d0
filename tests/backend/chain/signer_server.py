"""A signer process for the tests: a real HTTP JSON-RPC server that holds one V3 keystore and signs.

Run: python -m tests.backend.chain.signer_server KEYSTORE PASSPHRASE_FILE PORT_FILE

It speaks what Web3Signer's eth1 JSON-RPC speaks: `eth_accounts`; `eth_signTransaction([tx])` answering the
signed transaction, hex-encoded RLP (a typed envelope for EIP-1559); `eth_signTypedData([address, data])`
and `eth_signTypedData_v4` answering the 65-byte signature as hex. And Clef's `account_signTransaction`
(answering `{"raw", "tx"}`) and `account_signTypedData`. It refuses a `from` or an address that is not its
own (error -32000, as Web3Signer does for an unknown signer). It stands in for Web3Signer/Clef, which are not
installable here; the backend's client is the same code that talks to them.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from eth_account import Account

INTS = ("nonce", "gas", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "value", "chainId", "type")


def _transaction(request: dict) -> dict:
    tx = {}
    for key, value in request.items():
        if key == "from":
            continue
        tx[key] = int(value, 16) if key in INTS else value
    if "input" in tx and "data" not in tx:
        tx["data"] = tx.pop("input")
    return tx


def serve(keystore: Path, passphrase_file: Path, port_file: Path) -> None:
    account = Account.from_key(Account.decrypt(json.loads(keystore.read_text()),
                                               passphrase_file.read_text().removesuffix("\n")))
    mine = account.address.lower()

    def handle(method: str, params: list):
        if method == "eth_accounts":
            return [account.address]
        if method in ("eth_signTransaction", "account_signTransaction"):
            request = params[0]
            if request.get("from", "").lower() != mine:
                raise LookupError(f"Signer not found for identifier {request.get('from')}")
            signed = account.sign_transaction(_transaction(request))
            raw = "0x" + bytes(signed.raw_transaction).hex()
            if method == "eth_signTransaction":
                return raw
            return {"raw": raw, "tx": {**request, "hash": "0x" + bytes(signed.hash).hex()}}
        if method in ("eth_signTypedData", "eth_signTypedData_v4", "account_signTypedData"):
            address, data = params
            if address.lower() != mine:
                raise LookupError(f"Signer not found for identifier {address}")
            data = json.loads(data) if isinstance(data, str) else data
            return "0x" + bytes(account.sign_typed_data(full_message=data).signature).hex()
        raise NotImplementedError(method)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            try:
                answer = {"jsonrpc": "2.0", "id": body["id"], "result": handle(body["method"], body["params"])}
            except NotImplementedError as exc:
                answer = {"jsonrpc": "2.0", "id": body["id"], "error": {"code": -32601, "message": f"Method not found: {exc}"}}
            except Exception as exc:
                answer = {"jsonrpc": "2.0", "id": body["id"], "error": {"code": -32000, "message": str(exc)}}
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # quiet: the test reads stderr for secrets
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_file.write_text(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
