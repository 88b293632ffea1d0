// The holder's wallet: EIP-6963 discovery of installed wallets (falling back to window.ethereum), the chain
// check with an offer to switch (EIP-3326 / EIP-3085), EIP-4361 sign-in through the backend, transactions.
// Errors become WalletError with a `kind` the pages translate (catalog keys "wallet.error.<kind>").

import { post } from "./api.js";

export class WalletError extends Error {
  constructor(kind, cause) {
    super(`wallet: ${kind}${cause && cause.message ? `: ${cause.message}` : ""}`);
    this.name = "WalletError";
    this.kind = kind; // rejected | pending | unknown_chain | cannot_add_chain | wrong_chain | no_account | reverted | failed
    this.cause = cause;
  }
}

/** The EIP-1193 error code of an error, also when a wallet wraps it (MetaMask: data.originalError). */
export function providerErrorCode(error) {
  if (!error) return undefined;
  return error.code ?? (error.data && error.data.originalError && error.data.originalError.code) ??
    (error.cause && error.cause.code);
}

function classify(error) {
  if (error instanceof WalletError) return error;
  const code = providerErrorCode(error);
  if (code === 4001) return new WalletError("rejected", error); // the user said no (EIP-1193)
  if (code === -32002) return new WalletError("pending", error); // a request is already open in the wallet
  if (code === 4902) return new WalletError("unknown_chain", error); // the wallet does not know the chain
  return new WalletError("failed", error);
}

// Announcements are collected from the moment this module loads (EIP-6963: wallets answer a request
// event, and may also announce on their own when they load after the page).
const announced = new Map();
window.addEventListener("eip6963:announceProvider", (event) => {
  const { info, provider } = event.detail || {};
  if (info && info.uuid && provider && typeof provider.request === "function") {
    announced.set(info.uuid, { info, provider });
  }
});

/** The wallets in this browser: [{info: {uuid, name, icon, rdns}, provider}]. EIP-6963 first; a lone
 * window.ethereum (older wallets) otherwise; [] when there is none. */
export async function discoverWallets({ waitMs = 300 } = {}) {
  window.dispatchEvent(new Event("eip6963:requestProvider"));
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  const wallets = [...announced.values()];
  if (wallets.length === 0 && window.ethereum && typeof window.ethereum.request === "function") {
    wallets.push({ info: { uuid: "window.ethereum", name: "", icon: "", rdns: "" }, provider: window.ethereum });
  }
  return wallets;
}

function utf8Hex(text) {
  return "0x" + Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Wallet {
  constructor({ info, provider }) {
    this.info = info;
    this.provider = provider;
    this.address = null;
  }

  async request(method, params) {
    try {
      return await this.provider.request(params === undefined ? { method } : { method, params });
    } catch (error) {
      throw classify(error);
    }
  }

  /** Asks the wallet for an account (the wallet may show a prompt); returns the address. */
  async connect() {
    const accounts = await this.request("eth_requestAccounts");
    if (!accounts || !accounts.length) throw new WalletError("no_account");
    this.address = accounts[0];
    return this.address;
  }

  async chainId() {
    return parseInt(await this.request("eth_chainId"), 16);
  }

  /** Switches the wallet to `config.chain_id`, adding the chain first when the wallet does not know it. */
  async switchChain(config) {
    const chainId = "0x" + config.chain_id.toString(16);
    try {
      await this.request("wallet_switchEthereumChain", [{ chainId }]);
    } catch (error) {
      if (error.kind !== "unknown_chain") throw error;
      if (!config.add_chain) throw new WalletError("cannot_add_chain", error);
      await this.request("wallet_addEthereumChain", [config.add_chain]);
      if ((await this.chainId()) !== config.chain_id) {
        await this.request("wallet_switchEthereumChain", [{ chainId }]);
      }
    }
  }

  /** EIP-4361 sign-in: the backend writes the message, the wallet signs it (personal_sign, no gas), the
   * backend checks it and sets the session cookie. Returns the backend's session answer. */
  async signIn(config) {
    if (!this.address) await this.connect();
    if ((await this.chainId()) !== config.chain_id) throw new WalletError("wrong_chain");
    const nonce = await post("/auth/nonce", { address: this.address });
    const signature = await this.request("personal_sign", [utf8Hex(nonce.message), this.address]);
    return post("/auth/siwe", { message: nonce.message, signature });
  }

  /** EIP-712 typed data signed by the connected account (eth_signTypedData_v4, no fee); the signature. */
  async signTypedData(typed) {
    if (!this.address) await this.connect();
    return this.request("eth_signTypedData_v4", [this.address, JSON.stringify(typed)]);
  }

  /** Sends a transaction from the connected account; returns its hash once the wallet has sent it. */
  async sendTransaction({ to, data, value }) {
    if (!this.address) await this.connect();
    const tx = { from: this.address, to, data };
    if (value && BigInt(value) > 0n) tx.value = "0x" + BigInt(value).toString(16);
    return this.request("eth_sendTransaction", [tx]);
  }

  /** Waits for the transaction's receipt; rejects with kind "reverted" when it failed on chain. */
  async waitForReceipt(hash, { timeoutMs = 120000, pollMs = 700 } = {}) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const receipt = await this.request("eth_getTransactionReceipt", [hash]);
      if (receipt) {
        if (parseInt(receipt.status, 16) !== 1) throw new WalletError("reverted");
        return receipt;
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    throw new WalletError("timeout");
  }

  on(event, handler) {
    if (typeof this.provider.on === "function") this.provider.on(event, handler);
  }

  off(event, handler) {
    if (typeof this.provider.removeListener === "function") this.provider.removeListener(event, handler);
  }
}
