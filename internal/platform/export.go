package platform

import (
	"context"
	"time"
)

// CatalogExportStarter is a whole-catalog export in steps a durable job can drive across
// attempts: start it (or adopt the one already running), poll its state between snoozes, then
// read the result, streamed, in memory that does not grow with the catalog. The job keeps the
// handle in its arguments, so a crash or a re-run polls the same export instead of starting
// another; no step waits for the export inside one call.
//
// A platform without server-side exports may run the export inside ReadExport (paging) and
// report it done at once.
type CatalogExportStarter interface {
	// StartCatalogExport starts an export of every product with its variants and images, or
	// adopts one of this catalog already running, and returns its handle.
	StartCatalogExport(ctx context.Context) (ExportHandle, error)
	// ExportStatus reads where the export is. An export that failed or expired says so in its
	// state (start again); an error is the call itself failing. A handle the platform no longer
	// knows is a *Error of KindNotFound.
	ExportStatus(ctx context.Context, h ExportHandle) (ExportState, error)
	// ReadExport streams a done export's products to fn, one product with all its variants at
	// a time; fn returning an error stops it. Reading an export not done is a *Error of
	// KindConflict. Reading again starts from the beginning.
	ReadExport(ctx context.Context, h ExportHandle, fn func(Product) error) error
}

// ExportHandle names an export on its platform. It is plain data (JSON-encodable) so a job can
// keep it in its arguments.
type ExportHandle struct {
	ID        string    `json:"id"`         // the platform's id, opaque
	StartedAt time.Time `json:"started_at"` // when the platform created it
	Adopted   bool      `json:"adopted"`    // it was already running when StartCatalogExport was called
}

// ExportStatus is where an export is.
type ExportStatus string

// The states of an export.
const (
	ExportRunning   ExportStatus = "running"   // poll again later
	ExportCompleted ExportStatus = "completed" // ReadExport may run
	ExportFailed    ExportStatus = "failed"    // failed, cancelled or expired: start a new one
)

// ExportState is an export's status with its progress.
type ExportState struct {
	Status  ExportStatus
	Objects int64  // objects (products, variants, images) exported so far
	Bytes   int64  // size of the result once completed, when the platform says
	Reason  string // why it failed, in the platform's words
	// Retryable reports, for a failed export, that starting a new one may succeed (a platform
	// error rather than, say, a denied scope).
	Retryable bool
}

// Done reports whether polling can stop.
func (s ExportState) Done() bool { return s.Status == ExportCompleted || s.Status == ExportFailed }
