// The console's Sponsored claims tab: what the municipality's relayer paid for residents' claims today and
// this month (Japan time), and the budget left (GET /staff/municipalities/{id}/sponsorship). Amounts come as
// wei strings; shown in the native token (POL, ETH...) with BigInt, never a float of the wei.
// Texts: i18n/sponsorship.json.

export const catalog = "sponsorship";
export const titleKey = "sponsorship.tab";

const WEI = 10n ** 18n;

export function tokens(wei) {
  // "0.001234" from "1234000000000000": six decimals, rounded down.
  const value = BigInt(wei);
  const micro = (value * 1_000_000n) / WEI;
  const whole = micro / 1_000_000n;
  return `${whole}.${String(micro % 1_000_000n).padStart(6, "0")}`;
}

export async function mount(container, ctx) {
  const { t, h, fill, api } = ctx;
  const mid = ctx.municipality.id;
  const view = await api(`/staff/municipalities/${mid}/sponsorship`); // a failure: console.js shows the error
  const row = (key, value, id) => h("tr", {}, h("th", { scope: "row" }, t(key)), h("td", { "data-testid": id }, value));
  fill(container,
    h("h2", {}, t("sponsorship.title")),
    h("p", { class: "muted" }, t("sponsorship.lead")),
    h("section", { class: "panel stack", "aria-labelledby": "sponsorship-spend-title" },
      h("h3", { id: "sponsorship-spend-title" }, t("sponsorship.spend")),
      h("p", { "data-testid": "sponsorship-state" }, t(view.enabled ? "sponsorship.on" : "sponsorship.off")),
      h("table", {},
        h("tbody", {},
          row("sponsorship.spent_today", tokens(view.spent_today_wei), "sponsorship-spent-today"),
          row("sponsorship.left_today", tokens(view.left_today_wei), "sponsorship-left-today"),
          row("sponsorship.daily_budget", tokens(view.daily_budget_wei), "sponsorship-daily-budget"),
          row("sponsorship.spent_month", tokens(view.spent_month_wei), "sponsorship-spent-month"),
          row("sponsorship.left_month", tokens(view.left_month_wei), "sponsorship-left-month"),
          row("sponsorship.monthly_budget", tokens(view.monthly_budget_wei), "sponsorship-monthly-budget"),
          row("sponsorship.claims", t("sponsorship.claims_count", { today: view.claims_today, month: view.claims_month }),
            "sponsorship-claims"),
          row("sponsorship.limits", t("sponsorship.limits_value", { person: view.per_person_per_day,
            address: view.per_address_per_day }), "sponsorship-limits")))));
}
