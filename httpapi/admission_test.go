package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"sudpro/metrics"
)

func TestAdmissionRefusesWhenFull(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	ran := 0
	m := metrics.New()
	h := withAdmission(1, 50*time.Millisecond, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ran++
		entered <- struct{}{}
		<-release
	}))
	go h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/graphql", nil))
	<-entered // the only place is taken

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", nil))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("request while full = %d (Retry-After %q), want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	if ran != 1 {
		t.Errorf("the refused request ran the handler")
	}
	scrape := httptest.NewRecorder()
	m.Handler().ServeHTTP(scrape, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if want := `sudpro_rate_limit_refusals_total{reason="overloaded"} 1`; !strings.Contains(scrape.Body.String(), want) {
		t.Errorf("metrics lack %s", want)
	}
	close(release)

	// Once the place is free, requests get in again.
	done := make(chan int)
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", nil))
		done <- rec.Code
	}()
	<-entered
	if code := <-done; code != http.StatusOK {
		t.Errorf("request after release = %d, want 200", code)
	}
}
