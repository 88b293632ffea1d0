// The console's civic tab: polls and surveys (create, results with turnout, the ballots as CSV for Excel),
// announcements to a collection's holders (optionally by tier, optionally by email), and the basic-inactivity
// rule (preview, then run: notices, and revocations with the issuer key). Everything through the staff API.

export const catalog = "civic";
export const titleKey = "civic.tab";

export async function mount(container, ctx) {
  const { t, h, fill, api, localized } = ctx;
  const mid = ctx.municipality.id;
  const canEdit = ctx.canEdit !== false;
  const isAdmin = ctx.role === undefined || ctx.role === "admin"; // the inactivity rule and its run are admin's
  const data = { polls: [], collections: [], news: [], rule: null, preview: null, results: null, report: null };
  const messages = {};

  async function load() {
    const [polls, collections, news, rule] = await Promise.all([
      api(`/staff/municipalities/${mid}/polls`), api(`/staff/municipalities/${mid}/collections`),
      api(`/staff/municipalities/${mid}/announcements`), api(`/staff/municipalities/${mid}/inactivity`)]);
    Object.assign(data, { polls, collections, news, rule });
  }

  const say = (key, kind, render) => { messages[key] = { kind, render }; };
  const shown = (key) => {
    const m = messages[key];
    return m ? h("div", { class: `notice ${m.kind}`, role: m.kind === "error" ? "alert" : "status" },
      h("p", {}, m.render())) : "";
  };
  const field = (id, labelKey, input, hintKey) => h("div", { class: "field" },
    h("label", { for: id }, t(labelKey)), input, hintKey ? h("p", { class: "field-hint" }, t(hintKey)) : "");
  const collectionSelect = (id) => h("select", { id, name: "collection_id" },
    ...data.collections.map((c) => h("option", { value: String(c.id) }, `${localized(c)} (${c.symbol})`)));
  const toUnix = (value) => Math.floor(new Date(value).getTime() / 1000);
  const localInput = (unix) => {
    const d = new Date(unix * 1000);
    const pad = (n) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  };

  // --- polls -------------------------------------------------------------------------------------------
  function pollTable() {
    if (!data.polls.length) return h("p", { class: "muted" }, t("civic.console.polls.none"));
    return h("div", { class: "table-scroll", tabindex: "0" }, h("table", { class: "data-table", id: "poll-table" },
      h("thead", {}, h("tr", {}, ...["civic.console.poll.title", "civic.console.poll.status", "civic.console.poll.closes",
        "civic.console.poll.voters", ""].map((k) => h("th", { scope: "col" }, k ? t(k) : "")))),
      h("tbody", {}, ...data.polls.map((p) => h("tr", { "data-poll": String(p.id) },
        h("th", { scope: "row" }, localized(p, "title")),
        h("td", {}, t(`civic.poll.status.${p.status}`)),
        h("td", {}, ctx.formatDate(p.closes_at, true)),
        h("td", { class: "num" }, String(p.voters ?? 0)),
        h("td", {}, h("div", { class: "row-actions" },
          h("button", { type: "button", class: "secondary small-button", onclick: () => showResults(p) },
            t("civic.console.results")),
          h("a", { class: "button secondary small-button", href: `/staff/polls/${p.id}/results.csv`, download: "" },
            t("civic.console.csv")))))))));
  }

  async function showResults(poll) {
    try {
      data.results = { poll, body: await api(`/staff/polls/${poll.id}/results`) };
    } catch (error) {
      say("results", "error", () => ctx.errorText(error));
    }
    render();
  }

  function resultsPanel() {
    if (!data.results) return shown("results");
    const { poll, body } = data.results;
    return h("section", { class: "panel stack", id: "poll-results", "aria-labelledby": "poll-results-title" },
      h("h3", { id: "poll-results-title" }, t("civic.console.results_of", { title: localized(poll, "title") })),
      h("p", {}, t("civic.console.turnout", { voters: body.voters, eligible: body.eligible,
        percent: (body.turnout * 100).toFixed(1) })),
      ...body.questions.map((q) => h("div", { class: "stack" },
        h("h4", {}, `Q${q.position + 1}. ${localized(q, "text")}`),
        q.kind === "text"
          ? h("ul", {}, ...(q.answers || []).map((a) => h("li", { lang: "ja" }, a)))
          : h("table", { class: "data-table" }, h("tbody", {}, ...q.options.map((o) => h("tr", {},
            h("th", { scope: "row" }, ctx.lang() === "ja" ? o.ja : o.en), h("td", { class: "num" }, String(o.votes)))))))));
  }

  function questionEditor(list) {
    const kind = h("select", { name: "kind" }, ...["single", "multiple", "text"].map((k) =>
      h("option", { value: k }, t(`civic.console.kind.${k}`))));
    const n = list.children.length + 1;
    const box = h("fieldset", { class: "panel stack", "data-question-editor": String(n) },
      h("legend", {}, `Q${n}`),
      h("div", { class: "form-grid" },
        field(`q${n}-kind`, "civic.console.q.kind", Object.assign(kind, { id: `q${n}-kind` })),
        field(`q${n}-ja`, "civic.console.q.text_ja", h("input", { id: `q${n}-ja`, name: "text_ja", lang: "ja" })),
        field(`q${n}-en`, "civic.console.q.text_en", h("input", { id: `q${n}-en`, name: "text_en", lang: "en" })),
        field(`q${n}-options`, "civic.console.q.options", h("textarea", { id: `q${n}-options`, name: "options", rows: "4" }),
          "civic.console.q.options_hint"),
        field(`q${n}-min`, "civic.console.q.min", h("input", { id: `q${n}-min`, name: "min", type: "number", min: "0", value: "1" })),
        field(`q${n}-max`, "civic.console.q.max", h("input", { id: `q${n}-max`, name: "max", type: "number", min: "1", value: "1" }))));
    list.append(box);
  }

  function pollForm() {
    if (!canEdit) return "";
    const now = Math.floor(Date.now() / 1000);
    const questions = h("div", { class: "stack", id: "poll-questions" });
    const form = h("form", { class: "panel stack", id: "poll-form", novalidate: true },
      h("h3", {}, t("civic.console.poll.new")),
      h("div", { class: "form-grid" },
        field("poll-title-ja", "civic.console.poll.title_ja", h("input", { id: "poll-title-ja", name: "title_ja", lang: "ja" })),
        field("poll-title-en", "civic.console.poll.title_en", h("input", { id: "poll-title-en", name: "title_en", lang: "en" })),
        field("poll-desc-ja", "civic.console.poll.description_ja", h("textarea", { id: "poll-desc-ja", name: "description_ja", lang: "ja" })),
        field("poll-desc-en", "civic.console.poll.description_en", h("textarea", { id: "poll-desc-en", name: "description_en", lang: "en" })),
        field("poll-collection", "civic.console.collection", collectionSelect("poll-collection")),
        field("poll-opens", "civic.console.poll.opens", h("input", { id: "poll-opens", name: "opens", type: "datetime-local", value: localInput(now) })),
        field("poll-closes", "civic.console.poll.closes_at", h("input", { id: "poll-closes", name: "closes", type: "datetime-local", value: localInput(now + 14 * 86400) })),
        field("poll-min-tier", "civic.console.min_tier", h("input", { id: "poll-min-tier", name: "min_tier", type: "number", min: "0", value: "0" }), "civic.console.min_tier_hint"),
        field("poll-unit", "civic.console.poll.unit", h("select", { id: "poll-unit", name: "one_vote_per" },
          h("option", { value: "card" }, t("civic.console.unit.card")), h("option", { value: "person" }, t("civic.console.unit.person"))),
          "civic.console.poll.unit_hint")),
      questions,
      h("div", { class: "actions" },
        h("button", { type: "button", class: "secondary", onclick: () => questionEditor(questions) }, t("civic.console.q.add")),
        h("button", { type: "submit", class: "primary", id: "poll-create" }, t("civic.console.poll.create"))),
      shown("poll"));
    questionEditor(questions);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const value = (name) => form.elements.namedItem(name).value.trim();
      const body = {
        collection_id: Number(value("collection_id")), title_ja: value("title_ja"), title_en: value("title_en"),
        description_ja: value("description_ja"), description_en: value("description_en"),
        opens_at: toUnix(value("opens")), closes_at: toUnix(value("closes")), min_tier: Number(value("min_tier") || 0),
        one_vote_per: value("one_vote_per"),
        questions: [...questions.children].map((box) => {
          const get = (name) => box.querySelector(`[name=${name}]`).value.trim();
          const options = get("options").split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
            const [ja, en] = line.split("|").map((part) => part.trim());
            return { ja, en: en || ja };
          });
          return { kind: get("kind"), text_ja: get("text_ja"), text_en: get("text_en"),
            options: get("kind") === "text" ? [] : options, min_choices: Number(get("min") || 1),
            max_choices: Number(get("max") || 1), required: get("kind") !== "text" };
        }),
      };
      try {
        const poll = await api(`/staff/municipalities/${mid}/polls`, { method: "POST", body });
        say("poll", "ok", () => t("civic.console.poll.created", { title: localized(poll, "title") }));
        await load();
      } catch (error) {
        say("poll", "error", () => ctx.errorText(error));
      }
      render();
    });
    return form;
  }

  // --- announcements --------------------------------------------------------------------------------------
  function newsForm() {
    if (!canEdit) return "";
    const form = h("form", { class: "panel stack", id: "news-form", novalidate: true },
      h("h3", {}, t("civic.console.news.new")),
      h("div", { class: "form-grid" },
        field("news-title-ja", "civic.console.news.title_ja", h("input", { id: "news-title-ja", name: "title_ja", lang: "ja" })),
        field("news-title-en", "civic.console.news.title_en", h("input", { id: "news-title-en", name: "title_en", lang: "en" })),
        field("news-body-ja", "civic.console.news.body_ja", h("textarea", { id: "news-body-ja", name: "body_ja", lang: "ja", rows: "4" })),
        field("news-body-en", "civic.console.news.body_en", h("textarea", { id: "news-body-en", name: "body_en", lang: "en", rows: "4" })),
        field("news-collection", "civic.console.collection", collectionSelect("news-collection")),
        field("news-min-tier", "civic.console.min_tier", h("input", { id: "news-min-tier", name: "min_tier", type: "number", min: "0", value: "0" })),
        field("news-max-tier", "civic.console.max_tier", h("input", { id: "news-max-tier", name: "max_tier", type: "number", min: "0" }), "civic.console.max_tier_hint")),
      h("div", { class: "check" }, h("input", { type: "checkbox", id: "news-email", name: "email" }),
        h("label", { for: "news-email" }, t("civic.console.news.email"))),
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", id: "news-post" }, t("civic.console.news.post"))),
      shown("news"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const value = (name) => form.elements.namedItem(name).value.trim();
      const body = { collection_id: Number(value("collection_id")), title_ja: value("title_ja"), title_en: value("title_en"),
        body_ja: value("body_ja"), body_en: value("body_en"), min_tier: Number(value("min_tier") || 0),
        max_tier: value("max_tier") === "" ? null : Number(value("max_tier")), email: form.elements.namedItem("email").checked };
      try {
        const posted = await api(`/staff/municipalities/${mid}/announcements`, { method: "POST", body });
        say("news", "ok", () => t("civic.console.news.posted", { emails: posted.emails_queued || 0 }));
        await load();
      } catch (error) {
        say("news", "error", () => ctx.errorText(error));
      }
      render();
    });
    return form;
  }

  function newsList() {
    if (!data.news.length) return h("p", { class: "muted" }, t("civic.console.news.none"));
    return h("ul", { class: "stack", id: "news-list" }, ...data.news.map((a) => h("li", {},
      h("strong", {}, localized(a, "title")), " — ", ctx.formatDate(a.published_at, true),
      a.email ? ` (${t("civic.console.news.emailed", { emails: a.emails_queued || 0 })})` : "")));
  }

  // --- inactivity -------------------------------------------------------------------------------------------
  function inactivityPanel() {
    const r = data.rule;
    const form = h("form", { class: "stack", id: "inactivity-form", novalidate: true },
      h("div", { class: "check" }, h("input", { type: "checkbox", id: "inactivity-enabled", name: "enabled", checked: r.enabled }),
        h("label", { for: "inactivity-enabled" }, t("civic.console.inactivity.enabled"))),
      h("div", { class: "form-grid" },
        field("inactivity-days", "civic.console.inactivity.inactive_days", h("input", { id: "inactivity-days", name: "inactive_days", type: "number", min: "30", value: String(r.inactive_days) })),
        field("inactivity-notice", "civic.console.inactivity.notice_days", h("input", { id: "inactivity-notice", name: "notice_days", type: "number", min: "7", value: String(r.notice_days) }))),
      isAdmin ? h("div", { class: "actions" },
        h("button", { type: "submit", class: "primary" }, t("civic.console.save")),
        h("button", { type: "button", class: "secondary", onclick: preview }, t("civic.console.inactivity.preview")),
        h("button", { type: "button", class: "danger", onclick: run }, t("civic.console.inactivity.run"))) : "",
      shown("inactivity"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = { enabled: form.elements.namedItem("enabled").checked,
        inactive_days: Number(form.elements.namedItem("inactive_days").value),
        notice_days: Number(form.elements.namedItem("notice_days").value) };
      try {
        data.rule = await api(`/staff/municipalities/${mid}/inactivity`, { method: "PUT", body });
        say("inactivity", "ok", () => t("civic.console.saved"));
      } catch (error) {
        say("inactivity", "error", () => ctx.errorText(error));
      }
      render();
    });
    const p = data.preview;
    return h("section", { class: "panel stack", "aria-labelledby": "inactivity-title" },
      h("h3", { id: "inactivity-title" }, t("civic.console.inactivity.title")),
      h("p", { class: "muted" }, t("civic.console.inactivity.lead")),
      form,
      p ? h("p", { id: "inactivity-preview" }, t("civic.console.inactivity.plan", p.summary)) : "",
      data.report ? h("p", { id: "inactivity-report" }, t("civic.console.inactivity.done", {
        noticed: data.report.noticed, cancelled: data.report.cancelled, revoked: data.report.revoked.length,
        skipped: data.report.skipped })) : "");
  }

  async function preview() {
    try {
      data.preview = await api(`/staff/municipalities/${mid}/inactivity/preview`);
    } catch (error) {
      say("inactivity", "error", () => ctx.errorText(error));
    }
    render();
  }

  async function run() {
    if (!window.confirm(t("civic.console.inactivity.confirm"))) return;
    try {
      data.report = await api(`/staff/municipalities/${mid}/inactivity/run`, { method: "POST" });
      data.preview = null;
    } catch (error) {
      say("inactivity", "error", () => ctx.errorText(error));
    }
    render();
  }

  function render() {
    fill(container,
      h("h2", {}, t("civic.console.title")),
      h("section", { class: "stack", "aria-labelledby": "polls-title" },
        h("h3", { id: "polls-title" }, t("civic.console.polls.title")), pollTable(), resultsPanel(), pollForm()),
      h("section", { class: "stack", "aria-labelledby": "news-title" },
        h("h3", { id: "news-title" }, t("civic.console.news.title")), newsForm(), newsList()),
      inactivityPanel());
  }

  await load();
  render();
  return { onLang: render };
}
