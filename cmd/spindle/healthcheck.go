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
	base, err := daemonURL(cfg.Addr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 4*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/healthz", nil)
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

// daemonURL is how a command on the same machine reaches the daemon listening on addr
// (SPINDLE_ADDR): over loopback when it listens on every interface.
func daemonURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}
