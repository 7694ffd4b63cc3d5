// Package config reads storesync's settings from flags and STORESYNC_* environment variables (flags
// win; a secret may also come from the file named by STORESYNC_<NAME>_FILE), fills in defaults and
// validates them, so the binary fails at start with a message naming the bad setting.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// EnvPrefix starts every environment variable storesync reads.
const EnvPrefix = "STORESYNC_"

// Config holds every setting. Zero values are filled by the flag defaults.
type Config struct { //nolint:recvcheck // String takes a value so that a Config printed by value (%v, slog) is still redacted; the setters must take a pointer
	// DBFile is the embedded database's file under DataDir when DB is not given: storesync.db
	// when empty; the demo keeps its own, demo.db. Set it before Common, which shows it.
	DBFile string

	DataDir   string
	DB        string
	LogLevel  string
	LogFormat string

	Addr            string
	TLSCert         string
	TLSKey          string
	TLSSelfSigned   bool
	AllowHTTP       bool
	TrustProxy      bool
	MaxBodyBytes    int64
	ShutdownTimeout time.Duration

	Workers        int
	JobTimeout     time.Duration
	JobRescueAfter time.Duration

	// SecretKey (the key itself) or SecretKeyFile encrypts credentials at rest; see secretFlags.
	SecretKey           string
	SecretKeyFile       string
	AllowPrivateTargets bool
	// CAFile names a PEM file of certificate authorities trusted for outgoing HTTPS besides the
	// system's: a store or an external back office behind the operator's own CA.
	CAFile string

	// Webhooks from stores and retention.
	PublicURL           string        // https address platforms reach; "" means stores are not subscribed
	WebhookMaxBodyBytes int64         // largest webhook delivery accepted
	Retention           time.Duration // how long received webhooks, events and deliveries are kept
}

// Common registers the settings every command has: where the data is and how to log.
func (c *Config) Common(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", "./data", "directory for the embedded database, certificates and other files")
	fs.StringVar(&c.DB, "db", "", "database URL: sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB (default sqlite:<data-dir>/"+c.dbFile()+")")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", "auto", "log format: text, json, or auto (text on a terminal, JSON otherwise)")
	c.secretFlags(fs)
}

// Server registers the settings of the commands that run the server (serve, demo).
func (c *Config) Server(fs *flag.FlagSet, defaultAddr string) {
	fs.StringVar(&c.Addr, "addr", defaultAddr, "address to listen on, HOST:PORT")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "TLS certificate file (PEM); with --tls-key")
	fs.StringVar(&c.TLSKey, "tls-key", "", "TLS private key file (PEM); with --tls-cert")
	fs.BoolVar(&c.TLSSelfSigned, "tls-self-signed", false, "serve HTTPS with a self-signed certificate made and kept under <data-dir>/tls")
	fs.BoolVar(&c.AllowHTTP, "allow-http", false, "accept API keys and dashboard passwords over plain HTTP (for local tests; behind a TLS-terminating proxy use --trust-proxy)")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", false, "believe X-Forwarded-Proto/Forwarded and X-Forwarded-For from a TLS-terminating proxy in front; only when every request comes through it")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", 1<<20, "largest request body accepted, in bytes")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "how long a graceful shutdown waits for requests and jobs in flight")
	fs.IntVar(&c.Workers, "workers", 100, "durable jobs worked at once by this process")
	fs.DurationVar(&c.JobTimeout, "job-timeout", time.Minute, "longest a single job attempt may run")
	fs.DurationVar(&c.JobRescueAfter, "job-rescue-after", 5*time.Minute, "a job left running by a process that died is retried after this long (at least --job-timeout)")
	c.outboundFlags(fs)
	c.webhookFlags(fs)
}

// webhookFlags registers the settings of webhooks from stores and of retention.
func (c *Config) webhookFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.PublicURL, "public-url", "", "https address at which stores' platforms reach this server (e.g. https://sync.example.com); stores deliver webhooks to PUBLIC_URL/webhooks/{platform}/{store_key}; without it stores are not subscribed")
	fs.Int64Var(&c.WebhookMaxBodyBytes, "webhook-max-body-bytes", 10<<20, "largest webhook delivery accepted from a store's platform, in bytes (order payloads cross 1 MiB)")
	fs.DurationVar(&c.Retention, "retention", 30*24*time.Hour, "how long received webhooks, outgoing events and their deliveries are kept once done with")
}

// validateWebhooks checks the settings webhookFlags registers; zero (a Config made by hand) means
// the flag's default.
func (c *Config) validateWebhooks() []error {
	var errs []error
	if c.WebhookMaxBodyBytes == 0 {
		c.WebhookMaxBodyBytes = 10 << 20
	}
	if c.Retention == 0 {
		c.Retention = 30 * 24 * time.Hour
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("--public-url %q: %w", c.PublicURL, err))
		case u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "":
			errs = append(errs, fmt.Errorf("--public-url %q: want an https address with a host and no user, query or fragment, e.g. https://sync.example.com", c.PublicURL))
		default:
			c.PublicURL = strings.TrimRight(c.PublicURL, "/")
		}
	}
	if c.WebhookMaxBodyBytes < 1024 {
		errs = append(errs, fmt.Errorf("--webhook-max-body-bytes %d: must be at least 1024", c.WebhookMaxBodyBytes))
	}
	if c.Retention < time.Hour {
		errs = append(errs, fmt.Errorf("--retention %s: must be at least 1h", c.Retention))
	}
	return errs
}

// Parse reads args into fs, then fills every flag not given on the command line from its
// STORESYNC_* variable (or the file named by STORESYNC_*_FILE). getenv is os.LookupEnv in production.
func Parse(fs *flag.FlagSet, args []string, getenv func(string) (string, bool)) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			return
		}
		name := EnvName(f.Name)
		v, ok := getenv(name)
		if !ok {
			file, fok := getenv(name + "_FILE")
			if !fok {
				return
			}
			b, err := os.ReadFile(file)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s_FILE: %w", name, err))
				return
			}
			v = strings.TrimSpace(string(b))
		}
		if err := fs.Set(f.Name, v); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", name, redactValue(f.Name, v), err))
		}
	})
	return errors.Join(errs...)
}

// EnvName is the environment variable of a flag: --data-dir is STORESYNC_DATA_DIR.
func EnvName(flagName string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Finish fills the settings that depend on others and validates the whole.
func (c *Config) Finish() error {
	if c.DataDir == "" {
		return errors.New("--data-dir is empty")
	}
	if c.DB == "" {
		c.DB = "sqlite:" + filepath.Join(c.DataDir, c.dbFile())
	}
	var errs []error
	if _, err := database.ParseURL(c.DB); err != nil {
		errs = append(errs, fmt.Errorf("--db: %w", err))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("--log-level %q: use debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "auto", "text", "json":
	default:
		errs = append(errs, fmt.Errorf("--log-format %q: use auto, text or json", c.LogFormat))
	}
	if c.Addr != "" {
		if _, _, err := net.SplitHostPort(c.Addr); err != nil {
			errs = append(errs, fmt.Errorf("--addr %q: want HOST:PORT (%w)", c.Addr, err))
		}
		if (c.TLSCert == "") != (c.TLSKey == "") {
			errs = append(errs, errors.New("--tls-cert and --tls-key go together: give both or neither"))
		}
		if c.TLSCert != "" && c.TLSSelfSigned {
			errs = append(errs, errors.New("--tls-self-signed and --tls-cert exclude each other: choose one"))
		}
		if c.MaxBodyBytes < 1024 {
			errs = append(errs, fmt.Errorf("--max-body-bytes %d: must be at least 1024", c.MaxBodyBytes))
		}
		if c.Workers < 1 {
			errs = append(errs, fmt.Errorf("--workers %d: must be at least 1", c.Workers))
		}
		if c.JobTimeout <= 0 {
			errs = append(errs, fmt.Errorf("--job-timeout %s: must be positive", c.JobTimeout))
		}
		if c.JobRescueAfter <= c.JobTimeout {
			errs = append(errs, fmt.Errorf("--job-rescue-after %s: must be longer than --job-timeout (%s)", c.JobRescueAfter, c.JobTimeout))
		}
		if c.ShutdownTimeout <= 0 {
			errs = append(errs, fmt.Errorf("--shutdown-timeout %s: must be positive", c.ShutdownTimeout))
		}
		errs = append(errs, c.validateWebhooks()...)
	}
	errs = append(errs, c.finishSecrets()...)
	return errors.Join(errs...)
}

// --- secrets at rest and outgoing connections ---

// secretFlags registers the key that encrypts store credentials and webhook signing secrets in
// the database. Every command that opens the database needs it.
func (c *Config) secretFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.SecretKeyFile, "secret-key-file", "", "file holding the key that encrypts credentials in the database (32 random bytes, base64; "+
		"STORESYNC_SECRET_KEY_FILE). Required on PostgreSQL; on the embedded database one is made at <data-dir>/secret.key when none is given")
	fs.StringVar(&c.SecretKey, "secret-key", "", "the key itself, base64 (prefer STORESYNC_SECRET_KEY or --secret-key-file: a command line is visible to other users)")
}

// Outbound registers what a command that calls stores may connect to (a command that verifies a
// store with its platform).
func (c *Config) Outbound(fs *flag.FlagSet) { c.outboundFlags(fs) }

// outboundFlags registers what the server may connect to.
func (c *Config) outboundFlags(fs *flag.FlagSet) {
	fs.BoolVar(&c.AllowPrivateTargets, "allow-private-targets", false, "let stores and webhook endpoints point at loopback, private and link-local addresses "+
		"(refused by default, so no account can reach inside this network; for stores on your own network)")
	fs.StringVar(&c.CAFile, "ca-file", "", "PEM file of certificate authorities trusted for outgoing HTTPS besides the system's "+
		"(stores, external back offices and webhook endpoints behind your own CA)")
}

// finishSecrets checks the secret key settings. (That PostgreSQL needs a key, because a key made
// on one machine's disk would not be the key of the other processes sharing the database, is
// checked when the database is opened, after its address is known to answer.)
func (c *Config) finishSecrets() []error {
	var errs []error
	if c.SecretKey != "" && c.SecretKeyFile != "" {
		b, err := os.ReadFile(c.SecretKeyFile)
		if err != nil || strings.TrimSpace(string(b)) != strings.TrimSpace(c.SecretKey) {
			errs = append(errs, errors.New("--secret-key and --secret-key-file (STORESYNC_SECRET_KEY and STORESYNC_SECRET_KEY_FILE) are both set and differ: give one"))
		}
	}
	return errs
}

func (c *Config) dbFile() string {
	if c.DBFile == "" {
		return "storesync.db"
	}
	return c.DBFile
}

// TLS reports whether the server speaks HTTPS.
func (c *Config) TLS() bool { return c.TLSCert != "" || c.TLSSelfSigned }

// String shows the settings with secrets hidden, for logs and --print-config.
func (c Config) String() string {
	return fmt.Sprintf("data-dir=%s db=%s addr=%s tls=%t allow-http=%t trust-proxy=%t allow-private-targets=%t workers=%d", c.DataDir,
		database.Redact(c.DB), c.Addr, c.TLS(), c.AllowHTTP, c.TrustProxy, c.AllowPrivateTargets, c.Workers)
}

func redactValue(flagName, v string) string {
	if flagName == "db" {
		return database.Redact(v)
	}
	if flagName == "secret-key" {
		return "xxxxx"
	}
	return v
}
