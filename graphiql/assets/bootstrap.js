// Starts GraphiQL. Loaded by index.html as an external script so that the
// Content-Security-Policy needs no 'unsafe-inline' for scripts. Its settings
// come from data-* attributes on #graphiql, written (HTML-escaped) by the Go handler.
(function () {
  'use strict';

  var root = document.getElementById('graphiql');

  // Resolve the API endpoint against the page URL so it works on any host/port.
  var endpoint = new URL(root.getAttribute('data-endpoint') || '/graphql', window.location.href).href;

  // ?token=XYZ prefills the headers editor with a bearer token, then is removed
  // from the address bar so it does not linger in the history or get shared by copy/paste.
  var headers;
  var url = new URL(window.location.href);
  var token = url.searchParams.get('token');
  if (token) {
    headers = JSON.stringify({ Authorization: 'Bearer ' + token }, null, 2);
    url.searchParams.delete('token');
    try {
      window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
    } catch (e) { /* not fatal */ }
  }

  var defaultQuery = [
    '# Welcome to GraphiQL.',
    '#',
    '# To authenticate, open the "Headers" tab below and set:',
    '#   { "Authorization": "Bearer <token>" }',
    '# (or open this page with ?token=<token> to prefill it).',
    '#',
    '# Run the query with Ctrl-Enter or the play button.',
    'query {',
    '  viewer {',
    '    role',
    '  }',
    '  communes {',
    '    name',
    '    postalCode',
    '  }',
    '}',
    ''
  ].join('\n');

  var props = {
    fetcher: GraphiQL.createFetcher({ url: endpoint }),
    defaultQuery: defaultQuery,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
    defaultEditorToolsVisibility: 'headers'
  };
  if (headers) {
    props.headers = headers;        // the active tab
    props.defaultHeaders = headers; // new tabs
  }

  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, props));
})();
