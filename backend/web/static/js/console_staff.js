// The console's staff tab. For admins of the municipality: its staff with their roles (change a role, remove
// from the municipality, deactivate or reactivate an account, each after a confirm step), invitation links not
// used yet (withdraw), and the invite form (a one-time link or a one-time password, shown once with a copy
// button). For a superuser also: add a municipality and invite its first admin. For everyone: my account
// (change my password, turn two-step sign-in on or off).
//
// Static texts carry data-i18n (i18n.js re-translates them, so typed values survive a language switch); the
// parts drawn from data are drawn again by onLang.

export const catalog = "staff";
export const titleKey = "staff.tab";

const ROLES = ["viewer", "staff", "admin"];
const MIN_PASSWORD = 10;

export async function mount(container, ctx) {
  const { t, h, fill, api } = ctx;
  const town = ctx.municipality;
  const mid = town.id;
  const isAdmin = ctx.role === "admin";
  const state = { members: [], invites: [], confirming: null, shown: {}, me: ctx.staff, enrolment: null,
    newTown: null };
  const parts = {}; // containers redrawn from state
  const notices = {}; // id -> {kind, key, vars} | {error}: drawn again in the new language

  // --- small builders ------------------------------------------------------------------------------------
  const tx = (tag, key, attributes = {}) => h(tag, { ...attributes, i18n: key }, t(key));

  function field(id, key, input, hintKey) {
    input.id = id;
    if (hintKey) input.setAttribute("aria-describedby", `${id}-hint`);
    return h("div", { class: "field" }, tx("label", key, { for: id }), input,
      hintKey ? tx("p", hintKey, { class: "field-hint", id: `${id}-hint` }) : "");
  }

  function roleSelect(id, chosen) {
    return h("select", { id, name: "role" }, ...ROLES.map((role) => tx("option", `staff.role.${role}`,
      { value: role, selected: role === chosen })));
  }

  function say(where, what) {
    notices[where] = what;
    drawNotice(where);
  }

  function drawNotice(where) {
    const box = parts[`notice-${where}`];
    const what = notices[where];
    if (!box) return;
    if (!what) { fill(box); return; }
    if (what.error) {
      fill(box, h("div", { class: "notice error", role: "alert", "data-code": what.error.code || "" },
        what.error instanceof api.ApiError ? ctx.errorText(what.error) : t("common.error.unexpected")));
      return;
    }
    fill(box, h("div", { class: `notice ${what.kind}`, role: "status" }, t(what.key, what.vars || {})));
  }

  function noticeBox(where) {
    parts[`notice-${where}`] = h("div", { id: `staff-notice-${where}`, "aria-live": "polite" });
    return parts[`notice-${where}`];
  }

  const nameOf = (m) => m.display_name && m.display_name !== m.username ? `${m.display_name} (${m.username})`
    : m.username;
  const townName = () => ctx.localized(town);

  // --- the staff list --------------------------------------------------------------------------------------
  async function loadStaff() {
    const [members, invites] = await Promise.all([api(`/staff/municipalities/${mid}/staff`),
      api(`/staff/municipalities/${mid}/invites`)]);
    state.members = members;
    state.invites = invites;
  }

  function badges(m) {
    const out = [h("span", { class: `badge ${m.active ? "ok" : "warn"}` },
      t(m.active ? "staff.status.active" : "staff.status.deactivated"))];
    if (m.totp_enabled) out.push(h("span", { class: "badge ok" }, t("staff.status.totp")));
    if (m.must_change_password) out.push(h("span", { class: "badge warn" }, t("staff.status.one_time")));
    if (m.superuser) out.push(h("span", { class: "badge" }, t("staff.status.superuser")));
    return out;
  }

  function confirmBox(m) {
    const c = state.confirming;
    const question = {
      role: () => t("staff.confirm.role", { name: nameOf(m), role: t(`staff.role.${c.role}`) }),
      remove: () => t("staff.confirm.remove", { name: nameOf(m), town: townName() }),
      deactivate: () => t("staff.confirm.deactivate", { name: nameOf(m) }),
      activate: () => t("staff.confirm.activate", { name: nameOf(m) }),
    }[c.action]();
    const yes = h("button", { type: "button", class: c.action === "activate" ? "primary small-button"
      : "danger small-button", "data-action": "confirm", onclick: () => act(m, c) }, t(`staff.confirm.yes.${c.action}`));
    const no = h("button", { type: "button", class: "secondary small-button", "data-action": "cancel",
      onclick: () => { state.confirming = null; drawMembers(); focusRow(m.id, "[data-action]"); } }, t("console.cancel"));
    const box = h("div", { class: "notice warn confirm", role: "alertdialog", "aria-label": question,
      onkeydown: (event) => { if (event.key === "Escape") no.click(); } },
    h("p", {}, question), h("div", { class: "row-actions" }, yes, no));
    return box;
  }

  function memberRow(m) {
    const self = m.id === state.me.id;
    const confirming = state.confirming && state.confirming.id === m.id;
    const select = roleSelect(`staff-role-${m.id}`, m.role);
    select.setAttribute("aria-label", t("staff.list.role_of", { name: nameOf(m) }));
    const ask = (action, extra = {}) => { state.confirming = { id: m.id, action, ...extra }; drawMembers();
      focusRow(m.id, "[data-action=confirm]"); };
    const actions = confirming ? confirmBox(m) : h("div", { class: "row-actions" },
      select,
      h("button", { type: "button", class: "secondary small-button", "data-action": "role",
        onclick: () => { if (select.value !== m.role) ask("role", { role: select.value }); } }, t("staff.action.role")),
      h("button", { type: "button", class: "danger small-button", "data-action": "remove", onclick: () => ask("remove") },
        t("staff.action.remove")),
      // nobody deactivates their own account (the backend refuses: deactivate_self)
      m.active ? (self ? null : h("button", { type: "button", class: "danger small-button", "data-action": "deactivate",
        onclick: () => ask("deactivate") }, t("staff.action.deactivate")))
        : h("button", { type: "button", class: "secondary small-button", "data-action": "activate",
          onclick: () => ask("activate") }, t("staff.action.activate")));
    return h("tr", { "data-staff": m.username, "data-staff-id": String(m.id) },
      h("th", { scope: "row" }, h("span", {}, m.display_name || m.username),
        self ? h("span", { class: "muted small" }, ` ${t("staff.list.you")}`) : "",
        h("br"), h("span", { class: "mono small" }, m.username)),
      h("td", { "data-role": m.role }, t(`staff.role.${m.role}`)),
      h("td", {}, h("div", { class: "badges" }, ...badges(m))),
      h("td", { class: "small" }, m.last_login_at ? ctx.formatDate(m.last_login_at, true) : t("staff.list.never")),
      h("td", {}, actions));
  }

  function focusRow(id, css) {
    const row = parts.members && parts.members.querySelector(`tr[data-staff-id="${id}"]`);
    const target = row && row.querySelector(css);
    if (target) target.focus();
  }

  function drawMembers() {
    if (!parts.members) return;
    fill(parts.members, state.members.length ? h("div", { class: "table-scroll" },
      h("table", { class: "data-table", id: "staff-list" },
        h("caption", { class: "visually-hidden" }, t("staff.list.caption", { town: townName() })),
        h("thead", {}, h("tr", {}, ...["name", "role", "status", "last_login", "actions"].map((c) =>
          h("th", { scope: "col" }, t(`staff.list.col.${c}`))))),
        h("tbody", {}, ...state.members.map(memberRow))))
      : h("p", { class: "muted" }, t("staff.list.none")));
  }

  async function act(m, c) {
    const base = `/staff/municipalities/${mid}/staff/${m.id}`;
    const done = { role: "staff.done.role", remove: "staff.done.remove", deactivate: "staff.done.deactivate",
      activate: "staff.done.activate" }[c.action];
    try {
      if (c.action === "role") await api(base, { method: "PATCH", body: { role: c.role } });
      else if (c.action === "remove") await api(base, { method: "DELETE" });
      else await api(`${base}/${c.action}`, { method: "POST" });
      state.confirming = null;
      say("staff", { kind: "ok", key: done, vars: { name: nameOf(m), role: c.role ? t(`staff.role.${c.role}`) : "" } });
      if (m.id === state.me.id && (c.action !== "role" || c.role !== "admin")) {
        // I changed my own standing here: what I may see now is another matter.
        fill(parts.admin, h("p", { class: "muted" }, t("staff.list.self_changed")));
        return;
      }
      await loadStaff();
    } catch (error) {
      state.confirming = null;
      say("staff", { error });
    }
    drawMembers();
    drawInvites();
  }

  // --- invitation links not used yet -----------------------------------------------------------------------
  function drawInvites() {
    if (!parts.invites) return;
    if (!state.invites.length) { fill(parts.invites); return; }
    fill(parts.invites, h("h3", {}, t("staff.pending.title")),
      h("ul", { class: "account-list", id: "invite-list" }, ...state.invites.map((invite) => {
        const confirming = state.confirming && state.confirming.invite === invite.id;
        const label = t("staff.pending.item", { role: t(`staff.role.${invite.role}`),
          until: ctx.formatDate(invite.expires_at, true) }) + (invite.email ? ` — ${invite.email}` : "");
        const yes = h("button", { type: "button", class: "danger small-button", "data-action": "confirm",
          onclick: () => withdraw(invite) }, t("staff.confirm.yes.withdraw"));
        const no = h("button", { type: "button", class: "secondary small-button", "data-action": "cancel",
          onclick: () => { state.confirming = null; drawInvites(); } }, t("console.cancel"));
        return h("li", { class: "account", "data-invite": String(invite.id) }, h("span", {}, label), " ",
          confirming ? h("span", { class: "row-actions", role: "group", "aria-label": t("staff.confirm.withdraw"),
            onkeydown: (event) => { if (event.key === "Escape") no.click(); } },
          h("span", {}, t("staff.confirm.withdraw")), yes, no)
            : h("button", { type: "button", class: "secondary small-button", "data-action": "withdraw",
              onclick: () => { state.confirming = { invite: invite.id }; drawInvites();
                parts.invites.querySelector("[data-action=confirm]").focus(); } }, t("staff.action.withdraw")));
      })));
  }

  async function withdraw(invite) {
    try {
      await api(`/staff/municipalities/${mid}/invites/${invite.id}`, { method: "DELETE" });
      say("staff", { kind: "ok", key: "staff.done.withdraw" });
      await loadStaff();
    } catch (error) {
      say("staff", { error });
    }
    state.confirming = null;
    drawInvites();
  }

  // --- the invite form (for this municipality, or for one a superuser just added) ---------------------------
  function inviteForm(prefix, target) {
    const form = h("form", { class: "panel stack", id: `${prefix}-form`, novalidate: true },
      tx("h3", prefix === "invite" ? "staff.invite.title" : "staff.town.invite_title"),
      prefix === "invite" ? "" : h("p", { class: "muted", "data-town": String(target.id) }, ctx.localized(target)),
      h("div", { class: "form-grid" },
        field(`${prefix}-role`, "staff.invite.role", roleSelect(`${prefix}-role`, prefix === "invite" ? "staff" : "admin")),
        h("fieldset", { class: "field" }, tx("legend", "staff.invite.method"),
          ...["link", "password"].map((method) => h("label", { class: "check" },
            h("input", { type: "radio", name: "method", value: method, checked: method === "link",
              id: `${prefix}-method-${method}` }), tx("span", `staff.invite.method.${method}`)))),
        field(`${prefix}-username`, "staff.invite.username", h("input", { name: "username", autocomplete: "off",
          autocapitalize: "none", spellcheck: "false", maxlength: "64" }), "staff.invite.username_hint"),
        field(`${prefix}-email`, "staff.invite.email", h("input", { name: "email", type: "email", autocomplete: "off",
          maxlength: "254" }), "staff.invite.email_hint"),
        field(`${prefix}-display-name`, "staff.invite.display_name", h("input", { name: "display_name",
          autocomplete: "off", maxlength: "200" }))),
      noticeBox(prefix),
      h("div", { class: "actions" }, tx("button", "staff.invite.submit", { type: "submit", class: "primary",
        id: `${prefix}-submit` })),
      parts[`shown-${prefix}`] = h("div", { id: `${prefix}-result` }));
    form.addEventListener("submit", (event) => { event.preventDefault(); invite(form, prefix, target); });
    return form;
  }

  async function invite(form, prefix, target) {
    const values = new FormData(form);
    const text = (name) => String(values.get(name) || "").trim();
    const body = { role: text("role"), method: text("method") || "link", display_name: text("display_name") };
    if (text("username")) body.username = text("username");
    if (text("email")) body.email = text("email");
    if (body.method === "password" && !body.username) {
      say(prefix, { kind: "error", key: "staff.invite.username_needed" });
      form.querySelector(`#${prefix}-username`).focus();
      return;
    }
    const button = form.querySelector(`#${prefix}-submit`);
    button.disabled = true;
    try {
      const answer = await api(`/staff/municipalities/${target.id}/invites`, { method: "POST", body });
      state.shown[prefix] = answer;
      say(prefix, null);
      form.reset();
      drawShown(prefix);
      if (target.id === mid && isAdmin) { await loadStaff(); drawMembers(); drawInvites(); }
      const copy = parts[`shown-${prefix}`].querySelector("button");
      (copy || parts[`shown-${prefix}`]).focus();
    } catch (error) {
      say(prefix, { error });
    } finally {
      button.disabled = false;
    }
  }

  function drawShown(prefix) {
    const box = parts[`shown-${prefix}`];
    const answer = state.shown[prefix];
    if (!box) return;
    if (!answer) { fill(box); return; }
    const role = t(`staff.role.${answer.role}`);
    if (answer.kind === "granted") {
      fill(box, h("div", { class: "notice ok", role: "status", tabindex: "-1" },
        t("staff.invite.granted", { name: answer.username, role })));
      return;
    }
    const secret = answer.kind === "link" ? answer.url : answer.password;
    const input = h("input", { id: `${prefix}-secret`, class: "mono", readonly: true, value: secret,
      "aria-label": t(answer.kind === "link" ? "staff.invite.link_label" : "staff.invite.password_label") });
    const copied = h("span", { class: "muted small", role: "status" });
    const copy = h("button", { type: "button", class: "secondary small-button", id: `${prefix}-copy`,
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(secret);
        } catch (_) {
          input.select(); // no clipboard permission: the text is selected for Ctrl+C
          document.execCommand("copy");
        }
        fill(copied, t("staff.invite.copied"));
      } }, t("staff.invite.copy"));
    fill(box, h("div", { class: "notice ok password-once", role: "status" },
      h("span", { class: "notice-title" }, answer.kind === "link" ? t("staff.invite.link_made", { role })
        : t("staff.invite.password_made", { name: answer.username, role })),
      h("p", {}, t(answer.kind === "link" ? "staff.invite.link_once" : "staff.invite.password_once",
        { until: answer.expires_at ? ctx.formatDate(answer.expires_at, true) : "" })),
      h("div", { class: "inline-row" }, input, copy), copied));
  }

  // --- a superuser adds a municipality -------------------------------------------------------------------
  function townForm() {
    const form = h("form", { class: "panel stack", id: "town-form", novalidate: true },
      tx("h3", "staff.town.title"), tx("p", "staff.town.lead", { class: "muted" }),
      h("div", { class: "form-grid" },
        field("town-name-ja", "staff.town.name_ja", h("input", { name: "name_ja", lang: "ja", maxlength: "200" })),
        field("town-name-en", "staff.town.name_en", h("input", { name: "name_en", lang: "en", maxlength: "200" })),
        field("town-slug", "staff.town.slug", h("input", { name: "slug", maxlength: "64", autocapitalize: "none",
          spellcheck: "false" }), "staff.town.slug_hint")),
      noticeBox("town"),
      h("div", { class: "actions" }, tx("button", "staff.town.submit", { type: "submit", class: "primary",
        id: "town-submit" })));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const values = new FormData(form);
      const body = { name_ja: String(values.get("name_ja") || "").trim(), name_en: String(values.get("name_en") || "").trim() };
      const slug = String(values.get("slug") || "").trim();
      if (slug) body.slug = slug;
      if (!body.name_ja || !body.name_en) { say("town", { kind: "error", key: "staff.town.names_needed" }); return; }
      try {
        state.newTown = await api("/staff/municipalities", { method: "POST", body });
        form.reset();
        say("town", { kind: "ok", key: "staff.town.added", vars: { town: ctx.localized(state.newTown) } });
        state.shown["town-invite"] = null;
        fill(parts.townInvite, inviteForm("town-invite", state.newTown));
        parts.townInvite.querySelector("#town-invite-role").focus();
      } catch (error) {
        say("town", { error });
      }
    });
    return form;
  }

  // --- my account ------------------------------------------------------------------------------------------
  function passwordForm() {
    const form = h("form", { class: "panel stack", id: "password-form", novalidate: true },
      tx("h3", "staff.password.title"),
      h("input", { type: "text", name: "username", autocomplete: "username", value: state.me.username, hidden: true }),
      h("div", { class: "form-grid" },
        field("password-current", "staff.password.current", h("input", { type: "password", autocomplete: "current-password" })),
        field("password-new", "staff.password.new", h("input", { type: "password", autocomplete: "new-password",
          minlength: String(MIN_PASSWORD) }), "staff.password.hint"),
        field("password-again", "staff.password.again", h("input", { type: "password", autocomplete: "new-password",
          minlength: String(MIN_PASSWORD) }))),
      noticeBox("password"),
      h("div", { class: "actions" }, tx("button", "staff.password.submit", { type: "submit", class: "primary",
        id: "password-submit" })));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const current = form.querySelector("#password-current");
      const fresh = form.querySelector("#password-new").value;
      if (fresh.length < MIN_PASSWORD) { say("password", { kind: "error", key: "staff.password.too_short" }); return; }
      if (fresh !== form.querySelector("#password-again").value) {
        say("password", { kind: "error", key: "staff.password.mismatch" });
        return;
      }
      try {
        await api("/staff/me/password", { method: "POST", body: { current_password: current.value, new_password: fresh } });
        form.reset();
        say("password", { kind: "ok", key: "staff.password.changed" });
      } catch (error) {
        say("password", { error });
        current.focus();
      }
    });
    return form;
  }

  function drawTotp() {
    const box = parts.totp;
    const on = state.me.totp_enabled;
    const codeInput = (id) => h("input", { id, inputmode: "numeric", autocomplete: "one-time-code", maxlength: "8",
      spellcheck: "false" });
    const status = h("p", { id: "totp-status", "data-on": String(on) }, h("span", { class: `badge ${on ? "ok" : ""}` },
      t(on ? "staff.totp.on" : "staff.totp.off")));
    if (on) {
      const code = codeInput("totp-disable-code");
      const form = h("form", { class: "stack", novalidate: true },
        h("div", { class: "field" }, h("label", { for: "totp-disable-code" }, t("staff.totp.code")), code),
        h("div", { class: "actions" }, h("button", { type: "submit", class: "danger", id: "totp-disable" },
          t("staff.totp.disable"))));
      form.addEventListener("submit", (event) => { event.preventDefault(); totpStep("disable", code.value); });
      fill(box, tx("h3", "staff.totp.title"), status, h("p", { class: "muted" }, t("staff.totp.disable_lead")), form);
      return;
    }
    if (!state.enrolment) {
      fill(box, tx("h3", "staff.totp.title"), status, h("p", { class: "muted" }, t("staff.totp.lead")),
        h("div", { class: "actions" }, h("button", { type: "button", class: "primary", id: "totp-start",
          onclick: startTotp }, t("staff.totp.start"))));
      return;
    }
    const code = codeInput("totp-code");
    const form = h("form", { class: "stack", novalidate: true },
      h("div", { class: "field" }, h("label", { for: "totp-code" }, t("staff.totp.code")), code),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", id: "totp-confirm" },
        t("staff.totp.confirm"))));
    form.addEventListener("submit", (event) => { event.preventDefault(); totpStep("confirm", code.value); });
    const qr = h("img", { id: "totp-qr", class: "pass-qr", width: "240", height: "240", alt: t("staff.totp.qr_alt"),
      src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(state.enrolment.qr_svg)}` });
    fill(box, tx("h3", "staff.totp.title"), status, h("p", {}, t("staff.totp.scan")), qr,
      h("p", {}, t("staff.totp.secret"), " ", h("code", { id: "totp-secret", class: "password" }, state.enrolment.secret)),
      h("p", { class: "small" }, h("a", { href: state.enrolment.uri, id: "totp-uri" }, t("staff.totp.open_app"))),
      form);
  }

  async function startTotp() {
    try {
      state.enrolment = await api("/staff/me/totp", { method: "POST" });
      say("totp", null);
      drawTotp();
      parts.totp.querySelector("#totp-code").focus();
    } catch (error) {
      say("totp", { error });
    }
  }

  async function totpStep(step, code) {
    try {
      const answer = await api(`/staff/me/totp/${step}`, { method: "POST", body: { code: code.replace(/\s/g, "") } });
      state.me = { ...state.me, totp_enabled: answer.totp_enabled };
      state.enrolment = null;
      say("totp", { kind: "ok", key: answer.totp_enabled ? "staff.totp.turned_on" : "staff.totp.turned_off" });
      drawTotp();
    } catch (error) {
      say("totp", { error });
      const input = parts.totp.querySelector("input");
      if (input) { input.value = ""; input.focus(); }
    }
  }

  // --- the tab ---------------------------------------------------------------------------------------------
  const sections = [];
  if (isAdmin) {
    await loadStaff();
    parts.admin = h("div", { class: "stack" });
    parts.members = h("div", {});
    parts.invites = h("div", {});
    const title = h("h2", { class: "section-title", id: "staff-title" });
    parts.title = title;
    fill(parts.admin, noticeBox("staff"), parts.members, parts.invites, inviteForm("invite", town));
    sections.push(h("section", { class: "stack", "aria-labelledby": "staff-title" }, title, parts.admin));
    if (ctx.staff.superuser) {
      parts.townInvite = h("div", {});
      sections.push(h("section", { class: "stack", "aria-labelledby": "town-title" },
        tx("h2", "staff.town.section", { class: "section-title", id: "town-title" }), townForm(), parts.townInvite));
    }
  }
  parts.totp = h("div", { class: "panel stack", id: "totp-panel" });
  sections.push(h("section", { class: "stack", "aria-labelledby": "account-title", id: "my-account" },
    tx("h2", "staff.account.title", { class: "section-title", id: "account-title" }),
    h("p", { class: "muted", id: "account-who" }), passwordForm(), parts.totp, noticeBox("totp")));
  fill(container, ...sections);

  function drawAll() {
    if (parts.title) fill(parts.title, t("staff.list.title", { town: townName() }));
    fill(container.querySelector("#account-who"), t("staff.account.who", { name: state.me.username }));
    drawMembers();
    drawInvites();
    for (const prefix of Object.keys(state.shown)) drawShown(prefix);
    drawTotp();
    for (const where of Object.keys(notices)) drawNotice(where);
    if (state.newTown && parts.townInvite) {
      const label = parts.townInvite.querySelector("[data-town]");
      if (label) fill(label, ctx.localized(state.newTown));
    }
  }
  drawAll();
  return { onLang: drawAll };
}
