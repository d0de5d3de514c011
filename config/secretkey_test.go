package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestEnsureSecretKeyGeneratesOnceAndReuses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	c := Default()
	c.DataDir = dir
	if err := c.EnsureSecretKey(); err != nil {
		t.Fatal(err)
	}
	key := c.SecretKeyBytes()
	if len(key) != 32 || bytes.Equal(key, make([]byte, 32)) {
		t.Fatalf("generated key = %x, want 32 random bytes", key)
	}
	path := filepath.Join(dir, SecretKeyFile)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 || info.Size() != 32 {
		t.Errorf("key file mode %04o size %d, want 0600 and 32", info.Mode().Perm(), info.Size())
	}
	if d, err := os.Stat(dir); err != nil || d.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode %v (%v), want 0700", d.Mode().Perm(), err)
	}
	onDisk, _ := os.ReadFile(path)
	if !bytes.Equal(onDisk, key) {
		t.Error("the key in memory differs from the key file")
	}

	again := Default()
	again.DataDir = dir
	if err := again.EnsureSecretKey(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.SecretKeyBytes(), key) {
		t.Error("the second run generated a new key instead of reusing the file")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("data dir holds %d entries, want only the key (no temp files left)", len(entries))
	}
}

// An operator's `mkdir data` leaves the dir 0755; the key must not sit in a directory others
// can list and search.
func TestEnsureSecretKeyTightensAnExistingDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c := Default()
	c.DataDir = dir
	if err := c.EnsureSecretKey(); err != nil {
		t.Fatal(err)
	}
	if d, err := os.Stat(dir); err != nil || d.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode %v (%v), want 0700", d.Mode().Perm(), err)
	}
}

func TestEnsureSecretKeyConcurrentFirstRuns(t *testing.T) {
	dir := t.TempDir()
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			c := Default()
			c.DataDir = dir
			if err := c.EnsureSecretKey(); err != nil {
				t.Error(err)
			}
			keys[i] = c.SecretKeyBytes()
		})
	}
	wg.Wait()
	for i := range keys {
		if !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("concurrent first runs ended with different keys: %x vs %x", keys[i], keys[0])
		}
	}
}

func TestEnsureSecretKeyUsesConfiguredKey(t *testing.T) {
	dir := t.TempDir()
	c := mustLoad(t, []string{"--data-dir", dir, "--secret-key", strings.Repeat("01", 32)}, nil)
	if err := c.EnsureSecretKey(); err != nil {
		t.Fatal(err)
	}
	if c.SecretKeyBytes()[31] != 1 {
		t.Errorf("configured key not kept: %x", c.SecretKeyBytes())
	}
	if _, err := os.Stat(filepath.Join(dir, SecretKeyFile)); !os.IsNotExist(err) {
		t.Error("a key file was written although SPINDLE_SECRET_KEY is set")
	}
	bad := Config{SecretKey: NewSecret("short")}
	if err := bad.EnsureSecretKey(); err == nil || !strings.Contains(err.Error(), "SPINDLE_SECRET_KEY") {
		t.Errorf("a hand-built short key was accepted: %v", err)
	}
}

func TestEnsureSecretKeyRefusesBadFiles(t *testing.T) {
	tests := []struct {
		name    string
		content []byte
		mode    os.FileMode
		want    string
	}{
		{"too short", []byte("short"), 0o600, "holds 5 bytes, not 32"},
		{"too long", bytes.Repeat([]byte{1}, 64), 0o600, "holds 64 bytes"},
		{"empty", nil, 0o600, "holds 0 bytes"},
		{"group readable", bytes.Repeat([]byte{1}, 32), 0o640, "chmod 600"},
		{"world readable", bytes.Repeat([]byte{1}, 32), 0o604, "group or others"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, SecretKeyFile)
			if err := os.WriteFile(path, tt.content, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			c := Default()
			c.DataDir = dir
			err := c.EnsureSecretKey()
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("EnsureSecretKey = %v, want an error naming %s and containing %q", err, path, tt.want)
			}
			if c.SecretKey.IsSet() {
				t.Error("a refused key file still set the key")
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, tt.content) {
				t.Error("a refused key file was modified")
			}
		})
	}
}

func TestEnsureSecretKeyUnwritableDataDir(t *testing.T) {
	parent := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(parent, 0o500); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		// root ignores directory permissions; use a path under a regular file instead.
		file := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		parent = file
	}
	c := Default()
	c.DataDir = filepath.Join(parent, "data")
	err := c.EnsureSecretKey()
	if err == nil || !strings.Contains(err.Error(), "SPINDLE_DATA_DIR") {
		t.Errorf("EnsureSecretKey in an unwritable place = %v, want an error pointing at SPINDLE_DATA_DIR", err)
	}
}

func TestSecretKeyFileVariantTakesRawBytes(t *testing.T) {
	dir := t.TempDir()
	c := Default()
	c.DataDir = dir
	if err := c.EnsureSecretKey(); err != nil {
		t.Fatal(err)
	}
	// Pointing SPINDLE_SECRET_KEY_FILE at a copy of the generated key yields the same key.
	loaded := mustLoad(t, nil, map[string]string{"SPINDLE_SECRET_KEY_FILE": filepath.Join(dir, SecretKeyFile)})
	if !bytes.Equal(loaded.SecretKeyBytes(), c.SecretKeyBytes()) {
		t.Errorf("key from the raw file = %x, want %x", loaded.SecretKeyBytes(), c.SecretKeyBytes())
	}
}
