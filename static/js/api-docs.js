// Start Swagger UI on /api/docs with the served spec (vendored assets; no validator badge,
// which would call an outside service).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  var config = {
    url: root.dataset.specUrl,
    domNode: root,
    validatorUrl: null,
    deepLinking: true,
    defaultModelsExpandDepth: 0,
    tryItOutEnabled: false,
  };
  var extra = JSON.parse(root.dataset.config || "{}");
  Object.keys(extra).forEach(function (name) { config[name] = extra[name]; });
  window.ui = SwaggerUIBundle(config);
})();
