// The console's holders tab: search the municipality's cards (resident number, card number or wallet), open a
// card's page with its history (newest first, Japan dates, all from the backend's index), and, for staff and
// admins, revoke it with a reason or re-issue it to a new wallet after a lost one. Both go through a confirm
// step that says what will happen, then follow the transaction (sent → mined → indexed) until it is done; a
// failure shows the backend's plain-words text of what to do. Texts: i18n/holders.json.

export const catalog = "holders";
export const titleKey = "holders.tab";

const PER_PAGE = 20;
const POLL_MS = 700;
const STEPS = ["sent", "mined", "indexed"];

function short(address) {
  return address ? `${address.slice(0, 6)}…${address.slice(-4)}` : "—";
}

export async function mount(container, ctx) {
  const { t, h, fill, api, errorText, formatDate } = ctx;
  const mid = ctx.municipality.id;
  const base = `/staff/municipalities/${mid}`;
  const state = { q: "", status: "", page: 1, found: null, searchError: null, card: null, cardError: null,
    mode: null, confirming: false, draft: { reason: "", newOwner: "" }, formError: null, action: null,
    following: null };
  let stopped = false;

  const qInput = h("input", { id: "holders-q", type: "search", autocomplete: "off", maxlength: "64",
    inputmode: "text", spellcheck: "false" });
  const statusSelect = h("select", { id: "holders-status" });
  const results = h("div", { id: "holders-results" });
  const cardBox = h("section", { id: "holder-card", class: "panel stack", hidden: true,
    "aria-labelledby": "holder-card-title" });

  const tierText = (tier) => (tier === 0 || tier === 1 ? t(`holders.tier.${tier}`) : t("holders.tier.other", { tier }));
  const statusText = (status) => t(`holders.status.${status}`);
  const when = (at) => (at ? formatDate(at, true) : "—");
  const day = (at) => (at ? formatDate(at) : t("holders.never"));
  const name = (entry, field = "name") => (ctx.lang() === "ja" ? entry[`${field}_ja`] : entry[`${field}_en`]);

  // --- search ----------------------------------------------------------------------------------------------
  async function search(page = 1) {
    state.page = page;
    const q = new URLSearchParams({ q: state.q, page: String(page), per_page: String(PER_PAGE) });
    if (state.status) q.set("status", state.status);
    try {
      state.found = await api(`${base}/cards?${q}`);
      state.searchError = null;
    } catch (error) {
      if (!(error instanceof api.ApiError)) throw error;
      state.found = null;
      state.searchError = error;
    }
    renderResults();
  }

  function renderResults() {
    if (state.searchError) {
      fill(results, h("div", { class: "notice error", role: "alert", id: "holders-error" },
        errorText(state.searchError)));
      return;
    }
    const found = state.found;
    if (!found) { fill(results); return; }
    const pages = Math.max(1, Math.ceil(found.total / found.per_page));
    const rows = found.items.map((card) => h("tr", { "data-card": String(card.card_id) },
      h("td", {}, h("button", { type: "button", class: "secondary small-button", "data-open": String(card.card_id),
        "aria-label": t("holders.open_label", { token: card.token_id, symbol: card.symbol }),
        onclick: () => openCard(card.card_id) }, `${card.symbol} #${card.token_id}`)),
      h("td", {}, String(card.resident_number)),
      h("td", {}, h("span", { class: "hash", title: card.owner }, short(card.owner))),
      h("td", {}, tierText(card.tier)),
      h("td", {}, statusText(card.status)),
      h("td", {}, day(card.expires_at))));
    fill(results,
      h("p", { class: "muted", id: "holders-count", role: "status" }, found.total
        ? t(found.total === 1 ? "holders.count_one" : "holders.count", { n: found.total, page: found.page, pages }) : t("holders.none")),
      found.total ? h("div", { class: "table-scroll", tabindex: "0", role: "region",
        "aria-labelledby": "holders-table-caption" },
      h("table", { class: "data-table", id: "holders-table" },
        h("caption", { id: "holders-table-caption", class: "visually-hidden" }, t("holders.results")),
        h("thead", {}, h("tr", {}, ...["card", "number", "wallet", "tier", "status", "expires"].map((c) =>
          h("th", { scope: "col" }, t(`holders.col.${c}`))))),
        h("tbody", { id: "holders-rows" }, ...rows))) : null,
      pages > 1 ? h("div", { class: "actions" },
        h("button", { type: "button", class: "secondary", id: "holders-prev", disabled: found.page <= 1,
          onclick: () => search(found.page - 1) }, t("holders.prev")),
        h("button", { type: "button", class: "secondary", id: "holders-next", disabled: found.page >= pages,
          onclick: () => search(found.page + 1) }, t("holders.next"))) : null);
  }

  // --- a card ----------------------------------------------------------------------------------------------
  async function openCard(cardId, keepAction = false) {
    try {
      state.card = await api(`${base}/cards/${cardId}`);
      state.cardError = null;
    } catch (error) {
      if (!(error instanceof api.ApiError)) throw error;
      state.card = null;
      state.cardError = error;
    }
    if (!keepAction) {
      state.mode = null;
      state.confirming = false;
      state.formError = null;
      state.draft = { reason: "", newOwner: "" };
      state.action = state.card && state.card.action && !["indexed", "failed"].includes(state.card.action.step)
        ? state.card.action : null;
      if (state.action) follow(state.action.id);
    }
    renderCard();
    cardBox.hidden = false;
    if (!keepAction) {
      cardBox.scrollIntoView({ block: "start" });
      const title = document.getElementById("holder-card-title");
      if (title) title.focus();
    }
  }

  function historyText(entry) {
    const to = entry.to ? short(entry.to) : "";
    switch (entry.kind) {
      case "issued": return t("holders.h.issued", { to });
      case "reissued_from": return t("holders.h.reissued_from", { token: entry.old_token_id, to });
      case "transfer": return t("holders.h.transfer", { from: short(entry.from), to });
      case "tier": return t("holders.h.tier", { tier: tierText(entry.tier) });
      case "expiry": return t("holders.h.expiry", { day: day(entry.expires_at) });
      case "locked": return t("holders.h.locked");
      case "unlocked": return t("holders.h.unlocked");
      case "reissued": return t("holders.h.reissued", { token: entry.new_token_id, to });
      case "revoked": return t("holders.h.revoked");
      case "opted_out": return t("holders.h.opted_out");
      case "checkin": return t("holders.h.checkin", { name: name(entry) });
      case "redemption": return t("holders.h.redemption", { name: name(entry), venue: name(entry, "venue") });
      case "notice": return t("holders.h.notice", { day: day(entry.deadline_at),
        status: t(`holders.notice.${entry.status}`) });
      case "action": return t(`holders.h.action.${entry.action}`, { who: entry.staff, reason: entry.reason,
        status: t(`holders.astatus.${entry.status}`) });
      default: return entry.kind;
    }
  }

  function facts(card) {
    const pairs = [
      ["number", String(card.resident_number)],
      ["wallet", h("span", { class: "hash", id: "holder-owner" }, card.owner)],
      ["tier", tierText(card.tier)],
      ["status", h("span", { id: "holder-status" }, statusText(card.status))],
      ["issued", day(card.issued_at)],
      ["expires", day(card.expires_at)],
    ];
    if (card.replaced_by) pairs.push(["replaced_by", `${card.symbol} #${card.replaced_by}`]);
    return h("dl", { class: "card-facts" }, ...pairs.flatMap(([key, value]) => [h("dt", {}, t(`holders.fact.${key}`)),
      h("dd", {}, value)]));
  }

  function actionForm(card) {
    if (!ctx.canEdit) return h("p", { class: "muted", id: "holder-read-only" }, t("holders.read_only"));
    if (card.status !== "active") return null;
    if (state.action && !["indexed", "failed"].includes(state.action.step)) return null;
    if (!state.mode) {
      return h("div", { class: "actions" },
        h("button", { type: "button", class: "danger", id: "holder-revoke", onclick: () => startMode("revoke") },
          t("holders.revoke")),
        h("button", { type: "button", class: "secondary", id: "holder-reissue", onclick: () => startMode("reissue") },
          t("holders.reissue")));
    }
    const reason = h("textarea", { id: "holder-reason", rows: "2", maxlength: "500", required: true,
      disabled: state.confirming });
    reason.value = state.draft.reason;
    reason.addEventListener("input", () => { state.draft.reason = reason.value; });
    const owner = h("input", { id: "holder-new-owner", type: "text", autocomplete: "off", spellcheck: "false",
      maxlength: "42", placeholder: "0x…", disabled: state.confirming });
    owner.value = state.draft.newOwner;
    owner.addEventListener("input", () => { state.draft.newOwner = owner.value.trim(); });
    const form = h("form", { class: "stack", id: "holder-action-form", novalidate: true },
      h("h4", {}, t(`holders.${state.mode}.title`)),
      state.mode === "reissue" ? h("div", { class: "field" },
        h("label", { for: "holder-new-owner" }, t("holders.reissue.new_owner")), owner,
        h("p", { class: "field-hint" }, t("holders.reissue.hint"))) : null,
      h("div", { class: "field" }, h("label", { for: "holder-reason" }, t("holders.reason")), reason,
        h("p", { class: "field-hint" }, t("holders.reason_hint"))),
      state.formError ? h("div", { class: "notice error", role: "alert", id: "holder-form-error" },
        state.formError instanceof api.ApiError ? errorText(state.formError) : state.formError) : null,
      state.confirming ? confirmBox(card) : h("div", { class: "actions" },
        h("button", { type: "submit", class: "primary", id: "holder-review" }, t("holders.review")),
        h("button", { type: "button", class: "secondary", id: "holder-cancel", onclick: () => startMode(null) },
          t("holders.cancel"))));
    form.addEventListener("submit", (event) => { event.preventDefault(); review(); });
    return form;
  }

  function confirmBox(card) {
    const vars = { symbol: card.symbol, token: card.token_id, number: card.resident_number, owner: card.owner,
      to: state.draft.newOwner, reason: state.draft.reason.trim() };
    return h("div", { class: "notice warn stack", role: "group", id: "holder-confirm",
      "aria-labelledby": "holder-confirm-title" },
    h("strong", { class: "notice-title", id: "holder-confirm-title", tabindex: "-1" }, t("holders.confirm.title")),
    h("p", { id: "holder-confirm-text" }, t(`holders.confirm.${state.mode}`, vars)),
    h("p", {}, t("holders.confirm.reason", vars)),
    h("div", { class: "actions" },
      h("button", { type: "button", class: state.mode === "revoke" ? "danger" : "primary", id: "holder-confirm-go",
        onclick: (event) => send(event.currentTarget) }, t(`holders.confirm.go.${state.mode}`)),
      h("button", { type: "button", class: "secondary", id: "holder-confirm-back",
        onclick: () => { state.confirming = false; renderCard(); } }, t("holders.back"))));
  }

  function startMode(mode) {
    state.mode = mode;
    state.confirming = false;
    state.formError = null;
    renderCard();
    const first = document.getElementById(mode === "reissue" ? "holder-new-owner" : mode ? "holder-reason"
      : "holder-revoke");
    if (first) first.focus();
  }

  function review() {
    const reason = state.draft.reason.trim();
    state.formError = null;
    if (state.mode === "reissue" && !/^0x[0-9a-fA-F]{40}$/.test(state.draft.newOwner)) {
      state.formError = t("holders.error.address");
    } else if (!reason) {
      state.formError = t("holders.error.reason");
    }
    state.confirming = !state.formError;
    renderCard();
    const focus = document.getElementById(state.confirming ? "holder-confirm-title" : "holder-form-error");
    if (focus) focus.focus();
  }

  async function send(button) {
    button.disabled = true;
    const card = state.card.card;
    const body = { reason: state.draft.reason.trim() };
    if (state.mode === "reissue") body.new_owner = state.draft.newOwner;
    try {
      state.action = await api.post(`${base}/cards/${card.card_id}/${state.mode}`, body);
      state.mode = null;
      state.confirming = false;
      state.formError = null;
      renderCard();
      follow(state.action.id);
    } catch (error) {
      if (!(error instanceof api.ApiError)) throw error;
      state.formError = error;
      state.confirming = false;
      renderCard();
    }
  }

  async function follow(actionId) {
    state.following = actionId;
    while (!stopped && state.following === actionId) {
      await new Promise((resolve) => { setTimeout(resolve, POLL_MS); });
      if (stopped || state.following !== actionId) return;
      try {
        state.action = await api(`${base}/card-actions/${actionId}`);
      } catch (error) {
        if (!(error instanceof api.ApiError)) throw error;
        continue; // a blip: the next poll asks again
      }
      if (["indexed", "failed"].includes(state.action.step)) {
        state.following = null;
        await openCard(state.card.card.card_id, true);
        const done = document.getElementById("holder-progress");
        if (done) done.focus();
        if (state.q || state.found) search(state.page);
        return;
      }
      renderCard();
    }
  }

  function progressBox() {
    const action = state.action;
    if (!action) return null;
    const reached = action.step === "failed" ? (action.tx_hash ? 1 : 0) : STEPS.indexOf(action.step) + 1;
    const items = STEPS.map((step, i) => {
      let mark = i < reached ? "done" : i === reached ? "active" : "todo";
      if (action.step === "failed" && i === reached) mark = "failed";
      return h("li", { "data-step": step, "data-state": mark }, t(`holders.step.${step}`));
    });
    const done = action.step === "indexed";
    return h("div", { class: `notice ${action.step === "failed" ? "error" : done ? "ok" : "info"}`, id: "holder-progress",
      tabindex: "-1", role: "status", "aria-live": "polite", "data-step": action.step },
    h("strong", { class: "notice-title" }, t(`holders.progress.${action.kind}.${done ? "done" : action.step === "failed"
      ? "failed" : "running"}`)),
    h("ol", { class: "progress-steps" }, ...items),
    action.tx_hash ? h("p", { class: "small" }, t("holders.tx"), " ", h("span", { class: "hash" }, action.tx_hash)) : null,
    action.step === "failed" ? h("p", { id: "holder-failure" },
      (ctx.lang() === "ja" ? action.message_ja : action.message_en) || t("holders.failed_generic")) : null,
    done && action.new_card_id ? h("div", { class: "actions" }, h("button", { type: "button", class: "primary",
      id: "holder-open-new", onclick: () => openCard(action.new_card_id) },
    t("holders.open_new", { token: action.new_token_id }))) : null);
  }

  function renderCard() {
    if (state.cardError) {
      fill(cardBox, h("div", { class: "notice error", role: "alert" }, errorText(state.cardError)));
      return;
    }
    if (!state.card) { fill(cardBox); return; }
    const { card, history } = state.card;
    fill(cardBox,
      h("h3", { id: "holder-card-title", tabindex: "-1" }, t("holders.card_title", { symbol: card.symbol,
        token: card.token_id })),
      facts(card),
      progressBox(),
      actionForm(card),
      h("h4", { id: "holder-history-title" }, t("holders.history")),
      history.length ? h("ol", { class: "history-list", id: "holder-history", "aria-labelledby": "holder-history-title" },
        ...history.map((entry) => h("li", { "data-kind": entry.kind },
          h("time", { datetime: new Date(entry.at * 1000).toISOString() }, when(entry.at)), " ",
          h("span", {}, historyText(entry))))) : h("p", { class: "muted" }, t("holders.history_none")),
      h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", id: "holder-close",
        onclick: () => { state.card = null; state.following = null; cardBox.hidden = true; qInput.focus(); } },
      t("holders.close"))));
  }

  // --- the tab ---------------------------------------------------------------------------------------------
  function render() {
    qInput.setAttribute("placeholder", t("holders.q_placeholder"));
    fill(statusSelect, ...["", "active", "inactive"].map((value) => h("option", { value,
      selected: state.status === value }, t(`holders.filter.${value || "all"}`))));
    const form = h("form", { class: "panel stack", id: "holders-search-form", role: "search" },
      h("div", { class: "form-grid" },
        h("div", { class: "field" }, h("label", { for: "holders-q" }, t("holders.q")), qInput,
          h("p", { class: "field-hint" }, t("holders.q_hint"))),
        h("div", { class: "field" }, h("label", { for: "holders-status" }, t("holders.filter")), statusSelect)),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", id: "holders-search" },
        t("holders.search"))));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      state.q = qInput.value.trim();
      state.status = statusSelect.value;
      search(1);
    });
    fill(container, h("div", { class: "stack holders-tab" },
      h("h2", {}, t("holders.title")), h("p", { class: "muted" }, t("holders.lead")), form, results, cardBox));
    renderResults();
    renderCard();
  }

  if (!document.querySelector("link[data-holders-css]")) {
    document.head.append(h("link", { rel: "stylesheet", href: "/static/css/holders.css", "data-holders-css": "true" }));
  }
  render();
  await search(1);
  return { onLang: render, unmount: () => { stopped = true; } };
}
