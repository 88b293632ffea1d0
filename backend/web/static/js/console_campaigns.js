// The staff console's Campaigns tab: the municipality's campaigns with their state on chain (pause, resume,
// close, vouchers), an allowlist upload that shows each bad row in the current language, the create form, and
// airdrops with a progress bar that follows the job. Every text comes from i18n/campaigns.json; answers from the
// backend carry both languages and are shown in the current one (re-rendered on "langchange").

import { api } from "./api.js";
import { errorText, formatDate, lang, loadCatalogs, localized, t } from "./i18n.js";
import { fill, h } from "./page.js";
import { ClaimLinksSection } from "./console_claim_links.js";

const POLL_MS = 1000;
const JAPANESE = /[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]/;
const WEI_DECIMALS = 18;

/** "0.01" (native token) -> "10000000000000000" (wei, as a decimal string: wei do not fit a JS number). */
export function toWei(text) {
  const value = String(text).trim() || "0";
  const match = /^(\d+)(?:\.(\d*))?$/.exec(value);
  if (!match || (match[2] || "").length > WEI_DECIMALS) return null;
  const whole = BigInt(match[1]) * 10n ** BigInt(WEI_DECIMALS);
  const fraction = BigInt((match[2] || "").padEnd(WEI_DECIMALS, "0") || "0");
  return (whole + fraction).toString();
}

function fromWei(wei) {
  const value = BigInt(wei);
  const unit = 10n ** BigInt(WEI_DECIMALS);
  const fraction = (value % unit).toString().padStart(WEI_DECIMALS, "0").replace(/0+$/, "");
  return fraction ? `${value / unit}.${fraction}` : `${value / unit}`;
}

/** A <input type="datetime-local"> value read as Japan time (UTC+9, no daylight saving) -> unix seconds. */
export function japanTime(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value || "");
  if (!match) return null;
  const [, y, mo, d, hh, mm] = match.map(Number);
  return Math.floor(Date.UTC(y, mo - 1, d, hh - 9, mm) / 1000);
}

function japanInput(unixSeconds) {
  return new Date((unixSeconds + 9 * 3600) * 1000).toISOString().slice(0, 16);
}

/** A message the backend gave in both languages, or an i18n key with its values; shown in the current one. */
function message(kind, source, vars) {
  const element = h("div", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" });
  element._source = { source, vars };
  renderMessage(element);
  return element;
}

function renderMessage(element) {
  const { source, vars } = element._source;
  // A function value is read at each drawing: a campaign's name follows the language switch.
  const values = Object.fromEntries(Object.entries(vars || {}).map(([k, v]) => [k, typeof v === "function" ? v() : v]));
  const text = typeof source === "string" ? t(source, values) : errorText(source);
  const detail = source && typeof source === "object" ? (source.body || source) : {};
  // Row problems of a CSV (a 422 of the request itself has no rows: its message says it all).
  const problems = (detail.errors || []).filter((problem) => problem.row !== undefined);
  fill(element);
  element.append(h("p", { text }));
  if (!problems.length) return;
  const list = h("ul", { class: "csv-errors" });
  for (const problem of problems) {
    const where = problem.row ? t("campaigns.allowlist.row", { row: problem.row }) : t("campaigns.allowlist.file_level");
    // The column's header as written in the file: mark Japanese headers as such in the English view.
    const column = problem.column ? h("span", { lang: JAPANESE.test(problem.column) ? "ja" : null, text: problem.column }) : null;
    list.append(h("li", { "data-row": problem.row },
      h("strong", {}, where, column ? " · " : "", column), ": ", lang() === "ja" ? problem.message_ja : problem.message_en));
  }
  element.append(list);
  // The backend answers the first problems only (backend/api/staff/campaigns.py) and counts them all.
  const hidden = (detail.error_count || 0) - problems.length;
  if (hidden > 0) element.append(h("p", { class: "csv-more", text: t("campaigns.allowlist.more", { count: hidden }) }));
}

function field(labelKey, input, hint) {
  const id = input.id || `campaigns-${labelKey.replace(/\W+/g, "-")}`;
  input.id = id;
  return h("div", { class: "field" }, h("label", { for: id, i18n: labelKey, text: t(labelKey) }), input,
    hint ? h("p", { class: "small muted", i18n: hint, text: t(hint) }) : null);
}

function button(kind, key, onclick, attributes = {}) {
  return h("button", { type: "button", class: kind, i18n: key, text: t(key), onclick, ...attributes });
}

class CampaignsTab {
  constructor(container, municipalityId) {
    this.container = container;
    this.mid = municipalityId;
    this.base = `/staff/municipalities/${municipalityId}`;
    this.campaigns = [];
    this.collections = [];
    this.allowlists = [];
    this.airdrops = [];
    this.polls = new Map();
    this.claimLinks = new ClaimLinksSection(this.base);
    this.onLang = () => { this.relabel(); this.claimLinks.relabel(); };
  }

  async start() {
    ensureStyles();
    await this.claimLinks.load();
    this.build();
    window.addEventListener("langchange", this.onLang);
    await this.reload();
  }

  stop() {
    window.removeEventListener("langchange", this.onLang);
    for (const timer of this.polls.values()) clearTimeout(timer);
    this.polls.clear();
  }

  // -- layout ---------------------------------------------------------------------------------------------
  build() {
    this.listNotice = h("div", { "aria-live": "polite" });
    this.table = h("div", { class: "table-scroll" });
    this.allowlistNotice = h("div", { "aria-live": "polite", "data-testid": "allowlist-result" });
    this.createNotice = h("div", { "aria-live": "polite", "data-testid": "create-result" });
    this.airdropNotice = h("div", { "aria-live": "polite" });
    this.airdropList = h("div", { "data-testid": "airdrops" });
    this.voucherBox = h("div");

    this.allowlistFile = h("input", { type: "file", accept: ".csv,text/csv", id: "campaigns-allowlist-file" });
    const allowlistForm = h("form", { class: "stack", onsubmit: (e) => { e.preventDefault(); this.uploadAllowlist(); } },
      field("campaigns.allowlist.file", this.allowlistFile, "campaigns.allowlist.help"),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", id: "campaigns-allowlist-upload", i18n: "campaigns.allowlist.upload",
        text: t("campaigns.allowlist.upload") })),
      this.allowlistNotice);

    this.form = this.buildCreateForm();
    this.airdropForm = this.buildAirdropForm();

    fill(this.container, h("div", { class: "stack campaigns-tab" },
      h("section", { class: "panel stack", "aria-labelledby": "campaigns-list-title" },
        h("h2", { id: "campaigns-list-title", i18n: "campaigns.title", text: t("campaigns.title") }),
        h("p", { class: "lead", i18n: "campaigns.lead", text: t("campaigns.lead") }),
        h("div", { class: "actions" }, button("secondary", "campaigns.refresh", () => this.reload())),
        this.listNotice, this.table, this.voucherBox),
      h("section", { class: "panel stack", "aria-labelledby": "campaigns-allowlist-title" },
        h("h2", { id: "campaigns-allowlist-title", i18n: "campaigns.allowlist.title", text: t("campaigns.allowlist.title") }),
        allowlistForm),
      h("section", { class: "panel stack", "aria-labelledby": "campaigns-create-title" },
        h("h2", { id: "campaigns-create-title", i18n: "campaigns.create.title", text: t("campaigns.create.title") }),
        this.form, this.createNotice),
      h("section", { class: "panel stack", "aria-labelledby": "campaigns-airdrop-title" },
        h("h2", { id: "campaigns-airdrop-title", i18n: "campaigns.airdrop.title", text: t("campaigns.airdrop.title") }),
        h("p", { class: "small muted", i18n: "campaigns.airdrop.help", text: t("campaigns.airdrop.help") }),
        this.airdropForm, this.airdropNotice,
        h("h3", { i18n: "campaigns.airdrop.recent", text: t("campaigns.airdrop.recent") }), this.airdropList),
      this.claimLinks.element()));
  }

  collectionSelect(id) {
    const select = h("select", { id, required: true });
    select.dataset.collections = "true";
    return select;
  }

  tierSelect(id) {
    const select = h("select", { id });
    for (const tier of [0, 1]) select.append(h("option", { value: tier, i18n: `campaigns.tier.${tier}`, text: t(`campaigns.tier.${tier}`) }));
    return select;
  }

  buildCreateForm() {
    const now = Math.floor(Date.now() / 1000);
    const input = (id, attributes = {}) => h("input", { id, ...attributes });
    this.inputs = {
      collection: this.collectionSelect("campaigns-create-collection"),
      name_ja: input("campaigns-name-ja", { required: true, maxlength: 200, lang: "ja" }),
      name_en: input("campaigns-name-en", { required: true, maxlength: 200, lang: "en" }),
      starts: input("campaigns-starts", { type: "datetime-local", required: true, value: japanInput(now - (now % 3600)) }),
      ends: input("campaigns-ends", { type: "datetime-local", required: true, value: japanInput(now - (now % 3600) + 30 * 86400) }),
      price: input("campaigns-price", { inputmode: "decimal", value: "0", required: true }),
      supply: input("campaigns-supply", { type: "number", min: 1, max: 16777215, value: 100, required: true }),
      wallet_limit: input("campaigns-wallet-limit", { type: "number", min: 1, max: 65535, value: 1, required: true }),
      tier: this.tierSelect("campaigns-tier"),
      validity: input("campaigns-validity", { type: "number", min: 1, value: 365 }),
      allowlist: h("select", { id: "campaigns-allowlist" }),
    };
    this.modeInputs = {};
    const modes = h("fieldset", { class: "modes" }, h("legend", { i18n: "campaigns.create.mode", text: t("campaigns.create.mode") }));
    for (const mode of ["open", "allowlist", "voucher"]) {
      const radio = h("input", { type: "radio", name: "campaigns-mode", value: mode, id: `campaigns-mode-${mode}`,
        checked: mode === "open", onchange: () => this.syncMode() });
      this.modeInputs[mode] = radio;
      modes.append(h("div", { class: "radio" }, radio,
        h("label", { for: radio.id, i18n: `campaigns.mode.${mode}`, text: t(`campaigns.mode.${mode}`) })));
    }
    this.allowlistField = field("campaigns.create.allowlist", this.inputs.allowlist);
    this.createButton = h("button", { type: "submit", class: "primary", i18n: "campaigns.create.submit",
      text: t("campaigns.create.submit") });
    const form = this.createForm = h("form", { class: "stack campaign-form", onsubmit: (e) => { e.preventDefault(); this.create(); } },
      h("div", { class: "grid grid-2" },
        field("campaigns.create.collection", this.inputs.collection),
        field("campaigns.create.name_ja", this.inputs.name_ja),
        field("campaigns.create.name_en", this.inputs.name_en),
        field("campaigns.create.starts", this.inputs.starts),
        field("campaigns.create.ends", this.inputs.ends),
        field("campaigns.create.price", this.inputs.price),
        field("campaigns.create.supply", this.inputs.supply),
        field("campaigns.create.wallet_limit", this.inputs.wallet_limit),
        field("campaigns.create.tier", this.inputs.tier),
        field("campaigns.create.validity", this.inputs.validity)),
      modes, this.allowlistField,
      h("div", { class: "actions" }, this.createButton));
    this.syncMode();
    return form;
  }

  syncMode() {
    this.allowlistField.hidden = !this.modeInputs.allowlist.checked;
  }

  buildAirdropForm() {
    this.airdropInputs = {
      file: h("input", { type: "file", accept: ".csv,text/csv", id: "campaigns-airdrop-file", required: true }),
      collection: this.collectionSelect("campaigns-airdrop-collection"),
      tier: this.tierSelect("campaigns-airdrop-tier"),
      validity: h("input", { type: "number", min: 1, id: "campaigns-airdrop-validity" }),
    };
    this.dryRunBox = h("div", { "aria-live": "polite", "data-testid": "airdrop-dry-run" });
    return h("form", { class: "stack", onsubmit: (e) => { e.preventDefault(); this.startAirdrop(); } },
      h("div", { class: "grid grid-2" },
        field("campaigns.airdrop.file", this.airdropInputs.file),
        field("campaigns.airdrop.collection", this.airdropInputs.collection),
        field("campaigns.airdrop.tier", this.airdropInputs.tier),
        field("campaigns.airdrop.validity", this.airdropInputs.validity)),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", i18n: "campaigns.airdrop.submit",
        text: t("campaigns.airdrop.submit") }),
        button("secondary", "campaigns.airdrop.dry_run", () => this.dryRunAirdrop(), { id: "campaigns-airdrop-dry-run" })),
      this.dryRunBox);
  }

  /** The dry run's answer: what would be sent, then every skipped wallet by line and address, with why. */
  renderDryRun() {
    const plan = this.dryRun;
    if (!plan || plan.code) return;
    const said = (o) => (lang() === "ja" ? o.message_ja : o.message_en);
    const hidden = plan.skipped - plan.skipped_wallets.length;
    fill(this.dryRunBox, h("div", { class: "notice info", role: "status" }, h("p", { text: said(plan) }),
      plan.skipped ? h("p", { text: t("campaigns.airdrop.skipped_title", { count: plan.skipped }) }) : null,
      plan.skipped ? h("ul", { class: "csv-errors skipped-wallets" }, ...plan.skipped_wallets.map((w) =>
        h("li", { "data-line": w.line, text: said(w) }))) : null,
      hidden > 0 ? h("p", { class: "csv-more", text: t("campaigns.airdrop.skipped_more", { count: hidden }) }) : null));
  }

  // The airdrop form as the API takes it (the dry run and the airdrop itself), or null when no file is chosen.
  airdropBody() {
    const inputs = this.airdropInputs;
    const file = inputs.file.files[0];
    if (!file) return null;
    const body = new FormData();
    body.append("file", file, file.name);
    body.append("collection", inputs.collection.value);
    body.append("tier", inputs.tier.value);
    if (inputs.validity.value) body.append("validity_days", inputs.validity.value);
    return body;
  }

  async dryRunAirdrop() {
    this.dryRun = null;
    const body = this.airdropBody();
    if (!body) return fill(this.dryRunBox, message("error", "campaigns.allowlist.choose"));
    try {
      this.dryRun = await api(`${this.base}/airdrops/dry-run`, { method: "POST", body });
      this.renderDryRun();
    } catch (error) {
      fill(this.dryRunBox, message("error", error));
    }
  }

  // -- data -----------------------------------------------------------------------------------------------
  async reload() {
    fill(this.listNotice);
    try {
      const [campaigns, collections, allowlists, airdrops] = await Promise.all([
        api(`${this.base}/campaigns`), api(`${this.base}/collections`), api(`${this.base}/allowlists`),
        api(`${this.base}/airdrops`)]);
      Object.assign(this, { campaigns, collections, allowlists, airdrops });
    } catch (error) {
      fill(this.listNotice, message("error", error));
    }
    this.renderOptions();
    this.renderTable();
    this.renderAirdrops();
    this.claimLinks.update(this.campaigns);
    for (const job of this.airdrops) if (job.status === "queued" || job.status === "running") this.poll(job.id);
  }

  renderOptions() {
    for (const select of this.container.querySelectorAll("select[data-collections]")) {
      const chosen = select.value;
      fill(select, ...this.collections.map((c) => h("option", { value: c.symbol, text: `${localized(c)} (${c.symbol})` })));
      if (chosen) select.value = chosen;
    }
    const chosen = this.inputs.allowlist.value;
    fill(this.inputs.allowlist, ...this.allowlists.map((a) => h("option", { value: a.id,
      text: `${a.filename} — ${a.count} (${formatDate(a.created_at, true)})` })));
    if (chosen) this.inputs.allowlist.value = chosen;
    if (!this.allowlists.length) {
      this.inputs.allowlist.append(h("option", { value: "", disabled: true, selected: true, i18n: "campaigns.create.no_allowlist",
        text: t("campaigns.create.no_allowlist") }));
    }
  }

  renderTable() {
    if (!this.campaigns.length) {
      fill(this.table, h("p", { class: "muted", i18n: "campaigns.list.empty", text: t("campaigns.list.empty") }));
      return;
    }
    const head = ["number", "name", "collection", "mode", "period", "price", "claimed", "status", "actions"]
      .map((key) => h("th", { scope: "col", i18n: `campaigns.col.${key}`, text: t(`campaigns.col.${key}`) }));
    const body = h("tbody");
    for (const c of this.campaigns) {
      const badge = c.status === "open" ? "ok" : c.status === "paused" || c.status === "scheduled" ? "warn" : "bad";
      const actions = h("div", { class: "row-actions" });
      if (c.status !== "closed") {
        if (c.status === "paused") actions.append(button("secondary", "campaigns.action.resume", () => this.act(c, "resume")));
        else actions.append(button("secondary", "campaigns.action.pause", () => this.act(c, "pause")));
        actions.append(button("danger", "campaigns.action.close", () => this.act(c, "close")));
        if (c.mode === "voucher") actions.append(button("secondary", "campaigns.action.voucher", () => this.voucherForm(c)));
      }
      // The number staff see is the on-chain id, as the scripts and the holder page say it; c.id is only the URL's.
      body.append(h("tr", { "data-campaign": c.id, "data-number": c.onchain_id },
        h("td", { text: String(c.onchain_id) }),
        h("th", { scope: "row" }, localized(c)),
        h("td", { text: c.collection }),
        h("td", { text: t(`campaigns.mode.${c.mode}`) }),
        h("td", { text: `${formatDate(c.starts_at, true)} – ${formatDate(c.ends_at, true)}` }),
        h("td", { text: c.price_wei === "0" ? t("campaigns.free") : fromWei(c.price_wei) }),
        h("td", { text: t("campaigns.claimed", { claimed: c.claimed, supply: c.supply }) }),
        h("td", {}, h("span", { class: `badge ${badge}`, "data-status": c.status, text: t(`campaigns.status.${c.status}`) })),
        h("td", {}, actions)));
    }
    fill(this.table, h("table", { class: "data-table" }, h("thead", {}, h("tr", {}, ...head)), body));
  }

  renderAirdrops() {
    if (!this.airdrops.length) {
      fill(this.airdropList, h("p", { class: "muted", i18n: "campaigns.airdrop.none", text: t("campaigns.airdrop.none") }));
      return;
    }
    fill(this.airdropList, ...this.airdrops.map((job) => this.jobView(job)));
  }

  jobView(job) {
    const finished = job.done + job.skipped;
    const progress = h("progress", { max: Math.max(job.total, 1), value: finished, "aria-label": t("campaigns.airdrop.progress_label") });
    const batches = h("ol", { class: "batches small" }, ...job.batches.filter((b) => b.tx_hash).map((b) =>
      h("li", {}, txHash(b.tx_hash, this.explorer), " — ", t("campaigns.airdrop.batch", { count: b.count }))));
    const view = h("article", { class: "airdrop-job stack", "data-job": job.id, "data-status": job.status },
      h("h4", {}, `${job.filename} · ${job.collection} · `,
        h("span", { class: `badge ${job.status === "done" ? "ok" : job.status === "failed" ? "bad" : "info"}`,
          text: t(`campaigns.airdrop.status.${job.status}`) })),
      progress,
      h("p", { class: "progress-text", text: t("campaigns.airdrop.progress", job) }),
      job.batches.length ? h("details", {}, h("summary", { text: t("campaigns.airdrop.batches") }), batches) : null);
    if (job.message_en) view.append(message(job.status === "failed" ? "error" : "ok", job));
    if (job.status === "failed") view.append(h("div", { class: "actions" },
      button("secondary", "campaigns.airdrop.retry", () => this.retryAirdrop(job))));
    return view;
  }

  relabel() {  // texts drawn by script (data-i18n ones are re-applied by i18n.setLang)
    this.renderOptions();
    this.renderTable();
    this.renderAirdrops();
    this.renderDryRun();
    for (const element of this.container.querySelectorAll(".notice")) if (element._source) renderMessage(element);
    for (const element of this.container.querySelectorAll("progress")) element.setAttribute("aria-label", t("campaigns.airdrop.progress_label"));
  }

  // -- actions --------------------------------------------------------------------------------------------
  async uploadAllowlist() {
    const file = this.allowlistFile.files[0];
    if (!file) {
      fill(this.allowlistNotice, message("error", "campaigns.allowlist.choose"));
      return;
    }
    const body = new FormData();
    body.append("file", file, file.name);
    try {
      const result = await api(`${this.base}/allowlists`, { method: "POST", body });
      fill(this.allowlistNotice, message("ok", "campaigns.allowlist.ok", { file: result.filename, count: result.count }));
      this.allowlists = await api(`${this.base}/allowlists`);
      this.renderOptions();
      this.inputs.allowlist.value = String(result.id);
      this.modeInputs.allowlist.checked = true;
      this.syncMode();
    } catch (error) {
      fill(this.allowlistNotice, message("error", error));
    }
  }

  async create() {
    const i = this.inputs;
    const price = toWei(i.price.value);
    if (price === null) return fill(this.createNotice, message("error", "campaigns.create.bad_price"));
    const starts = japanTime(i.starts.value);
    const ends = japanTime(i.ends.value);
    if (starts === null || ends === null) return fill(this.createNotice, message("error", "campaigns.create.bad_dates"));
    const mode = Object.keys(this.modeInputs).find((m) => this.modeInputs[m].checked);
    if (mode === "allowlist" && !i.allowlist.value) return fill(this.createNotice, message("error", "campaigns.create.no_allowlist"));
    const body = {
      collection: i.collection.value, name_ja: i.name_ja.value.trim(), name_en: i.name_en.value.trim(),
      starts_at: starts, ends_at: ends, price_wei: price, supply: Number(i.supply.value),
      wallet_limit: Number(i.wallet_limit.value), tier: Number(i.tier.value),
      validity_days: i.validity.value ? Number(i.validity.value) : null,
      allowlist_id: mode === "allowlist" ? Number(i.allowlist.value) : null, voucher: mode === "voucher",
    };
    this.createButton.disabled = true;
    fill(this.createNotice, message("info", "campaigns.create.sending"));
    try {
      const created = await api(`${this.base}/campaigns`, { method: "POST", body });
      fill(this.createNotice, message("ok", "campaigns.create.ok", { name: () => localized(created), id: created.onchain_id, tx: created.tx_hash }));
      // Cleared, so that the next campaign is not sent by mistake with this one's names and settings.
      this.createForm.reset();
      this.syncMode();
      await this.reload();
    } catch (error) {
      fill(this.createNotice, message("error", error));
    } finally {
      this.createButton.disabled = false;
    }
  }

  async act(campaign, action) {
    const name = localized(campaign);
    if (action === "close" && !window.confirm(t("campaigns.confirm.close", { name }))) return;
    try {
      await api(`${this.base}/campaigns/${campaign.id}/${action}`, { method: "POST" });
      await this.reload();
      fill(this.listNotice, message("ok", `campaigns.done.${action}`, { name: () => localized(campaign) }));
    } catch (error) {
      fill(this.listNotice, message("error", error));
    }
  }

  voucherForm(campaign) {
    const recipient = h("input", { id: "campaigns-voucher-recipient", required: true, pattern: "0x[0-9a-fA-F]{40}",
      autocomplete: "off", spellcheck: "false" });
    const notice = h("div", { "aria-live": "polite", "data-testid": "voucher-result" });
    const submit = async (event) => {
      event.preventDefault();
      try {
        const voucher = await api(`${this.base}/campaigns/${campaign.id}/vouchers`, { method: "POST",
          body: { recipient: recipient.value.trim() } });
        fill(notice, message("ok", "campaigns.voucher.ok", { address: voucher.recipient, deadline: formatDate(voucher.deadline, true) }));
      } catch (error) {
        fill(notice, message("error", error));
      }
    };
    fill(this.voucherBox, h("form", { class: "panel stack voucher-form", onsubmit: submit },
      h("h3", { text: t("campaigns.voucher.title", { name: localized(campaign) }) }),
      h("p", { class: "small muted", i18n: "campaigns.voucher.help", text: t("campaigns.voucher.help") }),
      field("campaigns.voucher.recipient", recipient),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", i18n: "campaigns.voucher.submit",
        text: t("campaigns.voucher.submit") })), notice));
    recipient.focus();
  }

  async startAirdrop() {
    const body = this.airdropBody();
    if (!body) return fill(this.airdropNotice, message("error", "campaigns.allowlist.choose"));
    try {
      const job = await api(`${this.base}/airdrops`, { method: "POST", body });
      fill(this.airdropNotice);
      this.airdropInputs.file.value = "";
      this.airdrops = await api(`${this.base}/airdrops`);
      this.renderAirdrops();
      this.poll(job.id);
    } catch (error) {
      fill(this.airdropNotice, message("error", error));
    }
  }

  async retryAirdrop(job) {
    try {
      await api(`/staff/airdrops/${job.id}/retry`, { method: "POST" });
      this.poll(job.id);
    } catch (error) {
      fill(this.airdropNotice, message("error", error));
    }
  }

  /** Follows job `id` every POLL_MS until it is done or failed, redrawing its progress bar. */
  poll(id) {
    if (this.polls.has(id)) return;
    const tick = async () => {
      try {
        const job = await api(`/staff/airdrops/${id}`);
        const index = this.airdrops.findIndex((j) => j.id === id);
        if (index >= 0) this.airdrops[index] = job; else this.airdrops.unshift(job);
        const shown = this.airdropList.querySelector(`[data-job="${id}"]`);
        if (shown) shown.replaceWith(this.jobView(job)); else this.renderAirdrops();
        if (job.status === "done" || job.status === "failed") {
          this.polls.delete(id);
          return;
        }
      } catch (_) { /* a missed poll: try again at the next tick */ }
      this.polls.set(id, setTimeout(tick, POLL_MS));
    };
    this.polls.set(id, setTimeout(tick, 0));
  }
}

function ensureStyles() {
  if (document.querySelector("link[data-campaigns-css]")) return;
  document.head.append(h("link", { rel: "stylesheet", href: "/static/css/campaigns.css", "data-campaigns-css": "true" }));
}

/** The console shell's entry: `ctx` = {api, t, lang, municipality, staff}; municipality is an id or {id}. */
export async function mount(container, ctx = {}) {
  await loadCatalogs(["campaigns"]);
  const municipality = ctx.municipality && typeof ctx.municipality === "object" ? ctx.municipality.id : ctx.municipality;
  const tab = new CampaignsTab(container, municipality);
  // The chain's explorer links the batches' transactions (none on a local chain); the tab works without it.
  tab.explorer = await api("/web/config").then((config) => config.explorer || null, () => null);
  await tab.start();
  return { unmount: () => tab.stop() };
}

// A transaction hash, linked to the block explorer's page of it when the chain has an explorer.
export function txHash(hash, explorer) {
  if (!explorer) return h("span", { class: "hash mono", text: hash });
  return h("a", { class: "hash mono", href: `${explorer}/tx/${hash}`, target: "_blank", rel: "noopener", text: hash });
}

export const titleKey = "campaigns.tab";
