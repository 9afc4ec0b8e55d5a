package graphiql

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

const (
	testTitle    = `SudPro <API> & "explorer"`
	testEndpoint = "/graphql"
)

func get(t *testing.T, h http.Handler, method, target string, reqHeaders map[string]string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range reqHeaders {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

var srcHrefRe = regexp.MustCompile(`(?:src|href)="([^"]*)"`)

// referencedAssets returns the src/href URLs of the page, resolved against pageURL.
func referencedAssets(t *testing.T, page, pageURL string) []*url.URL {
	t.Helper()
	base, err := url.Parse(pageURL)
	if err != nil {
		t.Fatal(err)
	}
	var out []*url.URL
	for _, m := range srcHrefRe.FindAllStringSubmatch(page, -1) {
		ref := strings.ReplaceAll(m[1], "&amp;", "&")
		if strings.HasPrefix(ref, "data:") {
			continue
		}
		u, err := url.Parse(ref)
		if err != nil {
			t.Fatalf("bad URL %q in page: %v", ref, err)
		}
		out = append(out, base.ResolveReference(u))
	}
	return out
}

func TestPage(t *testing.T) {
	h := Handler(testTitle, testEndpoint)
	res, body := get(t, h, http.MethodGet, "/", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type = %q", ct)
	}
	escapedTitle := "SudPro &lt;API&gt; &amp; &#34;explorer&#34;"
	if !strings.Contains(body, "<title>"+escapedTitle+"</title>") {
		t.Errorf("page lacks the escaped title %q:\n%s", escapedTitle, body)
	}
	if strings.Contains(body, "<API>") {
		t.Error("title is not HTML-escaped")
	}
	if !strings.Contains(body, `data-endpoint="`+testEndpoint+`"`) {
		t.Errorf("page lacks the endpoint %q", testEndpoint)
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "connect-src 'self'", "default-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "script-src 'self' 'unsafe") {
		t.Errorf("CSP allows unsafe scripts: %q", csp)
	}
	if strings.Contains(body, "<script>") || regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]+</script>`).MatchString(body) {
		t.Error("page has an inline script, which the CSP forbids")
	}
}

func TestPageHasNoExternalURL(t *testing.T) {
	h := Handler(testTitle, testEndpoint)
	_, body := get(t, h, http.MethodGet, "/", nil)
	if m := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+`).FindAllString(body, -1); len(m) > 0 {
		t.Errorf("page references external URLs: %q", m)
	}
	// The bootstrap script is ours too: it must not reach out anywhere either.
	if m := regexp.MustCompile(`(?i)https?://`).FindAllString(string(assets["bootstrap.js"].data), -1); len(m) > 0 {
		t.Errorf("bootstrap.js references external URLs: %q", m)
	}
	// The stylesheet must not pull fonts or images from anywhere (data: URLs only).
	css := string(assets["graphiql.min.css"].data)
	if m := regexp.MustCompile(`(?i)(@import|url\(\s*["']?(https?:|//))`).FindAllString(css, -1); len(m) > 0 {
		t.Errorf("graphiql.min.css loads external resources: %q", m)
	}
}

func TestReferencedAssets(t *testing.T) {
	h := Handler(testTitle, testEndpoint)
	for _, pageURL := range []string{"/", "/graphiql", "/graphiql/"} {
		_, body := get(t, h, http.MethodGet, pageURL, nil)
		refs := referencedAssets(t, body, "http://example.test"+pageURL)
		if len(refs) != 5 {
			t.Fatalf("page %s: %d assets referenced, want 5: %v", pageURL, len(refs), refs)
		}
		for _, u := range refs {
			if u.Host != "example.test" {
				t.Errorf("page %s: asset on another host: %s", pageURL, u)
				continue
			}
			if !strings.HasPrefix(u.Path, AssetPrefix) {
				t.Errorf("page %s: asset %s resolves outside %s", pageURL, u, AssetPrefix)
			}
			res, data := get(t, h, http.MethodGet, u.RequestURI(), nil)
			if res.StatusCode != http.StatusOK {
				t.Errorf("GET %s = %d", u.RequestURI(), res.StatusCode)
				continue
			}
			want := "text/javascript"
			if strings.HasSuffix(u.Path, ".css") {
				want = "text/css"
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, want) {
				t.Errorf("GET %s: Content-Type = %q, want %s", u.RequestURI(), ct, want)
			}
			if len(data) < 1000 {
				t.Errorf("GET %s: only %d bytes", u.RequestURI(), len(data))
			}
			if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
				t.Errorf("GET %s: Cache-Control = %q, want immutable", u.RequestURI(), cc)
			}
			etag := res.Header.Get("ETag")
			if etag == "" {
				t.Errorf("GET %s: no ETag", u.RequestURI())
				continue
			}
			res, _ = get(t, h, http.MethodGet, u.RequestURI(), map[string]string{"If-None-Match": etag})
			if res.StatusCode != http.StatusNotModified {
				t.Errorf("GET %s with If-None-Match = %d, want 304", u.RequestURI(), res.StatusCode)
			}
		}
	}
}

func TestMountedUnderPrefix(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/explorer/", http.StripPrefix("/explorer", Handler(testTitle, testEndpoint)))
	_, body := get(t, mux, http.MethodGet, "/explorer/", nil)
	for _, u := range referencedAssets(t, body, "http://example.test/explorer/") {
		if res, _ := get(t, mux, http.MethodGet, u.RequestURI(), nil); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", u.RequestURI(), res.StatusCode)
		}
	}
}

func TestNotFound(t *testing.T) {
	h := Handler(testTitle, testEndpoint)
	for _, p := range []string{
		"/graphiql/assets/nope.js",
		"/graphiql/assets/",
		"/graphiql/assets/index.html",
		"/graphiql/assets/licenses/graphiql-LICENSE.txt",
		"/graphiql/assets/../assets/graphiql.min.js",
		"/favicon.ico",
		"/other",
	} {
		if res, _ := get(t, h, http.MethodGet, p, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, res.StatusCode)
		}
	}
}

func TestMethods(t *testing.T) {
	h := Handler(testTitle, testEndpoint)
	for _, p := range []string{"/", "/graphiql/assets/graphiql.min.js"} {
		for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
			res, _ := get(t, h, m, p, nil)
			if res.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("%s %s = %d, want 405", m, p, res.StatusCode)
			}
			if allow := res.Header.Get("Allow"); allow != "GET, HEAD" {
				t.Errorf("%s %s: Allow = %q", m, p, allow)
			}
		}
		res, body := get(t, h, http.MethodHead, p, nil)
		if res.StatusCode != http.StatusOK || body != "" {
			t.Errorf("HEAD %s = %d with %d bytes", p, res.StatusCode, len(body))
		}
	}
}

func TestCSPAllowsAbsoluteEndpoint(t *testing.T) {
	res, _ := get(t, Handler("x", "https://api.example.test:8443/graphql"), http.MethodGet, "/", nil)
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self' https://api.example.test:8443;") {
		t.Errorf("CSP = %q", csp)
	}
}

func TestBootstrapConfig(t *testing.T) {
	js := string(assets["bootstrap.js"].data)
	for _, want := range []string{
		"GraphiQL.createFetcher({ url: endpoint })",
		"window.location.href",
		"isHeadersEditorEnabled: true",
		"shouldPersistHeaders: true",
		"searchParams.get('token')",
		"'Bearer ' + token",
		"viewer {",
		"communes {",
		"postalCode",
	} {
		if !strings.Contains(js, want) {
			t.Errorf("bootstrap.js lacks %q", want)
		}
	}
}
