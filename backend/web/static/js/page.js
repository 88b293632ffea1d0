// What every page does first: load its catalogs, fill its texts, wire the ja/en switch in the header.

import { applyTranslations, lang, loadCatalogs, setLang } from "./i18n.js";

function markSwitch() {
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === lang()));
  }
}

/** Loads the "common" catalog and these areas, translates the page and wires the language switch
 * (buttons with data-lang="ja" / "en"). */
export async function initPage(areas = []) {
  await loadCatalogs(["common", ...areas]);
  applyTranslations(document);
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.addEventListener("click", () => setLang(button.dataset.lang));
  }
  window.addEventListener("langchange", markSwitch);
  markSwitch();
  document.body.classList.add("ready");
}

/** Removes every child of `element`, then appends `children` (nodes or strings). */
export function fill(element, ...children) {
  // As h() does: nothing for null/undefined/false (replaceChildren would write the word "null").
  const shown = children.flat().filter((child) => child !== undefined && child !== null && child !== false);
  element.replaceChildren(...shown);
  return element;
}

/** document.createElement with attributes, properties ("text", "i18n", "on<event>") and children. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "text") element.textContent = value;
    else if (name === "i18n") element.dataset.i18n = value;
    else if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) element.append(child);
  }
  return element;
}
