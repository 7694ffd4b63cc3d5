package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
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
func Preflight(ctx context.Context, cfg config.Config) error {
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
		ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.Addr)
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
	return nil, nil //nolint:nilnil // no certificate is the documented "plain HTTP", which server.Listen takes as nil
}

// trustingClient is an HTTP client that trusts the system's roots and the certificate this server
// serves (the kept self-signed one, or the operator's), so that the demo's simulated shops post
// their webhooks to this server's own address with the certificate verified, as a real shop would.
func (a *App) trustingClient() (*http.Client, error) {
	roots, err := x509.SystemCertPool()
	if err != nil {
		roots = x509.NewCertPool() // no system roots here: the server's own certificate is enough
	}
	cert, err := certificate(a.Config, a.Now())
	if err != nil {
		return nil, err
	}
	if cert != nil && cert.Leaf != nil {
		roots.AddCert(cert.Leaf)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}
	return &http.Client{Timeout: 10 * time.Second, Transport: tr}, nil
}
