// The staff console's residency tab: premium rules per municipality, the link to a prefecture (a city asks,
// the prefecture's admin approves or declines, either ends it), designated activities (add, designate, open
// the rotating QR screen), the premium approval queue, "judge renewals now", and the figures.
// mount(container, ctx) as every console module; it needs only a staff session (cookie).

import { ApiError, get, post, api } from "./api.js";
import { errorText, formatDate, loadCatalogs, localized, t } from "./i18n.js";
import { fill, h } from "./page.js";

export async function mount(container, ctx = {}) {
  await loadCatalogs(["residency"]);
  const state = { towns: [], town: ctx.municipalityId || (ctx.municipality && ctx.municipality.id) || null,
                  programme: null, activities: [], queue: [], kpis: null, links: [], prefectures: [], confirming: null,
                  message: null };
  const say = (kind, render) => { state.message = { kind, render }; render_(); };
  const failure = (error) => say("error", () => (error instanceof ApiError ? errorText(error) : t("common.error.unexpected")));

  async function busy(button, work) {
    button.disabled = true;
    try { await work(); } catch (error) { failure(error); } finally { button.disabled = false; }
  }

  async function load() {
    state.towns = await get("/staff/municipalities");
    if (!state.town && state.towns.length) state.town = state.towns[0].id;
    if (!state.town) return;
    const base = `/staff/municipalities/${state.town}`;
    [state.programme, state.activities, state.queue, state.kpis, state.links, state.prefectures] = await Promise.all([
      get(`${base}/residency`), get(`${base}/activities`), get(`${base}/premium/queue`), get(`${base}/residency/kpis`),
      get(`${base}/prefecture-links`), get("/residency/municipalities")]);
    state.prefectures = state.prefectures.filter((m) => m.kind === "prefecture" && m.id !== state.town);
  }

  // The server decides who may; this only spares buttons that would be refused.
  function isAdminOf(municipalityId) {
    const staff = ctx.staff;
    if (!staff) return true;
    return staff.superuser || (staff.roles || []).some((r) => r.municipality_id === municipalityId && r.role === "admin");
  }

  // --- the link to a prefecture -----------------------------------------------------------------------------
  const cityName = (l) => localized({ name_ja: l.city_ja, name_en: l.city_en });
  const prefectureName = (l) => localized({ name_ja: l.prefecture_ja, name_en: l.prefecture_en });
  const BADGE = { pending: "warn", approved: "ok" };

  function statusBadge(link) {
    return h("span", { class: `badge ${BADGE[link.status] || "info"}`, "data-role": "link-status",
      text: t(`residency.link.status.${link.status}`) });
  }

  // A decision button that asks first: the question replaces the buttons and takes the focus.
  function decisionButtons(link, decisions) {
    if (state.confirming && state.confirming.id === link.id) {
      const decision = state.confirming.decision;
      const question = h("p", { class: "lead", id: `rc-link-question-${link.id}`,
        text: t(`residency.link.confirm.${decision}`, { city: cityName(link), prefecture: prefectureName(link) }) });
      const yes = h("button", { type: "button", class: decision === "approve" ? "primary" : "danger",
        "data-confirm": decision, "aria-describedby": question.id, text: t(`residency.link.do.${decision}`) });
      const back = h("button", { type: "button", class: "secondary", "data-confirm": "back", text: t("residency.link.back") });
      yes.addEventListener("click", () => busy(yes, async () => {
        await post(`/staff/prefecture-links/${link.id}/${decision}`, {});
        state.confirming = null;
        await refresh();
        say("ok", () => t(`residency.link.done.${decision}`, { city: cityName(link), prefecture: prefectureName(link) }));
      }));
      back.addEventListener("click", () => { state.confirming = null; render_(); focusLink(link.id, `[data-decision="${decision}"]`); });
      return h("div", { class: "notice warn", role: "group", "aria-labelledby": question.id }, question,
        h("div", { class: "actions" }, yes, back));
    }
    const buttons = decisions.map((decision) => {
      const button = h("button", { type: "button", class: decision === "approve" ? "primary" : "secondary",
        "data-decision": decision, text: t(`residency.link.action.${decision}`) });
      button.addEventListener("click", () => { state.confirming = { id: link.id, decision }; render_();
        focusLink(link.id, "[data-confirm]"); });
      return button;
    });
    return buttons.length ? h("div", { class: "actions" }, ...buttons) : null;
  }

  function focusLink(id, selector) {
    const target = container.querySelector(`[data-link="${id}"] ${selector}`);
    if (target) target.focus();
  }

  const linkDate = (l) => (l.status === "ended" ? l.ended_at : l.status === "pending" ? l.requested_at
    : l.decided_at || l.requested_at);

  function linkItem(link, decisions, text) {
    return h("li", { "data-link": String(link.id), "data-status": link.status }, h("strong", { text }), " ",
      statusBadge(link), " ",
      h("span", { class: "small muted", text: t(`residency.link.date.${link.status}`, { date: formatDate(linkDate(link)) }) }),
      decisionButtons(link, decisions));
  }

  function cityLink() {
    const mine = state.links.filter((l) => l.city_id === state.town);
    const open = mine.find((l) => l.status === "pending" || l.status === "approved");
    const admin = isAdminOf(state.town);
    const parts = [h("h3", { text: t("residency.link.title") }), h("p", { class: "muted", text: t("residency.link.city_lead") })];
    if (open) {
      const decisions = !admin ? [] : open.status === "pending" ? ["cancel"] : ["end"];
      parts.push(h("ul", { class: "steps", id: "rc-link-current" },
        linkItem(open, decisions, prefectureName(open))));
      parts.push(h("p", { class: "small", text: t(`residency.link.city_${open.status}`, { prefecture: prefectureName(open) }) }));
    } else {
      parts.push(h("p", { id: "rc-link-none", text: t("residency.link.none") }));
      if (admin && state.prefectures.length) {
        const select = h("select", { id: "rc-link-prefecture" }, ...state.prefectures.map((m) =>
          h("option", { value: String(m.id), text: localized(m) })));
        const ask = h("button", { type: "button", class: "primary", id: "rc-link-request", text: t("residency.link.request") });
        ask.addEventListener("click", () => busy(ask, async () => {
          await post(`/staff/municipalities/${state.town}/prefecture-links`, { prefecture_id: Number(select.value) });
          await refresh();
          say("ok", () => t("residency.link.requested"));
        }));
        parts.push(h("label", { for: "rc-link-prefecture", text: t("residency.link.prefecture") }), select,
          h("div", { class: "actions" }, ask));
      } else if (admin) {
        parts.push(h("p", { class: "muted", text: t("residency.link.no_prefectures") }));
      }
    }
    const past = mine.filter((l) => l !== open).slice(0, 5);
    if (past.length) {
      parts.push(h("h4", { text: t("residency.link.history") }), h("ul", { class: "steps", id: "rc-link-history" },
        ...past.map((l) => linkItem(l, [], prefectureName(l)))));
    }
    return h("div", { class: "panel", id: "rc-link" }, ...parts);
  }

  function prefectureLinks() {
    const theirs = state.links.filter((l) => l.prefecture_id === state.town);
    const admin = isAdminOf(state.town);
    const pending = theirs.filter((l) => l.status === "pending");
    const linked = theirs.filter((l) => l.status === "approved");
    const list = (items, decisions, id, empty) => (items.length
      ? h("ul", { class: "steps", id }, ...items.map((l) => linkItem(l, admin ? decisions : [], cityName(l))))
      : h("p", { class: "muted", id, text: t(empty) }));
    return h("div", { class: "panel", id: "rc-link" }, h("h3", { text: t("residency.link.requests") }),
      h("p", { class: "muted", text: t("residency.link.prefecture_lead") }),
      list(pending, ["approve", "decline"], "rc-link-requests", "residency.link.no_requests"),
      h("h4", { text: t("residency.link.cities") }),
      list(linked, ["end"], "rc-link-cities", "residency.link.no_cities"));
  }

  function townPicker() {
    const select = h("select", { id: "rc-town" }, ...state.towns.map((m) =>
      h("option", { value: String(m.id), text: localized(m), selected: m.id === state.town })));
    select.addEventListener("change", async () => { state.town = Number(select.value); state.confirming = null; state.message = null;
      await refresh(); });
    return [h("label", { for: "rc-town", text: t("residency.console.municipality") }), select];
  }

  function rules() {
    const p = state.programme;
    const mode = h("select", { id: "rc-mode" }, ...["automatic", "queue"].map((m) =>
      h("option", { value: m, text: t(`residency.console.mode.${m}`), selected: p.premium_mode === m })));
    const required = h("input", { id: "rc-required", type: "number", min: 1, max: 365, value: String(p.required_checkins) });
    const save = h("button", { type: "button", class: "primary", id: "rc-save", text: t("residency.console.save") });
    save.addEventListener("click", () => busy(save, async () => {
      state.programme = await api(`/staff/municipalities/${state.town}/residency`, { method: "PUT",
        body: { premium_mode: mode.value, required_checkins: Number(required.value) } });
      say("ok", () => t("residency.console.saved"));
    }));
    return h("div", { class: "panel" }, h("h3", { text: t("residency.console.rules") }),
      h("label", { for: "rc-mode", text: t("residency.console.mode") }), mode,
      h("label", { for: "rc-required", text: t("residency.console.required") }), required,
      h("div", { class: "actions" }, save));
  }

  function activities() {
    const rows = state.activities.map((a) => {
      const designate = h("button", { type: "button", class: "secondary", text: t("residency.console.designate") });
      designate.addEventListener("click", () => busy(designate, async () => {
        await api(`/staff/activities/${a.id}`, { method: "PATCH", body: { designated: true } });
        await refresh();
      }));
      return h("li", { "data-activity": String(a.id) },
        h("strong", { text: localized(a, "title") }), " ",
        h("span", { class: `badge ${a.designated ? "ok" : "warn"}`,
          text: t(a.designated ? "residency.console.designated" : "residency.console.proposed") }), " ",
        h("span", { class: "small muted", text: a.days.join(", ") }), " ",
        a.designated ? null : designate, " ",
        h("a", { href: `/activity-qr?activity=${a.id}`, target: "_blank", rel: "noopener", text: t("residency.console.show_qr") }));
    });
    const field = (id, key, type = "text") => [h("label", { for: id, text: t(key) }), h("input", { id, type })];
    const add = h("button", { type: "button", class: "primary", id: "rc-add", text: t("residency.console.add") });
    add.addEventListener("click", () => busy(add, async () => {
      const value = (id) => container.querySelector(`#${id}`).value.trim();
      await post(`/staff/municipalities/${state.town}/activities`, { title_ja: value("rc-title-ja"),
        title_en: value("rc-title-en"), days: value("rc-days").split(",").map((d) => d.trim()).filter(Boolean),
        place: value("rc-place"), organiser: value("rc-organiser") });
      await refresh();
    }));
    return h("div", { class: "panel" }, h("h3", { text: t("residency.console.activities") }),
      h("ul", { class: "steps" }, ...rows),
      h("h4", { text: t("residency.console.new_activity") }),
      ...field("rc-title-ja", "residency.console.title_ja"), ...field("rc-title-en", "residency.console.title_en"),
      ...field("rc-days", "residency.console.days"), ...field("rc-place", "residency.console.place"),
      ...field("rc-organiser", "residency.console.organiser"), h("div", { class: "actions" }, add));
  }

  function queue() {
    const items = state.queue.map((g) => {
      const approve = h("button", { type: "button", class: "primary", text: t("residency.console.approve") });
      const reject = h("button", { type: "button", class: "danger", text: t("residency.console.reject") });
      approve.addEventListener("click", () => busy(approve, async () => { await post(`/staff/premium/${g.grant_id}/approve`, {}); await refresh(); }));
      reject.addEventListener("click", () => busy(reject, async () => { await post(`/staff/premium/${g.grant_id}/reject`, {}); await refresh(); }));
      return h("li", { "data-grant": String(g.grant_id) },
        t("residency.console.queue_item", { token: g.token_id, kind: t(`residency.console.kind.${g.kind}`), count: g.checkins_counted }),
        " ", h("span", { class: "mono small", text: g.holder }), h("div", { class: "actions" }, approve, reject));
    });
    const run = h("button", { type: "button", class: "secondary", id: "rc-renewals", text: t("residency.console.renewals") });
    run.addEventListener("click", () => busy(run, async () => {
      const r = await post(`/staff/municipalities/${state.town}/premium/renewals`, {});
      say("ok", () => t("residency.console.renewals_done", { renewed: r.renewed.length, queued: r.queued.length,
        lapsed: r.lapsed.length, failed: r.failed.length }));
      await refresh();
    }));
    return h("div", { class: "panel" }, h("h3", { text: t("residency.console.queue") }),
      items.length ? h("ul", { class: "steps" }, ...items) : h("p", { class: "muted", text: t("residency.console.queue_empty") }),
      h("div", { class: "actions" }, run));
  }

  function kpis() {
    const k = state.kpis;
    const fact = (key, value) => [h("dt", { text: t(key) }), h("dd", { text: String(value) })];
    return h("div", { class: "panel" }, h("h3", { text: t("residency.console.kpis") }),
      h("dl", { class: "card-facts" }, ...fact("residency.console.kpi_checkins", k.checkins_total),
        ...fact("residency.console.kpi_premium", k.premium_cards), ...fact("residency.console.kpi_people", k.premium_people),
        ...fact("residency.console.kpi_renewed", k.renewals.renewed), ...fact("residency.console.kpi_lapsed", k.renewals.lapsed),
        ...fact("residency.console.kpi_direct", k.registrations.direct),
        ...fact("residency.console.kpi_via_city", k.registrations.via_city)));
  }

  function render_() {
    const message = state.message ? h("div", { class: `notice ${state.message.kind}`, role: "status" },
      h("p", { text: state.message.render() })) : null;
    if (!state.town) return fill(container, h("h2", { text: t("residency.console.title") }), message);
    return fill(container, h("h2", { text: t("residency.console.title") }), message, ...townPicker(),
      h("div", { class: "grid grid-2" }, rules(), kpis()),
      state.programme.kind === "prefecture" ? prefectureLinks() : cityLink(), activities(), queue());
  }

  async function refresh() {
    try { await load(); } catch (error) { failure(error); return; }
    render_();
  }

  await refresh();
  return { onLang: render_ }; // redrawn in place: the town picked here and a question being asked stay
}
