// Starts Swagger UI on the service's OpenAPI document, whose URL the page gives in data-openapi-url.
// A file of its own, not an inline script, so the page's Content-Security-Policy allows only 'self'.
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    persistAuthorization: false
  });
});
