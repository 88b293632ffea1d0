// The holder page's activity evidence (backend/api/holder/evidence.py), shown after the residency section:
// a photo and a note for a designated activity of one's card's municipality, on a day it already took
// place, and what staff decided (waiting, approved: counted once as a check-in, or not, with their reason).

const MAX_MB = 10; // backend/residency/photos.py MAX_BYTES: checked here first, so nobody waits to be refused
const TYPES = "image/jpeg,image/png,image/webp";
const DAY = 86_400_000;

const japanDay = (ms) => new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Tokyo" }).format(new Date(ms));
const dayTime = (day) => Date.parse(`${day}T12:00:00+09:00`) / 1000; // a Japan date as formatDate reads it

export async function mount(container, ctx) {
  await ctx.loadCatalogs(["evidence"]);
  const { t, h, fill, localized, formatDate } = ctx;
  const { get, api } = ctx.api;
  const state = { progress: [], activities: [], mine: [], message: null, activity: null };

  const messageBox = h("div", { id: "evidence-message", role: "status", "aria-live": "polite" });
  const formBox = h("div", { id: "evidence-form" });
  const listBox = h("div", { id: "evidence-list" });
  const title = h("h2", { class: "section-title", id: "evidence-title" });
  const lead = h("p", { class: "muted", id: "evidence-lead" });
  const privacy = h("p", { class: "small muted", id: "evidence-privacy" });
  const mineTitle = h("h3", { id: "evidence-mine-title" });
  // Made once: what was typed and the file chosen stay when the form is drawn again (another activity, a
  // language switch); a file input cannot be given its file back.
  const note = h("textarea", { id: "evidence-note", rows: 3, maxlength: 1000 });
  const photo = h("input", { id: "evidence-photo", type: "file", accept: TYPES, hidden: true });
  // The browser's own file button speaks the browser's language, not the page's: ours says it in both.
  const choose = h("button", { type: "button", class: "secondary", id: "evidence-choose" });
  const chosenName = h("span", { class: "small muted", id: "evidence-chosen" });
  const preview = h("img", { id: "evidence-preview", alt: "", hidden: true });
  preview.style.maxHeight = "12rem";
  choose.addEventListener("click", () => photo.click());
  photo.addEventListener("change", () => {
    if (preview.src) URL.revokeObjectURL(preview.src);
    const file = photo.files && photo.files[0];
    preview.hidden = !file;
    if (file) preview.src = URL.createObjectURL(file);
    else preview.removeAttribute("src");
    renderChosen();
  });
  function renderChosen() {
    const file = photo.files && photo.files[0];
    choose.textContent = t(file ? "evidence.choose_other" : "evidence.choose");
    chosenName.textContent = file ? file.name : t("evidence.none_chosen");
    preview.alt = file ? t("evidence.preview") : "";
  }
  fill(container, h("div", { class: "stack" }, h("div", {}, title, lead),
    h("div", { class: "panel stack" }, privacy, messageBox, formBox), mineTitle, listBox));

  const say = (kind, render) => { state.message = { kind, render }; renderMessage(); };

  function renderMessage() {
    if (!state.message) return fill(messageBox);
    return fill(messageBox, h("div", { class: `notice ${state.message.kind}` }, h("p", { text: state.message.render() })));
  }

  async function load() {
    const [progress, activities, mine] = await Promise.all([get("/me/residency"), get("/residency/activities"),
      get("/me/evidence")]);
    Object.assign(state, { progress, activities, mine });
  }

  // The days an activity took place that may still count: today or before, within the programme's window.
  function daysOf(activity) {
    const p = state.progress.find((x) => x.municipality_id === activity.municipality_id);
    const today = japanDay(Date.now());
    const oldest = japanDay(Date.now() - (p ? p.window_days : 365) * DAY);
    return activity.days.filter((d) => d <= today && d >= oldest).reverse();
  }

  function open() {
    const mine = new Set(state.progress.map((p) => p.municipality_id));
    return state.activities.filter((a) => mine.has(a.municipality_id) && daysOf(a).length);
  }

  function renderForm() {
    if (!state.progress.length) return fill(formBox, h("p", { text: t("evidence.no_card") }));
    const activities = open();
    if (!activities.length) return fill(formBox, h("p", { text: t("evidence.no_activities") }));
    const picked = activities.find((a) => a.id === state.activity) || activities[0];
    const activity = h("select", { id: "evidence-activity" }, ...activities.map((a) =>
      h("option", { value: String(a.id), selected: a.id === picked.id, text: localized(a, "title") })));
    const day = h("select", { id: "evidence-day" }, ...daysOf(picked).map((d) =>
      h("option", { value: d, text: formatDate(dayTime(d)) })));
    activity.addEventListener("change", () => { state.activity = Number(activity.value); renderForm(); });
    const send = h("button", { type: "button", class: "primary", id: "evidence-send", text: t("evidence.send") });
    send.addEventListener("click", async () => {
      const file = photo.files && photo.files[0];
      if (!file) return say("error", () => t("evidence.no_photo"));
      if (file.size > MAX_MB * 1_000_000) {
        const size = (file.size / 1_000_000).toFixed(1);
        return say("error", () => t("evidence.too_large", { size, limit: MAX_MB }));
      }
      const form = new FormData();
      form.append("activity_id", activity.value);
      form.append("day", day.value);
      form.append("note", note.value.trim());
      form.append("photo", file);
      send.disabled = true;
      send.textContent = t("evidence.sending");
      try {
        await api("/me/evidence", { method: "POST", body: form });
        note.value = "";
        photo.value = "";
        photo.dispatchEvent(new Event("change"));
        say("ok", () => t("evidence.sent"));
        await refresh();
      } catch (error) {
        say("error", () => ctx.failureText(error));
        send.disabled = false;
        send.textContent = t("evidence.send");
      }
    });
    return fill(formBox,
      h("label", { for: "evidence-activity", text: t("evidence.activity") }), activity,
      h("label", { for: "evidence-day", text: t("evidence.day") }), day,
      h("label", { for: "evidence-note", text: t("evidence.note") }), note,
      h("label", { for: "evidence-choose", text: t("evidence.photo", { limit: MAX_MB }) }), photo,
      h("div", { class: "actions" }, choose, chosenName),
      preview, h("div", { class: "actions" }, send));
  }

  const BADGE = { pending: "warn", approved: "ok", rejected: "bad" };

  function renderList() {
    if (!state.mine.length) return fill(listBox, h("p", { class: "muted", text: t("evidence.none") }));
    return fill(listBox, h("div", { class: "grid grid-2" }, ...state.mine.map((e) => {
      const activity = localized({ title_ja: e.activity_ja, title_en: e.activity_en }, "title");
      const day = formatDate(dayTime(e.day));
      const image = h("img", { src: e.photo_url, alt: t("evidence.photo_alt", { activity, day }), loading: "lazy",
        width: String(e.photo_width), height: String(e.photo_height) });
      image.style.maxHeight = "16rem";
      image.style.objectFit = "contain";
      return h("article", { class: "panel", "data-evidence": String(e.id), "data-status": e.status },
        h("h4", { text: `${activity} · ${day}` }),
        h("p", {}, h("span", { class: `badge ${BADGE[e.status] || "info"}`, "data-role": "status",
          text: t(`evidence.status.${e.status}`) })),
        e.status === "rejected" && e.reason ? h("p", { "data-role": "reason", text: t("evidence.reason", { reason: e.reason }) }) : null,
        image,
        e.note ? h("p", { class: "small", text: e.note }) : null,
        h("p", { class: "small muted", text: t("evidence.sent_on", { date: formatDate(e.submitted_at) }) }));
    })));
  }

  function render() {
    title.textContent = t("evidence.title");
    lead.textContent = t("evidence.lead");
    privacy.textContent = t("evidence.privacy");
    mineTitle.textContent = t("evidence.mine");
    renderMessage();
    renderForm();
    renderChosen();
    renderList();
    container.dataset.evidenceReady = "true";
  }

  async function refresh() {
    await load();
    render();
  }

  window.addEventListener("langchange", render);
  try {
    await refresh();
  } catch (error) {
    render();
    say("error", () => ctx.failureText(error));
  }
}
