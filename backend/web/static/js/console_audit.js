// The console's audit tab (admins): who changed what, when, from which address, before → after, and the
// transactions the backend sent. Filters narrow the list (newest first, 50 at a time, "older" for more);
// the CSV link carries the same filters (Excel: UTF-8 with BOM, Japan times), downloaded with the session
// cookie.

export const catalog = "audit";
export const titleKey = "audit.tab";

const ACTIONS = ["create", "update", "delete", "redeem", "transaction"];

function shown(value) {
  if (value === null || value === undefined || value === "") return "—";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function addStyles(h) {
  if (document.querySelector("link[data-audit-css]")) return;
  document.head.append(h("link", { rel: "stylesheet", href: "/static/css/audit.css", "data-audit-css": "true" }));
}

export async function mount(container, ctx) {
  const { t, h, fill, api, errorText } = ctx;
  const mid = ctx.municipality.id;
  addStyles(h);
  if (ctx.role !== "admin") {
    const render = () => fill(container, h("h2", {}, t("audit.title")),
      h("div", { class: "notice", id: "audit-admin-only" }, t("audit.admin_only")));
    render();
    return { onLang: render };
  }

  const inputs = {
    actor: h("input", { id: "audit-actor", type: "text", autocomplete: "off", maxlength: "100" }),
    action: h("select", { id: "audit-action" }),
    object_type: h("input", { id: "audit-object-type", type: "text", autocomplete: "off", maxlength: "64",
      placeholder: "perks" }),
    object_id: h("input", { id: "audit-object-id", type: "text", autocomplete: "off", maxlength: "100" }),
    since: h("input", { id: "audit-since", type: "datetime-local" }),
    until: h("input", { id: "audit-until", type: "datetime-local" }),
  };
  const apply = h("button", { type: "submit", class: "button primary", id: "audit-apply" });
  const csvLink = h("a", { class: "button", id: "audit-csv", download: "" });
  const problem = h("div", { id: "audit-problem", role: "alert" });
  const body = h("tbody", { id: "audit-rows" });
  const more = h("button", { type: "button", class: "button", id: "audit-more", hidden: true });
  const status = h("p", { class: "muted", id: "audit-status", "aria-live": "polite" });
  let events = [];
  let next = null;
  let lastError = null;

  function query() {
    const q = new URLSearchParams();
    for (const [name, input] of Object.entries(inputs)) {
      const value = input.value.trim();
      // datetime-local has no zone: the backend reads it as Japan time, as staff mean it
      if (value) q.set(name, value);
    }
    return q;
  }

  function updateCsv() {
    const q = query();
    csvLink.href = `/staff/municipalities/${mid}/audit.csv${q.toString() ? `?${q}` : ""}`;
  }

  function changesCell(event) {
    const entries = Object.entries(event.changes || {});
    if (!entries.length) return h("td", {}, "—");
    if (event.action === "transaction") {
      return h("td", {}, h("ul", { class: "changes" },
        ...entries.map(([k, v]) => h("li", {}, h("code", {}, k), " ", shown(v)))));
    }
    return h("td", {}, h("ul", { class: "changes" }, ...entries.map(([column, change]) => {
      const pair = Array.isArray(change) && change.length === 2;
      return h("li", {}, h("code", {}, column), ": ",
        pair ? h("span", {}, h("del", {}, shown(change[0])), " → ", h("ins", {}, shown(change[1])))
          : t("audit.secret_changed"));
    })));
  }

  function row(event) {
    const who = event.actor_kind === "system" ? t("audit.kind.system")
      : `${event.actor_name} (${t(`audit.kind.${event.actor_kind}`)} #${event.actor_id})`;
    return h("tr", { "data-id": String(event.id) },
      h("td", { class: "when" }, event.time_jst),
      h("td", {}, who),
      h("td", {}, shown(event.client_address)),
      h("td", {}, h("strong", {}, t(`audit.action.${event.action}`)), h("br"), h("small", {}, shown(event.route))),
      h("td", {}, h("code", {}, event.object_type), " ", h("span", { class: "key" }, shown(event.object_id))),
      changesCell(event));
  }

  function renderRows() {
    fill(body, ...events.map(row));
    more.hidden = next === null;
    fill(more, t("audit.more"));
    fill(status, events.length ? t("audit.count", { n: events.length }) : t("audit.none"));
    fill(problem, lastError ? h("div", { class: "notice error" }, errorText(lastError)) : "");
  }

  async function load(append) {
    const q = query();
    q.set("limit", "50");
    if (append && next !== null) q.set("before_id", String(next));
    try {
      const page = await api(`/staff/municipalities/${mid}/audit?${q}`);
      events = append ? events.concat(page.events) : page.events;
      next = page.next_before_id;
      lastError = null;
    } catch (error) {
      if (!(error instanceof api.ApiError)) throw error;
      lastError = error;
    }
    renderRows();
  }

  function render() {
    fill(inputs.action, h("option", { value: "" }, t("audit.any")),
      ...ACTIONS.map((a) => h("option", { value: a, selected: inputs.action.value === a }, t(`audit.action.${a}`))));
    fill(apply, t("audit.apply"));
    fill(csvLink, t("audit.csv"));
    const labelled = (name, key) => h("div", { class: "field" },
      h("label", { for: inputs[name].id }, t(key)), inputs[name]);
    const form = h("form", { class: "panel stack", id: "audit-filters", "aria-labelledby": "audit-filters-title" },
      h("h3", { id: "audit-filters-title" }, t("audit.filters")),
      h("div", { class: "form-grid" },
        labelled("actor", "audit.filter.actor"), labelled("action", "audit.filter.action"),
        labelled("object_type", "audit.filter.object_type"), labelled("object_id", "audit.filter.object_id"),
        labelled("since", "audit.filter.since"), labelled("until", "audit.filter.until")),
      h("div", { class: "actions" }, apply, csvLink));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      updateCsv();
      load(false);
    });
    fill(container, h("div", { class: "stack audit-tab" },
      h("h2", {}, t("audit.title")),
      h("p", { class: "muted" }, t("audit.lead")),
      form, problem, status,
      h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-labelledby": "audit-table-caption" },
        h("table", { class: "data-table", id: "audit-table" },
          h("caption", { id: "audit-table-caption", class: "visually-hidden" }, t("audit.title")),
          h("thead", {}, h("tr", {},
            ...["time", "actor", "address", "what", "object", "changes"].map((c) => h("th", { scope: "col" },
              t(`audit.col.${c}`))))),
          body)),
      h("div", { class: "actions" }, more)));
    renderRows();
    updateCsv();
  }

  more.addEventListener("click", () => load(true));
  for (const input of Object.values(inputs)) input.addEventListener("change", updateCsv);
  render();
  await load(false);
  return { onLang: render };
}
