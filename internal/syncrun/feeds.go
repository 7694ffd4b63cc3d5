package syncrun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
	"github.com/storesync/storesync/internal/feed"
)

// Feed sources.
const (
	FeedURL    = "url"    // fetched over HTTPS at each run
	FeedUpload = "upload" // a file a person uploaded, kept until the next upload
)

// MaxUploadBytes bounds an uploaded feed file.
const MaxUploadBytes = 200 << 20

// Feed is a supplier feed: a file of stock (and prices) a supplier publishes, applied to the back
// office's items by step 3.
type Feed struct {
	ID            int64
	AccountID     int64
	Name          string
	Source        string
	URL           string
	HasAuthHeader bool
	AuthHint      string // the header's name and its value's last four characters
	Format        feed.Format
	Mapping       feed.Mapping
	Rules         feed.Rules
	UploadName    string
	UploadSize    int64
	Enabled       bool
	LastRunAt     *time.Time
	LastResult    *FeedResult
	Version       int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// FeedResult is what the feed's last application did.
type FeedResult struct {
	Report  feed.Report `json:"report"`
	Changed int         `json:"changed"`   // items whose on hand changed
	Same    int         `json:"unchanged"` // items that already had the quantity
	Unknown int         `json:"unknown"`   // rows naming no item of the back office
	Zeroed  int         `json:"zeroed"`    // the feed's own items it no longer lists, set to 0 (rules: missing zero)
	Updated int         `json:"updated"`   // items whose description, price or cost the feed changed
	// CurrencyRefused counts items whose price or cost the feed gives in a currency other than
	// theirs: left as they were.
	CurrencyRefused int      `json:"currency_refused"`
	Error           string   `json:"error,omitempty"`
	Unknowns        []string `json:"unknown_identifiers,omitempty"` // the first 100
}

// FeedInput creates or replaces a feed's settings.
type FeedInput struct {
	Name       string
	Source     string
	URL        string
	AuthHeader *string // "Name: value"; nil keeps the saved one, "" removes it
	Format     string  // csv, xlsx, json; empty: detected from the file
	Mapping    feed.Mapping
	Rules      feed.Rules
	Enabled    bool
}

// Sealer keeps feeds' auth headers encrypted (*secret.Box).
type Sealer interface {
	Seal(plain []byte) (string, error)
	Open(sealed string) ([]byte, error)
}

// URLCheck refuses early a URL that points at a private address (*httpclient.Guard's CheckURL).
type URLCheck func(raw string) error

func invalid(field, format string, args ...any) error {
	return &Error{Kind: ErrInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// validateFeed checks the input and returns the sealed header and its hint to save.
func (s *Service) validateFeed(in *FeedInput) error {
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len(in.Name) > 200 {
		return invalid("name", "is required, at most 200 characters")
	}
	switch in.Source {
	case FeedURL:
		u, err := url.Parse(strings.TrimSpace(in.URL))
		if err != nil || u.Host == "" {
			return invalid("url", "%q is not a URL", in.URL)
		}
		if u.Scheme != "https" && (!s.cfg.FeedAllowHTTP || u.Scheme != "http") {
			return invalid("url", "%s is not HTTPS: a feed is fetched over HTTPS only", u.Redacted())
		}
		if s.cfg.FeedURLCheck != nil {
			if err := s.cfg.FeedURLCheck(u.String()); err != nil {
				return invalid("url", "%s is refused: %v", u.Redacted(), err)
			}
		}
		in.URL = u.String()
	case FeedUpload:
		in.URL = ""
	default:
		return invalid("source", "%q is neither url nor upload", in.Source)
	}
	if in.Format != "" {
		if _, err := feed.ParseFormat(in.Format); err != nil {
			return invalid("format", "%v", err)
		}
	}
	if in.AuthHeader != nil && *in.AuthHeader != "" {
		name, value, ok := strings.Cut(*in.AuthHeader, ":")
		if !ok || strings.TrimSpace(name) == "" || strings.TrimSpace(value) == "" || strings.ContainsAny(*in.AuthHeader, "\r\n") {
			return invalid("auth_header", "must be one header, \"Name: value\"")
		}
	}
	if err := in.Mapping.Validate(); err != nil {
		return feedFieldError(err, "mapping.")
	}
	if err := in.Rules.Validate(); err != nil {
		return feedFieldError(err, "rules.")
	}
	return nil
}

func feedFieldError(err error, prefix string) error {
	if fe, ok := errors.AsType[*feed.FieldError](err); ok {
		field := fe.Field
		if !strings.HasPrefix(field, prefix) {
			field = prefix + field
		}
		return invalid(field, "%s", fe.Message)
	}
	return invalid(strings.TrimSuffix(prefix, "."), "%v", err)
}

func headerHint(h string) string {
	name, value, _ := strings.Cut(h, ":")
	value = strings.TrimSpace(value)
	if len(value) > 4 {
		value = value[len(value)-4:]
	}
	return strings.TrimSpace(name) + ": …" + value
}

const feedColumns = `id, account_id, name, source, url, auth_header_sealed <> '', auth_header_hint, format, mapping, rules, upload_name,
	COALESCE(LENGTH(upload), 0), enabled, last_run_at, last_result, version, created_at, updated_at`

func scanFeed(row interface{ Scan(dest ...any) error }) (Feed, error) {
	var f Feed
	var format, mapping, rules, last string
	err := row.Scan(&f.ID, &f.AccountID, &f.Name, &f.Source, &f.URL, &f.HasAuthHeader, &f.AuthHint, &format, &mapping, &rules,
		&f.UploadName, &f.UploadSize, &f.Enabled, &f.LastRunAt, &last, &f.Version, &f.CreatedAt, &f.UpdatedAt)
	if err != nil {
		return Feed{}, err
	}
	f.Format = feed.Format(format)
	_ = json.Unmarshal([]byte(mapping), &f.Mapping)
	_ = json.Unmarshal([]byte(rules), &f.Rules)
	if last != "" {
		var r FeedResult
		if json.Unmarshal([]byte(last), &r) == nil {
			f.LastResult = &r
		}
	}
	return f, nil
}

// CreateFeed saves a new feed; bad input is an error naming the field and nothing is saved.
func (s *Service) CreateFeed(ctx context.Context, accountID int64, in FeedInput) (Feed, error) {
	if err := s.validateFeed(&in); err != nil {
		return Feed{}, err
	}
	sealed, hint, err := s.sealHeader(in.AuthHeader)
	if err != nil {
		return Feed{}, err
	}
	mapping, rules := feedSettings(in)
	now := s.now()
	var id int64
	err = s.cfg.DB.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO supplier_feeds (account_id, name, source, url, auth_header_sealed, auth_header_hint, format,
			mapping, rules, enabled, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`, accountID, in.Name, in.Source, in.URL, sealed, hint,
			in.Format, mapping, rules, in.Enabled, now).Scan(&id)
	})
	if database.IsUniqueViolation(err) {
		return Feed{}, invalid("name", "a feed named %q exists", in.Name)
	}
	if err != nil {
		return Feed{}, fmt.Errorf("saving feed %q: %w", in.Name, err)
	}
	return s.GetFeed(ctx, accountID, id)
}

func (s *Service) sealHeader(h *string) (sealed, hint string, err error) {
	if h == nil || *h == "" {
		return "", "", nil
	}
	if s.cfg.Sealer == nil {
		return "", "", errors.New("feeds: no sealer to keep the auth header encrypted")
	}
	if sealed, err = s.cfg.Sealer.Seal([]byte(*h)); err != nil {
		return "", "", fmt.Errorf("sealing the feed's auth header: %w", err)
	}
	return sealed, headerHint(*h), nil
}

// UpdateFeed replaces a feed's settings (version: the one read; another is a conflict).
func (s *Service) UpdateFeed(ctx context.Context, accountID, id, version int64, in FeedInput) (Feed, error) {
	if err := s.validateFeed(&in); err != nil {
		return Feed{}, err
	}
	cur, err := s.GetFeed(ctx, accountID, id)
	if err != nil {
		return Feed{}, err
	}
	if version != 0 && version != cur.Version {
		return Feed{}, &Error{Kind: ErrConflict, Message: fmt.Sprintf("feed %d changed since version %d (it is at %d)", id, version, cur.Version)}
	}
	set := `name = $3, source = $4, url = $5, format = $6, mapping = $7, rules = $8, enabled = $9, updated_at = $10, version = version + 1`
	mapping, rules := feedSettings(in)
	args := []any{id, accountID, in.Name, in.Source, in.URL, in.Format, mapping, rules, in.Enabled, s.now(), cur.Version}
	if in.AuthHeader != nil {
		sealed, hint, err := s.sealHeader(in.AuthHeader)
		if err != nil {
			return Feed{}, err
		}
		set += `, auth_header_sealed = $12, auth_header_hint = $13`
		args = append(args, sealed, hint)
	}
	tag, err := s.cfg.DB.Exec(ctx, `UPDATE supplier_feeds SET `+set+` WHERE id = $1 AND account_id = $2 AND version = $11`, args...)
	if database.IsUniqueViolation(err) {
		return Feed{}, invalid("name", "a feed named %q exists", in.Name)
	}
	if err != nil {
		return Feed{}, fmt.Errorf("saving feed %d: %w", id, err)
	}
	if tag == 0 {
		return Feed{}, &Error{Kind: ErrConflict, Message: fmt.Sprintf("feed %d changed meanwhile: read it again", id)}
	}
	return s.GetFeed(ctx, accountID, id)
}

// ErrConflict is a stale version.
var ErrConflict = errors.New("conflict")

// GetFeed returns the account's feed.
func (s *Service) GetFeed(ctx context.Context, accountID, id int64) (Feed, error) {
	f, err := scanFeed(s.cfg.DB.QueryRow(ctx, `SELECT `+feedColumns+` FROM supplier_feeds WHERE id = $1 AND account_id = $2`, id, accountID))
	if errors.Is(err, database.ErrNoRows) {
		return Feed{}, &Error{Kind: ErrNotFound, Message: fmt.Sprintf("feed %d not found", id)}
	}
	return f, err
}

// ListFeeds returns the account's feeds by name.
func (s *Service) ListFeeds(ctx context.Context, accountID int64) ([]Feed, error) {
	rows, err := s.cfg.DB.Query(ctx, `SELECT `+feedColumns+` FROM supplier_feeds WHERE account_id = $1 ORDER BY name, id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("listing feeds: %w", err)
	}
	defer rows.Close()
	var out []Feed
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// DeleteFeed removes the account's feed (the items it set keep their quantities).
func (s *Service) DeleteFeed(ctx context.Context, accountID, id int64) error {
	n, err := s.cfg.DB.Exec(ctx, `DELETE FROM supplier_feeds WHERE id = $1 AND account_id = $2`, id, accountID)
	if err != nil {
		return fmt.Errorf("deleting feed %d: %w", id, err)
	}
	if n == 0 {
		return &Error{Kind: ErrNotFound, Message: fmt.Sprintf("feed %d not found", id)}
	}
	return nil
}

// Upload keeps a file for an upload feed (replacing the last one), after checking that it parses
// as its format with its mapping's columns.
func (s *Service) Upload(ctx context.Context, accountID, id int64, name string, body []byte) (Feed, error) {
	f, err := s.GetFeed(ctx, accountID, id)
	if err != nil {
		return Feed{}, err
	}
	if f.Source != FeedUpload {
		return Feed{}, invalid("source", "feed %d is fetched from its URL: it takes no upload", id)
	}
	if len(body) == 0 || len(body) > MaxUploadBytes {
		return Feed{}, invalid("file", "must be 1 byte to %d MiB", MaxUploadBytes>>20)
	}
	format, err := s.formatOf(f, name, "", body)
	if err != nil {
		return Feed{}, err
	}
	if _, _, err := feed.Preview(ctx, bytes.NewReader(body), format, 1); err != nil {
		return Feed{}, invalid("file", "is not a readable %s file: %v", format, err)
	}
	if _, err := s.cfg.DB.Exec(ctx, `UPDATE supplier_feeds SET upload = $3, upload_name = $4, updated_at = $5 WHERE id = $1 AND account_id = $2`,
		id, accountID, body, name, s.now()); err != nil {
		return Feed{}, fmt.Errorf("saving the upload of feed %d: %w", id, err)
	}
	return s.GetFeed(ctx, accountID, id)
}

func (s *Service) formatOf(f Feed, name, contentType string, head []byte) (feed.Format, error) {
	if f.Format != "" {
		return f.Format, nil
	}
	format, err := feed.Detect(name, contentType, head[:min(len(head), 512)])
	if err != nil {
		return "", invalid("format", "cannot tell the feed's format (%v): set it", err)
	}
	return format, nil
}

// open returns the feed's current file and its format.
func (s *Service) openFeed(ctx context.Context, f Feed) (io.ReadCloser, feed.Format, error) {
	if f.Source == FeedUpload {
		var body []byte
		if err := s.cfg.DB.QueryRow(ctx, `SELECT upload FROM supplier_feeds WHERE id = $1 AND account_id = $2`, f.ID, f.AccountID).
			Scan(&body); err != nil {
			return nil, "", fmt.Errorf("reading the upload of feed %d: %w", f.ID, err)
		}
		if len(body) == 0 {
			return nil, "", errors.New("no file was uploaded yet")
		}
		format, err := s.formatOf(f, f.UploadName, "", body)
		return io.NopCloser(bytes.NewReader(body)), format, err
	}
	header := http.Header{}
	if f.HasAuthHeader {
		var sealed string
		if err := s.cfg.DB.QueryRow(ctx, `SELECT auth_header_sealed FROM supplier_feeds WHERE id = $1`, f.ID).Scan(&sealed); err != nil {
			return nil, "", err
		}
		plain, err := s.cfg.Sealer.Open(sealed)
		if err != nil {
			return nil, "", fmt.Errorf("opening the feed's auth header: %w", err)
		}
		name, value, _ := strings.Cut(string(plain), ":")
		header.Set(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	client := s.cfg.FeedClient
	if client == nil {
		client = http.DefaultClient
	}
	var body io.ReadCloser
	var info feed.Info
	var err error
	if s.cfg.FeedAllowHTTP && strings.HasPrefix(f.URL, "http://") {
		body, info, err = fetchPlain(ctx, client, f.URL, header)
	} else {
		body, info, err = feed.Fetch(ctx, client, f.URL, header)
	}
	if err != nil {
		return nil, "", err
	}
	if f.Format != "" {
		return body, f.Format, nil
	}
	// Detect from the name and type, then from the first bytes, which stay in the stream.
	head := make([]byte, 512)
	n, _ := io.ReadFull(body, head)
	format, derr := s.formatOf(f, info.Name, info.ContentType, head[:n])
	if derr != nil {
		_ = body.Close()
		return nil, "", derr
	}
	return readCloser{io.MultiReader(bytes.NewReader(head[:n]), body), body}, format, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// fetchPlain is the demo's and tests' plain-HTTP fetch (FeedAllowHTTP), on the guarded client.
func fetchPlain(ctx context.Context, client *http.Client, raw string, header http.Header) (io.ReadCloser, feed.Info, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, feed.Info{}, err
	}
	req.Header = header
	resp, err := client.Do(req)
	if err != nil {
		return nil, feed.Info{}, fmt.Errorf("fetching the feed: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		_ = resp.Body.Close()
		return nil, feed.Info{}, fmt.Errorf("fetching the feed: %s", resp.Status)
	}
	name := raw[strings.LastIndex(raw, "/")+1:]
	return resp.Body, feed.Info{Name: name, ContentType: resp.Header.Get("Content-Type"), Size: resp.ContentLength}, nil
}

// PreviewFeed returns the header and first rows of the feed's current file, for the mapping
// screen.
func (s *Service) PreviewFeed(ctx context.Context, accountID, id int64, n int) ([]string, [][]string, error) {
	f, err := s.GetFeed(ctx, accountID, id)
	if err != nil {
		return nil, nil, err
	}
	body, format, err := s.openFeed(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	defer body.Close()
	return feed.Preview(ctx, body, format, n)
}

// FeedItems is what applying a feed uses of the back office's items.
type FeedItems interface {
	// SetOnHand sets the on hand of the account's items named by SKU or barcode, returning how
	// many changed, how many already had it, the identifiers no item has, and the SKUs of the
	// items set.
	SetOnHand(ctx context.Context, accountID int64, entries []FeedEntry, actor string) (FeedApplied, error)
}

// FeedEntry is one accepted row to apply: the item by SKU or barcode, its quantity (unless
// Uncounted) and, where the feed maps them, its title and its price and cost in Currency's minor
// units.
type FeedEntry struct {
	SKU       string
	Barcode   string
	Quantity  int64
	Uncounted bool
	Title     string
	Currency  string
	Price     *int64
	Cost      *int64
}

// FeedApplied is what a SetOnHand did.
type FeedApplied struct {
	Changed, Unchanged int
	// Updated counts items whose title, price or cost changed; CurrencyRefused those whose price
	// or cost was in another currency than theirs.
	Updated, CurrencyRefused int
	Unknown                  []string
	SKUs                     []string
}

// feedBatch is how many rows are applied at once.
const feedBatch = 500

// applyFeed reads the feed's file and applies its quantities, then its missing rule.
func (s *Service) applyFeed(ctx context.Context, f Feed, items FeedItems, runID int64, started time.Time) (FeedResult, error) {
	var res FeedResult
	body, format, err := s.openFeed(ctx, f)
	if err != nil {
		return res, err
	}
	defer body.Close()
	actor := fmt.Sprintf("sync run %d (feed %s)", runID, f.Name)
	var batch []FeedEntry
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		a, err := items.SetOnHand(ctx, f.AccountID, batch, actor)
		if err != nil {
			return Retry(err)
		}
		res.Changed += a.Changed
		res.Same += a.Unchanged
		res.Updated += a.Updated
		res.CurrencyRefused += a.CurrencyRefused
		res.Unknown += len(a.Unknown)
		for _, u := range a.Unknown {
			if len(res.Unknowns) < 100 {
				res.Unknowns = append(res.Unknowns, u)
			}
		}
		if err := s.markFeedItems(ctx, f.ID, a.SKUs, started); err != nil {
			return Retry(err)
		}
		batch = batch[:0]
		return nil
	}
	report, err := feed.Parse(ctx, body, format, f.Mapping, f.Rules, func(r feed.Row) error {
		e := FeedEntry{SKU: r.SKU, Barcode: r.Barcode, Title: r.Title, Currency: f.Mapping.Currency, Price: r.Price, Cost: r.Cost}
		if r.Quantity != nil {
			e.Quantity = *r.Quantity
		} else {
			e.Uncounted = true
		}
		if e.Uncounted && e.Title == "" && e.Price == nil && e.Cost == nil {
			return nil
		}
		batch = append(batch, e)
		if len(batch) >= feedBatch {
			return flush()
		}
		return nil
	})
	res.Report = report
	if err != nil {
		return res, err // a broken file, or the database's trouble (Retry) from flush
	}
	if err := flush(); err != nil {
		return res, err
	}
	if report.Missing == "zero" {
		skus, err := s.unseenFeedItems(ctx, f.ID, started)
		if err != nil {
			return res, Retry(err)
		}
		for chunk := range slices.Chunk(skus, feedBatch) {
			zero := make([]FeedEntry, len(chunk))
			for i, sku := range chunk {
				zero[i] = FeedEntry{SKU: sku}
			}
			a, err := items.SetOnHand(ctx, f.AccountID, zero, actor+": not in the feed")
			if err != nil {
				return res, Retry(err)
			}
			res.Zeroed += a.Changed
		}
	}
	return res, nil
}

func (s *Service) markFeedItems(ctx context.Context, feedID int64, skus []string, at time.Time) error {
	if len(skus) == 0 {
		return nil
	}
	var b strings.Builder
	args := []any{feedID, at}
	for i, id := range skus {
		if i > 0 {
			b.WriteString(", ")
		}
		args = append(args, id)
		fmt.Fprintf(&b, "($1, $%d, $2)", len(args))
	}
	_, err := s.cfg.DB.Exec(ctx, `INSERT INTO supplier_feed_items (feed_id, sku, seen_at) VALUES `+b.String()+`
		ON CONFLICT (feed_id, sku) DO UPDATE SET seen_at = excluded.seen_at`, args...)
	return err
}

func (s *Service) unseenFeedItems(ctx context.Context, feedID int64, since time.Time) ([]string, error) {
	rows, err := s.cfg.DB.Query(ctx, `SELECT sku FROM supplier_feed_items WHERE feed_id = $1 AND seen_at < $2 ORDER BY sku`, feedID, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// feedsCursor is step 3's place: the feeds done.
type feedsCursor struct {
	Done []int64 `json:"done"`
}

// DataIn is step 3: every enabled supplier feed of the account is read and applied to the back
// office's items (rows refused are reported with their reason, the rest applied), each feed's
// result kept on it. A feed interrupted by a crash is applied again whole: it sets quantities,
// so applying it twice gives what applying it once does, and its counts are added when it ends.
type DataIn struct {
	Service *Service
	Items   FeedItems
}

// Run implements Step.
func (d DataIn) Run(ctx context.Context, r *StepRun) error {
	s := d.Service
	feeds, err := s.ListFeeds(ctx, r.AccountID)
	if err != nil {
		return Retry(err)
	}
	cur := readCursor[feedsCursor](r)
	failed, enabled := 0, 0
	for _, f := range feeds {
		if !f.Enabled {
			continue
		}
		enabled++
		if slices.Contains(cur.Done, f.ID) {
			continue
		}
		res, err := s.applyFeed(ctx, f, d.Items, r.RunID, r.StartedAt)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if _, ok := errors.AsType[*databaseError](err); ok {
			return err
		}
		if err != nil {
			res.Error = errText(err)
			failed++
			r.Fail("feed", strconv.FormatInt(f.ID, 10), fmt.Sprintf("/feeds/%d", f.ID), res.Error)
		}
		r.Add("feeds_read", 1)
		r.Add("rows_read", int64(res.Report.Read))
		r.Add("rows_applied", int64(res.Report.Accepted))
		r.Add("rows_refused", int64(res.Report.Refused))
		r.Add("items_changed", int64(res.Changed))
		r.Add("items_unknown", int64(res.Unknown))
		r.Add("items_zeroed", int64(res.Zeroed))
		r.Add("items_updated", int64(res.Updated))
		for _, ref := range res.Report.RefusedRows[:min(len(res.Report.RefusedRows), 20)] {
			r.Fail("feed", strconv.FormatInt(f.ID, 10), fmt.Sprintf("/feeds/%d", f.ID), fmt.Sprintf("line %d refused: %s", ref.Line, ref.Reason))
		}
		cur.Done = append(cur.Done, f.ID)
		result := resultText(res)
		r.Progress(int64(len(cur.Done)), int64(enabled))
		err = r.Save(ctx, cursorText(cur), func(ctx context.Context, tx database.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE supplier_feeds SET last_run_at = $2, last_result = $3 WHERE id = $1`, f.ID, s.now(), result)
			return err
		})
		if err != nil {
			return Retry(err)
		}
	}
	r.Progress(int64(enabled), int64(enabled))
	if failed > 0 {
		return fmt.Errorf("%d of %d feeds could not be applied (see the errors)", failed, enabled)
	}
	return nil
}

// feedSettings are the mapping and rules as saved (plain structs of strings: they always encode).
func feedSettings(in FeedInput) (mapping, rules string) {
	m, err := json.Marshal(in.Mapping)
	if err != nil {
		panic(err)
	}
	r, err := json.Marshal(in.Rules)
	if err != nil {
		panic(err)
	}
	return string(m), string(r)
}

func resultText(r FeedResult) string {
	b, err := json.Marshal(r)
	if err != nil {
		panic(err) // plain structs: a failure is a programming error
	}
	return string(b)
}
