package httpapi

import (
	"net/http"
	"net/http/pprof"

	"sudpro/model"
)

// profiling serves Go's runtime profiles (net/http/pprof) under /debug/pprof/: to anyone in local mode (SUDPRO_ENV
// not production; the server then listens where the developer chose, usually loopback), and in production to
// ADMIN tokens only. Others get 404, as if the endpoints did not exist.
//
//	go tool pprof -http :0 'http://localhost:8080/debug/pprof/profile?seconds=10'
func profiling(a Authenticator, local bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return withActor(a, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !local && model.ActorFrom(r.Context()).Role != model.RoleAdmin {
			writeError(w, http.StatusNotFound, string(model.CodeNotFound), "not found")
			return
		}
		mux.ServeHTTP(w, r)
	}))
}
