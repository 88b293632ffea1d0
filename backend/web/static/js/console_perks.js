// The console's perks and venues tab: perks (list, create, edit, pause), venues (add, close, reopen) and each
// venue's desk logins (add with a password shown once, disable). Refusals from the backend, such as the
// national rule against shipped goods, are shown as the backend words them, in the current language.

export const catalog = "console";

// What a perk may be (backend/perks/rules.py KINDS), and one that is never allowed: offered so that staff who
// think of a gift by post learn the national rule from the answer, instead of not finding the option.
const KINDS = ["venue_entry", "discount", "online_access"];
const FORBIDDEN_KIND = "shipped_goods";
const VENUE_KINDS = ["venue_entry", "discount"];
const PERIODS = ["day", "year", "unlimited"];
const PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"; // no 0/O, 1/l/I

function newPassword(length = 16) {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  return [...bytes].map((b) => PASSWORD_ALPHABET[b % PASSWORD_ALPHABET.length]).join("");
}

export async function mount(container, ctx) {
  const { t, h, fill, api, localized } = ctx;
  const mid = ctx.municipality.id;
  const data = { perks: [], venues: [], collections: [], accounts: {} };
  let editing = null; // the perk being edited (null: the form adds one), or undefined: form closed
  let openAccounts = new Set(); // venue ids whose logins are shown
  let shownPassword = null; // {venueId, login, password}: shown once, until the next change
  let draft = null; // what the open perk form holds, kept across a language switch
  let formError = null; // the backend's refusal of the open form, shown again in the new language
  let alive = true;

  const notice = h("div", { id: "perks-notice", role: "status", "aria-live": "polite" });
  const perkSection = h("section", { class: "stack", "aria-labelledby": "perks-title" });
  const venueSection = h("section", { class: "stack", "aria-labelledby": "venues-title" });
  fill(container, notice, perkSection, venueSection);

  function say(kind, text) {
    fill(notice, text ? h("div", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" }, text) : "");
  }

  function errorBox(error) {
    const box = h("div", { class: "notice error", role: "alert", "data-code": error && error.code ? error.code : "" },
      h("span", { class: "notice-title" }, t("console.error.refused")),
      h("p", {}, ctx.errorText(error)));
    return box;
  }

  async function load() {
    const [perks, venues, collections] = await Promise.all([
      api(`/staff/municipalities/${mid}/perks`), api(`/staff/municipalities/${mid}/venues`),
      api(`/staff/municipalities/${mid}/collections`)]);
    data.perks = perks;
    data.venues = venues;
    data.collections = collections;
    for (const venueId of openAccounts) data.accounts[venueId] = await api(`/staff/venues/${venueId}/accounts`);
  }

  // --- perks -----------------------------------------------------------------------------------------------
  function limitText(perk) {
    if (perk.limit_period === "unlimited") return t("console.perk.limit.unlimited");
    return t(`console.perk.limit.${perk.limit_period}`, { n: perk.limit_count });
  }

  function conditionsText(perk) {
    const parts = [];
    if (perk.min_tier > 0) parts.push(t("console.perk.cond.tier", { n: perk.min_tier }));
    if (perk.soulbound_only) parts.push(t("console.perk.cond.soulbound"));
    if (perk.min_holding_days > 0) parts.push(t("console.perk.cond.days", { n: perk.min_holding_days }));
    return parts.length ? parts.join(t("console.list_separator")) : t("console.perk.cond.none");
  }

  function perkRow(perk) {
    const actions = ctx.canEdit ? h("div", { class: "row-actions" },
      h("button", { type: "button", class: "secondary small-button", "data-action": "edit",
        onclick: () => openForm(perk) }, t("console.edit")),
      h("button", { type: "button", class: perk.active ? "danger small-button" : "secondary small-button",
        "data-action": perk.active ? "pause" : "resume", onclick: () => setPerkActive(perk, !perk.active) },
      t(perk.active ? "console.perk.pause" : "console.perk.resume"))) : "";
    return h("tr", { "data-perk": String(perk.id) },
      h("th", { scope: "row" }, localized(perk)),
      h("td", {}, t(`console.perk.kind.${perk.kind}`)),
      h("td", {}, conditionsText(perk)),
      h("td", {}, limitText(perk)),
      h("td", {}, perk.venues.length ? perk.venues.map((v) => localized(v)).join(t("console.list_separator"))
        : t("console.perk.online")),
      h("td", {}, h("span", { class: `badge ${perk.active ? "ok" : "warn"}` },
        t(perk.active ? "console.status.active" : "console.status.paused"))),
      h("td", {}, actions));
  }

  function renderPerks() {
    const header = h("div", { class: "section-title" },
      h("h2", { id: "perks-title" }, t("console.perks.title")),
      ctx.canEdit && editing === undefined && data.collections.length ? h("button", { type: "button",
        class: "primary", id: "perk-add", onclick: () => openForm(null) }, t("console.perks.add")) : "");
    const list = data.perks.length ? h("div", { class: "table-scroll", tabindex: "0", role: "region",
      "aria-labelledby": "perks-title" },
      h("table", { class: "data-table", id: "perk-table" },
        h("thead", {}, h("tr", {}, ...["name", "kind", "conditions", "limit", "venues", "status", "actions"]
          .map((key) => h("th", { scope: "col" }, t(`console.perk.col.${key}`))))),
        h("tbody", {}, ...data.perks.map(perkRow))))
      : h("p", { class: "muted" }, t("console.perks.none"));
    const noCollection = data.collections.length ? "" : h("div", { class: "notice info", id: "perks-no-collection" },
      t("console.perks.no_collection"));
    fill(perkSection, header, h("p", { class: "muted small" }, t("console.perks.rule")), noCollection,
      editing !== undefined ? perkForm(editing) : "", list);
  }

  function field(id, labelKey, input, hintKey) {
    input.id = id;
    const hint = hintKey ? h("p", { class: "field-hint", id: `${id}-hint` }, t(hintKey)) : "";
    if (hintKey) input.setAttribute("aria-describedby", `${id}-hint`);
    return h("div", { class: "field" }, h("label", { for: id }, t(labelKey)), input, hint);
  }

  function perkForm(perk) {
    const p = { ...(perk || { name_ja: "", name_en: "", description_ja: "", description_en: "", kind: "venue_entry",
      min_tier: 0, soulbound_only: false, min_holding_days: 0, limit_count: 1, limit_period: "day", active: true,
      venues: [], collection_id: data.collections[0] ? data.collections[0].id : null }), ...(draft || {}) };
    draft = null;
    const chosenVenues = new Set(p.venues.map((v) => v.id));
    const form = h("form", { class: "panel stack perk-form", id: "perk-form", novalidate: true });
    const kind = h("select", { name: "kind" },
      ...KINDS.map((k) => h("option", { value: k, selected: k === p.kind }, t(`console.perk.kind.${k}`))),
      h("option", { value: FORBIDDEN_KIND, selected: p.kind === FORBIDDEN_KIND }, t("console.perk.kind.shipped_goods")));
    const period = h("select", { name: "limit_period" },
      ...PERIODS.map((x) => h("option", { value: x, selected: x === p.limit_period }, t(`console.perk.period.${x}`))));
    const count = h("input", { type: "number", name: "limit_count", min: "1", max: "10000", step: "1",
      value: p.limit_count === null ? "" : String(p.limit_count) });
    const venueBoxes = h("fieldset", { class: "checks", id: "perk-venues" },
      h("legend", {}, t("console.perk.venues")),
      ...(data.venues.length ? data.venues.filter((v) => v.active || chosenVenues.has(v.id)).map((v) =>
        h("label", { class: "check" }, h("input", { type: "checkbox", name: "venue", value: String(v.id),
          checked: chosenVenues.has(v.id) }), h("span", {}, localized(v))))
        : [h("p", { class: "muted small" }, t("console.perk.no_venues"))]));
    const syncKind = () => {
      const needsVenue = VENUE_KINDS.includes(kind.value);
      venueBoxes.hidden = !needsVenue;
    };
    const syncPeriod = () => {
      count.disabled = period.value === "unlimited";
      if (count.disabled) count.value = "";
      else if (!count.value) count.value = "1";
    };
    kind.addEventListener("change", syncKind);
    period.addEventListener("change", syncPeriod);
    const errors = h("div", { id: "perk-form-error" }, formError ? errorBox(formError) : "");
    const collection = data.collections.length > 1 ? field("perk-collection", "console.perk.collection",
      h("select", { name: "collection_id", disabled: perk ? true : undefined },
        ...data.collections.map((c) => h("option", { value: String(c.id), selected: c.id === p.collection_id },
          `${localized(c)} (${c.symbol})`)))) : "";
    form.append(
      h("h3", {}, t(perk ? "console.perk.edit_title" : "console.perk.add_title")),
      collection,
      h("div", { class: "form-grid" },
        field("perk-name-ja", "console.perk.name_ja", h("input", { name: "name_ja", lang: "ja", required: true,
          maxlength: "200", value: p.name_ja })),
        field("perk-name-en", "console.perk.name_en", h("input", { name: "name_en", lang: "en", required: true,
          maxlength: "200", value: p.name_en })),
        field("perk-desc-ja", "console.perk.description_ja", h("textarea", { name: "description_ja", lang: "ja",
          rows: "2", maxlength: "2000" }, p.description_ja)),
        field("perk-desc-en", "console.perk.description_en", h("textarea", { name: "description_en", lang: "en",
          rows: "2", maxlength: "2000" }, p.description_en)),
        field("perk-kind", "console.perk.kind", kind, "console.perk.kind.hint"),
        field("perk-min-tier", "console.perk.min_tier", h("input", { type: "number", name: "min_tier", min: "0",
          max: "255", step: "1", value: String(p.min_tier) }), "console.perk.min_tier.hint"),
        field("perk-min-days", "console.perk.min_holding_days", h("input", { type: "number", name: "min_holding_days",
          min: "0", max: "36500", step: "1", value: String(p.min_holding_days) }), "console.perk.min_holding_days.hint"),
        field("perk-period", "console.perk.limit_period", period),
        field("perk-count", "console.perk.limit_count", count, "console.perk.limit_count.hint")),
      h("label", { class: "check" }, h("input", { type: "checkbox", name: "soulbound_only", checked: p.soulbound_only }),
        h("span", {}, t("console.perk.soulbound_only"))),
      h("label", { class: "check" }, h("input", { type: "checkbox", name: "active", checked: p.active }),
        h("span", {}, t("console.perk.active"))),
      venueBoxes, errors,
      h("div", { class: "actions" },
        h("button", { type: "submit", class: "primary", id: "perk-save" }, t(perk ? "console.save" : "console.perks.create")),
        h("button", { type: "button", class: "secondary", onclick: () => { editing = undefined; formError = null; renderPerks(); } },
          t("console.cancel"))));
    syncKind();
    syncPeriod();
    form.addEventListener("submit", (event) => { event.preventDefault(); savePerk(form, perk, errors); });
    return form;
  }

  function openForm(perk) {
    editing = perk;
    formError = null;
    say("", "");
    renderPerks();
    const first = perkSection.querySelector("#perk-form input, #perk-form select");
    if (first) first.focus();
  }

  /** The form's values as the API takes them (also kept as the draft across a language switch). */
  function readForm(form) {
    const values = new FormData(form);
    const number = (name) => Number(values.get(name) || 0);
    const kind = values.get("kind");
    const body = {
      name_ja: String(values.get("name_ja") || "").trim(), name_en: String(values.get("name_en") || "").trim(),
      description_ja: String(values.get("description_ja") || ""), description_en: String(values.get("description_en") || ""),
      kind, min_tier: number("min_tier"), min_holding_days: number("min_holding_days"),
      limit_period: values.get("limit_period"),
      limit_count: values.get("limit_period") === "unlimited" ? null : number("limit_count"),
      soulbound_only: values.get("soulbound_only") === "on", active: values.get("active") === "on",
      venue_ids: VENUE_KINDS.includes(kind) ? values.getAll("venue").map(Number) : [],
    };
    return { body, collectionId: values.get("collection_id") ? Number(values.get("collection_id")) : null,
      venues: values.getAll("venue").map((id) => ({ id: Number(id) })) };
  }

  async function savePerk(form, perk, errors) {
    const { body, collectionId: chosen } = readForm(form);
    const missing = [];
    if (!body.name_ja) missing.push(t("console.perk.name_ja"));
    if (!body.name_en) missing.push(t("console.perk.name_en"));
    if (missing.length) {
      fill(errors, h("div", { class: "notice error", role: "alert" }, t("console.error.required",
        { fields: missing.join(t("console.list_separator")) })));
      form.querySelector(body.name_ja ? "[name=name_en]" : "[name=name_ja]").focus();
      return;
    }
    const button = form.querySelector("#perk-save");
    button.disabled = true;
    fill(errors, "");
    try {
      let saved;
      if (perk) {
        saved = await api(`/staff/perks/${perk.id}`, { method: "PATCH", body });
      } else {
        const collectionId = chosen || (data.collections[0] && data.collections[0].id);
        saved = await api(`/staff/municipalities/${mid}/perks`, { method: "POST",
          body: { ...body, collection_id: collectionId } });
      }
      editing = undefined;
      formError = null;
      await refresh();
      say("ok", t(perk ? "console.perk.saved" : "console.perk.created", { name: localized(saved) }));
    } catch (error) {
      formError = error;
      fill(errors, errorBox(error));
    } finally {
      button.disabled = false;
    }
  }

  async function setPerkActive(perk, active) {
    try {
      await api(`/staff/perks/${perk.id}`, { method: "PATCH", body: { active } });
      await refresh();
      say("ok", t(active ? "console.perk.resumed" : "console.perk.paused", { name: localized(perk) }));
    } catch (error) {
      fill(notice, errorBox(error));
    }
  }

  // --- venues and their logins ---------------------------------------------------------------------------
  function accountsBlock(venue) {
    const accounts = data.accounts[venue.id] || [];
    const rows = accounts.map((a) => h("li", { class: "account", "data-account": a.login },
      h("span", { class: "mono" }, a.login), " ",
      h("span", { class: `badge ${a.active ? "ok" : "warn"}` }, t(a.active ? "console.status.active" : "console.status.disabled")),
      " ", h("span", { class: "muted small" }, a.last_login_at ? t("console.account.last_login",
        { when: ctx.formatDate(a.last_login_at, true) }) : t("console.account.never")),
      ctx.canEdit ? h("button", { type: "button", class: a.active ? "danger small-button" : "secondary small-button",
        "data-action": a.active ? "disable" : "enable", onclick: () => setAccountActive(venue, a, !a.active) },
      t(a.active ? "console.account.disable" : "console.account.enable")) : ""));
    const shown = shownPassword && shownPassword.venueId === venue.id ? h("div", { class: "notice ok password-once",
      role: "status", id: "new-password" },
      h("span", { class: "notice-title" }, t("console.account.created", { login: shownPassword.login })),
      h("p", {}, t("console.account.password_once")),
      h("p", {}, h("code", { class: "password", "data-password": shownPassword.password }, shownPassword.password))) : "";
    const form = ctx.canEdit ? h("form", { class: "inline-form", "data-venue": String(venue.id), novalidate: true },
      h("label", { for: `account-login-${venue.id}` }, t("console.account.login")),
      h("div", { class: "inline-row" },
        h("input", { id: `account-login-${venue.id}`, name: "login", autocomplete: "off", minlength: "3",
          maxlength: "100", autocapitalize: "none", spellcheck: "false" }),
        h("button", { type: "submit", class: "secondary" }, t("console.account.add"))),
      h("p", { class: "field-hint" }, t("console.account.hint"))) : "";
    if (form) form.addEventListener("submit", (event) => { event.preventDefault(); addAccount(venue, form); });
    return h("div", { class: "accounts", id: `accounts-${venue.id}` },
      h("h4", {}, t("console.account.title", { venue: localized(venue) })),
      accounts.length ? h("ul", { class: "account-list" }, ...rows) : h("p", { class: "muted small" }, t("console.account.none")),
      shown, form);
  }

  function venueItem(venue) {
    const open = openAccounts.has(venue.id);
    return h("li", { class: "venue panel", "data-venue": String(venue.id) },
      h("div", { class: "venue-head" },
        h("span", { class: "venue-name" }, localized(venue)),
        h("span", { class: `badge ${venue.active ? "ok" : "warn"}` }, t(venue.active ? "console.status.active" : "console.status.closed")),
        h("div", { class: "row-actions" },
          h("button", { type: "button", class: "secondary small-button", "aria-expanded": String(open),
            "aria-controls": `accounts-${venue.id}`, "data-action": "accounts", onclick: () => toggleAccounts(venue) },
          t("console.venue.accounts")),
          ctx.canEdit ? h("button", { type: "button", class: venue.active ? "danger small-button" : "secondary small-button",
            "data-action": venue.active ? "close" : "reopen", onclick: () => setVenueActive(venue, !venue.active) },
          t(venue.active ? "console.venue.close" : "console.venue.reopen")) : "")),
      open ? accountsBlock(venue) : "");
  }

  function renderVenues() {
    const form = ctx.canEdit ? h("form", { class: "panel stack", id: "venue-form", novalidate: true },
      h("h3", {}, t("console.venue.add_title")),
      h("div", { class: "form-grid" },
        field("venue-name-ja", "console.venue.name_ja", h("input", { name: "name_ja", lang: "ja", maxlength: "200" })),
        field("venue-name-en", "console.venue.name_en", h("input", { name: "name_en", lang: "en", maxlength: "200" }))),
      h("div", { id: "venue-form-error" }),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", id: "venue-save" },
        t("console.venue.add")))) : "";
    if (form) form.addEventListener("submit", (event) => { event.preventDefault(); addVenue(form); });
    fill(venueSection,
      h("h2", { id: "venues-title", class: "section-title" }, t("console.venues.title")),
      data.venues.length ? h("ul", { class: "venue-list", id: "venue-list" }, ...data.venues.map(venueItem))
        : h("p", { class: "muted" }, t("console.venues.none")),
      form);
  }

  async function addVenue(form) {
    const values = new FormData(form);
    const body = { name_ja: String(values.get("name_ja") || "").trim(), name_en: String(values.get("name_en") || "").trim() };
    const errors = form.querySelector("#venue-form-error");
    if (!body.name_ja || !body.name_en) {
      const missing = [!body.name_ja && t("console.venue.name_ja"), !body.name_en && t("console.venue.name_en")].filter(Boolean);
      fill(errors, h("div", { class: "notice error", role: "alert" }, t("console.error.required",
        { fields: missing.join(t("console.list_separator")) })));
      return;
    }
    try {
      const venue = await api(`/staff/municipalities/${mid}/venues`, { method: "POST", body });
      openAccounts.add(venue.id);
      await refresh();
      say("ok", t("console.venue.created", { name: localized(venue) }));
      const login = venueSection.querySelector(`#account-login-${venue.id}`);
      if (login) login.focus();
    } catch (error) {
      fill(errors, errorBox(error));
    }
  }

  async function setVenueActive(venue, active) {
    try {
      await api(`/staff/venues/${venue.id}`, { method: "PATCH", body: { active } });
      await refresh();
      say("ok", t(active ? "console.venue.reopened" : "console.venue.closed", { name: localized(venue) }));
    } catch (error) {
      fill(notice, errorBox(error));
    }
  }

  async function toggleAccounts(venue) {
    if (openAccounts.has(venue.id)) openAccounts.delete(venue.id);
    else openAccounts.add(venue.id);
    try {
      await refresh();
    } catch (error) {
      fill(notice, errorBox(error));
    }
  }

  async function addAccount(venue, form) {
    const login = String(new FormData(form).get("login") || "").trim();
    if (login.length < 3) {
      fill(notice, h("div", { class: "notice error", role: "alert" }, t("console.account.login_short")));
      form.querySelector("input").focus();
      return;
    }
    const password = newPassword();
    try {
      await api(`/staff/venues/${venue.id}/accounts`, { method: "POST", body: { login, password } });
      shownPassword = { venueId: venue.id, login, password };
      await refresh({ keepPassword: true });
      say("", "");
      const box = venueSection.querySelector("#new-password");
      if (box) box.scrollIntoView({ block: "nearest" });
    } catch (error) {
      fill(notice, errorBox(error));
    }
  }

  async function setAccountActive(venue, account, active) {
    try {
      await api(`/staff/venue-accounts/${account.id}`, { method: "PATCH", body: { active } });
      await refresh();
      say("ok", t(active ? "console.account.enabled" : "console.account.disabled", { login: account.login }));
    } catch (error) {
      fill(notice, errorBox(error));
    }
  }

  async function refresh({ keepPassword = false } = {}) {
    if (!keepPassword) shownPassword = null; // the password is shown once: gone after any other change
    await load();
    if (alive) render();
  }

  function render() {
    // A redraw (a venue added, a language switch) keeps what the open perk form holds.
    const form = perkSection.querySelector("#perk-form");
    if (form && editing !== undefined) {
      const { body, collectionId, venues } = readForm(form);
      draft = { ...body, venues, ...(collectionId ? { collection_id: collectionId } : {}) };
    }
    renderPerks();
    renderVenues();
  }

  await load();
  editing = undefined;
  render();
  return {
    unmount() { alive = false; shownPassword = null; },
    onLang() { render(); },
  };
}
