package database

import (
	"database/sql"
	"time"
)

// convertArgs makes arguments store the same way on both databases: times in UTC, truncated to
// microseconds (PostgreSQL's precision), and pointers dereferenced.
func convertArgs(args []any) []any {
	out := args
	for i, a := range args {
		var v any
		switch t := a.(type) {
		case time.Time:
			v = normTime(t)
		case *time.Time:
			if t == nil {
				v = nil
			} else {
				v = normTime(*t)
			}
		case sql.Null[time.Time]:
			if !t.Valid {
				v = nil
			} else {
				v = normTime(t.V)
			}
		default:
			continue
		}
		if &out[0] == &args[0] {
			out = append([]any(nil), args...)
		}
		out[i] = v
	}
	return out
}

func normTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// fixScanned turns every scanned time into UTC, whatever location the driver chose.
func fixScanned(dest []any) {
	for _, d := range dest {
		switch p := d.(type) {
		case *time.Time:
			if p != nil {
				*p = p.UTC()
			}
		case **time.Time:
			if p != nil && *p != nil {
				u := (*p).UTC()
				*p = &u
			}
		case *sql.Null[time.Time]:
			if p != nil && p.Valid {
				p.V = p.V.UTC()
			}
		case *sql.NullTime:
			if p != nil && p.Valid {
				p.Time = p.Time.UTC()
			}
		}
	}
}
