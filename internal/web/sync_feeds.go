package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/feed"
	"github.com/storesync/storesync/internal/syncrun"
)

// The supplier feeds pages: the list with each feed's last result, the add form, one feed with a
// preview of its first rows (to map its columns), its settings, its upload form and "Run now"
// (step 3 alone). Bad input shows the form again with the error naming the field; nothing is
// saved.

// FeedUploadsPrefix is where the dashboard's feed files are posted: the server gives its
// requests a body limit of their own (syncrun.MaxUploadBytes and the form's envelope).
const FeedUploadsPrefix = "/feed-uploads/"

// previewRows is how many rows a feed's page shows.
const previewRows = 10

func (h *dashboard) feedRoutes(mux *http.ServeMux, cop *http.CrossOriginProtection) {
	mux.Handle("GET /feeds", h.authed(h.feedsPage))
	mux.Handle("POST /feeds", cop.Handler(h.authed(h.createFeed)))
	mux.Handle("GET /feeds/{id}", h.authed(h.feedPage))
	mux.Handle("POST /feeds/{id}", cop.Handler(h.authed(h.updateFeed)))
	mux.Handle("POST /feeds/{id}/delete", cop.Handler(h.authed(h.deleteFeed)))
	mux.Handle("POST /feeds/{id}/run", cop.Handler(h.authed(h.runFeeds)))
	mux.Handle("POST "+FeedUploadsPrefix+"{id}", cop.Handler(h.authed(h.uploadFeed)))
}

// feedForm is the feed form's values as typed.
type feedForm struct {
	Name, Source, URL, AuthHeader, Format                       string
	SKU, Barcode, Quantity, Price, Cost, Title, Currency, Sheet string
	Missing, Multiplier, Cap                                    string
	Enabled                                                     bool
	Version                                                     string
}

func formOfFeed(f syncrun.Feed) feedForm {
	out := feedForm{Name: f.Name, Source: f.Source, URL: f.URL, Format: string(f.Format), SKU: f.Mapping.SKU, Barcode: f.Mapping.Barcode,
		Quantity: f.Mapping.Quantity, Price: f.Mapping.Price, Cost: f.Mapping.Cost, Title: f.Mapping.Title, Currency: f.Mapping.Currency,
		Sheet: f.Mapping.Sheet, Missing: f.Rules.Missing, Multiplier: f.Rules.QuantityMultiplier, Enabled: f.Enabled,
		Version: strconv.FormatInt(f.Version, 10)}
	if f.Rules.QuantityCap != nil {
		out.Cap = strconv.FormatInt(*f.Rules.QuantityCap, 10)
	}
	return out
}

func readFeedForm(r *http.Request) feedForm {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return feedForm{Name: v("name"), Source: v("source"), URL: v("url"), AuthHeader: r.PostFormValue("auth_header"), Format: v("format"),
		SKU: v("mapping.sku"), Barcode: v("mapping.barcode"), Quantity: v("mapping.quantity"), Price: v("mapping.price"),
		Cost: v("mapping.cost"), Title: v("mapping.title"), Currency: v("mapping.currency"), Sheet: v("mapping.sheet"),
		Missing: v("rules.missing"), Multiplier: v("rules.quantity_multiplier"), Cap: v("rules.quantity_cap"),
		Enabled: r.PostFormValue("enabled") != "", Version: v("version")}
}

// input turns the form into the service's input; a cap that is not a number is refused here.
func (f feedForm) input(keepHeader bool) (syncrun.FeedInput, error) {
	in := syncrun.FeedInput{Name: f.Name, Source: f.Source, URL: f.URL, Format: f.Format, Enabled: f.Enabled,
		Mapping: feed.Mapping{SKU: f.SKU, Barcode: f.Barcode, Quantity: f.Quantity, Price: f.Price, Cost: f.Cost, Title: f.Title,
			Currency: f.Currency, Sheet: f.Sheet},
		Rules: feed.Rules{Missing: f.Missing, QuantityMultiplier: f.Multiplier}}
	if f.Cap != "" {
		n, err := strconv.ParseInt(f.Cap, 10, 64)
		if err != nil || n < 0 {
			return in, &syncrun.Error{Kind: syncrun.ErrInvalid, Field: "rules.quantity_cap", Message: "give a whole number of 0 or more, or leave it empty"}
		}
		in.Rules.QuantityCap = &n
	}
	if h := strings.TrimSpace(f.AuthHeader); h != "" || !keepHeader {
		in.AuthHeader = &h
	}
	return in, nil
}

func (h *dashboard) feedsData(r *http.Request, p account.Principal) (map[string]any, error) {
	feeds, err := h.SyncRuns.ListFeeds(r.Context(), p.AccountID)
	return map[string]any{"Account": p.AccountName, "Feeds": feeds}, err
}

func (h *dashboard) feedsPage(w http.ResponseWriter, r *http.Request, p account.Principal) {
	data, err := h.feedsData(r, p)
	if err != nil {
		h.syncUnavailable(w, r, "listing feeds", err)
		return
	}
	data["Form"] = feedForm{Source: syncrun.FeedURL, Enabled: true}
	h.render(w, r, "sync_feeds", http.StatusOK, data)
}

// formError shows a page again with its form as typed and the refusal naming the field (422).
func (h *dashboard) formError(w http.ResponseWriter, r *http.Request, page string, data map[string]any, err error) bool {
	var se *syncrun.Error
	if !errors.As(err, &se) || (!errors.Is(err, syncrun.ErrInvalid) && !errors.Is(err, syncrun.ErrConflict)) {
		return false
	}
	data["FormError"], data["ErrorField"] = se.Error(), se.Field
	h.render(w, r, page, http.StatusUnprocessableEntity, data)
	return true
}

func (h *dashboard) createFeed(w http.ResponseWriter, r *http.Request, p account.Principal) {
	form := readFeedForm(r)
	in, err := form.input(false)
	var f syncrun.Feed
	if err == nil {
		f, err = h.SyncRuns.CreateFeed(r.Context(), p.AccountID, in)
	}
	if err != nil {
		data, lerr := h.feedsData(r, p)
		if lerr != nil {
			h.syncUnavailable(w, r, "listing feeds", lerr)
			return
		}
		form.AuthHeader = "" // never sent back to the page
		data["Form"] = form
		if !h.formError(w, r, "sync_feeds", data, err) {
			h.syncUnavailable(w, r, "adding a feed", err)
		}
		return
	}
	h.flash(w, r, "/feeds/"+strconv.FormatInt(f.ID, 10), account.Flash{Kind: "ok", Message: "Feed " + f.Name + " added."})
}

// feedOf reads the feed of the path, or shows a not-found page.
func (h *dashboard) feedOf(w http.ResponseWriter, r *http.Request, p account.Principal) (syncrun.Feed, bool) {
	return syncRecordOf(h, w, r, p, "feed", h.SyncRuns.GetFeed, syncrun.ErrNotFound)
}

// feedData is a feed's page: the feed, its form and the preview of its current file.
func (h *dashboard) feedData(r *http.Request, p account.Principal, f syncrun.Feed) map[string]any {
	data := map[string]any{"Account": p.AccountName, "Feed": f, "Form": formOfFeed(f)}
	if f.Source == syncrun.FeedUpload && f.UploadSize == 0 {
		data["PreviewNote"] = "No file uploaded yet: upload one to see its first rows."
		return data
	}
	header, rows, err := h.SyncRuns.PreviewFeed(r.Context(), p.AccountID, f.ID, previewRows)
	if err != nil {
		data["PreviewError"] = err.Error()
		return data
	}
	data["Header"], data["Rows"] = header, rows
	return data
}

func (h *dashboard) feedPage(w http.ResponseWriter, r *http.Request, p account.Principal) {
	f, ok := h.feedOf(w, r, p)
	if !ok {
		return
	}
	h.render(w, r, "sync_feed", http.StatusOK, h.feedData(r, p, f))
}

func (h *dashboard) updateFeed(w http.ResponseWriter, r *http.Request, p account.Principal) {
	f, ok := h.feedOf(w, r, p)
	if !ok {
		return
	}
	form := readFeedForm(r)
	version, _ := strconv.ParseInt(form.Version, 10, 64)
	in, err := form.input(r.PostFormValue("remove_auth_header") == "")
	if err == nil {
		_, err = h.SyncRuns.UpdateFeed(r.Context(), p.AccountID, f.ID, version, in)
	}
	if err != nil {
		data := h.feedData(r, p, f)
		form.AuthHeader = ""
		data["Form"] = form
		if !h.formError(w, r, "sync_feed", data, err) {
			h.syncUnavailable(w, r, "saving a feed", err)
		}
		return
	}
	h.flash(w, r, "/feeds/"+strconv.FormatInt(f.ID, 10), account.Flash{Kind: "ok", Message: "Feed saved."})
}

func (h *dashboard) deleteFeed(w http.ResponseWriter, r *http.Request, p account.Principal) {
	f, ok := h.feedOf(w, r, p)
	if !ok {
		return
	}
	if err := h.SyncRuns.DeleteFeed(r.Context(), p.AccountID, f.ID); err != nil && !errors.Is(err, syncrun.ErrNotFound) {
		h.syncUnavailable(w, r, "removing a feed", err)
		return
	}
	h.flash(w, r, "/feeds", account.Flash{Kind: "ok", Message: "Feed " + f.Name + " removed; the items it set keep their quantities."})
}

// runFeeds starts a run of step 3 alone: every enabled feed is applied.
func (h *dashboard) runFeeds(w http.ResponseWriter, r *http.Request, p account.Principal) {
	f, ok := h.feedOf(w, r, p)
	if !ok {
		return
	}
	h.start(w, r, p, []int{syncrun.StepDataIn}, "/feeds/"+strconv.FormatInt(f.ID, 10))
}

// uploadFeed keeps the posted file (multipart, field "file") as the feed's current file.
func (h *dashboard) uploadFeed(w http.ResponseWriter, r *http.Request, p account.Principal) {
	f, ok := h.feedOf(w, r, p)
	if !ok {
		return
	}
	fail := func(err error) {
		data := h.feedData(r, p, f)
		if !h.formError(w, r, "sync_feed", data, err) {
			h.syncUnavailable(w, r, "uploading a feed's file", err)
		}
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		msg := "choose a file to upload"
		if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
			msg = "the file is larger than this server accepts"
		}
		fail(&syncrun.Error{Kind: syncrun.ErrInvalid, Field: "file", Message: msg})
		return
	}
	defer func() { _ = file.Close() }()
	body, err := io.ReadAll(io.LimitReader(file, syncrun.MaxUploadBytes+1))
	if err != nil {
		fail(&syncrun.Error{Kind: syncrun.ErrInvalid, Field: "file", Message: "the file could not be read: " + err.Error()})
		return
	}
	if _, err := h.SyncRuns.Upload(r.Context(), p.AccountID, f.ID, hdr.Filename, body); err != nil {
		fail(err)
		return
	}
	h.flash(w, r, "/feeds/"+strconv.FormatInt(f.ID, 10), account.Flash{Kind: "ok", Message: "File " + hdr.Filename + " uploaded: its first rows are below."})
}
