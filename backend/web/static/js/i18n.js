// Translations: every visible text comes from a catalog in /static/i18n/<area>.json, shaped
// {"ja": {key: text}, "en": {key: text}}. Japanese by default when the browser prefers it, else English;
// the choice is kept in localStorage. setLang() re-applies the catalogs to the page and fires "langchange"
// on window so parts drawn by script re-render themselves.

export const LANGS = ["ja", "en"];
const STORAGE_KEY = "resident.lang";
const catalogs = { ja: {}, en: {} };
const loaded = new Set();
let current = initialLang();

function initialLang() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (LANGS.includes(saved)) return saved;
  } catch (_) { /* storage blocked: fall through to the browser's preference */ }
  const preferred = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
  for (const tag of preferred) {
    const base = String(tag || "").toLowerCase().split("-")[0];
    if (base === "ja") return "ja";
    if (base === "en") return "en";
  }
  return "en";
}

/** Loads the catalogs of these areas (e.g. ["common", "holder"]); each is fetched once. */
export async function loadCatalogs(areas) {
  await Promise.all(areas.filter((area) => !loaded.has(area)).map(async (area) => {
    const response = await fetch(`/static/i18n/${area}.json`, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`catalog ${area}: HTTP ${response.status}`);
    const catalog = await response.json();
    for (const lang of LANGS) Object.assign(catalogs[lang], catalog[lang] || {});
    loaded.add(area);
  }));
}

export function lang() {
  return current;
}

/** The text of `key` in the current language with {name} placeholders filled from `vars`. A key missing
 * from the catalog shows as the key itself (and a console warning), so it is noticed, never blank. */
export function t(key, vars = {}) {
  let text = catalogs[current][key];
  if (text === undefined) {
    console.warn(`i18n: no "${current}" text for ${key}`);
    text = catalogs.en[key] ?? key;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

/** Fills every element under `root` that has data-i18n="key" (its text) and
 * data-i18n-attr="aria-label:key;placeholder:key" (its attributes). */
export function applyTranslations(root = document) {
  const elements = [...root.querySelectorAll("[data-i18n], [data-i18n-attr]")];
  if (root instanceof Element && root.matches("[data-i18n], [data-i18n-attr]")) elements.push(root);
  for (const element of elements) {
    if (element.dataset.i18n) element.textContent = t(element.dataset.i18n);
    for (const pair of (element.dataset.i18nAttr || "").split(";")) {
      const [attribute, key] = pair.split(":").map((part) => part && part.trim());
      if (attribute && key) element.setAttribute(attribute, t(key));
    }
  }
}

/** Switches the language: <html lang>, the page's texts, the stored choice, then a "langchange" event. */
export function setLang(next) {
  if (!LANGS.includes(next)) return;
  current = next;
  try { localStorage.setItem(STORAGE_KEY, next); } catch (_) { /* not kept: fine for this visit */ }
  document.documentElement.lang = next;
  applyTranslations(document);
  window.dispatchEvent(new CustomEvent("langchange", { detail: { lang: next } }));
}

/** A name the API gives in both languages (`name_ja` / `name_en`, `description_ja` ...) in the current one. */
export function localized(object, field = "name") {
  if (!object) return "";
  return object[`${field}_${current}`] || object[`${field}_en`] || object[`${field}_ja`] || "";
}

/** An API error ({code, message_en, message_ja}) in the current language. */
export function errorText(error) {
  if (error && (error.message_ja || error.message_en)) {
    return (current === "ja" ? error.message_ja : error.message_en) || error.message_en || error.message_ja;
  }
  return t("common.error.unexpected");
}

/** A date (unix seconds) as the current language writes it, in Japan time (cards and perks follow Japan days). */
export function formatDate(unixSeconds, withTime = false) {
  const options = { year: "numeric", month: "long", day: "numeric", timeZone: "Asia/Tokyo" };
  if (withTime) Object.assign(options, { hour: "2-digit", minute: "2-digit" });
  return new Intl.DateTimeFormat(current === "ja" ? "ja-JP" : "en-GB", options).format(new Date(unixSeconds * 1000));
}

document.documentElement.lang = current;

/** Whether the catalogs have a text for `key` (e.g. an optional "holder.tier.3"). */
export function has(key) {
  return key in catalogs[current] || key in catalogs.en;
}
