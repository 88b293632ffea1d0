// A municipality's landing page (/town/<slug>): its name, its card's art, its perks, its open campaigns and
// the three steps to join, from GET /towns/<slug>; no sign-in. Everything redraws on a language switch.

import { ApiError, get } from "./api.js";
import { errorText, formatDate, has, lang, localized, t } from "./i18n.js";
import { fill, h, initPage } from "./page.js";

const $ = (id) => document.getElementById(id);
const state = { town: null, error: null };

function slug() {
  const match = /^\/town\/([^/]+)\/?$/.exec(location.pathname);
  return match ? decodeURIComponent(match[1]) : "";
}

function tierName(tier) {
  return has(`holder.tier.${tier}`) ? t(`holder.tier.${tier}`) : t("holder.tier.other", { tier });
}

function drawCards(town) {
  fill($("town-cards"), ...town.collections.map((collection) => h("figure", { class: "town-card",
    "data-collection-id": collection.id },
  collection.image ? h("img", { class: "card-image", src: collection.image, width: 600, height: 380,
    alt: t("town.card_alt", { collection: localized(collection) }) }) : null,
  h("figcaption", { class: "muted small", text: collection.soulbound
    ? t("town.card.soulbound", { collection: localized(collection) })
    : t("town.card.caption", { collection: localized(collection) }) }))));
}

function drawPerks(town) {
  if (!town.perks.length) {
    fill($("town-perks"), h("p", { class: "panel muted", text: t("town.perks.none") }));
    return;
  }
  const comma = lang() === "ja" ? "、" : ", ";
  fill($("town-perks"), ...town.perks.map((perk) => {
    const venues = perk.venues.map((venue) => localized(venue)).join(comma);
    return h("article", { class: "panel perk", "data-perk-id": perk.id },
      h("h3", { text: localized(perk) }),
      localized(perk, "description") ? h("p", { text: localized(perk, "description") }) : null,
      venues ? h("p", { class: "muted small", text: t("holder.perk.venues", { venues }) }) : null,
      h("div", { class: "badges" },
        h("span", { class: "badge info", text: perk.kind === "online_access" ? t("town.perk.online") : t("town.perk.at_venue") }),
        perk.min_tier > 0 ? h("span", { class: "badge warn", text: t("town.perk.tier", { tier: tierName(perk.min_tier) }) }) : null));
  }));
}

function drawCampaigns(town) {
  const box = $("town-campaigns");
  if (town.campaigns === null) {
    fill(box, h("p", { class: "panel muted", text: t("town.campaigns.unknown") }));
    return;
  }
  if (!town.campaigns.length) {
    fill(box, h("p", { class: "panel muted", text: t("town.campaigns.none") }));
    return;
  }
  fill(box, ...town.campaigns.map((campaign) => h("article", { class: "panel", "data-campaign-id": campaign.id },
    h("h3", { text: localized(campaign) }),
    h("p", { class: "muted small", text: t("holder.campaign.period", {
      start: formatDate(campaign.starts_at), end: formatDate(campaign.ends_at) }) }),
    h("div", { class: "badges" },
      h("span", { class: "badge info", text: BigInt(campaign.price_wei || 0) === 0n ? t("holder.campaign.free") : t("town.campaign.paid") }),
      h("span", { class: "badge info", text: t("holder.campaign.remaining", { count: campaign.remaining }) })),
    // A poster's claim page (claim.js) walks from no wallet to the card, one step after the other.
    h("div", { class: "actions" }, h("a", { class: "button primary", href: `/claim#campaign-${campaign.id}`,
      "data-action": "claim", text: t("town.campaign.claim") })))));
}

function draw() {
  const notice = $("town-notice");
  if (state.error) {
    fill(notice, h("div", { class: "notice error", "data-code": state.error.code || "" },
      h("p", { text: state.error instanceof ApiError ? errorText(state.error) : t("common.error.unexpected") }),
      h("p", {}, h("a", { href: "/", text: t("town.home") }))));
    $("town").hidden = true;
    return;
  }
  fill(notice);
  const town = state.town;
  if (!town) return;
  $("town").hidden = false;
  $("town-name").textContent = localized(town);
  // The other language's name under the first (the Japanese name over "Mine City"): visitors and residents both read it.
  const other = lang() === "ja" ? town.name_en : town.name_ja;
  $("town-name-other").textContent = other !== localized(town) ? other : "";
  $("town-name-other").lang = lang() === "ja" ? "en" : "ja";
  document.title = t("town.title_named", { town: localized(town) });
  drawCards(town);
  drawPerks(town);
  drawCampaigns(town);
}

async function start() {
  await initPage(["town", "holder"]);
  try {
    state.town = await get(`/towns/${encodeURIComponent(slug())}`);
  } catch (error) {
    state.error = error;
  }
  window.addEventListener("langchange", draw);
  draw();
  document.body.dataset.ready = "true";
}

start();
