// A real OpenID provider for the tests: the certified `oidc-provider` package, on a free port of 127.0.0.1.
//
//   node oidc_provider.mjs CONFIG.json
//
// CONFIG: {"jwks": {"keys": [private JWKs]}, "redirect_uris": [...], "clients": [client metadata]}. The test
// makes the keys, so it can also sign tokens with the provider's own key (wrong issuer, audience, expiry).
// Prints one JSON line {"issuer": "http://127.0.0.1:PORT"} once it listens.
//
// Interactions are driven by the test over HTTP instead of devInteractions' HTML forms:
//   GET  /interaction/:uid        login prompt: {"uid", "prompt": "login"}; consent prompt: granted at once
//                                 (what was asked), answered with the provider's redirect onwards
//   POST /interaction/:uid/login  {"sub", "birthdate"} (JSON or a form): signs that person in (claims kept in
//                                 memory)
import { readFileSync } from "node:fs";
import http from "node:http";

import Provider from "oidc-provider";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));
const people = new Map(); // sub -> birthdate

function json(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

// JSON from the backend tests' client, a form from the browser tests' page
async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString("utf8");
  if ((req.headers["content-type"] || "").startsWith("application/x-www-form-urlencoded")) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  return JSON.parse(text || "{}");
}

let provider;

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === "POST" && req.url.endsWith("/login")) {
    const { sub, birthdate } = await readBody(req);
    if (birthdate) people.set(sub, birthdate);
    return provider.interactionFinished(req, res, { login: { accountId: sub } }, { mergeWithLastSubmission: false });
  }
  if (details.prompt.name === "login") return json(res, 200, { uid: details.uid, prompt: "login" });
  const { prompt: { details: missing }, params, session: { accountId } } = details;
  const grant = details.grantId ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: params.client_id });
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const server = http.createServer((req, res) => {
  if (req.url.startsWith("/interaction/")) {
    interaction(req, res).catch((error) => json(res, 400, { error: String(error) }));
    return;
  }
  provider.callback()(req, res);
});

server.listen(0, "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  provider = new Provider(issuer, {
    clients: config.clients.map((c) => ({ redirect_uris: config.redirect_uris, grant_types: ["authorization_code"],
      response_types: ["code"], ...c })),
    jwks: config.jwks,
    findAccount: (ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, ...(people.has(sub) ? { birthdate: people.get(sub) } : {}) }),
    }),
    claims: { openid: ["sub"], profile: ["birthdate"] },
    cookies: { keys: ["resident-tests-only-cookie-key"] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, details) => `/interaction/${details.uid}` },
    pkce: { required: () => true },
    ttl: { IdToken: 3600, AccessToken: 600, AuthorizationCode: 60, Interaction: 600, Session: 600, Grant: 600 },
  });
  process.stdout.write(JSON.stringify({ issuer }) + "\n");
});

process.on("SIGTERM", () => server.close(() => process.exit(0)));
