// The independent client of tests/backend/chain/test_signatures.py: viem (npm) signs, wraps and checks.
// Reads one JSON request on stdin: {"ops": [{op, ...}, ...]}; prints {"results": [...]} (one per op).
import {
  createPublicClient, createWalletClient, encodeFunctionData, erc6492SignatureValidatorByteCode, http, parseAbi,
  serializeErc6492Signature,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { anvil } from "viem/chains";

const factoryAbi = parseAbi(["function deploy(address owner, bytes32 salt) returns (address)"]);

async function run(op) {
  switch (op.op) {
    case "signMessage":
      return privateKeyToAccount(op.key).signMessage({ message: op.message });
    case "signTypedData":
      return privateKeyToAccount(op.key).signTypedData(op.typedData);
    case "signHash":
      return privateKeyToAccount(op.key).sign({ hash: op.hash });
    case "factoryData":
      return encodeFunctionData({ abi: factoryAbi, functionName: "deploy", args: [op.owner, op.salt] });
    case "wrap6492":
      return serializeErc6492Signature({ address: op.factory, data: op.data, signature: op.signature });
    case "verifyHash": {  // viem's own verdict, as an oracle beside ours
      const client = createPublicClient({ chain: anvil, transport: http(op.rpc) });
      return client.verifyHash({ address: op.address, hash: op.hash, signature: op.signature });
    }
    case "delegate7702": {  // EIP-7702: the EOA signs an authorization; a sponsor sends the type-4 tx
      const eoa = privateKeyToAccount(op.key);
      const sponsor = privateKeyToAccount(op.sponsorKey);
      const wallet = createWalletClient({ account: sponsor, chain: anvil, transport: http(op.rpc) });
      const authorization = await wallet.signAuthorization({ account: eoa, contractAddress: op.delegate });
      // Calls the delegate's owner() through the EOA (the delegate has no receive(): plain 0x would revert).
      const hash = await wallet.sendTransaction({ authorizationList: [authorization], to: eoa.address, data: "0x8da5cb5b" });
      const client = createPublicClient({ chain: anvil, transport: http(op.rpc) });
      const receipt = await client.waitForTransactionReceipt({ hash });
      return receipt.status;
    }
    case "validatorBytecode":
      return erc6492SignatureValidatorByteCode;
    default:
      throw new Error(`unknown op ${op.op}`);
  }
}

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { ops } = JSON.parse(input);
const results = [];
for (const op of ops) results.push(await run(op));
process.stdout.write(JSON.stringify({ results }));
