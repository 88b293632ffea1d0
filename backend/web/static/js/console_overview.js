// The console's overview tab: today's KPIs as cards, and their history as charts (vendored Chart.js), each
// chart with its numbers in a table (in a <details>) for screen readers, for copying into a report, and for
// anyone who prefers numbers. Charts and tables are drawn again in the new language on a language switch.

const PERIODS = [7, 30, 90, 365];
const DEFAULT_DAYS = 30;
// Colour-blind-safe hues that keep >= 3:1 against white (lines and bars), each line also with its own dash.
const COLOURS = ["#1f6f5c", "#0b57d0", "#b3261e", "#8a5a00", "#6a3d9a", "#00727d", "#5d4037", "#ad1457"];
const DASHES = [[], [6, 4], [2, 3], [10, 3, 2, 3]];
const OTHERS_AFTER = 7; // perks or venues beyond the 7 busiest are summed as "others"

export const catalog = "console";

export async function mount(container, ctx) {
  const { t, h, fill, api } = ctx;
  const mid = ctx.municipality.id;
  let days = DEFAULT_DAYS;
  let kpis = null;
  let series = null;
  let charts = [];
  let alive = true;

  const periodSelect = h("select", { id: "overview-days" },
    ...PERIODS.map((n) => h("option", { value: String(n), selected: n === days })));
  const status = h("p", { class: "muted small", role: "status", "aria-live": "polite" });
  // The KPIs of `make run`'s seeded municipality say they are demo data beside the figures themselves.
  const demoBadge = h("span", { class: "badge warn", id: "overview-demo", hidden: true });
  const cards = h("div", { class: "kpi-grid", id: "kpi-cards" });
  const chartArea = h("div", { class: "chart-grid", id: "kpi-charts" });
  fill(container,
    h("div", { class: "section-title overview-head" },
      h("div", { class: "badges" }, h("h2", { i18n: "console.overview.title" }), demoBadge),
      // What a poster or a link sends a newcomer to: staff check it here (backend/api/public/towns.py).
      ctx.municipality.slug ? h("a", { id: "overview-town-page", href: `/town/${encodeURIComponent(ctx.municipality.slug)}`,
        target: "_blank", rel: "noopener", i18n: "console.overview.town_page" }) : null,
      h("div", { class: "inline-field" },
        h("label", { for: "overview-days", i18n: "console.overview.period" }), periodSelect)),
    status, cards, chartArea);

  function formatNumber(value, digits = 0) {
    return new Intl.NumberFormat(ctx.lang() === "ja" ? "ja-JP" : "en-GB",
      { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
  }
  const percent = (share) => `${formatNumber(share * 100, 1)}%`;

  function dayLabel(day) {
    const [y, m, d] = day.split("-").map(Number);
    return new Intl.DateTimeFormat(ctx.lang() === "ja" ? "ja-JP" : "en-GB",
      { month: "short", day: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, d)));
  }

  function renderPeriodOptions() {
    for (const option of periodSelect.options) option.textContent = t("console.overview.days", { n: option.value });
  }

  // --- KPI cards ---------------------------------------------------------------------------------------
  function renderCards() {
    const c = kpis.concentration;
    const items = [
      ["cards_issued", formatNumber(kpis.cards_issued)],
      ["cards_valid", formatNumber(kpis.cards_valid)],
      ["unique_holders", formatNumber(kpis.unique_holders)],
      ["active_holders_30d", formatNumber(kpis.active_holders_30d)],
      ["redemptions_30d", formatNumber(kpis.redemptions_30d)],
      ["top10_share", percent(c.top10_share)],
      ["top1_share", percent(c.top1_share)],
      ["gini", formatNumber(c.gini, 2)],
    ];
    // The residency programme's figures (issue 6), in the same report staff hand to the council.
    const g = kpis.programme;
    if (g) {
      items.push(
        ["checkins_30d", formatNumber(g.checkins_30d)],
        ["premium_cards", formatNumber(g.premium_cards)],
        ["premium_renewed_365d", formatNumber(g.premium_renewed_365d)],
        ["turnout_last_poll", g.turnout_last_poll === null ? "—" : percent(g.turnout_last_poll)],
      );
    }
    fill(cards, ...items.map(([key, value]) => h("div", { class: "kpi", "data-kpi": key },
      h("span", { class: "kpi-value" }, value),
      h("span", { class: "kpi-label" }, t(`console.kpi.${key}`)),
      h("span", { class: "kpi-hint" }, t(`console.kpi.${key}.hint`)))));
  }

  // --- charts with their tables ------------------------------------------------------------------------
  function destroyCharts() {
    for (const chart of charts) chart.destroy();
    charts = [];
  }

  /** A <figure>: title, the canvas (an image with a one-line summary for screen readers), the table (newest
   * day first: the box scrolls, and the latest numbers are the ones asked for). */
  function figure(id, titleKey, summary, columns, rows) {
    rows = [...rows].reverse();
    const canvas = h("canvas", { id: `chart-${id}`, role: "img", "aria-label": `${t(titleKey)}: ${summary}` });
    const table = h("table", { class: "data-table", "data-chart": id },
      h("caption", { class: "visually-hidden" }, t(titleKey)),
      h("thead", {}, h("tr", {}, ...columns.map((col, i) => h("th", { scope: "col", class: i ? "num" : "" }, col)))),
      h("tbody", {}, ...rows.map((row) => h("tr", {},
        ...row.map((cell, i) => (i === 0 ? h("th", { scope: "row", "data-day": cell.day }, cell.text)
          : h("td", { class: "num", "data-value": String(cell.value) }, cell.text)))))));
    return {
      canvas,
      element: h("figure", { class: "panel chart", id: `figure-${id}` },
        h("figcaption", { class: "chart-title" }, t(titleKey)),
        h("p", { class: "muted small" }, summary),
        h("div", { class: "chart-box" }, canvas),
        h("details", { class: "chart-data" },
          h("summary", {}, t("console.chart.show_numbers")),
          h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": t(titleKey) }, table))),
    };
  }

  function dayRows(valuesByColumn, format) {
    return series.days.map((day, i) => [{ day, text: dayLabel(day) },
      ...valuesByColumn.map((values) => ({ value: values[i], text: format(values[i]) }))]);
  }

  function lineDataset(label, data, i, extra = {}) {
    return { label, data, borderColor: COLOURS[i % COLOURS.length], backgroundColor: COLOURS[i % COLOURS.length],
      borderDash: DASHES[i % DASHES.length], borderWidth: 2, pointRadius: series.days.length > 45 ? 0 : 2,
      tension: 0, clip: 6, ...extra }; // clip: a point at the top of its axis (100 %) stays whole
  }

  function baseOptions(extra = {}, lines = false) {
    // Lines are told apart by dash as well as colour, so their legend shows a line sample, not a box.
    const labels = lines ? { usePointStyle: true, pointStyle: "line", pointStyleWidth: 30 } : { boxWidth: 14 };
    return {
      responsive: true, maintainAspectRatio: false, animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: { legend: { position: "bottom", labels } },
      scales: { x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } } },
      ...extra,
    };
  }

  function topRows(rows) {
    // The busiest first; beyond OTHERS_AFTER, one "others" row (the table keeps every row).
    const sorted = [...rows].sort((a, b) => b.counts.reduce((s, n) => s + n, 0) - a.counts.reduce((s, n) => s + n, 0));
    if (sorted.length <= OTHERS_AFTER + 1) return sorted;
    const rest = sorted.slice(OTHERS_AFTER);
    return [...sorted.slice(0, OTHERS_AFTER), { name_ja: t("console.chart.others"), name_en: t("console.chart.others"),
      counts: series.days.map((_, i) => rest.reduce((s, r) => s + r.counts[i], 0)) }];
  }

  function renderCharts() {
    destroyCharts();
    const Chart = window.Chart;
    const last = series.days.length - 1;
    const card = series.cards;
    const figures = [];

    // 1. Cards vs unique holders
    const cardColumns = [["issued", card.issued], ["valid", card.valid], ["unique_holders", card.unique_holders]];
    const cardsFigure = figure("cards", "console.chart.cards.title",
      t("console.chart.cards.summary", { issued: formatNumber(card.issued[last]), valid: formatNumber(card.valid[last]),
        holders: formatNumber(card.unique_holders[last]) }),
      [t("console.chart.day"), ...cardColumns.map(([key]) => t(`console.series.${key}`))],
      dayRows(cardColumns.map(([, values]) => values), (v) => formatNumber(v)));
    figures.push([cardsFigure, {
      type: "line",
      data: { labels: series.days.map(dayLabel),
        datasets: cardColumns.map(([key, values], i) => lineDataset(t(`console.series.${key}`), values, i)) },
      options: baseOptions({ scales: { x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } },
        y: { beginAtZero: true, ticks: { precision: 0 } } } }, true),
    }]);

    // 2 and 3. Redemptions by perk and by venue (stacked bars per day)
    for (const by of ["perk", "venue"]) {
      const rows = series.redemptions[`by_${by}`];
      const total = rows.reduce((s, r) => s + r.counts.reduce((a, n) => a + n, 0), 0);
      const titleKey = `console.chart.by_${by}.title`;
      if (!rows.length) {
        figures.push([{ element: h("figure", { class: "panel chart", id: `figure-by-${by}` },
          h("figcaption", { class: "chart-title" }, t(titleKey)),
          h("p", { class: "muted", "data-empty": "true" }, t("console.chart.no_redemptions"))) }, null]);
        continue;
      }
      const figureOf = figure(`by-${by}`, titleKey, t("console.chart.redemptions.summary", { n: formatNumber(total) }),
        [t("console.chart.day"), ...rows.map((r) => ctx.localized(r))],
        dayRows(rows.map((r) => r.counts), (v) => formatNumber(v)));
      figures.push([figureOf, {
        type: "bar",
        data: { labels: series.days.map(dayLabel), datasets: topRows(rows).map((r, i) => ({
          label: ctx.localized(r), data: r.counts, backgroundColor: COLOURS[i % COLOURS.length], stack: "all" })) },
        options: baseOptions({ scales: { x: { stacked: true, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }),
      }]);
    }

    // 4. Concentration: top-10 and top-1 share (%) and Gini (0-1); no point on days nobody held a card
    const held = (values, scale = 1) => values.map((v, i) => (card.unique_holders[i] ? v * scale : null));
    const shares = [["top10_share", held(card.top10_share, 100)], ["top1_share", held(card.top1_share, 100)]];
    const shareText = (v, i) => (card.unique_holders[i] ? percent(v) : "–");
    const concFigure = figure("concentration", "console.chart.concentration.title",
      t("console.chart.concentration.summary", { top10: percent(card.top10_share[last]),
        gini: formatNumber(card.gini[last], 2) }),
      [t("console.chart.day"), t("console.series.top10_share"), t("console.series.top1_share"), t("console.series.gini")],
      series.days.map((day, i) => [{ day, text: dayLabel(day) },
        { value: card.top10_share[i], text: shareText(card.top10_share[i], i) },
        { value: card.top1_share[i], text: shareText(card.top1_share[i], i) },
        { value: card.gini[i], text: card.unique_holders[i] ? formatNumber(card.gini[i], 2) : "–" }]));
    figures.push([concFigure, {
      type: "line",
      data: { labels: series.days.map(dayLabel), datasets: [
        ...shares.map(([key, values], i) => lineDataset(`${t(`console.series.${key}`)} (%)`, values, i, { yAxisID: "y" })),
        lineDataset(t("console.series.gini"), held(card.gini), 2, { yAxisID: "y1" })] },
      options: baseOptions({ scales: {
        x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } },
        y: { min: 0, max: 100, title: { display: true, text: "%" } },
        y1: { min: 0, max: 1, position: "right", grid: { drawOnChartArea: false },
          title: { display: true, text: t("console.series.gini") } } } }, true),
    }]);

    fill(chartArea, ...figures.map(([f]) => f.element));
    if (!Chart) {
      chartArea.prepend(h("div", { class: "notice warn" }, t("console.chart.unavailable")));
      return;
    }
    for (const [f, config] of figures) {
      if (config) charts.push(new Chart(f.canvas, config));
    }
  }

  function render() {
    if (!kpis || !series) return;
    renderPeriodOptions();
    demoBadge.hidden = !kpis.demo;
    fill(demoBadge, t("console.demo.label"));
    renderCards();
    renderCharts();
    fill(status, t("console.overview.as_of", { when: ctx.formatDate(series.as_of, true) }));
  }

  async function load() {
    fill(status, t("common.loading"));
    const [k, s] = await Promise.all([api(`/staff/municipalities/${mid}/kpis`),
      api(`/staff/municipalities/${mid}/kpis/series?days=${days}`)]);
    if (!alive) return;
    kpis = k;
    series = s;
    container.dataset.days = String(days);
    render();
  }

  periodSelect.addEventListener("change", async () => {
    days = Number(periodSelect.value);
    try {
      await load();
    } catch (error) {
      fill(status, ctx.errorText(error));
    }
  });

  // Chart.js follows its box through a ResizeObserver, one animation frame later; resizing at once on a
  // window resize (a phone turned, a window dragged) leaves no frame with an empty, just-resized canvas.
  const resizeNow = () => { for (const chart of charts) chart.resize(); };
  window.addEventListener("resize", resizeNow);

  renderPeriodOptions();
  await load();
  return {
    unmount() { alive = false; window.removeEventListener("resize", resizeNow); destroyCharts(); },
    onLang() { render(); },
  };
}
