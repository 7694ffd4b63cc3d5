package app

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/storesync/storesync/internal/config"
	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/server"
)

// Preflight checks what serving needs before anything is created: the TLS certificate and key
// readable and a matching pair, the data directory (and the embedded database's) writable, the
// address free. serve and demo run it before opening the database, so that a wrong setting
// fails with every problem named and leaves nothing behind.
func Preflight(cfg config.Config) error {
	var errs []error
	if cfg.TLSCert != "" {
		if _, err := server.LoadCertificate(cfg.TLSCert, cfg.TLSKey); err != nil {
			errs = append(errs, err)
		}
	}
	if err := writable(cfg.DataDir); err != nil {
		errs = append(errs, fmt.Errorf("--data-dir: %w", err))
	}
	if u, err := database.ParseURL(cfg.DB); err == nil && u.Dialect == database.SQLite {
		if dir := filepath.Dir(u.Path); filepath.Clean(dir) != filepath.Clean(cfg.DataDir) {
			if err := writable(dir); err != nil {
				errs = append(errs, fmt.Errorf("--db: %w", err))
			}
		}
	}
	if cfg.Addr != "" {
		ln, err := net.Listen("tcp", cfg.Addr)
		if err != nil {
			errs = append(errs, fmt.Errorf("--addr %s: %w", cfg.Addr, err))
		} else {
			_ = ln.Close()
		}
	}
	return errors.Join(errs...)
}

// writable reports whether files can be made in dir, or, if it does not exist yet, in the nearest
// directory above it that does (where it would be made), without making it.
func writable(dir string) error {
	d := dir
	for {
		st, err := os.Stat(d)
		if err == nil {
			if !st.IsDir() {
				return fmt.Errorf("%s is not a directory", d)
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		parent := filepath.Dir(d)
		if parent == d {
			return fmt.Errorf("%s: no existing directory above it", dir)
		}
		d = parent
	}
	f, err := os.CreateTemp(d, ".storesync-check-*")
	if err != nil {
		return fmt.Errorf("cannot write in %s: %w", d, err)
	}
	name := f.Name()
	_ = f.Close()
	return os.Remove(name)
}

// certificate is the server's TLS certificate: the operator's, or the kept self-signed one, or
// none for plain HTTP.
func certificate(cfg config.Config, now time.Time) (*tls.Certificate, error) {
	switch {
	case cfg.TLSCert != "":
		c, err := server.LoadCertificate(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return nil, err
		}
		return &c, nil
	case cfg.TLSSelfSigned:
		c, err := server.SelfSigned(filepath.Join(cfg.DataDir, "tls"), now)
		if err != nil {
			return nil, err
		}
		return &c, nil
	}
	return nil, nil
}
