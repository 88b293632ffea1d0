// The Campaigns tab's "Claim links and posters" section (mounted by console_campaigns.js): single-use claim
// links of a voucher campaign (made after a simulated claim: a refusal says what to do), downloaded as a CSV
// for Excel or a sheet of QR slips to print, and the campaign's A4 poster (PDF, PNG). Texts: i18n/claim_links.json.

import { api } from "./api.js";
import { errorText, formatDate, loadCatalogs, localized, t } from "./i18n.js";
import { fill, h } from "./page.js";

export class ClaimLinksSection {
  constructor(base) {
    this.base = base;
    this.campaigns = [];
    this.links = [];
    this.notice = null;
  }

  async load() {
    await loadCatalogs(["claim_links"]);
  }

  element() {
    this.select = h("select", { id: "claim-links-campaign", onchange: () => this.choose() });
    this.count = h("input", { id: "claim-links-count", type: "number", min: 1, max: 500, value: 10, required: true,
      inputmode: "numeric" });
    this.noticeBox = h("div", { "aria-live": "polite", "data-testid": "claim-links-result" });
    this.downloads = h("div", { class: "actions", "data-testid": "claim-links-downloads" });
    this.table = h("div", { class: "table-scroll", tabindex: "0", "data-testid": "claim-links" });
    this.form = h("form", { class: "stack", onsubmit: (event) => { event.preventDefault(); this.make(); } },
      h("div", {}, h("label", { for: "claim-links-campaign", i18n: "claim_links.campaign" }), this.select),
      h("div", {}, h("label", { for: "claim-links-count", i18n: "claim_links.count" }), this.count,
        h("p", { class: "field-hint", i18n: "claim_links.count_hint" })),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", id: "claim-links-make",
        i18n: "claim_links.make" })));
    this.root = h("section", { class: "panel stack", "aria-labelledby": "claim-links-title" },
      h("h2", { id: "claim-links-title", i18n: "claim_links.title" }),
      h("p", { class: "small muted", i18n: "claim_links.help" }),
      this.form, this.noticeBox, this.downloads, this.table);
    this.relabel();
    return this.root;
  }

  relabel() {
    for (const element of this.root.querySelectorAll("[data-i18n]")) element.textContent = t(element.dataset.i18n);
    this.renderOptions();
    this.render();
  }

  update(campaigns) {
    this.campaigns = campaigns;
    this.renderOptions();
    this.choose();
  }

  selected() {
    return this.campaigns.find((c) => String(c.id) === this.select.value);
  }

  renderOptions() {
    const chosen = this.select.value;
    fill(this.select, ...this.campaigns.map((c) => h("option", { value: c.id,
      text: `${localized(c)} (#${c.onchain_id}, ${t(`claim_links.mode.${c.mode}`)})` })));
    if (chosen && this.campaigns.some((c) => String(c.id) === chosen)) this.select.value = chosen;
  }

  async choose() {
    const campaign = this.selected();
    this.links = [];
    this.notice = null;
    if (campaign && campaign.mode === "voucher") {
      try {
        this.links = await api(`${this.base}/campaigns/${campaign.id}/claim-links`);
      } catch (error) {
        this.notice = ["error", () => errorText(error)];
      }
    }
    this.render();
  }

  async make() {
    const campaign = this.selected();
    if (!campaign) return;
    const button = this.form.querySelector("button[type='submit']");
    button.disabled = true;
    try {
      const before = this.links.length;
      this.links = await api(`${this.base}/campaigns/${campaign.id}/claim-links`, { method: "POST",
        body: { count: Number(this.count.value) } });
      const made = this.links.length - before;
      this.notice = ["ok", () => t("claim_links.made", { count: made })];
    } catch (error) {
      this.notice = ["error", () => errorText(error)];
    } finally {
      button.disabled = false;
    }
    this.render();
  }

  render() {
    if (!this.root) return;
    const campaign = this.selected();
    const voucher = campaign && campaign.mode === "voucher";
    this.form.querySelector("button[type='submit']").disabled = !voucher;
    this.count.disabled = !voucher;
    const notes = [];
    if (campaign && !voucher) notes.push(h("p", { class: "notice info", text: t("claim_links.not_voucher") }));
    if (this.notice) {
      const [kind, text] = this.notice;
      notes.push(h("div", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status", text: text() }));
    }
    fill(this.noticeBox, ...notes);
    const files = [];
    if (campaign) {
      const at = `${this.base}/campaigns/${campaign.id}`;
      if (voucher && this.links.length) {
        files.push(h("a", { class: "button secondary", href: `${at}/claim-links.csv?lang=ja`, download: "",
          "data-download": "csv-ja", text: t("claim_links.csv_ja") }));
        files.push(h("a", { class: "button secondary", href: `${at}/claim-links.csv?lang=en`, download: "",
          "data-download": "csv-en", text: t("claim_links.csv_en") }));
        files.push(h("a", { class: "button secondary", href: `${at}/claim-links.pdf`, download: "",
          "data-download": "sheet", text: t("claim_links.sheet") }));
      }
      files.push(h("a", { class: "button secondary", href: `${at}/poster.pdf`, download: "", "data-download": "poster-pdf",
        text: t("claim_links.poster_pdf") }));
      files.push(h("a", { class: "button secondary", href: `${at}/poster.png`, download: "", "data-download": "poster-png",
        text: t("claim_links.poster_png") }));
    }
    fill(this.downloads, ...files);
    if (!voucher || !this.links.length) {
      fill(this.table);
      return;
    }
    const head = ["number", "link", "status", "used_on"].map((key) => h("th", { scope: "col", text: t(`claim_links.col.${key}`) }));
    const rows = this.links.map((link) => h("tr", { "data-link": link.id, "data-used": String(link.used) },
      h("td", { text: String(link.number) }),
      h("td", {}, h("code", { class: "link-text", text: link.url })),
      h("td", { text: t(link.used ? "claim_links.used" : "claim_links.unused") }),
      h("td", { text: link.used_at ? formatDate(link.used_at, true) : "" })));
    fill(this.table, h("table", { class: "data-table" }, h("thead", {}, h("tr", {}, ...head)), h("tbody", {}, ...rows)));
  }
}
