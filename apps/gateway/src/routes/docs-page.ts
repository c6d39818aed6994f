/**
 * The documentation page and its initializer. Swagger UI itself comes from the local
 * `swagger-ui-dist` package; nothing is loaded from elsewhere and no script is inline.
 */
export const DOCS_ASSETS = '/api/docs/assets';

export const DOCS_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Agent platform API</title>
    <link rel="icon" type="image/png" href="${DOCS_ASSETS}/favicon-32x32.png" sizes="32x32" />
    <link rel="stylesheet" href="${DOCS_ASSETS}/swagger-ui.css" />
    <link rel="stylesheet" href="${DOCS_ASSETS}/docs.css" />
    <script src="${DOCS_ASSETS}/swagger-ui-bundle.js" defer></script>
    <script src="${DOCS_ASSETS}/swagger-ui-standalone-preset.js" defer></script>
    <script src="${DOCS_ASSETS}/docs-init.js" defer></script>
  </head>
  <body>
    <noscript>The interactive documentation needs JavaScript; the document itself is at /api/docs/openapi.json.</noscript>
    <div id="swagger-ui"></div>
  </body>
</html>
`;

// The document's URL is taken relative to this script, so the page also works behind a path prefix.
export const DOCS_INIT_JS = `'use strict';
(function () {
  var here = document.currentScript && document.currentScript.src;
  var spec = here ? new URL('../openapi.json', here).href : '/api/docs/openapi.json';
  window.addEventListener('DOMContentLoaded', function () {
    window.ui = window.SwaggerUIBundle({
      url: spec,
      dom_id: '#swagger-ui',
      deepLinking: true,
      validatorUrl: null,
      persistAuthorization: false,
      tryItOutEnabled: false,
      displayOperationId: true,
      presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIStandalonePreset],
      layout: 'StandaloneLayout',
    });
  });
})();
`;

export const DOCS_CSS = `body { margin: 0; background: #fafafa; }
.swagger-ui .topbar .download-url-wrapper { display: none; }
`;
