// The holder app at "/": connect a wallet, sign in (EIP-4361), my cards, my perks with a QR pass that
// renews itself, open campaigns (claim through the wallet), the forum. Optional areas (residency, civic)
// add sections through modules static/js/holder_*.js exporting mount(container, ctx) (see README.md).
// Signed in, the page is five sections a phone moves between with the bar (SECTIONS): the address's
// fragment names the one shown (#perks), so a reload or the back button keeps it.

import { ApiError, api, get, post } from "./api.js";
import { applyTranslations, errorText, formatDate, has, lang, loadCatalogs, localized, t } from "./i18n.js";
import { fill, h, initPage } from "./page.js";
import { Wallet, WalletError, discoverWallets } from "./wallet.js";
import { PasskeyError, createPasskeyAccount, passkeysSupported, signInWithPasskey, signTypedDataWithPasskey } from "./passkey.js";

const $ = (id) => document.getElementById(id);
// Where to go once signed in (e.g. the forum's sign-in, /forum/sso?...): the server puts `?next=` here
// only when it is a path on this site (backend/web/pages.py), so it can never lead to another origin.
const NEXT_PATH = document.body.dataset.next || null;
const PASS_RENEW_FOR_MS = 10 * 60 * 1000; // a shown pass renews itself for at most 10 minutes (then "New pass")
const PASS_RETRY_MS = 4000;
const SECTIONS = ["card", "perks", "activities", "news", "settings"];
const DEFAULT_EXTENSION_SECTION = "activities";

const state = {
  config: null,
  me: null, // {address, session_expires_at} once signed in
  wallet: null,
  cards: [],
  perks: [],
  campaigns: [],
  notice: null, // () => [kind, text]: re-rendered on a language change
  pass: null,
  claims: {}, // campaign id → progress of a claim in this visit
};

// --- messages ------------------------------------------------------------------------------------------
function showNotice(kind, render) {
  state.notice = { kind, render };
  renderNotice();
}

function clearNotice() {
  state.notice = null;
  renderNotice();
}

function renderNotice() {
  const box = $("notice");
  if (!state.notice) {
    fill(box);
    return;
  }
  const { kind, render } = state.notice;
  fill(box, h("div", { class: `notice ${kind}` },
    kind === "error" ? h("span", { class: "notice-title", text: t("common.error.title") }) : null,
    h("p", { text: render() })));
}

/** The text for any failure: a wallet's or the passkey page's (by kind), the backend's (its own en/ja
 * message), the browser's passkey refusal, or unexpected. */
function failureText(error) {
  if (error instanceof WalletError) {
    return t(`wallet.error.${error.kind}`, { chain: state.config.chain_name, chain_id: state.config.chain_id });
  }
  if (error instanceof PasskeyError) return t(`passkey.error.${error.kind}`);
  // The browser's own refusals of a passkey prompt (cancelled, timed out, not allowed) are DOMExceptions.
  if (error instanceof DOMException && state.me && state.me.passkey) return t("holder.passkey.cancelled");
  if (error instanceof ApiError) return errorText(error);
  console.error(error);
  return t("common.error.unexpected");
}

function shortAddress(address) {
  return address ? `${address.slice(0, 6)}…${address.slice(-4)}` : "";
}

// --- not signed in: wallet, network, sign-in -----------------------------------------------------------
function showWelcome() {
  $("home").hidden = true;
  $("welcome").hidden = false;
  $("session").hidden = true;
  for (const id of ["wallet-choice", "no-wallet", "wrong-chain", "sign-in"]) $(id).hidden = true;
  $("connect-step").hidden = false;
  offerPasskey();
}

/** The passkey path: the first choice (above the wallet's) when no wallet extension answers, else an option. */
async function offerPasskey() {
  const panel = $("passkey-step");
  if (!passkeysSupported()) return;
  const wallets = await discoverWallets();
  const hero = $("connect-step").closest(".panel");
  if (wallets.length === 0) {
    hero.before(panel);
    $("passkey-create").className = "primary wide";
    $("connect").className = "secondary wide";
  } else {
    $("wallet-choice").before(panel);
    $("passkey-create").className = "secondary wide";
    $("connect").className = "primary wide";
  }
  panel.hidden = false;
}

async function withPasskey(action) {
  clearNotice();
  const status = $("passkey-status");
  for (const id of ["passkey-create", "passkey-signin"]) $(id).disabled = true;
  status.dataset.i18n = "holder.passkey.waiting";
  status.textContent = t("holder.passkey.waiting");
  try {
    await action();
    if (NEXT_PATH) {
      location.assign(NEXT_PATH);
      return;
    }
    state.me = await get("/me");
    $("passkey-step").hidden = true;
    await showHome();
  } catch (error) {
    // The browser's own refusals (cancelled, timed out, not allowed) are DOMExceptions: ask to try again.
    if (error instanceof DOMException) showNotice("error", () => t("holder.passkey.cancelled"));
    else showNotice("error", () => failureText(error));
  } finally {
    for (const id of ["passkey-create", "passkey-signin"]) $(id).disabled = false;
    delete status.dataset.i18n;
    status.textContent = "";
  }
}

function onlyPanel(id) {
  for (const other of ["wallet-choice", "no-wallet", "wrong-chain", "sign-in"]) $(other).hidden = other !== id;
  // Once a wallet is connected the next step is in its panel: the connect button would only distract.
  $("connect-step").hidden = id === "wrong-chain" || id === "sign-in";
}

async function connect() {
  clearNotice();
  const button = $("connect");
  button.disabled = true;
  try {
    const wallets = await discoverWallets();
    if (wallets.length === 0) {
      onlyPanel("no-wallet");
      $("no-wallet-title").focus(); // screen readers read the guidance next
      return;
    }
    if (wallets.length === 1) {
      await useWallet(wallets[0]);
      return;
    }
    onlyPanel("wallet-choice");
    fill($("wallet-list"), ...wallets.map((found) => h("li", {},
      h("button", { type: "button", onclick: () => useWallet(found) },
        found.info.icon ? h("img", { src: found.info.icon, alt: "", width: 32, height: 32 }) : null,
        h("span", { text: found.info.name || t("holder.wallet.unnamed") })))));
  } finally {
    button.disabled = false;
  }
}

function watchWallet(wallet) {
  wallet.on("accountsChanged", async (accounts) => {
    const next = accounts && accounts[0];
    if (state.me) {
      if (!next || next.toLowerCase() !== state.me.address.toLowerCase()) {
        await signOut({ quiet: true });
        showNotice("warn", () => t("holder.account_changed"));
      }
      return;
    }
    wallet.address = next || null;
    if (!$("welcome").hidden && wallet.address) await checkChain();
  });
  wallet.on("chainChanged", async () => {
    if (!state.me && !$("welcome").hidden && wallet.address) await checkChain();
  });
}

async function useWallet(found) {
  clearNotice();
  const wallet = new Wallet(found);
  if (state.wallet && state.wallet.provider === found.provider) {
    wallet.address = state.wallet.address;
  } else {
    watchWallet(wallet);
  }
  state.wallet = wallet;
  try {
    await wallet.connect();
    await checkChain();
  } catch (error) {
    showNotice("error", () => failureText(error));
  }
}

async function checkChain() {
  const wallet = state.wallet;
  const current = await wallet.chainId();
  const { chain_id: expected, chain_name: name } = state.config;
  if (current !== expected) {
    onlyPanel("wrong-chain");
    $("wrong-chain").dataset.current = String(current);
    renderChainPanel();
    $("switch-chain").focus(); // the button that was focused (connect) is gone: keyboard users go on here
    return false;
  }
  onlyPanel("sign-in");
  renderSignInPanel();
  $("sign-in-button").focus();
  return true;
}

function renderChainPanel() {
  const { chain_id: expected, chain_name: name } = state.config;
  $("wrong-chain-body").textContent = t("holder.chain.body", { current: $("wrong-chain").dataset.current, expected, name });
  $("switch-chain").textContent = t("holder.chain.switch", { name });
}

function renderSignInPanel() {
  $("sign-in-account").textContent = state.wallet && state.wallet.address
    ? t("holder.signin.account", { address: state.wallet.address }) : "";
}

async function switchChain() {
  clearNotice();
  $("switch-chain").disabled = true;
  try {
    await state.wallet.switchChain(state.config);
    await checkChain();
  } catch (error) {
    showNotice("error", () => failureText(error));
  } finally {
    $("switch-chain").disabled = false;
  }
}

async function signIn() {
  clearNotice();
  const button = $("sign-in-button");
  const status = $("sign-in-status");
  button.disabled = true;
  status.dataset.i18n = "holder.signin.waiting";
  status.textContent = t("holder.signin.waiting");
  try {
    await state.wallet.signIn(state.config);
    if (NEXT_PATH) {
      location.assign(NEXT_PATH);
      return;
    }
    state.me = await get("/me");
    await showHome();
  } catch (error) {
    if (error instanceof WalletError && error.kind === "rejected") {
      showNotice("error", () => t("holder.signin.rejected"));
    } else if (error instanceof WalletError && error.kind === "wrong_chain") {
      await checkChain();
    } else {
      showNotice("error", () => failureText(error));
    }
  } finally {
    button.disabled = false;
    delete status.dataset.i18n;
    status.textContent = "";
  }
}

async function signOut({ quiet = false } = {}) {
  closePass();
  try {
    await post("/auth/logout");
  } catch (_) { /* the session ends on the server anyway when it expires; the page forgets it now */ }
  state.me = null;
  state.cards = [];
  state.perks = [];
  for (const slot of document.querySelectorAll("#home .extension-slot")) fill(slot);
  showWelcome();
  if (!quiet) showNotice("info", () => t("holder.signed_out"));
}

// --- signed in -------------------------------------------------------------------------------------------
async function showHome() {
  clearNotice();
  $("welcome").hidden = true;
  $("home").hidden = false;
  $("session").hidden = false;
  renderWho();
  await refreshHome();
  await mountExtensions();
}

function renderWho() {
  if (!state.me) return;
  $("who").textContent = t("holder.signed_in_as", { address: shortAddress(state.me.address) });
  $("settings-who").textContent = t("holder.signed_in_as", { address: state.me.address });
}

// --- sections ---------------------------------------------------------------------------------------------
function sectionOfAddress() {
  const name = location.hash.slice(1);
  return SECTIONS.includes(name) ? name : null;
}

/** Shows one section (and marks its link); `focus`: its first heading takes the focus, as after a page
 * change, so a screen reader goes on there. */
function showSection(name, { focus = false } = {}) {
  for (const panel of document.querySelectorAll(".holder-section")) panel.hidden = panel.dataset.section !== name;
  for (const link of document.querySelectorAll("[data-section-link]")) {
    if (link.dataset.sectionLink === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.body.dataset.section = name;
  if (focus) {
    const heading = $(`section-${name}`).querySelector("h1, h2");
    if (heading) {
      if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
    }
    window.scrollTo(0, 0);
  }
}

function wireSections() {
  for (const link of document.querySelectorAll("[data-section-link]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault(); // the fragment names a section, not an element to scroll to
      const name = link.dataset.sectionLink;
      if (location.hash !== `#${name}`) history.pushState(null, "", `#${name}`);
      showSection(name, { focus: true });
    });
  }
  // Back and forward between sections; other fragments (the skip link's #main) leave the section as it is.
  window.addEventListener("popstate", () => showSection(sectionOfAddress() || "card"));
  window.addEventListener("hashchange", () => {
    const name = sectionOfAddress();
    if (name) showSection(name);
  });
  showSection(sectionOfAddress() || "card");
}

function renderTownLinks() {
  const seen = new Map();
  for (const card of state.cards) if (card.municipality_slug) seen.set(card.municipality_slug, card);
  fill($("settings-towns"), ...[...seen.values()].map((card) => h("p", { class: "small" },
    h("a", { href: `/town/${encodeURIComponent(card.municipality_slug)}`,
      text: t("holder.card.town", { town: localized(card, "municipality_name") || card.symbol }) }))));
}

async function refreshHome() {
  try {
    const [cards, perks] = await Promise.all([get("/me/cards"), get("/me/perks")]);
    state.cards = cards;
    state.perks = perks;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      state.me = null;
      showWelcome();
    }
    showNotice("error", () => failureText(error));
    return;
  }
  try {
    state.campaigns = await get("/campaigns");
  } catch (error) {
    state.campaigns = null; // no campaign API on this server (404), or it failed: the section stays hidden
  }
  // Whether the town pays each campaign's fee: the fee-free button comes first where it does. No answer
  // counts as "not covered" (the wallet path as before).
  const covers = await Promise.all((state.campaigns || []).map((c) => get(`/campaigns/${c.id}/sponsorship`)
    .catch(() => null)));
  state.covers = Object.fromEntries((state.campaigns || []).map((c, i) => [c.id, covers[i]]));
  renderHome();
}

function renderHome() {
  renderCards();
  renderPerks();
  renderCampaigns();
  renderForums();
  renderTownLinks();
}

function tierName(tier) {
  return has(`holder.tier.${tier}`) ? t(`holder.tier.${tier}`) : t("holder.tier.other", { tier });
}

function renderCards() {
  const box = $("cards");
  if (!state.cards.length) {
    fill(box, h("p", { class: "panel muted", text: t("holder.cards.none") }));
    return;
  }
  fill(box, ...state.cards.map((card) => {
    const badges = h("div", { class: "badges" },
      card.valid_now ? h("span", { class: "badge ok", text: t("holder.card.valid") })
        : h("span", { class: "badge bad", text: has(`holder.invalid.${card.invalid_reason}`)
          ? t(`holder.invalid.${card.invalid_reason}`) : card.invalid_reason }),
      h("span", { class: "badge info", text: card.soulbound ? t("holder.card.soulbound") : t("holder.card.tradable") }));
    const facts = h("dl", { class: "card-facts" },
      h("dt", { text: t("holder.card.number") }), h("dd", { class: "resident-number", text: `No. ${card.resident_number}` }),
      h("dt", { text: t("holder.card.tier") }), h("dd", { text: tierName(card.tier) }),
      h("dt", { text: t("holder.card.validity") }),
      h("dd", { text: card.expires_at ? t("holder.card.until", { date: formatDate(card.expires_at) }) : t("holder.card.no_expiry") }),
      h("dt", { text: t("holder.card.issued") }), h("dd", { text: card.issued_at ? formatDate(card.issued_at) : "—" }));
    return h("article", { class: "panel card-view", "data-token-id": card.token_id, "data-collection-id": card.collection_id },
      card.image ? h("img", { class: "card-image", src: card.image,
        alt: t("holder.card.image_alt", { number: card.resident_number }) }) : null,
      h("div", {},
        h("h2", { text: localized(card, "municipality_name") || card.symbol }),
        localized(card, "collection_name") !== localized(card, "municipality_name")
          ? h("p", { class: "muted", text: localized(card, "collection_name") }) : null,
        badges, facts,
        card.soulbound ? h("p", { class: "muted small", text: t("holder.card.soulbound_hint") }) : null,
        card.municipality_slug ? h("p", { class: "small" }, h("a", { class: "town-link",
          href: `/town/${encodeURIComponent(card.municipality_slug)}`,
          text: t("holder.card.town", { town: localized(card, "municipality_name") || card.symbol }) })) : null));
  }));
}

function renderPerks() {
  const box = $("perks");
  if (!state.perks.length) {
    fill(box, h("p", { class: "panel muted", text: t("holder.perks.none") }));
    return;
  }
  const manyCards = new Set(state.perks.map((entry) => `${entry.collection_id}/${entry.token_id}`)).size > 1;
  fill(box, ...state.perks.map((entry) => {
    const perk = entry.perk;
    const venues = perk.venues.map((venue) => localized(venue)).join(lang() === "ja" ? "、" : ", ");
    const message = lang() === "ja" ? entry.message_ja : entry.message_en;
    return h("article", { class: "panel perk", "data-perk-id": perk.id, "data-usable": String(entry.usable_now) },
      h("h3", { text: localized(perk) }),
      manyCards ? h("p", { class: "muted small", text: t("holder.pass.resident", { number: entry.resident_number }) }) : null,
      h("p", { text: localized(perk, "description") }),
      venues ? h("p", { class: "muted small", text: t("holder.perk.venues", { venues }) }) : null,
      h("div", { class: "badges" }, entry.usable_now
        ? h("span", { class: "badge ok", text: t("holder.perk.usable") })
        : h("span", { class: "badge bad", text: t("holder.perk.not_usable") })),
      entry.usable_now ? null : h("p", { class: "why", text: message }),
      entry.usable_now && entry.needs_pass
        ? h("div", { class: "actions" }, h("button", { type: "button", class: "primary", "data-action": "show-pass",
          text: t("holder.perk.show_pass"), onclick: () => openPass(entry) }))
        : null,
      entry.usable_now && !entry.needs_pass ? h("p", { class: "muted small", text: t("holder.perk.online") }) : null);
  }));
}

function renderForums() {
  const seen = new Map();
  for (const card of state.cards) for (const forum of card.forums || []) seen.set(forum.url, forum);
  const box = $("forums");
  if (!seen.size) {
    fill(box, h("p", { class: "muted", text: t("holder.forum.none") }));
    return;
  }
  fill(box, h("p", { text: t("holder.forum.body") }), h("div", { class: "actions" },
    ...[...seen.values()].map((forum) => h("a", { class: "button secondary", href: forum.url, rel: "noopener",
      "data-forum": forum.url, text: t("holder.forum.open", { name: forum.name || forum.url }) }))));
}

// --- the pass ---------------------------------------------------------------------------------------------
function openPass(entry) {
  closePass();
  state.pass = { entry, data: null, deadline: 0, openedAt: performance.now(), renewing: false, tick: null, qrUrl: null };
  $("pass-dialog").showModal();
  renderPassHeader();
  fetchPass();
  state.pass.tick = setInterval(tickPass, 250);
}

function renderPassHeader() {
  const pass = state.pass;
  if (!pass) return;
  $("pass-perk").textContent = localized(pass.entry.perk);
  $("pass-resident").textContent = t("holder.pass.resident", { number: pass.entry.resident_number });
  $("pass-qr").alt = t("holder.pass.qr_alt", { perk: localized(pass.entry.perk) });
}

async function fetchPass() {
  const pass = state.pass;
  if (!pass || pass.renewing) return;
  pass.renewing = true;
  const status = $("pass-status");
  if (pass.data) status.textContent = t("holder.pass.refreshing");
  try {
    const data = await post(`/me/perks/${pass.entry.perk.id}/pass`,
      { collection: pass.entry.collection_id, token_id: pass.entry.token_id });
    if (state.pass !== pass) return; // closed meanwhile
    pass.data = data;
    // Count down by the server's clock: the phone's own clock may be minutes off.
    pass.deadline = performance.now() + data.valid_for * 1000;
    pass.error = null;
    showPassCode(data);
    status.textContent = "";
  } catch (error) {
    if (state.pass !== pass) return;
    pass.error = error;
    pass.retryAt = performance.now() + PASS_RETRY_MS;
    status.textContent = t("holder.pass.refresh_failed", { reason: failureText(error) });
  } finally {
    pass.renewing = false;
    tickPass();
  }
}

function showPassCode(data) {
  const pass = state.pass;
  if (pass.qrUrl) URL.revokeObjectURL(pass.qrUrl);
  pass.qrUrl = URL.createObjectURL(new Blob([data.qr_svg], { type: "image/svg+xml" }));
  const img = $("pass-qr");
  img.src = pass.qrUrl;
  img.dataset.pass = data.pass;
  img.classList.remove("expired");
  $("pass-text").textContent = data.desk_code;
  $("pass-code").hidden = false;
  $("pass-dialog").dataset.state = "live";
  $("pass-live").hidden = false;
  $("pass-expired").hidden = true;
  $("pass-new").hidden = true;
}

function tickPass() {
  const pass = state.pass;
  if (!pass || !pass.data) return;
  const now = performance.now();
  const left = Math.max(0, Math.ceil((pass.deadline - now) / 1000));
  if (left <= 0) {
    expirePass();
    return;
  }
  $("pass-countdown").textContent = t("holder.pass.remaining", { seconds: left });
  $("pass-bar").style.transform = `scaleX(${Math.min(1, left / state.config.pass_lifetime)})`;
  const renewing = now - pass.openedAt < PASS_RENEW_FOR_MS;
  // A new code is fetched this long before the shown one expires (RESIDENT_PASS_RENEW_MARGIN).
  if (renewing && left <= state.config.pass_renew_margin && !pass.renewing && (!pass.error || now >= pass.retryAt)) fetchPass();
}

function expirePass() {
  const dialog = $("pass-dialog");
  if (dialog.dataset.state === "expired") return;
  dialog.dataset.state = "expired";
  const img = $("pass-qr");
  img.classList.add("expired");
  delete img.dataset.pass;
  $("pass-text").textContent = ""; // an expired code must not be typed in at the desk either
  $("pass-code").hidden = true;
  $("pass-live").hidden = true;
  $("pass-expired").hidden = false;
  $("pass-new").hidden = false;
  $("pass-new").focus();
}

function newPass() {
  const pass = state.pass;
  if (!pass) return;
  pass.openedAt = performance.now();
  pass.error = null;
  fetchPass();
}

function closePass() {
  const pass = state.pass;
  if (!pass) return;
  clearInterval(pass.tick);
  if (pass.qrUrl) URL.revokeObjectURL(pass.qrUrl);
  state.pass = null;
  const dialog = $("pass-dialog");
  if (dialog.open) dialog.close();
  delete dialog.dataset.state;
  $("pass-qr").removeAttribute("src");
  delete $("pass-qr").dataset.pass;
  $("pass-text").textContent = "";
  $("pass-status").textContent = "";
  $("pass-countdown").textContent = "";
}

// --- campaigns ---------------------------------------------------------------------------------------------
function formatEther(wei) {
  const value = BigInt(wei);
  const whole = value / 10n ** 18n;
  const fraction = (value % 10n ** 18n).toString().padStart(18, "0").replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}

function renderCampaigns() {
  const area = $("campaigns-area");
  if (!Array.isArray(state.campaigns)) {
    area.hidden = true;
    return;
  }
  area.hidden = false;
  const box = $("campaigns");
  if (!state.campaigns.length) {
    fill(box, h("p", { class: "panel muted", text: t("holder.campaigns.none") }));
    return;
  }
  const symbol = (state.config.add_chain && state.config.add_chain.nativeCurrency.symbol) || "ETH";
  fill(box, ...state.campaigns.map((campaign) => {
    const price = BigInt(campaign.price_wei || 0);
    // The number shown is the on-chain id, the one staff and the scripts use; campaign.id is only the URL's.
    const article = h("article", { class: "panel", "data-campaign-id": campaign.id, "data-number": campaign.onchain_id },
      h("h3", { text: localized(campaign) }),
      h("p", { class: "muted small campaign-number", text: t("holder.campaign.number", { number: campaign.onchain_id }) }),
      h("p", { class: "muted small", text: t("holder.campaign.period", {
        start: formatDate(campaign.starts_at), end: formatDate(campaign.ends_at) }) }),
      h("div", { class: "badges" },
        h("span", { class: "badge info", text: price === 0n ? t("holder.campaign.free")
          : t("holder.campaign.price", { price: formatEther(price), symbol }) }),
        campaign.remaining !== null && campaign.remaining !== undefined
          ? h("span", { class: "badge info", text: t("holder.campaign.remaining", { count: campaign.remaining }) }) : null,
        has(`holder.campaign.mode.${campaign.mode}`)
          ? h("span", { class: "badge info", text: t(`holder.campaign.mode.${campaign.mode}`) }) : null));
    const claimed = state.claims[campaign.id];
    const busy = Boolean(claimed && claimed.busy);
    const cover = state.covers && state.covers[campaign.id];
    const covered = Boolean(cover && cover.covered);
    // A passkey account holds no native token: it claims only when the town pays the fee (the relayer sends
    // claimWithVoucher, or claimFor with a claim request the passkey signs); "pay the fee myself" is a
    // wallet's second choice.
    const passkey = Boolean(state.me && state.me.passkey);
    const buttons = [];
    if (covered) {
      buttons.push(h("button", { type: "button", class: "primary", "data-action": "claim-free",
        text: t("holder.campaign.claim_free"), disabled: busy, onclick: () => claimFree(campaign) }));
    }
    if (!passkey) {
      buttons.push(h("button", { type: "button", class: buttons.length ? "secondary" : "primary", "data-action": "claim",
        text: t(buttons.length ? "holder.campaign.pay_myself" : "holder.campaign.claim"), disabled: busy,
        onclick: () => claim(campaign) }));
    }
    if (covered) article.querySelector(".badges").append(h("span", { class: "badge ok", text: t("holder.campaign.free_fee") }));
    if (!(claimed && claimed.done)) {
      if (buttons.length) article.append(h("div", { class: "actions" }, ...buttons));
      else {
        article.append(h("p", { class: "muted small", "data-testid": "campaign-passkey-note",
          text: t("holder.campaign.passkey_needs_fee") }));
      }
    }
    article.append(h("div", { class: "claim-progress", "aria-live": "polite" }, ...claimProgress(campaign.id)));
    return article;
  }));
}

async function ensureWallet() {
  if (state.wallet) return state.wallet;
  const wallets = await discoverWallets();
  if (!wallets.length) throw new WalletError("no_wallet");
  const wallet = new Wallet(wallets[0]);
  watchWallet(wallet);
  state.wallet = wallet;
  return wallet;
}

const CLAIM_STEPS = ["wallet", "sent", "confirmed", "card"];

/** The claim's progress as elements, drawn from state.claims[id] (so a language switch redraws it). */
function claimProgress(id) {
  const claimed = state.claims[id];
  if (!claimed) return [];
  const out = [];
  if (claimed.checking) out.push(h("p", { class: "muted", text: t("holder.claim.checking") }));
  if (claimed.steps) {
    out.push(h("ol", { class: "progress-steps" }, ...(claimed.stepList || CLAIM_STEPS).map((step) => {
      const stepState = claimed.steps[step];
      let text = t(`holder.claim.step.${step}`);
      if (step === "sent") text = claimed.hash ? t("holder.claim.step.sent", { hash: claimed.hash }) : t("holder.claim.step.sent_short");
      if (step === "card" && stepState === "done") text = t("holder.claim.step.card_done");
      return h("li", { "data-step": step, "data-state": stepState, class: step === "sent" && claimed.hash ? "hash" : null, text });
    })));
  }
  if (claimed.result) {
    const [kind, render] = claimed.result;
    out.push(h("div", { class: `notice ${kind} claim-message`, role: kind === "error" ? "alert" : "status" },
      h("p", { text: render() })));
  }
  return out;
}

function redrawClaim(id) {
  const box = document.querySelector(`[data-campaign-id="${id}"] .claim-progress`);
  if (box) fill(box, ...claimProgress(id));
  for (const button of document.querySelectorAll(`[data-campaign-id="${id}"] [data-action^="claim"]`)) {
    button.disabled = Boolean(state.claims[id] && state.claims[id].busy);
  }
}

async function claim(campaign) {
  const claimed = state.claims[campaign.id] = { busy: true, checking: true };
  const update = (changes) => {
    Object.assign(claimed, changes);
    redrawClaim(campaign.id);
  };
  const mark = (step, stepState) => update({ steps: { ...claimed.steps, [step]: stepState } });
  redrawClaim(campaign.id);
  let current = "wallet";
  try {
    const answer = await get(`/me/campaigns/${campaign.id}/claim`);
    if (!answer.eligible) {
      update({ checking: false, result: ["warn", () => (lang() === "ja" ? answer.message_ja : answer.message_en)] });
      return;
    }
    update({ checking: false, steps: { wallet: "active", sent: "waiting", confirmed: "waiting", card: "waiting" } });
    const wallet = await ensureWallet();
    if (!wallet.address) await wallet.connect();
    if (wallet.address.toLowerCase() !== state.me.address.toLowerCase()) throw new Error("wrong_account");
    if ((await wallet.chainId()) !== answer.chain_id) await wallet.switchChain(state.config);
    const before = new Set(state.cards.map((card) => `${card.collection_id}/${card.token_id}`));
    const hash = await wallet.sendTransaction(answer.tx);
    update({ hash });
    mark("wallet", "done");
    current = "sent";
    mark("sent", "done");
    current = "confirmed";
    mark("confirmed", "active");
    await wallet.waitForReceipt(hash);
    mark("confirmed", "done");
    current = "card";
    mark("card", "active");
    const deadline = Date.now() + 60000;
    while (Date.now() < deadline) {
      const cards = await get("/me/cards");
      if (cards.some((card) => !before.has(`${card.collection_id}/${card.token_id}`))) {
        mark("card", "done");
        update({ done: true, result: ["ok", () => t("holder.claim.done")] });
        await refreshHome(); // the campaign keeps its finished progress (state.claims)
        showNotice("ok", () => t("holder.claim.done"));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    throw new WalletError("timeout");
  } catch (error) {
    if (claimed.steps) mark(current, "failed");
    let render;
    if (error.message === "wrong_account") {
      const wallet = state.wallet.address;
      render = () => t("holder.claim.wrong_account", { signed: shortAddress(state.me.address), wallet: shortAddress(wallet) });
    } else {
      render = () => failureText(error);
    }
    update({ checking: false, result: ["error", render] });
  } finally {
    update({ busy: false });
  }
}

/** Waits for a card this page has not seen yet (the indexer's view of the new card). */
async function waitForNewCard(before) {
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    const cards = await get("/me/cards");
    if (cards.some((card) => !before.has(`${card.collection_id}/${card.token_id}`))) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new WalletError("timeout");
}

/** The fee-free claim: the town's relayer sends it (backend/api/holder/sponsored.py). A voucher campaign
 * needs nothing of the holder; an open one a claim request the wallet signs (eth_signTypedData_v4), or the
 * passkey of a passkey account (ERC-7739, passkey.js; the relayer deploys the account first). */
async function claimFree(campaign) {
  const voucher = campaign.mode === "voucher";
  const passkey = Boolean(state.me.passkey);
  const signStep = passkey ? "sign_free_passkey" : "sign_free";
  const stepList = voucher ? ["sent_free", "card"] : [signStep, "sent_free", "card"];
  const claimed = state.claims[campaign.id] = { busy: true, checking: true, stepList };
  const update = (changes) => {
    Object.assign(claimed, changes);
    redrawClaim(campaign.id);
  };
  const mark = (step, stepState) => update({ steps: { ...claimed.steps, [step]: stepState } });
  redrawClaim(campaign.id);
  let current = stepList[0];
  try {
    const answer = await get(`/me/campaigns/${campaign.id}/claim`);
    if (!answer.eligible) {
      update({ checking: false, result: ["warn", () => (lang() === "ja" ? answer.message_ja : answer.message_en)] });
      return;
    }
    update({ checking: false, steps: Object.fromEntries(stepList.map((step, i) => [step, i ? "waiting" : "active"])) });
    const before = new Set(state.cards.map((card) => `${card.collection_id}/${card.token_id}`));
    if (voucher) {
      await post(`/me/campaigns/${campaign.id}/sponsored-voucher-claim`);
    } else {
      const typed = await get(`/me/campaigns/${campaign.id}/sponsored-claim`);
      const signature = passkey ? await signTypedDataWithPasskey(state.me.address, typed) : await signWithWallet(typed);
      mark(signStep, "done");
      current = "sent_free";
      mark("sent_free", "active");
      await post(`/me/campaigns/${campaign.id}/sponsored-claim`, { request: typed.message, signature });
    }
    mark("sent_free", "done");
    current = "card";
    mark("card", "active");
    await waitForNewCard(before);
    mark("card", "done");
    update({ done: true, result: ["ok", () => t("holder.claim.done")] });
    await refreshHome();
    showNotice("ok", () => t("holder.claim.done"));
  } catch (error) {
    if (claimed.steps) mark(current, "failed");
    const render = error.message === "wrong_account"
      ? () => t("holder.claim.wrong_account", { signed: shortAddress(state.me.address), wallet: shortAddress(state.wallet.address) })
      : () => failureText(error);
    update({ checking: false, result: ["error", render] });
  } finally {
    update({ busy: false });
  }
}

async function signWithWallet(typed) {
  const wallet = await ensureWallet();
  if (!wallet.address) await wallet.connect();
  if (wallet.address.toLowerCase() !== state.me.address.toLowerCase()) throw new Error("wrong_account");
  return wallet.signTypedData(typed);
}

// --- optional areas -----------------------------------------------------------------------------------------
/** The container of an optional area in a section's slot: `export const section = "news"` in the module
 * names it (activities when it names none); ctx.area("settings") gives the module a second one there. */
function areaIn(sectionName, file) {
  const name = SECTIONS.includes(sectionName) ? sectionName : DEFAULT_EXTENSION_SECTION;
  const container = h("section", { class: "extension", "data-extension": file });
  document.querySelector(`#section-${name} .extension-slot`).append(container);
  return container;
}

async function mountExtensions() {
  for (const slot of document.querySelectorAll("#home .extension-slot")) fill(slot);
  const base = {
    api: { api, get, post, ApiError }, t, lang, has, localized, errorText, formatDate, loadCatalogs, applyTranslations,
    h, fill, me: state.me, cards: state.cards, config: state.config, wallet: ensureWallet, failureText,
  };
  for (const file of (state.config.extensions && state.config.extensions.holder) || []) {
    let container = null;
    try {
      const module = await import(`./${file}`);
      container = areaIn(module.section, file);
      const ctx = { ...base, area: (sectionName) => areaIn(sectionName, `${file}#${sectionName}`) };
      await module.mount(container, ctx);
    } catch (error) {
      console.error(`holder extension ${file}`, error);
      if (container) fill(container);
    }
  }
}

// --- start --------------------------------------------------------------------------------------------------
function rerender() {
  renderNotice();
  if (!$("wrong-chain").hidden) renderChainPanel();
  if (!$("sign-in").hidden) renderSignInPanel();
  if (state.me) {
    renderWho();
    renderHome();
  }
  renderPassHeader();
  if (state.pass) {
    const pass = state.pass;
    $("pass-status").textContent = pass.error ? t("holder.pass.refresh_failed", { reason: failureText(pass.error) }) : "";
    tickPass();
  }
}

async function start() {
  await initPage(["holder"]);
  window.addEventListener("langchange", rerender);
  $("connect").addEventListener("click", connect);
  $("look-again").addEventListener("click", connect);
  $("switch-chain").addEventListener("click", switchChain);
  $("sign-in-button").addEventListener("click", signIn);
  $("passkey-create").addEventListener("click", () => withPasskey(createPasskeyAccount));
  $("passkey-signin").addEventListener("click", () => withPasskey(signInWithPasskey));
  $("sign-out").addEventListener("click", () => signOut());
  $("settings-sign-out").addEventListener("click", () => signOut());
  wireSections();
  $("pass-new").addEventListener("click", newPass);
  $("pass-close").addEventListener("click", closePass);
  $("pass-dialog").addEventListener("close", closePass);
  try {
    state.config = await get("/web/config");
  } catch (error) {
    showWelcome();
    showNotice("error", () => failureText(error));
    return;
  }
  try {
    state.me = await get("/me");
  } catch (error) {
    state.me = null;
  }
  if (state.me && NEXT_PATH) {
    location.assign(NEXT_PATH); // signed in already (another tab): straight on
    return;
  }
  if (state.me) await showHome();
  else showWelcome();
  if (!state.me && NEXT_PATH) showNotice("info", () => t("holder.signin.next"));
  document.body.dataset.ready = "true";
}

start();
