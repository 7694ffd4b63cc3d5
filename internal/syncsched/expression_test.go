package syncsched

import (
	"strings"
	"testing"
	"time"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Each expression's next slots from a start, in a zone: the wall-clock forms, cron lines, and the
// days daylight saving time begins (a slot that does not exist is skipped) and ends (a time that
// occurs twice is one slot, at its first occurrence).
func TestExpressionNext(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, expr, zone, after string
		want                    []string
	}{
		{"every 30 minutes aligned to the hour", "every 30 minutes", "UTC", "2026-12-02T10:07:00Z",
			[]string{"2026-12-02T10:30:00Z", "2026-12-02T11:00:00Z", "2026-12-02T11:30:00Z"}},
		{"every 45 minutes aligned to midnight", "Every  45 Minutes", "UTC", "2026-12-02T23:00:00Z",
			[]string{"2026-12-02T23:15:00Z", "2026-12-03T00:00:00Z", "2026-12-03T00:45:00Z"}},
		{"a slot exactly now is not next", "every 15 minutes", "UTC", "2026-12-02T10:15:00Z",
			[]string{"2026-12-02T10:30:00Z"}},
		{"every 1440 minutes is midnight", "every 1440 minutes", "Europe/Paris", "2026-12-02T10:00:00Z",
			[]string{"2026-12-02T23:00:00Z", "2026-12-03T23:00:00Z"}},
		{"every 8 hours in Paris", "every 8 hours", "Europe/Paris", "2026-12-02T00:00:00Z",
			[]string{"2026-12-02T07:00:00Z", "2026-12-02T15:00:00Z", "2026-12-02T23:00:00Z"}},
		{"every hour", "every hour", "UTC", "2026-12-02T10:59:59Z", []string{"2026-12-02T11:00:00Z", "2026-12-02T12:00:00Z"}},
		{"daily in Paris, winter", "daily at 02:00", "Europe/Paris", "2026-12-02T10:00:00Z",
			[]string{"2026-12-03T01:00:00Z", "2026-12-04T01:00:00Z"}},
		{"weekdays skip the weekend", "weekdays at 07:30", "Europe/Paris", "2026-12-04T08:00:00Z",
			[]string{"2026-12-07T06:30:00Z", "2026-12-08T06:30:00Z"}},
		{"Paris spring forward: 02:30 does not exist on 29 March", "daily at 02:30", "Europe/Paris", "2026-03-28T02:00:00Z",
			[]string{"2026-03-30T00:30:00Z", "2026-03-31T00:30:00Z"}},
		{"Paris spring forward, every 30 minutes", "every 30 minutes", "Europe/Paris", "2026-03-29T00:15:00Z",
			[]string{"2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z"}},
		{"Paris fall back: 02:30 repeats on 25 October, runs once", "daily at 02:30", "Europe/Paris", "2026-10-24T12:00:00Z",
			[]string{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}},
		{"Paris fall back as cron", "30 2 * * *", "Europe/Paris", "2026-10-24T12:00:00Z",
			[]string{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}},
		{"New York spring forward, every 30 minutes", "every 30 minutes", "America/New_York", "2026-03-08T06:00:00Z",
			[]string{"2026-03-08T06:30:00Z", "2026-03-08T07:00:00Z", "2026-03-08T07:30:00Z"}},
		{"New York fall back, every 30 minutes: the repeated hour once", "every 30 minutes", "America/New_York", "2026-11-01T04:00:00Z",
			[]string{"2026-11-01T04:30:00Z", "2026-11-01T05:00:00Z", "2026-11-01T05:30:00Z", "2026-11-01T07:00:00Z", "2026-11-01T07:30:00Z"}},
		{"New York spring forward: 02:15 skipped", "15 2 * * *", "America/New_York", "2026-03-07T12:00:00Z",
			[]string{"2026-03-09T06:15:00Z"}},
		{"New York fall back: 01:15 once", "weekdays at 01:15", "America/New_York", "2026-10-30T12:00:00Z",
			[]string{"2026-11-02T06:15:00Z"}},
		{"cron every 15 minutes", "*/15 * * * *", "UTC", "2026-12-02T10:01:00Z", []string{"2026-12-02T10:15:00Z", "2026-12-02T10:30:00Z"}},
		{"cron weekdays at 9", "0 9 * * 1-5", "America/New_York", "2026-12-04T15:00:00Z", []string{"2026-12-07T14:00:00Z"}},
		{"cron day of month or day of week", "0 0 13 * 5", "UTC", "2026-12-05T00:00:00Z",
			[]string{"2026-12-11T00:00:00Z", "2026-12-13T00:00:00Z", "2026-12-18T00:00:00Z"}},
		{"cron @daily", "@daily", "Europe/Paris", "2026-12-02T10:00:00Z", []string{"2026-12-02T23:00:00Z"}},
		{"cron @hourly", "@hourly", "UTC", "2026-12-02T10:00:00Z", []string{"2026-12-02T11:00:00Z"}},
		{"cron 29 February", "0 12 29 2 *", "UTC", "2026-12-02T10:00:00Z", []string{"2028-02-29T12:00:00Z", "2032-02-29T12:00:00Z"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e, err := ParseExpression(c.expr)
			if err != nil {
				t.Fatalf("ParseExpression(%q): %v", c.expr, err)
			}
			loc := zone(t, c.zone)
			at := utc(c.after)
			for i, w := range c.want {
				got := e.Next(at, loc)
				if !got.Equal(utc(w)) {
					t.Fatalf("%q in %s: slot %d after %s is %s (%s); want %s", c.expr, c.zone, i, at.UTC().Format(time.RFC3339),
						got.UTC().Format(time.RFC3339), got.In(loc).Format(time.RFC3339), w)
				}
				at = got
			}
		})
	}
}

// A day of "every 5 minutes" in a zone whose clock changes has every wall-clock slot that
// exists exactly once, in increasing order.
func TestExpressionDSTDays(t *testing.T) {
	t.Parallel()
	e, err := ParseExpression("every 5 minutes")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		zone, from string
		want       int
	}{
		{"Europe/Paris", "2026-03-28T23:00:00Z", 288 - 12}, // 23 hours
		{"Europe/Paris", "2026-10-24T22:00:00Z", 288},      // 25 hours, the repeated hour once
		{"America/New_York", "2026-11-01T04:00:00Z", 288},
	} {
		loc := zone(t, c.zone)
		from := utc(c.from).Add(-time.Second)
		end := from.Add(time.Second).In(loc).AddDate(0, 0, 1)
		end = time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, loc)
		seen := map[string]bool{}
		n := 0
		for at := e.Next(from, loc); at.Before(end); at = e.Next(at, loc) {
			wall := at.In(loc).Format("15:04")
			if seen[wall] {
				t.Fatalf("%s: %s twice", c.zone, wall)
			}
			seen[wall] = true
			n++
		}
		if n != c.want {
			t.Errorf("%s from %s: %d slots; want %d", c.zone, c.from, n, c.want)
		}
	}
}

func TestParseExpressionErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ expr, want string }{
		{"", "empty"},
		{"every 3 minutes", "from 5 to 1440"},
		{"every 7 minutes", "divide the day"},
		{"every 2000 minutes", "from 5 to 1440"},
		{"every 5 hours", "divide the day"},
		{"every 0 hours", "divide the day"},
		{"daily at 24:00", "not a time of day"},
		{"weekdays at 7:75", "not a time of day"},
		{"daily at noon", "not understood"},
		{"every day", "not understood"},
		{"hello", "expected exactly 5 fields"},
		{"0 0 * * * *", "expected exactly 5 fields"},
		{"61 * * * *", "end of range (61) above maximum (59)"},
		{"0 0 30 2 *", "never matches"},
		{"@every 5m", "@every is not accepted"},
		{"TZ=Europe/Paris 0 2 * * *", "time_zone"},
		{"CRON_TZ=UTC 0 2 * * *", "time_zone"},
	} {
		_, err := ParseExpression(c.expr)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseExpression(%q) = %v; want an error saying %q", c.expr, err, c.want)
		}
	}
}
