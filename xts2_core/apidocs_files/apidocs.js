// GET /v2/docs: Swagger UI over this server's own /v2/openapi.json. A file of its own, not an
// inline script, so the page's Content-Security-Policy can forbid inline scripts.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",        // relative to /v2/docs: /v2/openapi.json
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,         // never ask an outside validator: no network beyond this server
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    defaultModelsExpandDepth: 0,
  });
});
