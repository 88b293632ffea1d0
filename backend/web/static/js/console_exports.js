// The console's CSV tab: the KPI sheet, the KPI history (a row per day) and the redemptions list (a period,
// optionally one venue) as files that
// open in Excel (UTF-8 with BOM, Japanese headers). Plain links: the browser downloads them with the session
// cookie, so nothing is held in the page.

export const catalog = "console";

const DAY = 86_400_000;

function japanDate(ms) {
  // YYYY-MM-DD in Japan (UTC+9 all year; no daylight saving time).
  return new Date(ms + 9 * 3_600_000).toISOString().slice(0, 10);
}

export async function mount(container, ctx) {
  const { t, h, fill, api, localized } = ctx;
  const mid = ctx.municipality.id;
  const venues = await api(`/staff/municipalities/${mid}/venues`);
  const now = Date.now();
  let from = japanDate(now - 29 * DAY);
  let to = japanDate(now);
  let venueId = "";

  const kpiLink = h("a", { class: "button primary", id: "export-kpis", href: `/staff/municipalities/${mid}/kpis.csv`,
    download: "" });
  const historyLink = h("a", { class: "button primary", id: "export-history", download: "" });
  const historyDays = h("select", { id: "export-history-days" },
    ...[30, 90, 365].map((n) => h("option", { value: String(n) })));
  const updateHistory = () => {
    historyLink.href = `/staff/municipalities/${mid}/kpis/series.csv?days=${historyDays.value}`;
  };
  historyDays.addEventListener("change", updateHistory);
  const redemptionsLink = h("a", { class: "button primary", id: "export-redemptions", download: "" });
  const problem = h("div", { id: "export-problem", role: "alert" });
  const fromInput = h("input", { type: "date", id: "export-from", value: from, max: to });
  const toInput = h("input", { type: "date", id: "export-to", value: to, max: to });
  const venueSelect = h("select", { id: "export-venue" });

  function updateLink() {
    from = fromInput.value;
    to = toInput.value;
    venueId = venueSelect.value;
    const ok = /^\d{4}-\d{2}-\d{2}$/.test(from) && /^\d{4}-\d{2}-\d{2}$/.test(to) && from <= to;
    const query = new URLSearchParams({ from, to });
    if (venueId) query.set("venue_id", venueId);
    redemptionsLink.href = `/staff/municipalities/${mid}/redemptions.csv?${query}`;
    if (ok) {
      redemptionsLink.removeAttribute("aria-disabled");
      fill(problem, "");
    } else {
      redemptionsLink.setAttribute("aria-disabled", "true");
      fill(problem, h("div", { class: "notice error" }, t("console.export.bad_period")));
    }
  }
  redemptionsLink.addEventListener("click", (event) => {
    if (redemptionsLink.getAttribute("aria-disabled") === "true") event.preventDefault();
  });

  function render() {
    fill(venueSelect, h("option", { value: "" }, t("console.export.all_venues")),
      ...venues.map((v) => h("option", { value: String(v.id), selected: String(v.id) === venueId }, localized(v))));
    fill(kpiLink, t("console.export.kpis.download"));
    fill(historyLink, t("console.export.history.download"));
    for (const option of historyDays.options) option.textContent = t("console.overview.days", { n: option.value });
    fill(redemptionsLink, t("console.export.redemptions.download"));
    fill(container,
      h("h2", {}, t("console.export.title")),
      h("p", { class: "muted" }, t("console.export.lead")),
      h("div", { class: "grid grid-2" },
        h("section", { class: "panel stack", "aria-labelledby": "export-kpis-title" },
          h("h3", { id: "export-kpis-title" }, t("console.export.kpis.title")),
          h("p", {}, t("console.export.kpis.lead")),
          h("div", { class: "actions" }, kpiLink)),
        h("section", { class: "panel stack", "aria-labelledby": "export-history-title" },
          h("h3", { id: "export-history-title" }, t("console.export.history.title")),
          h("p", {}, t("console.export.history.lead")),
          h("div", { class: "field" }, h("label", { for: "export-history-days" }, t("console.overview.period")),
            historyDays),
          h("div", { class: "actions" }, historyLink)),
        h("section", { class: "panel stack", "aria-labelledby": "export-redemptions-title" },
          h("h3", { id: "export-redemptions-title" }, t("console.export.redemptions.title")),
          h("p", {}, t("console.export.redemptions.lead")),
          h("div", { class: "form-grid" },
            h("div", { class: "field" }, h("label", { for: "export-from" }, t("console.export.from")), fromInput),
            h("div", { class: "field" }, h("label", { for: "export-to" }, t("console.export.to")), toInput),
            h("div", { class: "field" }, h("label", { for: "export-venue" }, t("console.export.venue")), venueSelect)),
          problem,
          h("div", { class: "actions" }, redemptionsLink))));
    updateLink();
    updateHistory();
  }

  for (const input of [fromInput, toInput, venueSelect]) input.addEventListener("change", updateLink);
  render();
  return { onLang: render };
}
