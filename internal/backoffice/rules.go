package backoffice

import "slices"

// Kind says whether a contact or job is dropship or store/program. Each kind has its own API
// endpoints; a store job needs a store ID.
type Kind string

// The kinds of contacts and jobs.
const (
	KindDropship Kind = "dropship"
	KindStore    Kind = "store"
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == KindDropship || k == KindStore }

// ContactType separates clients, who have ordered, from prospects, who have not yet.
type ContactType string

// The contact types.
const (
	ContactClient   ContactType = "client"
	ContactProspect ContactType = "prospect"
)

// Valid reports whether t is a known contact type.
func (t ContactType) Valid() bool { return t == ContactClient || t == ContactProspect }

// JobStatus is where a job is in its life. Every job starts Pending; JobTransitions says where it may
// go next, so that a closed or cancelled job cannot silently come back.
type JobStatus string

// The job statuses.
const (
	JobPending      JobStatus = "pending"
	JobOpen         JobStatus = "open"
	JobInProduction JobStatus = "in_production"
	JobOnHold       JobStatus = "on_hold"
	JobShipped      JobStatus = "shipped"
	JobInvoiced     JobStatus = "invoiced"
	JobClosed       JobStatus = "closed"
	JobCancelled    JobStatus = "cancelled"
)

// JobStatuses lists every job status in life order, for docs, filters and enums.
var JobStatuses = []JobStatus{JobPending, JobOpen, JobInProduction, JobOnHold, JobShipped, JobInvoiced, JobClosed, JobCancelled}

var jobTransitions = map[JobStatus][]JobStatus{
	JobPending:      {JobOpen, JobOnHold, JobCancelled},
	JobOpen:         {JobInProduction, JobOnHold, JobCancelled},
	JobInProduction: {JobShipped, JobOnHold, JobCancelled},
	JobOnHold:       {JobPending, JobOpen, JobInProduction, JobCancelled},
	JobShipped:      {JobInvoiced},
	JobInvoiced:     {JobClosed},
}

// Valid reports whether s is a known job status.
func (s JobStatus) Valid() bool { return slices.Contains(JobStatuses, s) }

// CanMoveTo reports whether a job in status s may be moved to next. Staying put is always allowed.
func (s JobStatus) CanMoveTo(next JobStatus) bool {
	return s == next || slices.Contains(jobTransitions[s], next)
}

// OrderStatus is the status of a sales order (SO statuses) or a purchase order (PO statuses).
type OrderStatus string

// Sales order statuses.
const (
	SODraft     OrderStatus = "draft"
	SOConfirmed OrderStatus = "confirmed"
	SOInvoiced  OrderStatus = "invoiced"
	SOClosed    OrderStatus = "closed"
	SOCancelled OrderStatus = "cancelled"
)

// Purchase order statuses.
const (
	PODraft     OrderStatus = "draft"
	POSent      OrderStatus = "sent"
	POConfirmed OrderStatus = "confirmed"
	POReceived  OrderStatus = "received"
	POClosed    OrderStatus = "closed"
	POCancelled OrderStatus = "cancelled"
)

// SalesOrderStatuses and PurchaseOrderStatuses list the statuses of each kind of order.
var (
	SalesOrderStatuses    = []OrderStatus{SODraft, SOConfirmed, SOInvoiced, SOClosed, SOCancelled}
	PurchaseOrderStatuses = []OrderStatus{PODraft, POSent, POConfirmed, POReceived, POClosed, POCancelled}
)

var soTransitions = map[OrderStatus][]OrderStatus{
	SODraft:     {SOConfirmed, SOCancelled},
	SOConfirmed: {SODraft, SOInvoiced, SOCancelled},
	SOInvoiced:  {SOClosed},
}

var poTransitions = map[OrderStatus][]OrderStatus{
	PODraft:     {POSent, POCancelled},
	POSent:      {POConfirmed, PODraft, POCancelled},
	POConfirmed: {POReceived, POCancelled},
	POReceived:  {POClosed},
}

func canMove(table map[OrderStatus][]OrderStatus, from, to OrderStatus) bool {
	return from == to || slices.Contains(table[from], to)
}

// ListName names one of the supporting lists.
type ListName string

// The supporting lists.
const (
	ListCommissionCodes ListName = "commission_codes"
	ListCardTypes       ListName = "card_types"
	ListPaymentTypes    ListName = "payment_types"
	ListPaymentTerms    ListName = "payment_terms"
	ListAdjustmentTypes ListName = "adjustment_types"
	ListSuppliers       ListName = "suppliers"
	ListProductIndices  ListName = "product_indices"
)

// Lists lists every supporting list.
var Lists = []ListName{ListCommissionCodes, ListCardTypes, ListPaymentTypes, ListPaymentTerms,
	ListAdjustmentTypes, ListSuppliers, ListProductIndices}

// Valid reports whether l is a known list.
func (l ListName) Valid() bool { return slices.Contains(Lists, l) }
