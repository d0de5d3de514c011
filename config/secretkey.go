package config

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// keySize is the size of SPINDLE_SECRET_KEY: an AES-256 key.
const keySize = 32

// SecretKeyFile is the name of the generated key inside the data dir.
const SecretKeyFile = "secret.key"

// EnsureSecretKey makes c.SecretKey hold the 32-byte key. When SPINDLE_SECRET_KEY was given it
// is used as is. Otherwise the key is read from <DataDir>/secret.key, or generated there on the
// first run (32 random bytes, mode 0600, the data dir created 0700 if missing) and reused on
// every later run: losing it makes the stored access tokens unreadable, so it is never
// overwritten. A key file of the wrong size, or one that group or others may read, is refused.
func (c *Config) EnsureSecretKey() error {
	if c.SecretKey.IsSet() {
		if n := len(c.SecretKey.Reveal()); n != keySize {
			return fmt.Errorf("config: %s holds %d bytes, not %d; give 64 hex characters or the base64 of 32 bytes", envSecretKey, n, keySize)
		}
		return nil
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return fmt.Errorf("config: create the data dir for the secret key: %w; set SPINDLE_DATA_DIR to a directory Spindle can write", err)
	}
	// An existing data dir (an operator's `mkdir data`, 0755) is tightened too: it holds the
	// key and the database. One Spindle's user does not own is left as the operator made it.
	if err := os.Chmod(c.DataDir, 0o700); err != nil && !errors.Is(err, fs.ErrPermission) {
		return fmt.Errorf("config: make the data dir private (chmod 700): %w", err)
	}
	path := filepath.Join(c.DataDir, SecretKeyFile)
	key, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createKeyFile(path)
	}
	if err != nil {
		return err
	}
	c.SecretKey = NewSecret(string(key))
	return nil
}

// readKeyFile reads an existing key file, checking its permissions and size.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("config: open the secret key: %w; make the file readable by Spindle's user, or set %s", err, envSecretKey)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("config: stat the secret key: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("config: the secret key %s is not a regular file; move it away so Spindle can generate one, or set %s", path, envSecretKey)
	}
	// Windows has no POSIX permission bits to check.
	if perm := info.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return nil, fmt.Errorf("config: the secret key %s has mode %04o, so group or others may read it; run: chmod 600 %s", path, perm, path)
	}
	if info.Size() != keySize {
		return nil, fmt.Errorf("config: the secret key %s holds %d bytes, not %d: it is damaged or not Spindle's; restore it from a backup (it encrypts the stored access tokens), or, if no account is linked yet, delete it and Spindle generates a new one", path, info.Size(), keySize)
	}
	key := make([]byte, keySize)
	if _, err := io.ReadFull(f, key); err != nil {
		return nil, fmt.Errorf("config: read the secret key %s: %w", path, err)
	}
	return key, nil
}

// createKeyFile generates a key and publishes it at path without ever exposing a partial file
// or replacing an existing one: it is written and synced under a temporary name, then
// hard-linked into place, which fails if another process (a concurrent `spindle migrate`) got
// there first, in which case that process's key is used.
func createKeyFile(path string) ([]byte, error) {
	key := make([]byte, keySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("config: generate the secret key: %w", err)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".secret.key-*") // CreateTemp uses mode 0600
	if err != nil {
		return nil, fmt.Errorf("config: create the secret key in %s: %w; set SPINDLE_DATA_DIR to a directory Spindle can write", dir, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(key)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("config: write the secret key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readKeyFile(path)
		}
		return nil, fmt.Errorf("config: install the secret key at %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil { // make the new name durable too
		_ = d.Sync()
		d.Close()
	}
	return key, nil
}
