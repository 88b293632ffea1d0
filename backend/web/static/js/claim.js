// The claim page (/claim#<token> from a claim link, /claim#campaign-<id> from a poster): says what the link
// is, then walks someone with no card to one — connect a wallet (EIP-6963, wallet.js), sign in, claim, see
// the card. STEPS is the list the page walks: each step has a key (its texts: claim.step.<key>) and a run()
// that resolves when it is done; another way to a card (a passkey wallet) is another list of steps.

import { ApiError, get, post } from "./api.js";
import { errorText, formatDate, lang, localized, t } from "./i18n.js";
import { fill, h, initPage } from "./page.js";
import { Wallet, WalletError, discoverWallets } from "./wallet.js";

const $ = (id) => document.getElementById(id);
const state = { token: "", campaignId: null, info: null, config: null, wallet: null, states: {}, message: null,
  failed: false, done: false, reverts: {}, chainId: null };

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

// The walk to a card. Each step: key → texts claim.step.<key>, claim.step.<key>.hint; run() does it.
const STEPS = [
  { key: "wallet", run: connectWallet },
  { key: "sign_in", run: signIn },
  { key: "claim", run: claim },
  { key: "card", run: card },
];

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
  children.push(h("p", { text: t("claim.explain") }));
  fill(box, ...children);
}

function drawSteps() {
  fill($("claim-steps"), ...STEPS.map((step) => h("li", { "data-step": step.key,
    "data-state": state.states[step.key] || "waiting" },
  h("div", {}, h("strong", { text: t(`claim.step.${step.key}`) }),
    h("div", { class: "muted small", text: t(`claim.step.${step.key}.hint`) })))));
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
    fill(actions, h("button", { type: "button", class: "primary wide", id: "claim-start", disabled: state.busy,
      text: t(state.failed ? "claim.retry" : "claim.start"), onclick: walk }));
  } else {
    fill(actions);
  }
}

function draw() {
  drawOffer();
  drawSteps();
}

async function walk() {
  state.busy = true;
  state.failed = false;
  state.message = null;
  draw();
  for (const step of STEPS) {
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
  window.addEventListener("langchange", draw);
  draw();
  document.body.dataset.ready = "true";
}

start();
