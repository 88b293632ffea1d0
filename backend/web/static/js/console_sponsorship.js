// The console's Fee sponsorship tab: what the municipality's relayer paid for residents' claims today and
// this month (Japan time), the budget left (GET /staff/municipalities/{id}/sponsorship), and for admins the
// policy as a form (PUT). Amounts travel as wei strings and are shown and typed in the native token ("0.1
// POL") with BigInt, never a float of the wei. The server's refusals (catalogue texts) are shown as they come.
// Texts: i18n/sponsorship.json.

export const catalog = "sponsorship";
export const titleKey = "sponsorship.tab";

const DECIMALS = 18;
const WEI = 10n ** BigInt(DECIMALS);
const SHOWN = 6; // decimals shown: a millionth of a POL is far below any claim's fee

/** "0.25" from "250000000000000000": up to six decimals, rounded down, trailing zeros dropped. */
export function tokens(wei) {
  const value = BigInt(wei);
  const scaled = (value * 10n ** BigInt(SHOWN)) / WEI;
  const whole = scaled / 10n ** BigInt(SHOWN);
  const fraction = String(scaled % 10n ** BigInt(SHOWN)).padStart(SHOWN, "0").replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}

/** The wei string of a typed amount ("0.1", "2", "0,5" is refused), or null when it is not one. */
export function toWei(text) {
  const match = /^\s*(\d{1,13})(?:\.(\d{1,18}))?\s*$/.exec(text);
  if (!match) return null;
  return String(BigInt(match[1]) * WEI + BigInt((match[2] || "").padEnd(DECIMALS, "0")));
}

export async function mount(container, ctx) {
  const { t, h, fill, api } = ctx;
  const mid = ctx.municipality.id;
  const path = `/staff/municipalities/${mid}/sponsorship`;
  let view = await api(path); // a failure: console.js shows the error
  let message = null; // [kind, () => text]
  const messageBox = h("div", { "aria-live": "polite" }); // kept across redraws: a refusal keeps what was typed

  function say(kind, render) {
    message = kind ? [kind, render] : null;
    fill(messageBox, message ? h("div", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status",
      "data-testid": "sponsorship-message" }, render()) : null);
  }

  const amount = (wei) => `${tokens(wei)} ${view.symbol}`;
  const row = (key, value, id) => h("tr", {}, h("th", { scope: "row" }, t(key)), h("td", { "data-testid": id }, value));

  function field(id, key, value, attrs = {}) {
    return h("div", { class: "field" },
      h("label", { for: id }, t(key)),
      h("input", { id, name: id, value, autocomplete: "off", ...attrs }));
  }

  function form() {
    const inputs = h("form", { id: "sponsorship-form", class: "stack", novalidate: true },
      h("label", { class: "check" },
        h("input", { id: "sponsorship-enabled", type: "checkbox", checked: view.enabled }),
        t("sponsorship.form.enabled")),
      field("sponsorship-daily", "sponsorship.form.daily", tokens(view.daily_budget_wei),
        { inputmode: "decimal", "aria-describedby": "sponsorship-unit" }),
      field("sponsorship-monthly", "sponsorship.form.monthly", tokens(view.monthly_budget_wei),
        { inputmode: "decimal", "aria-describedby": "sponsorship-unit" }),
      h("p", { id: "sponsorship-unit", class: "muted small" }, t("sponsorship.form.unit", { symbol: view.symbol })),
      field("sponsorship-person", "sponsorship.form.person", String(view.per_person_per_day),
        { type: "number", min: "0", max: "1000", inputmode: "numeric" }),
      field("sponsorship-address", "sponsorship.form.address", String(view.per_address_per_day),
        { type: "number", min: "0", max: "100000", inputmode: "numeric" }),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", id: "sponsorship-save" },
        t("sponsorship.form.save"))));
    inputs.addEventListener("submit", save);
    return h("section", { class: "panel stack", "aria-labelledby": "sponsorship-form-title" },
      h("h3", { id: "sponsorship-form-title" }, t("sponsorship.form.title")), inputs);
  }

  async function save(event) {
    event.preventDefault();
    say(null);
    const value = (id) => container.querySelector(`#${id}`).value;
    const daily = toWei(value("sponsorship-daily"));
    const monthly = toWei(value("sponsorship-monthly"));
    const bad = daily === null ? "sponsorship.form.daily" : monthly === null ? "sponsorship.form.monthly" : null;
    if (bad) {
      say("error", () => t("sponsorship.form.bad_amount", { field: t(bad), symbol: view.symbol }));
      container.querySelector(bad === "sponsorship.form.daily" ? "#sponsorship-daily" : "#sponsorship-monthly").focus();
      return;
    }
    const count = (id) => (/^\d{1,6}$/.test(value(id).trim()) ? Number(value(id)) : value(id)); // the server words a bad one
    const button = container.querySelector("#sponsorship-save");
    button.disabled = true;
    try {
      view = await api(path, { method: "PUT", body: {
        enabled: container.querySelector("#sponsorship-enabled").checked, daily_budget_wei: daily,
        monthly_budget_wei: monthly, per_person_per_day: count("sponsorship-person"),
        per_address_per_day: count("sponsorship-address") } });
      draw(); // the new figures
      say("ok", () => t("sponsorship.form.saved"));
    } catch (error) {
      say("error", () => (error instanceof ctx.api.ApiError ? ctx.errorText(error) : t("common.error.unexpected")));
    } finally {
      button.disabled = false;
    }
  }

  function draw() {
    fill(container,
      h("h2", {}, t("sponsorship.title")),
      h("p", { class: "muted" }, t("sponsorship.lead")),
      h("section", { class: "panel stack", "aria-labelledby": "sponsorship-spend-title" },
        h("h3", { id: "sponsorship-spend-title" }, t("sponsorship.spend")),
        h("p", { "data-testid": "sponsorship-state" }, t(view.enabled ? "sponsorship.on" : "sponsorship.off")),
        h("table", {},
          h("tbody", {},
            row("sponsorship.spent_today", amount(view.spent_today_wei), "sponsorship-spent-today"),
            row("sponsorship.left_today", amount(view.left_today_wei), "sponsorship-left-today"),
            row("sponsorship.daily_budget", amount(view.daily_budget_wei), "sponsorship-daily-budget"),
            row("sponsorship.spent_month", amount(view.spent_month_wei), "sponsorship-spent-month"),
            row("sponsorship.left_month", amount(view.left_month_wei), "sponsorship-left-month"),
            row("sponsorship.monthly_budget", amount(view.monthly_budget_wei), "sponsorship-monthly-budget"),
            row("sponsorship.claims", t("sponsorship.claims_count", { today: view.claims_today, month: view.claims_month }),
              "sponsorship-claims"),
            row("sponsorship.limits", t("sponsorship.limits_value", { person: view.per_person_per_day,
              address: view.per_address_per_day }), "sponsorship-limits")))),
      messageBox,
      ctx.role === "admin" ? form() : h("p", { class: "muted" }, t("sponsorship.form.admins_only")));
  }

  draw();
  return { onLang: () => { draw(); if (message) say(...message); } };
}
