// The page's ERC-7739 challenges (static/js/erc7739.js, imported from the path in argv[2]) beside viem's
// (npm, viem/experimental/erc7739: the passkey account as the verifier domain), for tests/backend/web/
// test_erc7739_js.py. Reads {chainId, account, messages: [text], documents: [typed data]} on stdin; prints
// {messages: [{page, viem}], documents: [{page, viem}]} (0x-hex hashes).
import { pathToFileURL } from "node:url";
import { hashMessage, hashTypedData } from "viem/experimental/erc7739";

const page = await import(pathToFileURL(process.argv[2]).href);

// The pages hand the module JSON as the API sends it (large integers as decimal text); viem takes bigints.
function forViem(types, type, value) {
  if (Object.hasOwn(types, type)) {
    return Object.fromEntries(types[type].map((f) => [f.name, forViem(types, f.type, value[f.name])]));
  }
  const array = /^(.+)\[\d*\]$/.exec(type);
  if (array) return value.map((item) => forViem(types, array[1], item));
  return /^u?int\d*$/.test(type) ? BigInt(value) : value;
}

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { chainId, account, messages, documents } = JSON.parse(input);
const verifierDomain = { name: page.ACCOUNT_NAME, version: page.ACCOUNT_VERSION, chainId, verifyingContract: account,
  salt: `0x${"00".repeat(32)}` };
const out = {
  messages: messages.map((message) => ({
    page: page.toHex(page.personalSignHash(message, chainId, account)),
    viem: hashMessage({ message, verifierDomain }),
  })),
  documents: documents.map((document) => {
    const { EIP712Domain: _, ...types } = document.types;
    return {
      page: page.toHex(page.typedDataSignHash(document, chainId, account)),
      viem: hashTypedData({ domain: document.domain, types, primaryType: document.primaryType,
        message: forViem(types, document.primaryType, document.message), verifierDomain }),
    };
  }),
};
process.stdout.write(JSON.stringify(out));
