"""backend/chain/redaction.py: what is said about an RPC node never carries its key or credentials."""

from __future__ import annotations

import logging

import pytest

from backend.chain.redaction import RedactingFilter, redact, remember, shown_url
from backend.errors import ChainError


@pytest.mark.parametrize("url, shown", [
    ("http://127.0.0.1:8545", "http://127.0.0.1:8545"),
    ("https://eth-mainnet.g.alchemy.com/v2/AbCdEf0123456789", "https://eth-mainnet.g.alchemy.com/***"),
    ("https://user:pass@node.example:8443", "https://node.example:8443/***"),
    ("https://mainnet.infura.io/v3/key?x=1", "https://mainnet.infura.io/***"),
    ("wss://node.example/ws/secret-token-123", "wss://node.example/***"),
    ("not a url", "***"),
])
def test_a_url_is_shown_by_scheme_host_and_port(url, shown):
    assert shown_url(url) == shown


def test_the_url_its_credentials_and_its_path_leave_any_text():
    url = "https://rpc-user:rpc-password-42@node.example/v2/key-0123456789abcdef?apikey=query-key-0123456789"
    text = (f"chain RPC {url}: HTTPSConnectionPool(host='node.example', port=443): Max retries exceeded with url: "
            "/v2/key-0123456789abcdef?apikey=query-key-0123456789 (rpc-user:rpc-password-42)")
    said = redact(text, url)
    for secret in ("rpc-password-42", "rpc-user:", "key-0123456789abcdef", "query-key-0123456789"):
        assert secret not in said
    assert "node.example" in said and "Max retries exceeded" in said


def test_text_without_secrets_is_left_alone():
    text = "eth_blockNumber failed: ConnectionError: http://127.0.0.1:8545 refused the connection (Errno 111)"
    assert redact(text, "http://127.0.0.1:8545") == text


def test_a_chain_error_is_redacted_wherever_it_is_made():
    error = ChainError("https://u:secret-password-9@x.alchemy.com/v2/KEY-0123456789",
                       "POST /v2/KEY-0123456789 refused")
    assert error.rpc_url == "https://x.alchemy.com/***"
    assert "KEY-0123456789" not in str(error) and "secret-password-9" not in str(error)


def test_a_third_party_log_record_shows_no_remembered_key(caplog):
    remember("https://node.example/v2/remembered-key-0123456789")
    logger = logging.getLogger("tests.redaction.third-party")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.DEBUG, logger=logger.name):
        logger.debug('%s "POST %s HTTP/1.1" 200', "https://node.example:443", "/v2/remembered-key-0123456789")
    assert caplog.records and "remembered-key" not in caplog.text and "POST" in caplog.text
