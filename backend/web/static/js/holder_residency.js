// The holder page's residency section (backend/api/residency.py): identity check, registering with a
// municipality (and its prefecture), progress toward premium per card, and check-in at an activity by
// scanning its rotating QR code (vendored ZXing, loaded on demand) or typing its code.

const ZXING_FILES = ["/static/vendor/zxing-library.min.js", "/static/vendor/zxing-browser.min.js"];

export async function mount(container, ctx) {
  await ctx.loadCatalogs(["residency"]);
  const { t, h, fill, localized, formatDate } = ctx;
  const { get, post } = ctx.api;
  const state = { identity: null, nonce: null, towns: [], progress: [], activities: [], providers: [], message: null,
    scanning: null };

  const say = (kind, render) => { state.message = { kind, render }; renderMessage(); };
  const failed = (error) => say("error", () => ctx.failureText(error));

  const messageBox = h("div", { id: "residency-message", role: "status", "aria-live": "polite" });
  const identityBox = h("div", { class: "panel", id: "residency-identity" });
  const registerBox = h("div", { class: "panel", id: "residency-register" });
  const progressBox = h("div", { class: "stack", id: "residency-progress" });
  const checkinBox = h("div", { class: "panel", id: "residency-checkin" });
  fill(container,
    h("h2", { class: "section-title", id: "residency-title", text: t("residency.title") }),
    h("p", { class: "muted", id: "residency-lead", text: t("residency.lead") }),
    h("div", { class: "stack" }, messageBox, identityBox, checkinBox,
      h("h3", { id: "residency-progress-title", text: t("residency.progress.title") }), progressBox, registerBox));

  function renderMessage() {
    if (!state.message) return fill(messageBox);
    const { kind, render } = state.message;
    return fill(messageBox, h("div", { class: `notice ${kind}` }, h("p", { text: render() })));
  }

  async function busy(button, work) {
    button.disabled = true;
    try {
      await work();
    } catch (error) {
      failed(error);
    } finally {
      button.disabled = false;
    }
  }

  async function load() {
    const [identity, towns, progress, activities, providers] = await Promise.all([
      get("/me/identity"), get("/residency/municipalities"), get("/me/residency"), get("/residency/activities"),
      get("/identity/providers")]);
    Object.assign(state, { identity, towns, progress, activities, providers });
  }

  // --- identity ---------------------------------------------------------------------------------------
  function renderIdentity() {
    const id = state.identity;
    const parts = [h("h3", { text: t("residency.identity.title") })];
    if (id && id.verified) {
      parts.push(h("p", {}, h("span", { class: "badge ok", text: t("residency.identity.verified", { level: id.level }) })));
      if (id.is_minor) {
        parts.push(h("p", { text: t("residency.identity.minor") }));
        if (id.guardian_consent) parts.push(h("p", { text: t("residency.identity.consent_ok") }));
        else parts.push(h("p", { text: t("residency.identity.consent_missing") }), consentForm());
      }
    } else {
      parts.push(h("p", { text: t("residency.identity.missing") }), identityForm());
    }
    fill(identityBox, ...parts);
  }

  // An OpenID Connect provider (xID, the My Number card's services): the backend keeps state, nonce and PKCE;
  // the provider sends the browser back to /identity/oidc/callback, this page, which posts what it brought.
  // purpose "guardian_consent": the person who signs in at the provider is the minor's guardian, which is the
  // consent; the page remembers which it was across the provider's redirect, for the message it shows after.
  const PURPOSE = "resident.oidc.purpose";

  function providerButtons(purpose = "identity") {
    if (!state.providers.length) return null;
    const prefix = purpose === "identity" ? "residency-oidc" : "residency-consent-oidc";
    return h("div", { class: "actions", id: `${prefix}-providers` }, ...state.providers.map((p) => {
      const button = h("button", { type: "button", class: "primary", id: `${prefix}-${p.id}`,
        text: localized(p, "label") });
      button.addEventListener("click", () => busy(button, async () => {
        const started = await post(`/me/identity/oidc/${encodeURIComponent(p.id)}/start`, { purpose });
        sessionStorage.setItem(PURPOSE, purpose);
        window.location.assign(started.authorization_url);
      }));
      return button;
    }));
  }

  async function finishProviderLogin() {
    if (window.location.pathname !== "/identity/oidc/callback") return;
    const query = new URLSearchParams(window.location.search);
    // The code is used once: never again from history or a reload. Back where the login started (this area is
    // in the activities section), so the person sees how it went.
    window.history.replaceState(null, "", "/#activities");
    window.dispatchEvent(new HashChangeEvent("hashchange"));
    const answer = {};
    for (const name of ["state", "code", "error", "iss"]) if (query.get(name)) answer[name] = query.get(name);
    const consent = sessionStorage.getItem(PURPOSE) === "guardian_consent";
    sessionStorage.removeItem(PURPOSE);
    try {
      state.identity = await post("/me/identity/oidc/callback", answer);
      say("ok", () => t(consent ? "residency.consent.done" : "residency.identity.done"));
    } catch (error) {
      failed(error);
    }
  }

  function identityForm() {
    const subject = h("input", { id: "residency-subject", type: "text", autocomplete: "off",
      value: `demo-${(ctx.me && ctx.me.address || "").slice(2, 10).toLowerCase()}` });
    const birthdate = h("input", { id: "residency-birthdate", type: "date", value: "1990-04-01" });
    const button = h("button", { type: "button", class: "primary", id: "residency-verify", text: t("residency.identity.verify") });
    button.addEventListener("click", () => busy(button, async () => {
      const nonce = await post("/me/identity/nonce", { purpose: "identity" });
      if (!nonce.development_provider) throw new Error("no development provider");
      const signed = await post("/dev/identity/assertion", { nonce: nonce.nonce, subject: subject.value.trim(),
        birthdate: birthdate.value });
      state.identity = await post("/me/identity", { assertion: signed.assertion });
      say("ok", () => t("residency.identity.done"));
      await refresh();
    }));
    const pasted = h("textarea", { id: "residency-assertion", rows: 3 });
    const submit = h("button", { type: "button", class: "secondary", text: t("residency.identity.submit") });
    submit.addEventListener("click", () => busy(submit, async () => {
      state.identity = await post("/me/identity", { assertion: pasted.value.trim() });
      say("ok", () => t("residency.identity.done"));
      await refresh();
    }));
    return h("div", { class: "stack" }, providerButtons(),
      h("div", { class: "notice warn" },
        h("span", { class: "notice-title", text: t("residency.identity.dev_title") }),
        h("p", { class: "small", text: t("residency.identity.dev_note") }),
        h("label", { for: "residency-subject", text: t("residency.identity.subject") }), subject,
        h("label", { for: "residency-birthdate", text: t("residency.identity.birthdate") }), birthdate,
        h("div", { class: "actions" }, button)),
      h("details", {}, h("summary", { text: t("residency.identity.paste") }),
        h("label", { for: "residency-assertion", text: t("residency.identity.paste") }), pasted,
        h("div", { class: "actions" }, submit)));
  }

  function consentForm() {
    const guardian = h("input", { id: "residency-guardian", type: "text", autocomplete: "off" });
    const subject = h("input", { id: "residency-consent-subject", type: "text", autocomplete: "off" });
    const button = h("button", { type: "button", class: "primary", id: "residency-consent", text: t("residency.consent.give") });
    button.addEventListener("click", () => busy(button, async () => {
      const nonce = await post("/me/identity/nonce", { purpose: "guardian_consent" });
      const signed = await post("/dev/identity/consent", { nonce: nonce.nonce, subject: subject.value.trim(),
        guardian_subject: guardian.value.trim() });
      state.identity = await post("/me/identity/guardian-consent", { assertion: signed.assertion });
      say("ok", () => t("residency.consent.done"));
      await refresh();
    }));
    const providers = providerButtons("guardian_consent");
    return h("div", { class: "stack" },
      providers ? h("p", { text: t("residency.consent.provider_lead") }) : null, providers,
      h("div", { class: "notice warn" },
        h("span", { class: "notice-title", text: t("residency.identity.dev_title") }),
        h("label", { for: "residency-consent-subject", text: t("residency.identity.subject") }), subject,
        h("label", { for: "residency-guardian", text: t("residency.consent.guardian") }), guardian,
        h("div", { class: "actions" }, button)));
  }

  // --- registering with a municipality ------------------------------------------------------------------
  function renderRegister() {
    const cities = state.towns.filter((m) => m.kind === "city");
    const parts = [h("h3", { text: t("residency.register.title") }), h("p", { class: "muted", text: t("residency.register.lead") })];
    if (!cities.length) return fill(registerBox, ...parts, h("p", { text: t("residency.register.none") }));
    const select = h("select", { id: "residency-town" },
      ...cities.map((m) => h("option", { value: String(m.id), text: localized(m) })));
    const withPrefecture = h("input", { type: "checkbox", id: "residency-with-prefecture", checked: true });
    const prefectureText = h("span");
    const prefectureRow = h("label", { for: "residency-with-prefecture" }, withPrefecture, " ", prefectureText);
    withPrefecture.style.width = "auto";
    const update = () => {
      const city = cities.find((m) => String(m.id) === select.value);
      const prefecture = city && state.towns.find((m) => m.id === city.prefecture_id);
      prefectureRow.hidden = !prefecture;
      prefectureText.textContent = prefecture ? t("residency.register.prefecture", { prefecture: localized(prefecture) }) : "";
    };
    select.addEventListener("change", update);
    update();
    const button = h("button", { type: "button", class: "primary", id: "residency-register-button",
      text: t("residency.register.button"), disabled: !(state.identity && state.identity.verified) });
    button.addEventListener("click", () => busy(button, async () => {
      const results = await post("/me/residency/register", { municipality_id: Number(select.value),
        prefecture_opt_out: prefectureRow.hidden ? false : !withPrefecture.checked });
      say("ok", () => results.map((r) => t(`residency.register.${r.outcome}`, { name: localized(r), token: r.token_id,
        reason: r.error ? ctx.errorText(r.error) : "" })).join(" "));
      await refresh(3);
      if (typeof ctx.refresh === "function") await ctx.refresh(); // the page's own card list (if it offers a refresh)
    }));
    fill(registerBox, ...parts, h("label", { for: "residency-town", text: t("residency.register.municipality") }),
      select, prefectureRow, h("div", { class: "actions" }, button));
  }

  // --- progress -------------------------------------------------------------------------------------------
  function renderProgress() {
    if (!state.progress.length) return fill(progressBox, h("p", { class: "muted", text: t("residency.progress.none") }));
    return fill(progressBox, ...state.progress.map((p) => {
      const status = p.status === "premium" && p.premium_until
        ? t("residency.progress.until", { date: formatDate(p.premium_until) }) : t(`residency.status.${p.status}`);
      const badge = { premium: "ok", eligible: "info", pending: "warn" }[p.status] || "info";
      const steps = p.next_steps.map((s) => h("li", { text: ctx.lang() === "ja" ? s.message_ja : s.message_en }));
      const actions = [];
      if (p.status === "eligible" && p.identity === "verified") {
        const button = h("button", { type: "button", class: "primary", "data-premium": `${p.collection_id}:${p.token_id}`,
          text: t(p.mode === "queue" ? "residency.premium.request" : "residency.premium.become") });
        button.addEventListener("click", () => busy(button, async () => {
          const grant = await post("/me/residency/premium", { collection_id: p.collection_id, token_id: p.token_id });
          say("ok", () => (grant.status === "active" ? t("residency.premium.done", { date: formatDate(grant.valid_until) })
            : t("residency.premium.queued")));
          await refresh();
        }));
        actions.push(button);
      }
      return h("article", { class: "panel", "data-progress": `${p.collection_id}:${p.token_id}`, "data-status": p.status },
        h("h4", { text: `${localized({ name_ja: p.municipality_ja, name_en: p.municipality_en })} · ${t("residency.progress.card", { token: p.token_id })}` }),
        h("p", {}, h("span", { class: `badge ${badge}`, "data-role": "status", text: status })),
        h("p", { class: "lead", "data-role": "summary", text: t("residency.progress.summary", { count: Math.min(p.checkins, p.required), required: p.required }) }),
        p.renewal_due ? h("p", { text: t("residency.progress.renewal_due") }) : null,
        steps.length ? h("p", { class: "small muted", text: t("residency.step.prefix") }) : null,
        steps.length ? h("ul", { class: "steps" }, ...steps) : null,
        actions.length ? h("div", { class: "actions" }, ...actions) : null);
    }));
  }

  // --- check-in -------------------------------------------------------------------------------------------
  function renderCheckin() {
    const mine = new Set(state.progress.map((p) => p.municipality_id));
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Tokyo" }).format(new Date());
    const open = state.activities.filter((a) => mine.has(a.municipality_id) && a.days.includes(today));
    const parts = [h("h3", { text: t("residency.checkin.title") }), h("p", { class: "muted", text: t("residency.checkin.lead") })];
    const video = h("video", { id: "residency-video", playsinline: true, muted: true, hidden: !state.scanning });
    const scan = h("button", { type: "button", class: "primary", id: "residency-scan",
      text: t(state.scanning ? "residency.checkin.stop" : "residency.checkin.scan") });
    scan.addEventListener("click", () => (state.scanning ? stopScan() : startScan(video)));
    parts.push(h("div", { class: "actions" }, scan), video);
    if (!open.length) {
      parts.push(h("p", { class: "muted", text: t("residency.checkin.no_activities") }));
      return fill(checkinBox, ...parts);
    }
    const select = h("select", { id: "residency-activity" },
      ...open.map((a) => h("option", { value: String(a.id), text: localized(a, "title") })));
    const code = h("input", { id: "residency-code", type: "text", autocomplete: "off", autocapitalize: "characters",
      maxlength: 12, inputmode: "text" });
    const submit = h("button", { type: "button", class: "secondary", id: "residency-code-submit", text: t("residency.checkin.submit") });
    submit.addEventListener("click", () => busy(submit, async () => {
      await checkIn({ activity_id: Number(select.value), code: code.value });
      code.value = "";
    }));
    parts.push(h("h4", { text: t("residency.checkin.type_title") }),
      h("label", { for: "residency-activity", text: t("residency.checkin.activity") }), select,
      h("label", { for: "residency-code", text: t("residency.checkin.code") }), code,
      h("div", { class: "actions" }, submit));
    return fill(checkinBox, ...parts);
  }

  async function checkIn(body) {
    const result = await post("/me/checkins", body);
    const p = result.progress;
    const summary = t("residency.progress.summary", { count: Math.min(p.checkins, p.required), required: p.required });
    say("ok", () => {
      let text = t("residency.checkin.done", { title: localized(result.activity, "title"), summary });
      if (result.premium && result.premium.status === "active") {
        text += " " + t("residency.checkin.premium", { date: formatDate(result.premium.valid_until) });
      } else if (result.premium && result.premium.status === "pending") {
        text += " " + t("residency.checkin.queued");
      } else if (result.premium_refusal) {
        text += " " + ctx.errorText(result.premium_refusal);
      }
      return text;
    });
    await refresh();
  }

  async function loadZxing() {
    for (const src of ZXING_FILES) {
      if (document.querySelector(`script[src="${src}"]`)) continue;
      await new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = src;
        script.onload = resolve;
        script.onerror = () => reject(new Error(`cannot load ${src}`));
        document.head.append(script);
      });
    }
  }

  async function startScan(video) {
    try {
      await loadZxing();
      const reader = new window.ZXingBrowser.BrowserQRCodeReader();
      video.hidden = false;
      state.scanning = await reader.decodeFromVideoDevice(undefined, video, async (result, _error, controls) => {
        if (!result || state.scanningBusy) return;
        state.scanningBusy = true;
        controls.stop();
        state.scanning = null;
        try {
          await checkIn({ token: result.getText() });
        } catch (error) {
          failed(error);
        } finally {
          state.scanningBusy = false;
          renderCheckin();
        }
      });
      renderCheckin();
    } catch (error) {
      state.scanning = null;
      say("warn", () => t("residency.checkin.camera_error"));
      renderCheckin();
    }
  }

  function stopScan() {
    if (state.scanning) state.scanning.stop();
    state.scanning = null;
    renderCheckin();
  }

  // --- all ------------------------------------------------------------------------------------------------
  function render() {
    container.querySelector("#residency-title").textContent = t("residency.title");
    container.querySelector("#residency-lead").textContent = t("residency.lead");
    container.querySelector("#residency-progress-title").textContent = t("residency.progress.title");
    renderMessage();
    renderIdentity();
    renderRegister();
    renderProgress();
    renderCheckin();
    container.dataset.residencyReady = "true";
  }

  /** Reloads everything; after issuing cards, retries a few times while the index catches up. */
  async function refresh(retries = 0) {
    const before = state.progress.length;
    await load();
    for (let i = 0; i < retries && state.progress.length === before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 700));
      await load();
    }
    render();
  }

  window.addEventListener("langchange", render);
  await finishProviderLogin();
  try {
    await refresh();
  } catch (error) {
    failed(error);
    render();
  }
}
