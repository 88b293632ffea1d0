// The console's community tab: this municipality's Discourse forums. Admins register one and rotate its
// DiscourseConnect secret; the secret is in the answer of those two calls only, so it is shown here once, with a
// copy button and where to paste it in Discourse, and is gone when dismissed or the page is left. Viewers and
// staff see the list.

export const catalog = "community";
export const titleKey = "community.tab";

export async function mount(container, ctx) {
  const { t, h, fill, api, localized } = ctx;
  const mid = ctx.municipality.id;
  const isAdmin = ctx.role === "admin";
  const data = { forums: [], collections: [] };
  // The secret just issued ({forum, secret}); only in this variable, never stored by the page.
  let issued = null;
  let confirming = null; // the forum id whose rotation waits for confirmation
  let message = null;

  async function load() {
    const [forums, collections] = await Promise.all([
      api(`/staff/municipalities/${mid}/forums`),
      isAdmin ? api(`/staff/municipalities/${mid}/collections`) : Promise.resolve([])]);
    Object.assign(data, { forums, collections });
  }

  const say = (kind, render) => { message = { kind, render }; };
  const failure = (error) => say("error", () => ctx.errorText(error));
  const shownMessage = () => (message ? h("div", { class: `notice ${message.kind}`, id: "community-message",
    role: message.kind === "error" ? "alert" : "status" }, h("p", {}, message.render())) : "");
  const field = (id, labelKey, input, hintKey) => h("div", { class: "field" },
    h("label", { for: id }, t(labelKey)), input, hintKey ? h("p", { class: "field-hint", id: `${id}-hint` }, t(hintKey)) : "");

  async function copy(text, button) {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Without clipboard permission the field is selected, so Ctrl+C / Cmd+C copies it.
      const input = container.querySelector("#community-secret");
      input.focus();
      input.select();
      document.execCommand("copy");
    }
    button.dataset.copied = "true";
    fill(button, t("community.secret.copied"));
  }

  // --- the secret, once ----------------------------------------------------------------------------------
  function secretPanel() {
    if (!issued) return "";
    const { forum, secret } = issued;
    const value = h("input", { id: "community-secret", class: "mono", type: "text", readonly: true, value: secret,
      "aria-describedby": "community-secret-once", spellcheck: "false", autocomplete: "off" });
    const copyButton = h("button", { type: "button", class: "primary", id: "community-secret-copy" },
      t("community.secret.copy"));
    copyButton.addEventListener("click", () => copy(secret, copyButton));
    const done = h("button", { type: "button", class: "secondary", id: "community-secret-done" },
      t("community.secret.done"));
    done.addEventListener("click", () => { issued = null; render(); });
    return h("section", { class: "panel stack", id: "community-secret-panel", "aria-labelledby": "community-secret-title" },
      h("h3", { id: "community-secret-title" }, t("community.secret.title", { name: forum.name })),
      h("div", { class: "notice warn", id: "community-secret-once" }, h("p", {}, t("community.secret.once"))),
      field("community-secret", "community.secret.label", value),
      h("div", { class: "actions" }, copyButton, done),
      h("h4", {}, t("community.secret.where")),
      h("ol", { class: "stack", id: "community-steps" },
        h("li", {}, t("community.secret.step_open", { url: forum.url })),
        h("li", {}, t("community.secret.step_enable"), " ", h("code", {}, "enable discourse connect")),
        h("li", {}, t("community.secret.step_url"), " ", h("code", {}, "discourse connect url"), " → ",
          h("code", { class: "mono", id: "community-sso-url" }, forum.sso_url)),
        h("li", {}, t("community.secret.step_secret"), " ", h("code", {}, "discourse connect secret")),
        h("li", {}, t("community.secret.step_groups"), " ",
          ...forum.groups.flatMap((g, i) => [i ? ", " : "", h("code", {}, g)]))));
  }

  // --- the list ----------------------------------------------------------------------------------------------
  function collectionName(id) {
    const found = data.collections.find((c) => c.id === id);
    return found ? `${localized(found)} (${found.symbol})` : `#${id}`;
  }

  function rotateControls(forum) {
    if (!isAdmin) return "";
    if (confirming !== forum.id) {
      return h("button", { type: "button", class: "secondary small-button", "data-rotate": String(forum.id),
        onclick: () => { confirming = forum.id; render(); focusFirst(`[data-rotate-confirm="${forum.id}"]`); } },
      t(forum.has_secret ? "community.rotate" : "community.rotate_missing"));
    }
    return h("div", { class: "stack", role: "group", "aria-label": t("community.rotate.confirm_label") },
      h("p", { class: "small" }, t("community.rotate.warning")),
      h("div", { class: "row-actions" },
        h("button", { type: "button", class: "danger small-button", "data-rotate-confirm": String(forum.id),
          onclick: (event) => rotate(forum, event.currentTarget) }, t("community.rotate.confirm")),
        h("button", { type: "button", class: "secondary small-button", "data-rotate-cancel": String(forum.id),
          onclick: () => { confirming = null; render(); } }, t("community.rotate.cancel"))));
  }

  function forumTable() {
    if (!data.forums.length) return h("p", { class: "muted", id: "community-none" }, t("community.none"));
    const heads = ["community.col.name", "community.col.url", "community.col.collection", "community.col.groups",
      "community.col.secret", isAdmin ? "community.col.actions" : ""].filter(Boolean);
    return h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": t("community.list") },
      h("table", { class: "data-table", id: "community-forums" },
        h("thead", {}, h("tr", {}, ...heads.map((k) => h("th", { scope: "col" }, t(k))))),
        h("tbody", {}, ...data.forums.map((f) => h("tr", { "data-forum": String(f.id) },
          h("th", { scope: "row" }, f.name),
          h("td", {}, h("a", { href: f.url, target: "_blank", rel: "noopener" }, f.url)),
          h("td", {}, isAdmin ? collectionName(f.collection_id) : `#${f.collection_id}`),
          h("td", {}, ...f.groups.flatMap((g, i) => [i ? " " : "", h("code", {}, g)])),
          h("td", {}, f.has_secret
            ? h("span", { class: "badge ok" }, t("community.secret.set_on", { date: ctx.formatDate(f.secret_set_at, true) }))
            : h("span", { class: "badge warn" }, t("community.secret.missing"))),
          isAdmin ? h("td", {}, rotateControls(f)) : "")))));
  }

  async function rotate(forum, button) {
    button.disabled = true;
    try {
      const answer = await api(`/staff/municipalities/${mid}/forums/${forum.id}/secret`, { method: "POST" });
      issued = { forum: answer, secret: answer.secret };
      confirming = null;
      message = null;
      await load();
    } catch (error) {
      failure(error);
    }
    render();
    focusFirst("#community-secret");
  }

  // --- registration ----------------------------------------------------------------------------------------
  function registerForm() {
    if (!isAdmin) return h("p", { class: "muted", id: "community-viewer-note" }, t("community.viewer_note"));
    const collection = h("select", { id: "community-collection", name: "collection_id" },
      ...data.collections.map((c) => h("option", { value: String(c.id) }, `${localized(c)} (${c.symbol})`)));
    const form = h("form", { class: "panel stack", id: "community-form", novalidate: true },
      h("h3", {}, t("community.register.title")),
      h("p", {}, t("community.register.lead")),
      h("div", { class: "form-grid" },
        field("community-url", "community.register.url",
          h("input", { id: "community-url", name: "url", type: "url", required: true, placeholder: "https://forum.example.jp",
            "aria-describedby": "community-url-hint" }), "community.register.url_hint"),
        field("community-name", "community.register.name", h("input", { id: "community-name", name: "name" })),
        field("community-collection", "community.register.collection", collection),
        field("community-prefix", "community.register.prefix",
          h("input", { id: "community-prefix", name: "group_prefix", maxlength: "20", autocapitalize: "off",
            spellcheck: "false", "aria-describedby": "community-prefix-hint" }), "community.register.prefix_hint"),
        field("community-max-tier", "community.register.max_tier",
          h("input", { id: "community-max-tier", name: "max_tier", type: "number", min: "0", max: "127", value: "1" }))),
      h("div", { class: "actions" },
        h("button", { type: "submit", class: "primary", id: "community-register" }, t("community.register.submit"))));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const value = (name) => form.elements.namedItem(name).value.trim();
      const button = form.querySelector("#community-register");
      button.disabled = true;
      try {
        const answer = await api(`/staff/municipalities/${mid}/forums`, { method: "POST", body: {
          collection_id: Number(value("collection_id")), url: value("url"), name: value("name"),
          group_prefix: value("group_prefix") || null, max_tier: Number(value("max_tier") || 1) } });
        form.reset();
        if (answer.secret) {
          issued = { forum: answer, secret: answer.secret };
          message = null;
        } else {
          issued = null;
          say("ok", () => t("community.register.updated", { name: answer.name }));
        }
        await load();
        render();
        focusFirst(answer.secret ? "#community-secret" : "#community-message");
      } catch (error) {
        failure(error);
        render();
        focusFirst("#community-message");
      } finally {
        button.disabled = false;
      }
    });
    return form;
  }

  function focusFirst(css) {
    const element = container.querySelector(css);
    if (element) element.focus();
  }

  // The form keeps what was typed across a redraw (a failed registration, a language switch).
  function render() {
    const form = container.querySelector("#community-form");
    const typed = form ? Object.fromEntries([...form.elements].filter((e) => e.name).map((e) => [e.name, e.value])) : null;
    fill(container,
      h("h2", {}, t("community.title")),
      h("p", { class: "muted" }, t("community.lead")),
      shownMessage(),
      secretPanel(),
      h("section", { class: "stack", "aria-labelledby": "community-list-title" },
        h("h3", { id: "community-list-title" }, t("community.list")), forumTable()),
      registerForm());
    const again = container.querySelector("#community-form");
    if (typed && again) for (const [name, value] of Object.entries(typed)) again.elements.namedItem(name).value = value;
  }

  try {
    await load();
  } catch (error) {
    failure(error);
  }
  render();
  return { onLang: render };
}
