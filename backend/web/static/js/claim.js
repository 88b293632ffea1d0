// The claim page (/claim#<token> from a claim link, /claim#campaign-<id> from a poster): says what the link
// is, then walks someone with no card to one — connect a wallet (EIP-6963, wallet.js), sign in, claim, see
// the card. A path is the list of steps the page walks: each step has a key (its texts: claim.step.<key>) and
// a run() that resolves when it is done. When the town pays the fee (GET /campaigns/{id}/sponsorship), the
// first choice claims without one: with a wallet, sign in and the relayer sends the claim (a claim link's
// voucher, or a claim request the wallet signs); with no wallet, a passkey account (passkey.js) does the
// same (a poster's claim request signed with the passkey); it holds no native token, so that is its only
// path. "Pay the fee myself" stays the wallet's second choice.

import { ApiError, get, post } from "./api.js";
import { errorText, formatDate, lang, localized, t } from "./i18n.js";
import { fill, h, initPage } from "./page.js";
import { Wallet, WalletError, discoverWallets } from "./wallet.js";
import { PasskeyError, createPasskeyAccount, passkeysSupported, signInWithPasskey, signTypedDataWithPasskey }
  from "./passkey.js";

const $ = (id) => document.getElementById(id);
const state = { token: "", campaignId: null, info: null, config: null, wallet: null, states: {}, message: null,
  failed: false, done: false, reverts: {}, chainId: null, cover: null, wallets: [], path: null,
  account: null }; // account: the passkey account's address, once made or signed in

function target() {
  const fragment = decodeURIComponent(window.location.hash.slice(1));
  const campaign = /^campaign-(\d+)$/.exec(fragment);
  if (campaign) return { campaignId: Number(campaign[1]) };
  return /^[A-Za-z0-9_-]{16,100}$/.test(fragment) ? { token: fragment } : {};
}

// The contracts' custom errors as the catalogue words them: a wallet that refuses the transaction (or a
// receipt that failed) gives raw revert data, whose first 4 bytes name the error.
function revertData(error) {
  const seen = new Set();
  const look = (value) => {
    if (!value || seen.has(value)) return null;
    if (typeof value === "string") return /^0x[0-9a-fA-F]{8}/.test(value) ? value : null;
    if (typeof value !== "object") return null;
    seen.add(value);
    for (const key of ["data", "cause", "originalError", "error"]) {
      const found = look(value[key]);
      if (found) return found;
    }
    return null;
  };
  return look(error);
}

function said(error) {
  const data = revertData(error);
  const known = data && state.reverts[data.slice(0, 10).toLowerCase()];
  if (known) return lang() === "ja" ? known.message_ja : known.message_en;
  if (error instanceof WalletError) return t(`wallet.error.${error.kind}`, { chain: state.config.chain_name,
    chain_id: state.config.chain_id });
  if (error instanceof PasskeyError) return t(`passkey.error.${error.kind}`);
  if (error instanceof ApiError) return errorText(error);
  console.error(error);
  return t("common.error.unexpected");
}

async function connectWallet() {
  const wallets = await discoverWallets();
  if (!wallets.length) throw new WalletError("no_wallet");
  state.wallet = new Wallet(wallets[0]);
  await state.wallet.connect();
  if ((await state.wallet.chainId()) !== state.config.chain_id) await state.wallet.switchChain(state.config);
}

async function signIn() {
  await state.wallet.signIn(state.config);
}

async function claim() {
  let offer;
  if (state.token) {
    offer = await post("/me/claim-links/redeem", { token: state.token });
    state.reverts = offer.reverts || {};
  } else {
    offer = await get(`/me/campaigns/${state.campaignId}/claim`);
  }
  if (!offer.eligible) throw Object.assign(new Error("not eligible"), { offer });
  state.before = new Set((await get("/me/cards")).map((card) => `${card.collection_id}/${card.token_id}`));
  const hash = await state.wallet.sendTransaction(offer.tx);
  await state.wallet.waitForReceipt(hash);
}

async function before() {
  state.before = new Set((await get("/me/cards")).map((card) => `${card.collection_id}/${card.token_id}`));
}

// The fee-free claim: the town's relayer sends it and pays (backend/api/holder/sponsored.py).
async function claimFree() {
  if (state.token) {
    const offer = await post("/me/claim-links/redeem", { token: state.token });
    state.reverts = offer.reverts || {};
    if (!offer.eligible) throw Object.assign(new Error("not eligible"), { offer });
    await before();
    await post(`/me/campaigns/${state.info.campaign_id}/sponsored-voucher-claim`);
    return;
  }
  const offer = await get(`/me/campaigns/${state.campaignId}/claim`);
  if (!offer.eligible) throw Object.assign(new Error("not eligible"), { offer });
  const typed = await get(`/me/campaigns/${state.campaignId}/sponsored-claim`);
  const signature = state.account ? await passkeyStep(() => signTypedDataWithPasskey(state.account, typed))
    : await state.wallet.signTypedData(typed);
  await before();
  await post(`/me/campaigns/${state.campaignId}/sponsored-claim`, { request: typed.message, signature });
}

async function passkeyStep(run) {
  try {
    return await run();
  } catch (error) {
    // The browser's own refusals (cancelled, timed out, not allowed) are DOMExceptions: ask to try again.
    if (error instanceof DOMException) throw Object.assign(new Error("cancelled"), { cancelled: true });
    throw error;
  }
}

async function passkeyAccount(make) {
  state.account = (await passkeyStep(make)).address;
}

async function card() {
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    const cards = await get("/me/cards");
    const fresh = cards.find((c) => !state.before.has(`${c.collection_id}/${c.token_id}`));
    if (fresh) {
      state.card = fresh;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new WalletError("timeout");
}

// The walks to a card. Each step: key → texts claim.step.<key>, claim.step.<key>.hint (or `hint`); run() does it.
const PATHS = {
  wallet: [
    { key: "wallet", run: connectWallet },
    { key: "sign_in", run: signIn },
    { key: "claim", run: claim },
    { key: "card", run: card },
  ],
  wallet_free: [
    { key: "wallet", run: connectWallet },
    { key: "sign_in", run: signIn },
    // a claim link's voucher needs no signature; a poster's open campaign, a claim request the wallet signs
    { key: "claim_free", hint: () => (state.token ? null : "claim.step.claim_free_wallet.hint"), run: claimFree },
    { key: "card", run: card },
  ],
  passkey_create: [
    { key: "account", run: () => passkeyAccount(createPasskeyAccount) },
    // a poster's open campaign: a claim request the passkey signs
    { key: "claim_free", hint: () => (state.token ? null : "claim.step.claim_free_passkey.hint"), run: claimFree },
    { key: "card", hint: () => "claim.step.card_account.hint", run: card },
  ],
  passkey_signin: [
    { key: "account", run: () => passkeyAccount(signInWithPasskey) },
    { key: "claim_free", hint: () => (state.token ? null : "claim.step.claim_free_passkey.hint"), run: claimFree },
    { key: "card", hint: () => "claim.step.card_account.hint", run: card },
  ],
};

const covered = () => Boolean(state.cover && state.cover.covered);
// A passkey account has no native token: only a claim the town pays takes it to a card (a claim link's voucher,
// which the relayer sends without the resident's signature, or a poster's claim request the passkey signs).
const passkeyPath = () => covered() && state.wallets.length === 0 && passkeysSupported();

/** The path shown before the walk starts: the first choice the buttons offer. */
function defaultPath() {
  if (passkeyPath()) return "passkey_create";
  return covered() ? "wallet_free" : "wallet";
}

const steps = () => PATHS[state.path || defaultPath()];

function drawOffer() {
  const box = $("claim-offer");
  if (!state.token && state.campaignId === null) {
    fill(box, h("div", { class: "notice error", role: "alert", text: t("claim.no_link") }));
    return;
  }
  if (state.lookFailed) {
    fill(box, h("div", { class: "notice error", role: "alert", "data-code": state.lookFailed.code || "",
      text: said(state.lookFailed) }));
    return;
  }
  const info = state.info;
  const children = [];
  if (info) {
    children.push(h("p", { class: "lead", text: t("claim.offer", { town: localized(info, "town"),
      campaign: localized(info) }) }));
    children.push(h("p", {}, h("a", { id: "claim-town", href: `/town/${encodeURIComponent(info.town_slug)}`,
      text: t("claim.about_town", { town: localized(info, "town") }) })));
    if (info.used) {
      children.push(h("div", { class: "notice warn", "data-code": "claim_link_used", role: "status",
        text: t("claim.used", { date: formatDate(info.used_at) }) }));
    }
  }
  if (covered()) {
    children.push(h("p", { class: "notice ok", "data-testid": "claim-free-fee", text: t("claim.free_fee", {
      town: info ? localized(info, "town") : "" }) }));
  }
  children.push(h("p", { text: t(passkeyPath() ? "claim.passkey_explain" : "claim.explain") }));
  fill(box, ...children);
}

function drawSteps() {
  fill($("claim-steps"), ...steps().map((step) => h("li", { "data-step": step.key,
    "data-state": state.states[step.key] || "waiting" },
  h("div", {}, h("strong", { text: t(`claim.step.${step.key}`) }),
    h("div", { class: "muted small", text: t((step.hint && step.hint()) || `claim.step.${step.key}.hint`) })))));
  const message = $("claim-message");
  if (state.message) {
    const [kind, text] = state.message;
    fill(message, h("div", { class: `notice ${kind} claim-message`, role: kind === "error" ? "alert" : "status",
      text: text() }));
  } else {
    fill(message);
  }
  const actions = $("claim-actions");
  if (state.done) {
    fill(actions, h("a", { class: "button primary", href: "/", id: "claim-open-card", text: t("claim.open_card") }));
  } else if (!state.lookFailed && (state.token || state.campaignId !== null)) {
    fill(actions, ...choices());
  } else {
    fill(actions);
  }
}

/** The buttons: the fee-free way first when the town pays; a retry goes on along the path that failed. */
function choices() {
  const button = (id, cls, key, path) => h("button", { type: "button", class: `${cls} wide`, id, disabled: state.busy,
    text: t(key), onclick: () => walk(path) });
  if (state.failed && state.path) return [button("claim-start", "primary", "claim.retry", state.path)];
  if (passkeyPath()) {
    return [button("claim-passkey", "primary", "claim.passkey_create", "passkey_create"),
      button("claim-passkey-signin", "secondary", "claim.passkey_signin", "passkey_signin")];
  }
  if (covered()) {
    return [button("claim-start", "primary", "claim.start_free", "wallet_free"),
      button("claim-pay-myself", "secondary", "claim.pay_myself", "wallet")];
  }
  return [button("claim-start", "primary", "claim.start", "wallet")];
}

function draw() {
  drawOffer();
  drawSteps();
}

async function walk(path) {
  if (state.path !== path) state.states = {}; // another path starts from its first step
  state.path = path;
  state.busy = true;
  state.failed = false;
  state.message = null;
  draw();
  for (const step of steps()) {
    if (state.states[step.key] === "done") continue; // a retry goes on where it stopped
    state.states[step.key] = "active";
    draw();
    try {
      await step.run();
      state.states[step.key] = "done";
    } catch (error) {
      state.states[step.key] = "failed";
      state.failed = true;
      state.busy = false;
      if (error.offer) {
        const offer = error.offer;
        state.message = ["warn", () => (lang() === "ja" ? offer.message_ja : offer.message_en)];
      } else if (error instanceof WalletError && error.kind === "no_wallet") {
        state.message = ["warn", () => t("claim.no_wallet")];
      } else if (error.cancelled) {
        state.message = ["error", () => t("claim.passkey_cancelled")];
      } else {
        state.message = ["error", () => said(error)];
      }
      draw();
      return;
    }
  }
  state.busy = false;
  state.done = true;
  state.message = ["ok", () => t("claim.done", { collection: state.card.symbol || "", token: state.card.token_id })];
  draw();
  $("claim-open-card").focus();
}

async function start() {
  await initPage(["claim"]);
  Object.assign(state, target());
  state.config = await get("/web/config");
  if (state.token) {
    try {
      state.info = await post("/claim-links/look", { token: state.token });
    } catch (error) {
      state.lookFailed = error;
    }
  }
  const campaignId = state.info ? state.info.campaign_id : state.campaignId;
  const [cover, wallets] = await Promise.all([
    campaignId === null || campaignId === undefined ? null
      : get(`/campaigns/${campaignId}/sponsorship`).catch(() => null), // no answer: the wallet path as before
    discoverWallets()]);
  state.cover = cover;
  state.wallets = wallets;
  window.addEventListener("langchange", draw);
  draw();
  document.body.dataset.ready = "true";
}

start();
