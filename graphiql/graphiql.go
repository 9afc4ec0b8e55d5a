// Package graphiql serves the GraphiQL explorer from assets embedded in the
// binary, so it works offline: the page never loads anything from a CDN.
//
// The vendored browser builds (graphiql 3.9.0, react and react-dom 18.3.1,
// see assets/licenses/) are refreshed with update-assets.sh; the Go build
// never needs npm.
package graphiql

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

//go:embed assets/index.html assets/*.js assets/*.css
var assetFS embed.FS

// AssetPrefix is the path, relative to where the handler is mounted, under
// which the embedded JS/CSS assets are served.
const AssetPrefix = "/graphiql/assets/"

type asset struct {
	data        []byte
	contentType string
	hash        string // hex SHA-256 prefix of data: the version in ?v= and the ETag
}

var (
	assets   = loadAssets()
	pageTmpl = template.Must(template.ParseFS(assetFS, "assets/index.html"))
)

func loadAssets() map[string]*asset {
	entries, err := assetFS.ReadDir("assets")
	if err != nil {
		panic(err)
	}
	m := make(map[string]*asset)
	for _, e := range entries {
		name := e.Name()
		var ct string
		switch path.Ext(name) {
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".css":
			ct = "text/css; charset=utf-8"
		default:
			continue // index.html is a template, rendered per handler
		}
		data, err := assetFS.ReadFile("assets/" + name)
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(data)
		m[name] = &asset{data: data, contentType: ct, hash: hex.EncodeToString(sum[:8])}
	}
	return m
}

// pageData is what assets/index.html is executed with.
type pageData struct {
	Title    string
	Endpoint string
	base     string // relative URL of the asset folder, from the page's URL
}

// Asset returns the relative, versioned URL of an embedded asset.
func (p pageData) Asset(name string) (string, error) {
	a, ok := assets[name]
	if !ok {
		return "", &unknownAssetError{name}
	}
	return p.base + name + "?v=" + a.hash, nil
}

type unknownAssetError struct{ name string }

func (e *unknownAssetError) Error() string { return "graphiql: unknown asset " + e.name }

type handler struct {
	rootPage    []byte // page served at "/" and "/graphiql": assets at "graphiql/assets/..."
	subdirPage  []byte // page served at "/graphiql/": assets at "assets/..."
	csp         string
	pageModTime time.Time
}

// Handler serves the GraphiQL explorer page and its assets; endpoint is the GraphQL API path (e.g. "/graphql").
//
// Path layout, relative to where the handler is mounted (r.URL.Path as the
// handler sees it; a missing leading "/" is tolerated, so http.StripPrefix
// with or without the trailing slash works):
//
//	/                          the GraphiQL page (also /graphiql and /graphiql/)
//	/graphiql/assets/<file>    embedded JS/CSS: graphiql.min.js, graphiql.min.css,
//	                           react.production.min.js, react-dom.production.min.js,
//	                           bootstrap.js
//	anything else              404
//
// The page references the assets by relative URLs carrying a content hash
// (graphiql/assets/<file>?v=<hash>), so both mux.Handle("/", h) and
// mux.Handle("/graphiql/", h) work, as does mounting under a prefix with
// http.StripPrefix. Assets are sent with an ETag (the hash) and, when
// requested with the matching ?v=, a one-year immutable Cache-Control; the
// page itself is "no-cache". Only GET and HEAD are allowed (405 otherwise).
//
// endpoint is resolved by the browser against the page URL, so a path like
// "/graphql" works on any host and port. The page is served with a strict
// Content-Security-Policy (scripts only from 'self', connections only to
// 'self' or to the endpoint's origin when endpoint is an absolute URL). The
// title is HTML-escaped.
//
// Opening the page with ?token=XYZ prefills the headers editor with
// {"Authorization": "Bearer XYZ"}; headers are persisted in the browser's
// localStorage.
func Handler(title, endpoint string) http.Handler {
	render := func(base string) []byte {
		var buf bytes.Buffer
		if err := pageTmpl.Execute(&buf, pageData{Title: title, Endpoint: endpoint, base: base}); err != nil {
			panic("graphiql: rendering page: " + err.Error())
		}
		return buf.Bytes()
	}
	return &handler{
		rootPage:    render(strings.TrimPrefix(AssetPrefix, "/")),
		subdirPage:  render("assets/"),
		csp:         contentSecurityPolicy(endpoint),
		pageModTime: time.Now(),
	}
}

// contentSecurityPolicy allows only the embedded scripts. GraphiQL sets
// inline styles and its CSS embeds fonts and icons as data: URLs.
func contentSecurityPolicy(endpoint string) string {
	connect := "'self'"
	if u, err := url.Parse(endpoint); err == nil && u.Host != "" {
		switch u.Scheme {
		case "http", "https", "ws", "wss":
			connect += " " + u.Scheme + "://" + u.Host
		}
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data:",
		"font-src 'self' data:",
		"connect-src " + connect,
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'self'",
	}, "; ")
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	var page []byte
	var a *asset
	switch {
	case p == "/" || p == "/graphiql":
		page = h.rootPage
	case p == "/graphiql/":
		page = h.subdirPage
	case strings.HasPrefix(p, AssetPrefix):
		a = assets[strings.TrimPrefix(p, AssetPrefix)]
	}
	if page == nil && a == nil {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}

	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	if page != nil {
		hdr.Set("Content-Type", "text/html; charset=utf-8")
		hdr.Set("Cache-Control", "no-cache")
		hdr.Set("Content-Security-Policy", h.csp)
		hdr.Set("Referrer-Policy", "no-referrer")
		http.ServeContent(w, r, "index.html", h.pageModTime, bytes.NewReader(page))
		return
	}
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("ETag", `"`+a.hash+`"`)
	if r.URL.Query().Get("v") == a.hash {
		hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hdr.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.data))
}
