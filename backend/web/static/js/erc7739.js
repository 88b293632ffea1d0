// The hashes a passkey account signs (contracts/accounts/ResidentAccount.sol: OpenZeppelin SignerWebAuthn +
// ERC7739), computed in the page from what it is about to sign, exactly as backend/auth/passkey_signing.py
// computes them: passkey.js puts only these in the WebAuthn challenge, so the server cannot make the passkey
// sign a hash the page did not build. The account accepts a hash only nested under its own EIP-712 domain
// ("ResidentAccount" "1", chainId, verifyingContract = the account), so a signature for one account is never
// valid for another:
// - a personal message (EIP-191 hash h): keccak(0x1901 ‖ accountSeparator ‖ keccak(PERSONAL_SIGN ‖ h));
// - typed data (EIP-712: a ballot, a claim request): the TypedDataSign struct of the contents under the app's
//   domain, in implicit mode: its type is "TypedDataSign(<Primary> contents,…,bytes32 salt)" followed by the
//   contents' encodeType (the primary type first, as OpenZeppelin's ERC7739Utils reads the contents' name
//   from it), and salt zero.
// keccak-256 is @noble/hashes' (vendored from npm by tools/build_web.py); everything else is EIP-712 itself.
import { keccak_256 } from "../vendor/noble-hashes/sha3.js";

export const ACCOUNT_NAME = "ResidentAccount";
export const ACCOUNT_VERSION = "1";
// EIP712Domain's fields in the order a domain's type lists the ones it has (as eth-account and viem do).
const DOMAIN_FIELDS = [["name", "string"], ["version", "string"], ["chainId", "uint256"],
  ["verifyingContract", "address"], ["salt", "bytes32"]];
const MAX_UINT256 = (1n << 256n) - 1n;
const encoder = new TextEncoder();
const utf8 = (text) => encoder.encode(text);

export const keccak256 = (bytes) => keccak_256(bytes);

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function toHex(bytes) {
  return "0x" + Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function fromHex(value, what) {
  if (typeof value !== "string" || !/^0x([0-9a-fA-F]{2})*$/.test(value)) {
    throw new TypeError(`${what}: expected 0x-prefixed hex bytes, got ${JSON.stringify(value)}`);
  }
  return Uint8Array.from(value.slice(2).match(/../g) || [], (pair) => parseInt(pair, 16));
}

/** A 256-bit word, big-endian, of 0 <= n < 2**256. */
function word(n) {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0 && n > 0n; i--, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

function integer(type, value) {
  if (!["number", "string", "bigint"].includes(typeof value) || value === "") {
    throw new TypeError(`${type}: expected an integer, got ${JSON.stringify(value)}`);
  }
  const n = BigInt(value); // decimal or 0x-hex text, a safe integer, a bigint; throws for anything else
  const bits = BigInt(type.replace(/^u?int/, "") || 256);
  const signed = type.startsWith("int");
  const [low, high] = signed ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
  if (n < low || n > high) throw new RangeError(`${type}: ${n} is out of range`);
  return word(n < 0n ? MAX_UINT256 + 1n + n : n); // two's complement
}

function padded(bytes, size, left) {
  const out = new Uint8Array(size);
  out.set(bytes, left ? size - bytes.length : 0);
  return out;
}

/** The 32 bytes a field's value contributes to encodeData (EIP-712). */
function encodeValue(types, type, value, what) {
  if (Object.hasOwn(types, type)) return hashStruct(type, types, value);
  const array = /^(.+)\[(\d*)\]$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) throw new TypeError(`${what}: ${type} expects an array`);
    return keccak256(concat(...value.map((item, i) => encodeValue(types, array[1], item, `${what}[${i}]`))));
  }
  if (value === undefined || value === null) throw new TypeError(`${what}: no value`);
  if (type === "string") {
    if (typeof value !== "string") throw new TypeError(`${what}: expected a string`);
    return keccak256(utf8(value));
  }
  if (type === "bytes") return keccak256(fromHex(value, what));
  if (type === "bool") {
    if (typeof value !== "boolean") throw new TypeError(`${what}: expected true or false`);
    return word(value ? 1n : 0n);
  }
  if (type === "address") {
    const bytes = fromHex(value, what);
    if (bytes.length !== 20) throw new TypeError(`${what}: an address has 20 bytes`);
    return padded(bytes, 32, true);
  }
  const fixed = /^bytes([1-9]|[12][0-9]|3[0-2])$/.exec(type);
  if (fixed) {
    const bytes = fromHex(value, what);
    if (bytes.length > Number(fixed[1])) throw new RangeError(`${what}: more than ${fixed[1]} bytes`);
    return padded(bytes, 32, false);
  }
  const sized = /^u?int(\d*)$/.exec(type);
  if (sized && (!sized[1] || (Number(sized[1]) % 8 === 0 && Number(sized[1]) >= 8 && Number(sized[1]) <= 256))) {
    return integer(type, value);
  }
  throw new TypeError(`${what}: unknown type ${type}`);
}

function dependencies(type, types, found) {
  const base = type.replace(/\[\d*\]/g, "");
  if (found.has(base) || !Object.hasOwn(types, base)) return found;
  found.add(base);
  for (const field of types[base]) dependencies(field.type, types, found);
  return found;
}

/** EIP-712 encodeType: the type, then the struct types it uses (at any depth), sorted by name. */
export function encodeType(primary, types) {
  if (!Object.hasOwn(types, primary)) throw new TypeError(`no type ${primary}`);
  const used = [...dependencies(primary, types, new Set())].filter((name) => name !== primary).sort();
  return [primary, ...used].map((name) => `${name}(${types[name].map((f) => `${f.type} ${f.name}`).join(",")})`)
    .join("");
}

/** EIP-712 hashStruct: keccak(typeHash ‖ encodeData). */
export function hashStruct(primary, types, data) {
  if (!Object.hasOwn(types, primary)) throw new TypeError(`no type ${primary}`);
  if (data === null || typeof data !== "object") throw new TypeError(`${primary}: expected an object`);
  return keccak256(concat(keccak256(utf8(encodeType(primary, types))),
    ...types[primary].map((field) => encodeValue(types, field.type, data[field.name], `${primary}.${field.name}`))));
}

/** An EIP-712 domain separator; the domain's type is made of the fields it has (what the backend does). */
export function domainSeparator(domain) {
  const unknown = Object.keys(domain).filter((key) => !DOMAIN_FIELDS.some(([name]) => name === key));
  if (unknown.length) throw new TypeError(`unknown domain field ${unknown[0]}`);
  const fields = DOMAIN_FIELDS.filter(([name]) => Object.hasOwn(domain, name)).map(([name, type]) => ({ name, type }));
  return hashStruct("EIP712Domain", { EIP712Domain: fields }, domain);
}

/** The passkey account's own domain separator (each account's: verifyingContract is the account). */
export function accountSeparator(chainId, account) {
  return domainSeparator({ name: ACCOUNT_NAME, version: ACCOUNT_VERSION, chainId, verifyingContract: account });
}

/** EIP-191 (version 0x45) hash of a text message, as a wallet's personal_sign takes it. */
export function hashMessage(message) {
  if (typeof message !== "string") throw new TypeError("a message is text");
  const bytes = utf8(message);
  return keccak256(concat(utf8(`\x19Ethereum Signed Message:\n${bytes.length}`), bytes));
}

const PERSONAL_SIGN_TYPEHASH = keccak256(utf8("PersonalSign(bytes prefixed)"));

/** ERC-7739 PersonalSign of a text message (a sign-in message) under the account's domain. */
export function personalSignHash(message, chainId, account) {
  const struct = keccak256(concat(PERSONAL_SIGN_TYPEHASH, hashMessage(message)));
  return keccak256(concat(Uint8Array.of(0x19, 0x01), accountSeparator(chainId, account), struct));
}

/** ERC-7739 TypedDataSign of a full EIP-712 document ({types, primaryType, domain, message}) for the account. */
export function typedDataSignHash(typedData, chainId, account) {
  const { EIP712Domain: _, ...types } = typedData.types;
  const primary = typedData.primaryType;
  const contentsType = encodeType(primary, types);
  const typehash = keccak256(utf8(`TypedDataSign(${primary} contents,string name,string version,uint256 chainId,`
    + `address verifyingContract,bytes32 salt)${contentsType}`));
  const struct = keccak256(concat(typehash, hashStruct(primary, types, typedData.message),
    keccak256(utf8(ACCOUNT_NAME)), keccak256(utf8(ACCOUNT_VERSION)), integer("uint256", chainId),
    encodeValue({}, "address", account, "account"), new Uint8Array(32)));
  return keccak256(concat(Uint8Array.of(0x19, 0x01), domainSeparator(typedData.domain), struct));
}
