// Passkey resident accounts: navigator.credentials.create / .get with the backend's WebAuthn options
// (backend/api/holder/passkeys.py). The backend verifies everything; this only moves bytes as base64url.
import { post } from "./api.js";

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

/** Makes a passkey on this device and the resident account it names; the backend answers with a session. */
export async function createPasskeyAccount() {
  const { options } = await post("/passkeys/register/options");
  const publicKey = { ...options, challenge: decode(options.challenge), user: { ...options.user, id: decode(options.user.id) },
                      excludeCredentials: descriptors(options.excludeCredentials) };
  const credential = await navigator.credentials.create({ publicKey });
  const response = credential.response;
  return post("/passkeys/register", { credential: { ...common(credential), response: {
    clientDataJSON: encode(response.clientDataJSON), attestationObject: encode(response.attestationObject),
    transports: response.getTransports ? response.getTransports() : [],
  } } });
}

/** Signs in with a passkey made here before (a discoverable credential: the phone offers its own). */
export async function signInWithPasskey() {
  const { options } = await post("/passkeys/signin/options");
  const publicKey = { ...options, challenge: decode(options.challenge), allowCredentials: descriptors(options.allowCredentials) };
  const credential = await navigator.credentials.get({ publicKey });
  const response = credential.response;
  return post("/passkeys/signin", { credential: { ...common(credential), response: {
    clientDataJSON: encode(response.clientDataJSON), authenticatorData: encode(response.authenticatorData),
    signature: encode(response.signature), userHandle: response.userHandle ? encode(response.userHandle) : null,
  } } });
}
