// The staff console's evidence tab (backend/api/staff/evidence.py): the photos and notes holders sent for
// activities of this municipality. Staff look at both and approve (it counts once, as a check-in at that
// activity on that day, toward premium) or do not approve, with a reason the holder reads. Viewers see only.
// mount(container, ctx) as every console module.

export const titleKey = "evidence.console.tab";
export const catalog = "evidence";

const FILTERS = ["pending", "approved", "rejected"];
const BADGE = { pending: "warn", approved: "ok", rejected: "bad" };
const dayTime = (day) => Date.parse(`${day}T12:00:00+09:00`) / 1000; // a Japan date as formatDate reads it

export async function mount(container, ctx) {
  const { t, h, fill, localized, formatDate, errorText } = ctx;
  const base = `/staff/municipalities/${ctx.municipality.id}/evidence`;
  const state = { filter: "pending", items: [], message: null, reasons: {} };

  const say = (kind, render) => { state.message = { kind, render }; render_(); };
  const failure = (error) => say("error", () => (error instanceof ctx.api.ApiError ? errorText(error)
    : t("common.error.unexpected")));

  async function load() {
    state.items = await ctx.api.get(`${base}?status=${state.filter}`);
  }

  async function refresh() {
    try { await load(); } catch (error) { failure(error); return; }
    render_();
  }

  function summaryOf(progress) {
    return localized({ summary_ja: progress.summary_ja, summary_en: progress.summary_en }, "summary");
  }

  async function approve(item, button) {
    button.disabled = true;
    try {
      const review = await ctx.api.post(`${base}/${item.id}/approve`, {});
      const said = [];
      if (review.progress) said.push(t("evidence.console.approved", { token: item.token_id, summary: summaryOf(review.progress) }));
      if (review.premium && review.premium.status === "active") {
        said.push(t("evidence.console.premium", { date: formatDate(review.premium.valid_until) }));
      } else if (review.premium && review.premium.status === "pending") {
        said.push(t("evidence.console.queued"));
      } else if (review.premium_refusal) {
        said.push(errorText(review.premium_refusal));
      }
      await load();
      say("ok", () => said.join(" ") || t("evidence.console.approved", { token: item.token_id, summary: "" }));
    } catch (error) {
      button.disabled = false;
      failure(error);
    }
  }

  async function reject(item, button, reason) {
    const text = reason.value.trim();
    if (!text) {
      say("error", () => t("evidence.console.reason_needed"));
      container.querySelector(`#ev-reason-${item.id}`)?.focus();
      return;
    }
    button.disabled = true;
    try {
      await ctx.api.post(`${base}/${item.id}/reject`, { reason: text });
      delete state.reasons[item.id];
      await load();
      say("ok", () => t("evidence.console.rejected"));
    } catch (error) {
      button.disabled = false;
      failure(error);
    }
  }

  function decision(item) {
    if (item.status !== "pending") {
      return [item.reason ? h("p", { "data-role": "reason", text: t("evidence.reason", { reason: item.reason }) }) : null,
        item.decided_at ? h("p", { class: "small muted", text: t("evidence.console.decided", { date: formatDate(item.decided_at) }) }) : null];
    }
    if (!ctx.canEdit) return [h("p", { class: "small muted", text: t("evidence.console.viewer") })];
    const reason = h("textarea", { id: `ev-reason-${item.id}`, rows: 2, maxlength: 500 });
    reason.value = state.reasons[item.id] || "";
    reason.addEventListener("input", () => { state.reasons[item.id] = reason.value; });
    const yes = h("button", { type: "button", class: "primary", "data-action": "approve", text: t("evidence.console.approve") });
    const no = h("button", { type: "button", class: "danger", "data-action": "reject", text: t("evidence.console.reject") });
    yes.addEventListener("click", () => approve(item, yes));
    no.addEventListener("click", () => reject(item, no, reason));
    return [h("div", { class: "actions" }, yes),
      h("label", { for: reason.id, text: t("evidence.console.reason") }), reason,
      h("div", { class: "actions" }, no)];
  }

  function itemView(item) {
    const activity = localized({ title_ja: item.activity_ja, title_en: item.activity_en }, "title");
    const day = formatDate(dayTime(item.day));
    const image = h("img", { src: item.photo_url, alt: t("evidence.photo_alt", { activity, day }), loading: "lazy",
      width: String(item.photo_width), height: String(item.photo_height) });
    image.style.maxHeight = "24rem";
    image.style.objectFit = "contain";
    const fact = (key, value, cls) => {
      const dd = h("dd", { class: cls, text: value });
      dd.style.overflowWrap = "anywhere"; // an address is one 42-character word
      dd.style.whiteSpace = "pre-wrap"; // a note keeps its lines
      return [h("dt", { text: t(key) }), dd];
    };
    return h("article", { class: "panel", "data-evidence": String(item.id), "data-status": item.status },
      h("h3", { text: `${activity} · ${day}` }),
      h("p", {}, h("span", { class: `badge ${BADGE[item.status] || "info"}`, "data-role": "status",
        text: t(`evidence.status.${item.status}`) }), " ",
      h("span", { class: "small muted", text: t("evidence.sent_on", { date: formatDate(item.submitted_at, true) }) })),
      h("div", { class: "grid grid-2" },
        h("a", { href: item.photo_url, target: "_blank", rel: "noopener", "aria-label": t("evidence.console.open_photo") }, image),
        h("div", {},
          h("dl", { class: "card-facts" },
            ...fact("evidence.console.note", item.note || t("evidence.console.no_note")),
            ...fact("evidence.console.holder", `${t("evidence.console.card", { token: item.token_id })} · ${item.holder}`,
              "small")),
          ...decision(item))));
  }

  function render_() {
    const filter = h("select", { id: "ev-filter" }, ...FILTERS.map((f) =>
      h("option", { value: f, selected: f === state.filter, text: t(`evidence.console.filter.${f}`) })));
    filter.addEventListener("change", async () => { state.filter = filter.value; state.message = null; await refresh(); });
    const message = state.message ? h("div", { class: `notice ${state.message.kind}`, role: "status", id: "ev-message" },
      h("p", { text: state.message.render() })) : null;
    fill(container, h("h2", { text: t("evidence.console.title") }),
      h("p", { class: "muted", text: t("evidence.console.lead") }), message,
      h("label", { for: "ev-filter", text: t("evidence.console.filter") }), filter,
      state.items.length ? h("div", { class: "stack", id: "ev-items" }, ...state.items.map(itemView))
        : h("p", { class: "muted", id: "ev-empty", text: t("evidence.console.empty") }));
  }

  await refresh();
  return { onLang: render_ };
}
