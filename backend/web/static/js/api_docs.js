// /docs: starts the vendored Swagger UI (static/vendor/swagger-ui-bundle.js) on this backend's OpenAPI, with
// FastAPI's own settings. A file rather than an inline script: the page's Content-Security-Policy allows none.
const root = document.getElementById("swagger-ui");
window.ui = window.SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  showExtensions: true,
  showCommonExtensions: true,
  presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset],
});
