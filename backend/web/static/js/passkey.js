// Passkey resident accounts: navigator.credentials.create / .get with the backend's WebAuthn options
// (backend/api/holder/passkeys.py). The backend verifies everything; the page moves bytes as base64url and
// decides what the passkey signs: the challenge of a signature is the ERC-7739 hash the page computes
// (erc7739.js) from the sign-in message or the document it is about to sign and the account it knows, never
// a hash the server hands it. Options whose challenge is another hash are refused (PasskeyError).
import { post } from "./api.js";
import { personalSignHash, typedDataSignHash } from "./erc7739.js";

/** Raised when the page does not ask the passkey to sign; `kind` names why (texts: passkey.error.<kind>). */
export class PasskeyError extends Error {
  constructor(kind) {
    super(`passkey: ${kind}`);
    this.name = "PasskeyError";
    this.kind = kind; // challenge_mismatch | not_here
  }
}

function decode(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function encode(buffer) {
  let binary = "";
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const descriptors = (list) => (list || []).map((item) => ({ ...item, id: decode(item.id) }));

export function passkeysSupported() {
  return typeof window.PublicKeyCredential === "function" && Boolean(navigator.credentials);
}

function common(credential) {
  return {
    id: credential.id, rawId: encode(credential.rawId), type: credential.type,
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment || null,
  };
}

// The passkeys made or used in this browser: public data only (credential id, account address), so that
// signing in names the account at once (the challenge is a hash under the account's own domain).
const REMEMBERED = "resident.passkeys";

function remembered() {
  try { return JSON.parse(localStorage.getItem(REMEMBERED) || "[]"); } catch (_) { return []; }
}

function remember(id, address) {
  const others = remembered().filter((item) => item.id !== id);
  localStorage.setItem(REMEMBERED, JSON.stringify([{ id, address }, ...others].slice(0, 5)));
}

/** The passkey of this browser that controls `address`, or null. */
export function passkeyFor(address) {
  return remembered().find((item) => item.address.toLowerCase() === String(address).toLowerCase()) || null;
}

/** Makes a passkey on this device and the resident account it names; the backend answers with a session. */
export async function createPasskeyAccount() {
  const { options } = await post("/passkeys/register/options");
  const publicKey = { ...options, challenge: decode(options.challenge), user: { ...options.user, id: decode(options.user.id) },
                      excludeCredentials: descriptors(options.excludeCredentials) };
  const credential = await navigator.credentials.create({ publicKey });
  const response = credential.response;
  const session = await post("/passkeys/register", { credential: { ...common(credential), response: {
    clientDataJSON: encode(response.clientDataJSON), attestationObject: encode(response.attestationObject),
    transports: response.getTransports ? response.getTransports() : [],
  } } });
  remember(credential.id, session.address);
  return session;
}

const sameBytes = (a, b) => a.length === b.length && a.every((byte, i) => byte === b[i]);

/** Asks the passkey to sign `challenge` (bytes this page computed) with the server's options (credential,
 * RP id, user verification, timeout); the assertion as JSON. `expected`: the options must name that very
 * challenge, or nothing is signed. */
async function assertion(options, challenge, { expected = true } = {}) {
  if (expected && !sameBytes(decode(options.challenge || ""), challenge)) throw new PasskeyError("challenge_mismatch");
  const publicKey = { ...options, challenge, allowCredentials: descriptors(options.allowCredentials) };
  const credential = await navigator.credentials.get({ publicKey });
  const response = credential.response;
  return { ...common(credential), response: {
    clientDataJSON: encode(response.clientDataJSON), authenticatorData: encode(response.authenticatorData),
    signature: encode(response.signature), userHandle: response.userHandle ? encode(response.userHandle) : null,
  } };
}

/** Which passkey of this site the phone offers (a browser that remembers none): its answer only names it,
 * and goes nowhere, so the passkey signs random bytes of this page's, not the server's challenge. */
async function discover() {
  const { options } = await post("/passkeys/signin/options", {});
  return (await assertion(options, crypto.getRandomValues(new Uint8Array(32)), { expected: false })).id;
}

/** The chain id a sign-in message (EIP-4361) names on its "Chain ID:" line, as decimal text (null: none). */
function chainIdOf(message) {
  const line = /^Chain ID: (\d+)$/m.exec(String(message || ""));
  return line ? line[1] : null;
}

/** The challenge `compute()` gives; a message or document it cannot hash is one the page cannot check. */
function computed(compute) {
  try {
    return compute();
  } catch (_) {
    throw new PasskeyError("challenge_mismatch");
  }
}

/** Signs in with a passkey made here before: the passkey account signs a sign-in message (EIP-4361), the
 * backend asks the account whether it did (ERC-1271, or ERC-6492 before the account is deployed). The
 * account is the one this browser remembers for the passkey; a passkey it does not remember yet (made on
 * another device, synced) is the account the server names, learnt here for next time. */
export async function signInWithPasskey() {
  const known = remembered()[0];
  const id = known ? known.id : await discover();
  const offered = await post("/passkeys/signin/options", { credential_id: id });
  const account = known ? known.address : offered.account;
  const challenge = computed(() => personalSignHash(offered.message, chainIdOf(offered.message), account));
  const credential = await assertion(offered.options, challenge);
  const session = await post("/passkeys/signin", { credential, message: offered.message });
  remember(credential.id, session.address);
  return session;
}

/** The passkey account's signature of EIP-712 typed data (a ballot, a claim request), as a wallet's
 * eth_signTypedData_v4 would give it; the receiving route checks it like any contract wallet's. The account's
 * domain takes the document's chain id: the app contract and the account check it on the same chain. */
export async function signTypedDataWithPasskey(address, typedData) {
  const known = passkeyFor(address);
  if (!known) throw new PasskeyError("not_here");
  const challenge = computed(() => typedDataSignHash(typedData, typedData.domain.chainId, known.address));
  const offered = await post("/passkeys/sign/options", { credential_id: known.id, typed_data: typedData });
  const credential = await assertion(offered.options, challenge);
  return (await post("/passkeys/sign", { credential, typed_data: typedData })).signature;
}
