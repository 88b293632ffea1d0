// Civic part of the holder app: notices about inactive cards, polls (the ballot is signed in the wallet
// with EIP-712, eth_signTypedData_v4, or by the passkey of a passkey account: no gas), news from the town,
// and the optional email address. Mounted by holder.js below the built-in sections (see backend/web/README.md).
import { passkeyFor, signTypedDataWithPasskey } from "./passkey.js";

export const section = "news"; // holder.js: polls and news; the email address goes under settings

let ctx;
let root;
let emailRoot = null;
const view = { polls: [], news: null, notices: [], email: null, messages: {}, busy: new Set() };

export async function mount(container, context) {
  ctx = context;
  root = container;
  emailRoot = ctx.area ? ctx.area("settings") : null;
  await ctx.loadCatalogs(["civic"]);
  await load();
  window.addEventListener("langchange", render);
}

async function load() {
  const { get } = ctx.api;
  const [polls, news, notices, email] = await Promise.all([
    get("/me/polls"), get("/me/announcements"), get("/me/notices"), get("/me/email"),
  ]);
  Object.assign(view, { polls, news, notices, email });
  render();
}

const h = (...args) => ctx.h(...args);
const t = (...args) => ctx.t(...args);

function option(o) {
  return (ctx.lang() === "ja" ? o.ja : o.en) || o.en || o.ja;
}

function message(key) {
  const m = view.messages[key];
  if (!m) return null;
  return h("div", { class: `notice ${m.kind}`, role: m.kind === "error" ? "alert" : "status" },
    h("p", { text: m.render() }));
}

function render() {
  // Inactivity notices of the last 30 days: signing in lifts an open one at once, and says so here.
  const recent = view.notices.filter((n) => n.status === "open" ||
    (n.resolved_at && n.resolved_at > Date.now() / 1000 - 30 * 86400));
  fillPresent(root,
    recent.length ? h("div", { class: recent.some((n) => n.status === "revoked") ? "notice error" : "notice info",
      role: "status", "data-civic": "notices" },
      h("span", { class: "notice-title", text: t("civic.notice.title") }),
      ...recent.map((n) => h("p", { "data-notice": n.status,
        text: `${t("civic.notice.card", { token: n.token_id, date: ctx.formatDate(n.deadline_at) })} ${ctx.errorText(n)}` }))) : null,
    h("h2", { class: "section-title", id: "civic-polls-title", text: t("civic.polls.title") }),
    h("div", { class: "stack", "data-civic": "polls" },
      view.polls.length ? view.polls.map(renderPoll) : h("p", { class: "muted", text: t("civic.polls.none") })),
    h("h2", { class: "section-title", id: "civic-news-title", text: t("civic.news.title") }),
    renderNews(),
    emailRoot ? null : renderEmail());
  if (emailRoot) fillPresent(emailRoot, renderEmail());
}

/** ctx.fill without the parts that are absent (null, "", false). */
function fillPresent(element, ...children) {
  return ctx.fill(element, ...children.filter((child) => child !== null && child !== undefined && child !== "" &&
    child !== false));
}

// --- polls -----------------------------------------------------------------------------------------------
function statusBadge(poll) {
  const kind = { open: "ok", upcoming: "info", closed: "warn" }[poll.status] || "info";
  return h("span", { class: `badge ${kind}`, text: t(`civic.poll.status.${poll.status}`) });
}

function renderPoll(entry) {
  const poll = entry.poll;
  const box = h("article", { class: "panel", "data-poll": poll.id },
    h("h3", { text: ctx.localized(poll, "title") }),
    h("div", { class: "badges" }, statusBadge(poll),
      poll.one_vote_per === "person" ? h("span", { class: "badge info", text: t("civic.poll.per_person") }) : null,
      poll.min_tier > 0 ? h("span", { class: "badge info", text: t("civic.poll.premium_only") }) : null),
    ctx.localized(poll, "description") ? h("p", { text: ctx.localized(poll, "description") }) : null,
    h("p", { class: "muted small", text: t("civic.poll.window", {
      opens: ctx.formatDate(poll.opens_at, true), closes: ctx.formatDate(poll.closes_at, true) }) }));
  for (const card of entry.cards) box.append(renderCardBallot(poll, card));
  return box;
}

function renderCardBallot(poll, card) {
  const key = `${poll.id}:${card.token_id}`;
  const part = h("div", { class: "stack", "data-card": card.token_id },
    h("p", { class: "small", text: t("civic.poll.card", { token: card.token_id }) }));
  if (card.voted) {
    part.append(h("p", { class: "badge ok", "data-voted": "true", text: t("civic.poll.voted") }));
    part.append(message(key) || "");
    return part;
  }
  if (!card.eligible) {
    part.append(h("p", { class: "muted", text: ctx.errorText(card) }));
    return part;
  }
  if (poll.status !== "open") {
    part.append(h("p", { class: "muted", text: t(`civic.poll.status_hint.${poll.status}`) }));
    return part;
  }
  const form = h("form", { class: "stack", "data-ballot": key });
  poll.questions.forEach((q) => form.append(renderQuestion(poll, card, q)));
  const button = h("button", { type: "submit", class: "primary", disabled: view.busy.has(key),
    text: view.busy.has(key) ? t("civic.poll.signing") : t("civic.poll.sign_and_vote") });
  form.append(h("p", { class: "muted small", text: t("civic.poll.sign_hint") }), h("div", { class: "actions" }, button));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    castBallot(poll, card, form, key);
  });
  part.append(form, message(key) || "");
  return part;
}

function renderQuestion(poll, card, q) {
  const name = `q-${poll.id}-${card.token_id}-${q.id}`;
  const legend = h("legend", { text: `Q${q.position + 1}. ${ctx.localized(q, "text")}` });
  if (q.kind === "text") {
    const id = `${name}-text`;
    return h("div", {},
      h("label", { for: id, text: `Q${q.position + 1}. ${ctx.localized(q, "text")}` +
        (q.required ? "" : ` ${t("civic.poll.optional")}`) }),
      h("textarea", { id, name, rows: "3", maxlength: "2000", "data-question": q.id, "data-kind": "text" }));
  }
  const type = q.kind === "single" ? "radio" : "checkbox";
  const hint = q.kind === "multiple" ? h("p", { class: "muted small",
    text: t("civic.poll.choose_between", { min: q.min_choices, max: q.max_choices }) }) : null;
  return h("fieldset", { "data-question": q.id, "data-kind": q.kind }, legend, hint,
    ...q.options.map((o, index) => {
      const id = `${name}-${index}`;
      const input = h("input", { type, id, name, value: String(index) });
      const label = h("label", { for: id, text: option(o) });
      // A choice sits on one line with its box (element styles: the CSP allows them from modules).
      Object.assign(input.style, { width: "1.5rem", height: "1.5rem", margin: "0", flex: "none" });
      Object.assign(label.style, { margin: "0", fontWeight: "normal" });
      const row = h("div", {}, input, label);
      Object.assign(row.style, { display: "flex", alignItems: "center", gap: "0.75rem", minHeight: "44px" });
      return row;
    }));
}

function answersOf(form) {
  const answers = {};
  for (const field of form.querySelectorAll("[data-question]")) {
    const id = field.dataset.question;
    if (field.dataset.kind === "text") answers[id] = field.value;
    else answers[id] = [...field.querySelectorAll("input:checked")].map((input) => Number(input.value));
  }
  return answers;
}

async function signWithWallet(typedData) {
  const wallet = await ctx.wallet();
  if (!wallet.address) await wallet.connect();
  if (wallet.address.toLowerCase() !== ctx.me.address.toLowerCase()) {
    throw Object.assign(new Error("other account"), { civicKey: "civic.poll.other_account" });
  }
  return wallet.request("eth_signTypedData_v4", [wallet.address, JSON.stringify(typedData)]);
}

async function castBallot(poll, card, form, key) {
  const { get, post } = ctx.api;
  const answers = answersOf(form);
  view.busy.add(key);
  delete view.messages[key];
  render();
  try {
    const query = new URLSearchParams({ card: String(card.token_id), answers: JSON.stringify(answers) });
    const ballot = await get(`/polls/${poll.id}/ballot?${query}`);
    const signature = passkeyFor(ctx.me.address)
      ? await signTypedDataWithPasskey(ctx.me.address, ballot.typed_data) // a passkey account: the passkey signs
      : await signWithWallet(ballot.typed_data);
    await post(`/polls/${poll.id}/ballots`, { card: card.token_id, answers, signature });
    view.messages[key] = { kind: "ok", render: () => t("civic.poll.recorded") };
    view.busy.delete(key);
    await load();
  } catch (error) {
    view.busy.delete(key);
    view.messages[key] = { kind: "error", render: () => (error.civicKey ? t(error.civicKey) : ctx.failureText(error)) };
    try { await load(); } catch (_) { render(); }
  }
}

// --- news ------------------------------------------------------------------------------------------------
function renderNews() {
  const news = view.news;
  if (!news || !news.announcements.length) {
    return h("p", { class: "muted", "data-civic": "news", text: t("civic.news.none") });
  }
  return h("div", { class: "stack", "data-civic": "news" },
    h("p", { class: "small", text: t("civic.news.unread", { count: news.unread }) }),
    ...news.announcements.map((a) => h("article", {
      class: a.kind === "inactivity_notice" ? "panel notice warn" : "panel", "data-announcement": a.id },
      h("h3", { text: ctx.localized(a, "title") }),
      h("div", { class: "badges" },
        a.read ? null : h("span", { class: "badge info", text: t("civic.news.new") }),
        h("span", { class: "muted small", text: ctx.formatDate(a.published_at, true) })),
      h("p", { text: ctx.localized(a, "body") }),
      a.read ? null : h("div", { class: "actions" }, h("button", { type: "button", class: "secondary",
        text: t("civic.news.mark_read"), onclick: () => markRead(a.id) })))));
}

async function markRead(id) {
  try {
    view.news = await ctx.api.post(`/me/announcements/${id}/read`);
  } catch (error) {
    view.messages.news = { kind: "error", render: () => ctx.failureText(error) };
  }
  render();
}

// --- email -----------------------------------------------------------------------------------------------
function renderEmail() {
  const email = view.email;
  if (!email || !email.enabled) return null;
  const box = h("div", { class: "panel stack", "data-civic": "email" },
    h("h3", { text: t("civic.email.title") }),
    h("p", { class: "muted small", text: t("civic.email.why") }));
  if (email.email && email.verified && !email.unsubscribed) {
    box.append(h("p", { text: t("civic.email.verified", { email: email.email }) }),
      h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", text: t("civic.email.remove"),
        onclick: removeEmail })));
  } else if (email.email && !email.verified) {
    const input = h("input", { id: "civic-email-code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: "6" });
    const form = h("form", { class: "stack" },
      h("p", { text: t("civic.email.code_sent", { email: email.email }) }),
      h("label", { for: "civic-email-code", text: t("civic.email.code") }), input,
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: t("civic.email.confirm") }),
        h("button", { type: "button", class: "secondary", text: t("civic.email.remove"), onclick: removeEmail })));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      emailAction(() => ctx.api.post("/me/email/verify", { code: input.value }));
    });
    box.append(form);
  } else {
    const input = h("input", { id: "civic-email", type: "email", autocomplete: "email", maxlength: "254" });
    const form = h("form", { class: "stack" },
      email.unsubscribed ? h("p", { class: "muted", text: t("civic.email.unsubscribed") }) : null,
      h("label", { for: "civic-email", text: t("civic.email.address") }), input,
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: t("civic.email.send_code") })));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      emailAction(() => ctx.api.api("/me/email", { method: "PUT", body: { email: input.value, lang: ctx.lang() } }));
    });
    box.append(form);
  }
  box.append(message("email") || "");
  return box;
}

async function emailAction(call) {
  delete view.messages.email;
  try {
    view.email = await call();
  } catch (error) {
    view.messages.email = { kind: "error", render: () => ctx.failureText(error) };
  }
  render();
}

function removeEmail() {
  emailAction(() => ctx.api.api("/me/email", { method: "DELETE" }));
}
