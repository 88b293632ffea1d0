// The console's Transactions tab: what the backend is sending for the municipality (GET
// /staff/municipalities/{id}/transactions): stuck, pending, failed (why, in plain words) and recently
// confirmed transactions with their explorer links, and each key that pays the fees with its balance and a
// warning, with what to do, when it runs low. It asks again every few seconds while the page is in view, so a
// transaction moves from pending to confirmed without a reload. Amounts are wei strings (BigInt, never floats).
// Texts: i18n/transactions.json.

import { tokens } from "./console_sponsorship.js";

export const catalog = "transactions";
export const titleKey = "transactions.tab";

const POLL_MS = 4000;
const GROUPS = ["stuck", "pending", "failed", "confirmed"];
const BADGE = { stuck: "warn", pending: "info", failed: "bad", confirmed: "ok" };
const PURPOSES = ["issue", "issueBatch", "issueWithPolicy", "reissue", "renew", "setExpiry", "setTier", "revoke",
  "createCampaign", "setCampaignPaused", "closeCampaign", "claimFor", "grantRole", "revokeRole", "cancel"];

function addStyles(h) {
  if (document.querySelector("link[data-transactions-css]")) return;
  document.head.append(h("link", { rel: "stylesheet", href: "/static/css/transactions.css",
    "data-transactions-css": "true" }));
}

export async function mount(container, ctx) {
  const { t, h, fill, api, errorText, formatDate, localized } = ctx;
  const mid = ctx.municipality.id;
  addStyles(h);
  let view = await api(`/staff/municipalities/${mid}/transactions`); // a failure: console.js shows the error
  let lastError = null;
  let checkedAt = Date.now() / 1000;
  let timer = null;
  let stopped = false;

  const purpose = (name) => (PURPOSES.includes(name) ? t(`transactions.purpose.${name}`) : name || "—");
  const short = (hex) => `${hex.slice(0, 10)}…${hex.slice(-8)}`;

  function link(url, text, label) {
    // An explorer page opens apart from the console, and tells the explorer nothing about where it came from.
    return h("a", { href: url, target: "_blank", rel: "noopener noreferrer", "aria-label": label }, text);
  }

  function hashLine(tx) {
    if (!tx.tx_hash) return h("p", { class: "muted tx-hash" }, t("transactions.not_signed"));
    const shown = h("code", { title: tx.tx_hash }, short(tx.tx_hash));
    return h("p", { class: "tx-hash" }, t("transactions.hash"), " ",
      tx.tx_url ? link(tx.tx_url, shown, t("transactions.open_tx", { hash: tx.tx_hash })) : shown);
  }

  function when(tx) {
    if (tx.status === "confirmed") return t("transactions.done_at", { time: formatDate(tx.updated_at, true) });
    if (tx.status === "failed") return t("transactions.failed_at", { time: formatDate(tx.updated_at, true) });
    if (tx.sent_at) return t("transactions.sent_at", { time: formatDate(tx.sent_at, true) });
    return t("transactions.asked_at", { time: formatDate(tx.created_at, true) });
  }

  function item(tx) {
    const notes = [];
    if (tx.status === "stuck") {
      notes.push(h("p", { class: "tx-note" }, t("transactions.stuck_note",
        { minutes: Math.max(1, Math.round(view.stuck_after / 60)), attempts: tx.attempts })));
    }
    if (tx.status === "pending" && tx.state === "queued") notes.push(h("p", { class: "tx-note muted" },
      t("transactions.queued_note")));
    if (tx.status === "failed") {
      const why = localized(tx, "problem");
      notes.push(h("p", { class: "tx-problem", "data-testid": "tx-problem" }, why || tx.error || tx.error_code || ""));
      if (why && tx.error) notes.push(h("p", { class: "muted tx-error" }, t("transactions.contract_said"), " ",
        h("code", {}, tx.error)));
    }
    return h("li", { class: `tx tx-${tx.status}`, "data-id": String(tx.id), "data-status": tx.status },
      h("div", { class: "tx-head" },
        h("span", { class: `badge ${BADGE[tx.status]}` }, t(`transactions.status.${tx.status}`)),
        h("strong", { class: "tx-purpose" }, purpose(tx.purpose)),
        h("span", { class: "muted tx-when" }, when(tx))),
      hashLine(tx), ...notes);
  }

  function sender(key) {
    const label = t(`transactions.role.${key.role}`);
    const address = h("code", { class: "tx-address" }, key.address);
    const balance = key.balance_wei === null ? h("span", { class: "muted" }, t("transactions.balance_unknown"))
      : h("strong", { "data-testid": `balance-${key.role}` }, `${tokens(key.balance_wei)} ${view.symbol}`);
    const left = key.transactions_left === null ? null
      : h("span", { class: "muted" }, t("transactions.left", { n: key.transactions_left }));
    const warning = key.low ? h("div", { class: "notice warn", role: "alert", "data-testid": `low-${key.role}` },
      h("strong", { class: "notice-title" }, t("transactions.low_title")),
      h("p", {}, t(`transactions.low_${key.role}`, { symbol: view.symbol, address: key.address,
        threshold: tokens(key.threshold_wei) }))) : null;
    return h("li", { class: "panel tx-sender", "data-role": key.role },
      h("div", { class: "tx-head" }, h("strong", {}, label),
        key.low ? h("span", { class: "badge warn" }, t("transactions.low_badge"))
          : key.balance_wei !== null ? h("span", { class: "badge ok" }, t("transactions.enough")) : null),
      h("p", { class: "muted" }, t(`transactions.role_${key.role}_does`)),
      h("p", {}, address, " ", key.address_url
        ? link(key.address_url, t("transactions.open_address"), t("transactions.open_address_of", { address: key.address }))
        : null),
      h("p", {}, t("transactions.balance"), " ", balance, " ", left),
      warning);
  }

  function render() {
    const groups = GROUPS.map((status) => {
      const rows = view.transactions.filter((tx) => tx.status === status);
      const title = `tx-group-${status}`;
      return h("section", { class: "stack tx-group", "aria-labelledby": title, "data-group": status },
        h("h3", { id: title }, t(`transactions.group.${status}`, { n: rows.length })),
        rows.length ? h("ul", { class: "tx-list" }, ...rows.map(item))
          : h("p", { class: "muted" }, t(`transactions.none.${status}`)));
    });
    fill(container, h("div", { class: "stack transactions-tab" },
      h("h2", {}, t("transactions.title")),
      h("p", { class: "muted" }, t("transactions.lead", { network: localized(view, "network") })),
      view.explorer ? null : h("p", { class: "notice info", "data-testid": "no-explorer" }, t("transactions.no_explorer")),
      lastError ? h("div", { class: "notice error", role: "alert" }, errorText(lastError)) : null,
      h("section", { class: "stack", "aria-labelledby": "tx-senders-title" },
        h("h3", { id: "tx-senders-title" }, t("transactions.senders")),
        view.senders.length ? h("ul", { class: "tx-senders" }, ...view.senders.map(sender))
          : h("p", { class: "muted" }, t("transactions.no_senders"))),
      ...groups,
      h("p", { class: "muted", role: "status", "aria-live": "polite", id: "tx-checked" },
        t("transactions.checked", { time: formatDate(checkedAt, true) }))));
  }

  async function refresh() {
    if (stopped || document.visibilityState !== "visible") return;
    let changed = true;
    try {
      const fresh = await api(`/staff/municipalities/${mid}/transactions`);
      // Unchanged: only the "last checked" line moves, so a link being read or clicked is not redrawn away.
      changed = lastError !== null || JSON.stringify(fresh) !== JSON.stringify(view);
      view = fresh;
      lastError = null;
      checkedAt = Date.now() / 1000;
    } catch (error) {
      if (!(error instanceof api.ApiError)) console.error("transactions: refresh failed", error);
      lastError = error instanceof api.ApiError ? error : null;
    }
    if (stopped) return;
    const checked = container.querySelector("#tx-checked");
    if (changed || !checked) render();
    else fill(checked, t("transactions.checked", { time: formatDate(checkedAt, true) }));
  }

  const onVisible = () => { if (document.visibilityState === "visible") refresh(); };
  document.addEventListener("visibilitychange", onVisible);
  timer = setInterval(refresh, POLL_MS);
  render();
  return {
    onLang: render,
    unmount: () => {
      stopped = true;
      clearInterval(timer);
      document.removeEventListener("visibilitychange", onVisible);
    },
  };
}
