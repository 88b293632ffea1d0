// The staff console (/console): staff sign-in, the municipality picker, sign-out, and a tab shell.
//
// Each tab is an ES module static/js/console_<tab>.js exporting `mount(container, ctx)`. GET /web/config lists
// the modules that exist (`extensions.console`), so a tab appears only when its module is there: a tab that is
// not built yet breaks nothing, and one that throws shows its error in its own panel.
//   ctx.api           api(path, {method, body}); also ctx.api.get / .post / .patch / .delete, ctx.api.api and
//                     ctx.api.ApiError (the holder page's {api, get, post, ApiError} shape works too)
//   ctx.t             t(key, vars); ctx.lang() the current language, "ja" | "en" (`${ctx.lang}` gives it too)
//   ctx.municipality  {id, slug, name_ja, name_en, demo} (its String() is the id; demo: `make run`'s demo data)
//   ctx.staff         {id, username, display_name, superuser, roles: [{municipality_id, role}]}
//   ctx.role          "viewer" | "staff" | "admin" here (a superuser counts as admin); ctx.canEdit: staff or admin
//   also localized, errorText, formatDate, loadCatalogs, applyTranslations, h, fill.
// mount() may return a function or {unmount, onLang}: unmount() runs when the tab or the municipality changes;
// onLang() after a language switch (elements with data-i18n are re-translated by i18n.js anyway). A tab whose
// mount() returns no onLang is mounted again after a language switch, so every text follows the language.
// A module may export `catalog` (its i18n area, loaded before mount; else console_<x>.js loads area <x> if it
// exists), and `titleKey` (a catalog key) or `label` ({ja, en}) for its name; else the key console.tab.<x>.

import { api, ApiError } from "./api.js";
import { applyTranslations, errorText, formatDate, lang, loadCatalogs, localized, t } from "./i18n.js";
import { fill, h, initPage } from "./page.js";
import { countDown, retryAfter } from "./retry.js";

// The order of the tabs we know of; other console_*.js modules come before "exports", in name order.
const ORDER = ["overview", "holders", "campaigns", "perks", "residency", "evidence", "civic", "exports"];
const PICK_KEY = "resident.console.municipality";
const ROLE_RANK = { viewer: 1, staff: 2, admin: 3 };

const $ = (id) => document.getElementById(id);
const state = { staff: null, municipalities: [], municipality: null, tabs: [], active: null, mounted: null,
  retry: null }; // retry: the "try again in N s" countdown after a throttled sign-in

function apiClient() {
  const call = (path, options) => api(path, options);
  call.api = call;
  call.ApiError = ApiError;
  call.get = (path, options) => api(path, options);
  call.post = (path, body, options = {}) => api(path, { ...options, method: "POST", body });
  call.patch = (path, body, options = {}) => api(path, { ...options, method: "PATCH", body });
  call.put = (path, body, options = {}) => api(path, { ...options, method: "PUT", body });
  call.delete = (path, options = {}) => api(path, { ...options, method: "DELETE" });
  return call;
}

function roleIn(municipalityId) {
  if (state.staff.superuser) return "admin";
  const found = state.staff.roles.find((r) => r.municipality_id === municipalityId);
  return found ? found.role : null;
}

function currentLang() {
  return lang();
}
currentLang.toString = lang;
currentLang.valueOf = lang;

function context() {
  const m = state.municipality;
  const municipality = { ...m, toString: () => String(m.id) };
  return {
    api: apiClient(), t, lang: currentLang, municipality, staff: state.staff, role: roleIn(m.id),
    canEdit: (ROLE_RANK[roleIn(m.id)] || 0) >= ROLE_RANK.staff, localized, errorText, formatDate, h, fill,
    loadCatalogs, applyTranslations,
  };
}

// --- messages --------------------------------------------------------------------------------------------
function showError(element, error) {
  element.hidden = false;
  element.lastError = error; // drawn again in the other language after a switch
  fill(element, error instanceof ApiError ? errorText(error) : t("common.error.unexpected"));
}

// --- sign-in ---------------------------------------------------------------------------------------------
function stopRetry() {
  if (state.retry) state.retry.stop();
  state.retry = null;
}

// Too many failed sign-ins from here: the form waits as long as the backend says, counting down.
function waitToRetry(seconds) {
  stopRetry();
  const message = $("signin-error");
  message.lastError = null;
  $("signin-submit").disabled = true;
  state.retry = countDown(message, seconds, {
    text: (left) => (left > 0 ? t("console.signin.retry", { seconds: left }) : t("console.signin.retry_now")),
    onEnd: () => { $("signin-submit").disabled = false; },
  });
}

async function signIn(event) {
  event.preventDefault();
  const button = $("signin-submit");
  const message = $("signin-error");
  if (state.retry && state.retry.left > 0) return;
  stopRetry();
  message.hidden = true;
  button.disabled = true;
  try {
    const body = { login: $("signin-login").value.trim(), password: $("signin-password").value };
    const code = $("signin-code").value.replace(/\s/g, "");
    if (code) body.totp_code = code; // two-step sign-in (console_staff.js turns it on)
    const answer = await api("/staff/login", { method: "POST", body });
    $("signin-password").value = "";
    $("signin-code").value = "";
    state.staff = answer.staff;
    await afterSignIn();
  } catch (error) {
    const seconds = retryAfter(error);
    if (seconds) waitToRetry(seconds);
    else showError(message, error);
    $("signin-password").value = "";
    $("signin-code").value = "";
    $("signin-password").focus();
  } finally {
    button.disabled = Boolean(state.retry && state.retry.left > 0);
  }
}

async function signOut() {
  unmountTab();
  try {
    await api("/staff/logout", { method: "POST" });
  } catch (_) { /* the session is gone either way: show the sign-in form */ }
  state.staff = null;
  showSignIn();
}

function showSignIn() {
  $("first-password").hidden = true;
  $("console").hidden = true;
  $("who").hidden = true;
  $("signout").hidden = true;
  $("signin").hidden = false;
  $("signin-login").focus();
}

// --- a one-time password is replaced before anything else opens (the API refuses the rest until then) ---------
async function afterSignIn() {
  if (!state.staff.must_change_password) {
    await openConsole();
    return;
  }
  $("signin").hidden = true;
  $("console").hidden = true;
  $("who").hidden = false;
  fill($("who"), state.staff.display_name || state.staff.username);
  $("signout").hidden = false;
  $("first-username").value = state.staff.username; // for password managers
  $("first-password").hidden = false;
  $("first-current").focus();
}

async function setFirstPassword(event) {
  event.preventDefault();
  const message = $("first-password-error");
  const button = $("first-password-submit");
  message.hidden = true;
  const fresh = $("first-new").value;
  if (fresh.length < 10 || fresh !== $("first-again").value) {
    message.hidden = false;
    message.lastError = null;
    fill(message, t(fresh.length < 10 ? "staff.password.too_short" : "staff.password.mismatch"));
    return;
  }
  button.disabled = true;
  try {
    await api("/staff/me/password", { method: "POST",
      body: { current_password: $("first-current").value, new_password: fresh } });
    for (const id of ["first-current", "first-new", "first-again"]) $(id).value = "";
    state.staff = await api("/staff/me");
    $("first-password").hidden = true;
    await openConsole();
  } catch (error) {
    showError(message, error);
  } finally {
    button.disabled = false;
  }
}

// --- municipalities --------------------------------------------------------------------------------------
function renderPicker() {
  const select = $("municipality");
  const chosen = state.municipality ? state.municipality.id : null;
  fill(select, ...state.municipalities.map((m) => h("option", { value: String(m.id), selected: m.id === chosen },
    localized(m))));
  $("municipality-field").hidden = state.municipalities.length < 2;
  fill($("municipality-name"), state.municipality ? localized(state.municipality) : "");
  // `make run`'s seeded data is marked in the database (demo_data): every tab of it says so.
  $("demo-banner").hidden = !(state.municipality && state.municipality.demo);
}

function pickMunicipality(id) {
  const found = state.municipalities.find((m) => m.id === id) || state.municipalities[0];
  state.municipality = found;
  try { localStorage.setItem(PICK_KEY, String(found.id)); } catch (_) { /* not kept */ }
  renderPicker();
  if (!state.tabs.length) {
    fill($("tab-panel"), h("div", { class: "notice error", role: "alert" }, t("console.no_tabs")));
    return;
  }
  selectTab(state.active || state.tabs[0].id, false);
}

// --- tabs ------------------------------------------------------------------------------------------------
async function loadTabs() {
  let files = [];
  try {
    const config = await api("/web/config");
    files = (config.extensions && config.extensions.console) || [];
  } catch (error) {
    console.error("console: /web/config", error);
  }
  const rank = (id) => (ORDER.includes(id) ? ORDER.indexOf(id) : ORDER.length - 1.5); // others before exports
  const ids = files.map((file) => file.replace(/^console_/, "").replace(/\.js$/, ""))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const found = await Promise.all(ids.map(async (id) => {
    try {
      const module = await import(`./console_${id}.js`);
      if (typeof module.mount !== "function") return null;
      const area = module.catalog || id;
      try { await loadCatalogs([area]); } catch (_) { /* no catalog of its own: it uses another one */ }
      return { id, mountFn: module.mount, label: module.label, titleKey: module.titleKey };
    } catch (error) {
      console.error(`console: tab ${id} could not load`, error); // the console works without it
      return null;
    }
  }));
  return found.filter(Boolean);
}

function tabLabel(tab) {
  if (tab.label && tab.label[lang()]) return tab.label[lang()];
  return t(tab.titleKey || `console.tab.${tab.id}`);
}

function renderTabBar() {
  const bar = $("tabs");
  fill(bar, ...state.tabs.map((tab) => h("button", {
    type: "button", role: "tab", id: `tab-${tab.id}`, "aria-controls": "tab-panel",
    "aria-selected": String(tab.id === state.active), tabindex: tab.id === state.active ? "0" : "-1",
    "data-tab": tab.id, onclick: () => selectTab(tab.id, true),
  }, tabLabel(tab))));
}

function onTabKey(event) {
  const ids = state.tabs.map((tab) => tab.id);
  const at = ids.indexOf(state.active);
  const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: ids.length - 1 }[event.key];
  if (next === undefined) return;
  event.preventDefault();
  selectTab(ids[(next + ids.length) % ids.length], true);
}

function unmountTab() {
  const mounted = state.mounted;
  state.mounted = null;
  if (!mounted) return;
  try {
    if (typeof mounted.handle === "function") mounted.handle();
    else if (mounted.handle && typeof mounted.handle.unmount === "function") mounted.handle.unmount();
  } catch (error) {
    console.error("console: unmount failed", error);
  }
}

async function selectTab(id, focus) {
  const tab = state.tabs.find((x) => x.id === id) || state.tabs[0];
  unmountTab();
  state.active = tab.id;
  renderTabBar();
  if (focus) $(`tab-${tab.id}`).focus();
  const panel = $("tab-panel");
  panel.setAttribute("aria-labelledby", `tab-${tab.id}`);
  panel.dataset.tab = tab.id;
  fill(panel, h("p", { class: "muted", role: "status" }, t("common.loading")));
  const mounted = { tab: tab.id, handle: null };
  state.mounted = mounted;
  const container = h("div", { class: "tab-body" });
  try {
    fill(panel, container);
    mounted.handle = await tab.mountFn(container, context());
    applyTranslations(container);
  } catch (error) {
    if (state.mounted !== mounted) return;
    const box = h("div", { class: "notice error", role: "alert" });
    showError(box, error);
    fill(panel, box);
  }
}

function relabel() {
  const signinError = $("signin-error");
  if (state.retry) state.retry.draw();
  else if (!signinError.hidden && signinError.lastError) showError(signinError, signinError.lastError);
  const firstPasswordError = $("first-password-error");
  if (!firstPasswordError.hidden && firstPasswordError.lastError) showError(firstPasswordError, firstPasswordError.lastError);
  if (!state.staff) return;
  renderPicker();
  renderTabBar();
  const mounted = state.mounted;
  if (!mounted) return;
  const handle = mounted.handle;
  if (handle && typeof handle.onLang === "function") handle.onLang();
  else selectTab(mounted.tab, false);
}

// --- the console -----------------------------------------------------------------------------------------
async function openConsole() {
  state.municipalities = await api("/staff/municipalities");
  $("signin").hidden = true;
  $("who").hidden = false;
  fill($("who"), state.staff.display_name || state.staff.username);
  $("signout").hidden = false;
  $("console").hidden = false;
  if (!state.municipalities.length) {
    $("no-municipality").hidden = false;
    $("console-body").hidden = true;
    return;
  }
  $("no-municipality").hidden = true;
  $("console-body").hidden = false;
  if (!state.tabs.length) state.tabs = await loadTabs();
  let saved = null;
  try { saved = Number(localStorage.getItem(PICK_KEY)); } catch (_) { /* none */ }
  pickMunicipality(state.municipalities.some((m) => m.id === saved) ? saved : state.municipalities[0].id);
}

async function start() {
  await initPage(["console", "staff"]);
  $("signin-form").addEventListener("submit", signIn);
  $("first-password-form").addEventListener("submit", setFirstPassword);
  $("signout").addEventListener("click", signOut);
  $("municipality").addEventListener("change", (event) => pickMunicipality(Number(event.target.value)));
  $("tabs").addEventListener("keydown", onTabKey);
  window.addEventListener("langchange", relabel);
  try {
    state.staff = await api("/staff/me");
    await afterSignIn();
  } catch (error) {
    state.staff = null;
    showSignIn();
    if (!(error instanceof ApiError) || error.status !== 401) showError($("signin-error"), error);
  }
  document.body.dataset.ready = "true"; // the first render is done (the browser tests wait for it)
}

start();
