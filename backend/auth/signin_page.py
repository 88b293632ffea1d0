"""The wallet sign-in page served at GET /signin: plain HTML and JavaScript, no build step.

It needs only an EIP-1193 browser wallet (window.ethereum): the server writes the EIP-4361 message, the
wallet signs it, the server checks it and sets the session cookie.
"""

PAGE = r"""<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>サインイン / Sign in</title>
<style>
  body { font-family: system-ui, "Hiragino Sans", "Noto Sans JP", sans-serif; max-width: 32rem; margin: 3rem auto;
         padding: 0 1rem; color: #1d2a33; }
  h1 { font-size: 1.4rem; } p.en { color: #52606b; margin-top: -0.6rem; }
  button { font-size: 1.1rem; padding: 0.8rem 1.4rem; border-radius: 0.5rem; border: 0; background: #1f6f5c;
           color: white; cursor: pointer; } button:disabled { background: #8aa; }
  #status { margin-top: 1.5rem; white-space: pre-line; } .error { color: #a3261b; }
</style>
</head>
<body>
<h1>ウォレットでサインイン</h1>
<p class="en">Sign in with your wallet</p>
<p>デジタル住民カードを持つウォレットで署名してください。送金やガス代は発生しません。<br>
<span lang="en">Sign a message with the wallet that holds your digital resident card. Nothing is sent and no gas is spent.</span></p>
<button id="go">サインイン / Sign in</button>
<div id="status" role="status"></div>
<script>
// EIP-4361 flow: the server writes the message (POST /auth/nonce with the address), the wallet signs it
// (personal_sign, EIP-191), the server checks it (POST /auth/siwe) and sets an HTTP-only session cookie.
const status = document.getElementById("status");
const button = document.getElementById("go");
function say(ja, en, error) {
  status.className = error ? "error" : "";
  status.textContent = ja + "\n" + en;
}
function nextPath() {
  // Only paths on this site: never an absolute or protocol-relative URL (open redirect).
  const next = new URLSearchParams(location.search).get("next") || "/me/cards";
  return next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/me/cards";
}
function utf8Hex(text) {
  return "0x" + Array.from(new TextEncoder().encode(text), b => b.toString(16).padStart(2, "0")).join("");
}
async function post(path, body) {
  const response = await fetch(path, {method: "POST", headers: {"Content-Type": "application/json"},
                                      body: JSON.stringify(body), credentials: "same-origin"});
  const data = await response.json();
  if (!response.ok) throw data;
  return data;
}
button.addEventListener("click", async () => {
  if (!window.ethereum) {
    say("ブラウザにウォレット（MetaMask など）が見つかりません。", "No browser wallet (e.g. MetaMask) was found.", true);
    return;
  }
  button.disabled = true;
  try {
    say("ウォレットを確認しています…", "Asking your wallet…");
    const [address] = await window.ethereum.request({method: "eth_requestAccounts"});
    const nonce = await post("/auth/nonce", {address});
    const chainId = parseInt(await window.ethereum.request({method: "eth_chainId"}), 16);
    if (chainId !== nonce.chain_id) {
      say(`ウォレットをチェーンID ${nonce.chain_id} に切り替えてください。`,
          `Switch your wallet to chain id ${nonce.chain_id}.`, true);
      return;
    }
    say("ウォレットで署名してください…", "Please sign in your wallet…");
    const signature = await window.ethereum.request({method: "personal_sign", params: [utf8Hex(nonce.message), address]});
    await post("/auth/siwe", {message: nonce.message, signature});
    say("サインインしました。", "Signed in.");
    location.assign(nextPath());
  } catch (error) {
    say(error.message_ja || "サインインできませんでした。", error.message_en || error.message || "Sign-in failed.", true);
  } finally {
    button.disabled = false;
  }
});
</script>
</body>
</html>
"""
