"""The test wallet itself: an extension wallet under the page's strict CSP whose signatures are real
(recovered here with eth_account to the account it claims), announced through EIP-6963."""

import json

from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data

from tests.web.webstack import open_page

REQUEST_JS = """
const done = arguments[arguments.length - 1];
window.ethereum.request({method: arguments[0], params: arguments[1]}).then(
  (result) => done({result}), (error) => done({error: {code: error.code, message: error.message}}));
"""
TYPED = {
    "types": {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                               {"name": "chainId", "type": "uint256"}],
              "Ballot": [{"name": "poll", "type": "uint256"}, {"name": "choice", "type": "uint8"}]},
    "primaryType": "Ballot",
    "domain": {"name": "Test", "version": "1", "chainId": 31337},
    "message": {"poll": 7, "choice": 2},
}


def call(driver, method, params):
    return driver.execute_async_script(REQUEST_JS, method, params)


def test_the_wallet_signs_with_the_real_key_under_the_pages_csp(stack, wallet_browser):
    account = stack.demo_holders[0]
    driver = wallet_browser(account)
    open_page(driver, stack.url("/"))
    message = "hello resident"
    signed = call(driver, "personal_sign", ["0x" + message.encode().hex(), account])
    assert Account.recover_message(encode_defunct(text=message), signature=signed["result"]) == account
    typed = call(driver, "eth_signTypedData_v4", [account, json.dumps(TYPED)])
    assert Account.recover_message(encode_typed_data(full_message=TYPED), signature=typed["result"]) == account
    assert call(driver, "eth_blockNumber", [])["result"].startswith("0x")


def test_the_wallet_announces_itself_and_refuses_when_told(stack, wallet_browser):
    account = stack.demo_holders[0]
    driver = wallet_browser(account, reject_next=["personal_sign"])
    open_page(driver, stack.url("/"))
    announced = driver.execute_async_script("""
      const done = arguments[arguments.length - 1]; const seen = [];
      window.addEventListener("eip6963:announceProvider", (e) => seen.push(e.detail.info.name));
      window.dispatchEvent(new Event("eip6963:requestProvider"));
      setTimeout(() => done(seen), 100);""")
    assert announced == ["Test Wallet"]
    refused = call(driver, "personal_sign", ["0x00", account])
    assert refused["error"]["code"] == 4001
    assert "result" in call(driver, "personal_sign", ["0x00", account])  # only the next one was refused
