package main

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/spindle-threads/spindle/config"
	"github.com/spindle-threads/spindle/ingest/netguard"
)

// TestSandboxMediaClientRefusesInternalURLs: in sandbox mode the simulator downloads media
// from inside Spindle; an image_url on the LAN or loopback is refused, while media Spindle
// hosts at its own public URL still loads.
func TestSandboxMediaClientRefusesInternalURLs(t *testing.T) {
	own := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer own.Close()
	internal := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("the internal server was reached")
	}))
	defer internal.Close()
	c := sandboxMediaClient(t.Context(), &config.Config{PublicURL: own.URL})
	if _, err := c.Get(internal.URL + "/secret.jpg"); !errors.Is(err, netguard.ErrPrivateAddress) {
		t.Fatalf("internal media URL: err = %v, want netguard.ErrPrivateAddress", err)
	}
	resp, err := c.Get(own.URL + "/media/x.jpg")
	if err != nil {
		t.Fatalf("Spindle's own media URL: %v", err)
	}
	resp.Body.Close()
	open := sandboxMediaClient(t.Context(), &config.Config{PublicURL: own.URL, AllowPrivateURLs: true})
	if resp, err := open.Get(own.URL); err != nil {
		t.Fatalf("with SPINDLE_ALLOW_PRIVATE_URLS: %v", err)
	} else {
		resp.Body.Close()
	}
}

// TestMediaURLCheck: the preflight refuses media on private hosts but not Spindle's own.
func TestMediaURLCheck(t *testing.T) {
	check := mediaURLCheck(&config.Config{PublicURL: "http://localhost:8080"})
	if err := check("http://localhost:8080/media/abc.jpg"); err != nil {
		t.Errorf("own media: %v", err)
	}
	for _, u := range []string{"http://localhost:9200/x.jpg", "http://10.0.0.5/x.jpg", "http://[::1]:8080/x.jpg"} {
		if err := check(u); !errors.Is(err, netguard.ErrPrivateAddress) {
			t.Errorf("%s: %v, want netguard.ErrPrivateAddress", u, err)
		}
	}
	if err := check("https://cdn.example.com/x.jpg"); err != nil {
		t.Errorf("public media: %v", err)
	}
}
