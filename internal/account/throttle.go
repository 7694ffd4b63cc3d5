package account

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/database"
)

// ErrThrottled means too many logins failed lately; errors.As a *ThrottledError for how long to wait.
var ErrThrottled = errors.New("too many failed logins")

// ThrottledError says a login was refused unchecked, and when to try again.
type ThrottledError struct {
	RetryAfter time.Duration
	// Reason names what was throttled, without saying whether the email exists.
	Reason string
}

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("%s: %s; try again in %s", ErrThrottled, e.Reason, e.RetryAfter.Round(time.Second))
}

func (e *ThrottledError) Unwrap() error { return ErrThrottled }

// Throttle bounds failed logins. Three counters are kept, each over a fixed window:
//   - per email and client address: a few free attempts, then a delay that doubles with each
//     failure up to PairMaxDelay. This is what stops one attacker guessing one user's password,
//     and it is short, so a user who mistypes waits seconds, not hours;
//   - per client address, over every email: PerAddress failures, then the address waits for the
//     end of the window (stops one address trying many users);
//   - per email, over every address: PerEmail, much higher, so that many addresses spraying one
//     user are stopped too, while an attacker can lock a user out for one window at most.
//
// IPv6 clients are counted by /64, the block one subscriber usually holds.
type Throttle struct {
	Window       time.Duration
	PairFree     int
	PairMaxDelay time.Duration
	PerAddress   int
	PerEmail     int
}

// DefaultThrottle suits a dashboard used by people.
var DefaultThrottle = Throttle{Window: 15 * time.Minute, PairFree: 3, PairMaxDelay: time.Minute, PerAddress: 30, PerEmail: 300}

// WithThrottle replaces DefaultThrottle (tests use small numbers).
func (s *Service) WithThrottle(t Throttle) *Service {
	s.throttle = t
	return s
}

type loginSubjects struct{ pair, addr, email string }

func subjects(email, clientAddr string) loginSubjects {
	addr := clientBlock(clientAddr)
	return loginSubjects{
		pair:  hashToken("login pair\x00" + email + "\x00" + addr),
		addr:  hashToken("login addr\x00" + addr),
		email: hashToken("login email\x00" + email),
	}
}

// clientBlock reduces a client address (HOST or HOST:PORT) to what is counted: the IPv4 address,
// or the /64 of an IPv6 one.
func clientBlock(clientAddr string) string {
	host, _, err := net.SplitHostPort(clientAddr)
	if err != nil {
		host = clientAddr
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	if ip == nil {
		return host
	}
	if v4 := ip.To4(); v4 != nil {
		return v4.String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

type throttleRow struct {
	failures     int
	windowStart  time.Time
	lastFailedAt time.Time
}

// checkThrottle refuses a login attempt, before its password is hashed, when a counter says so.
func (s *Service) checkThrottle(ctx context.Context, sub loginSubjects) error {
	t, now := s.throttle, s.now().UTC()
	rows, err := s.db.Query(ctx, `SELECT subject, failures, window_start, last_failure_at FROM login_throttle
		WHERE subject IN ($1, $2, $3) AND window_start > $4`, sub.pair, sub.addr, sub.email, now.Add(-t.Window))
	if err != nil {
		return fmt.Errorf("reading login throttle: %w", err)
	}
	defer rows.Close()
	var wait time.Duration
	reason := ""
	for rows.Next() {
		var subject string
		var r throttleRow
		if err := rows.Scan(&subject, &r.failures, &r.windowStart, &r.lastFailedAt); err != nil {
			return fmt.Errorf("reading login throttle: %w", err)
		}
		var w time.Duration
		var why string
		switch {
		case subject == sub.pair && r.failures >= t.PairFree:
			w, why = r.lastFailedAt.Add(pairDelay(t, r.failures)).Sub(now), "too many failed logins for this email from this address"
		case subject == sub.addr && r.failures >= t.PerAddress:
			w, why = r.windowStart.Add(t.Window).Sub(now), "too many failed logins from this address"
		case subject == sub.email && r.failures >= t.PerEmail:
			w, why = r.windowStart.Add(t.Window).Sub(now), "too many failed logins for this email"
		}
		if w > wait {
			wait, reason = w, why
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading login throttle: %w", err)
	}
	if wait > 0 {
		return &ThrottledError{RetryAfter: wait, Reason: reason}
	}
	return nil
}

// pairDelay is the wait after the n-th failure of one email from one address: 1 s after the first
// failure beyond the free ones, doubling, capped.
func pairDelay(t Throttle, failures int) time.Duration {
	d := time.Second
	for i := t.PairFree; i < failures && d < t.PairMaxDelay; i++ {
		d *= 2
	}
	return min(d, t.PairMaxDelay)
}

// recordFailure counts a failed login on its three counters, and forgets counters whose window
// has long passed.
func (s *Service) recordFailure(ctx context.Context, sub loginSubjects) error {
	now := s.now().UTC()
	expired := now.Add(-s.throttle.Window)
	err := s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		for _, subject := range []string{sub.pair, sub.addr, sub.email} {
			if _, err := tx.Exec(ctx, `INSERT INTO login_throttle (subject, failures, window_start, last_failure_at)
				VALUES ($1, 1, $2, $2)
				ON CONFLICT (subject) DO UPDATE SET
					failures = CASE WHEN login_throttle.window_start <= $3 THEN 1 ELSE login_throttle.failures + 1 END,
					window_start = CASE WHEN login_throttle.window_start <= $3 THEN $2 ELSE login_throttle.window_start END,
					last_failure_at = $2`, subject, now, expired); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `DELETE FROM login_throttle WHERE last_failure_at < $1`, now.Add(-2*s.throttle.Window))
		return err
	})
	if err != nil {
		return fmt.Errorf("counting a failed login: %w", err)
	}
	return nil
}

// forgetPair clears the email+address counter after a successful login, so that a user who
// mistyped starts afresh; the wider counters keep counting.
func (s *Service) forgetPair(ctx context.Context, sub loginSubjects) error {
	return s.db.InTx(ctx, func(ctx context.Context, tx database.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM login_throttle WHERE subject = $1`, sub.pair)
		return err
	})
}
