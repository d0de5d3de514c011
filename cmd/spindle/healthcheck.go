package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// runHealthcheck is `spindle healthcheck`: it asks the daemon on SPINDLE_ADDR for /healthz and
// exits non-zero unless it answers 200. Container HEALTHCHECKs use it, so images need no curl.
func runHealthcheck(ctx context.Context, env *cliEnv, args []string) error {
	fs, cf := env.flags("healthcheck", "spindle healthcheck")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := env.load(cf)
	if err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return err
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 4*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("spindle is not answering on %s: %w", cfg.Addr, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/healthz answered %s", resp.Status)
	}
	fmt.Fprintln(env.stdout, "healthy")
	return nil
}
