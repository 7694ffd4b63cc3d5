package syncsched

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Bounds of the interval forms. An interval must divide the day evenly, so that its slots fall at
// the same wall-clock times every day, counted from midnight in the schedule's zone ("every 45
// minutes" is 00:00, 00:45, 01:30, ... 23:15, then 00:00 again); an interval that does not divide
// the day is refused rather than drifting or leaving a short gap before midnight.
const (
	MinEveryMinutes = 5
	MaxEveryMinutes = 1440
	MaxEveryHours   = 24
)

// horizonDays is how far Next looks for a slot: beyond any cron line that can match at all
// (29 February can be eight years away, across 2100).
const horizonDays = 8*366 + 2

// Expression is a parsed schedule expression: the wall-clock slots of each day. Its zero value
// has no slots.
type Expression struct {
	minutes  []int // the slots of a day, minutes after midnight, ascending (interval and daily forms)
	weekdays bool  // the slots are on Monday to Friday only
	spec     *cron.SpecSchedule
}

var (
	everyRe   = regexp.MustCompile(`^every\s+(?:(\d+)\s+)?(minute|minutes|hour|hours)$`)
	atRe      = regexp.MustCompile(`^(daily|weekdays)\s+at\s+(\d{1,2}):(\d{2})$`)
	wordForms = "\"every N minutes\", \"every N hours\", \"daily at HH:MM\", \"weekdays at HH:MM\" or a 5-field cron line"
)

// ParseExpression reads an expression as a person writes it: "every N minutes" (N from 5 to 1440,
// dividing the day evenly), "every N hours" (N from 1 to 24, dividing the day evenly), "daily at
// HH:MM", "weekdays at HH:MM" (Monday to Friday), or a standard 5-field cron line (minute, hour,
// day of the month, month of the year, day of the week; descriptors such as @daily too). Words are not case-sensitive.
// The error says what is wrong, without naming the field.
func ParseExpression(text string) (Expression, error) {
	s := strings.Join(strings.Fields(strings.ToLower(text)), " ")
	if s == "" {
		return Expression{}, errors.New("is empty: write " + wordForms)
	}
	if m := everyRe.FindStringSubmatch(s); m != nil {
		return parseEvery(m[1], m[2])
	}
	if m := atRe.FindStringSubmatch(s); m != nil {
		h, _ := strconv.Atoi(m[2])
		mi, _ := strconv.Atoi(m[3])
		if h > 23 || mi > 59 {
			return Expression{}, fmt.Errorf("%s:%s is not a time of day (00:00 to 23:59)", m[2], m[3])
		}
		return Expression{minutes: []int{h*60 + mi}, weekdays: m[1] == "weekdays"}, nil
	}
	for _, w := range []string{"every", "daily", "weekdays"} {
		if strings.HasPrefix(s, w) {
			return Expression{}, fmt.Errorf("%q is not understood: write %s", strings.TrimSpace(text), wordForms)
		}
	}
	return parseCron(strings.TrimSpace(text))
}

func parseEvery(count, unit string) (Expression, error) {
	n := 1
	if count != "" {
		var err error
		if n, err = strconv.Atoi(count); err != nil {
			return Expression{}, fmt.Errorf("%s is not a number", count)
		}
	}
	step := n
	if strings.HasPrefix(unit, "hour") {
		if n < 1 || n > MaxEveryHours || 24%n != 0 {
			return Expression{}, fmt.Errorf("every %d hours: the hours must divide the day evenly (1, 2, 3, 4, 6, 8, 12 or 24)", n)
		}
		step = n * 60
	} else if n < MinEveryMinutes || n > MaxEveryMinutes || 1440%n != 0 {
		return Expression{}, fmt.Errorf("every %d minutes: the minutes must be from %d to %d and divide the day (1440 minutes) evenly, "+
			"such as 5, 10, 15, 20, 30, 45, 60, 90 or 120", n, MinEveryMinutes, MaxEveryMinutes)
	}
	var mins []int
	for m := 0; m < 1440; m += step {
		mins = append(mins, m)
	}
	return Expression{minutes: mins}, nil
}

func parseCron(s string) (Expression, error) {
	up := strings.ToUpper(s)
	if strings.HasPrefix(up, "TZ=") || strings.HasPrefix(up, "CRON_TZ=") {
		return Expression{}, errors.New("give the zone in time_zone, not in the expression")
	}
	sched, err := cron.ParseStandard(s)
	if err != nil {
		return Expression{}, fmt.Errorf("not %s: %w", wordForms, err)
	}
	spec, ok := sched.(*cron.SpecSchedule)
	if !ok {
		return Expression{}, errors.New("@every is not accepted: write \"every N minutes\" or \"every N hours\"")
	}
	e := Expression{spec: spec}
	if e.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC).IsZero() {
		return Expression{}, fmt.Errorf("%q never matches a date", s)
	}
	return e, nil
}

// minutesOn lists the slots of a calendar date (given at noon UTC), minutes after midnight,
// ascending.
func (e Expression) minutesOn(date time.Time) []int {
	if e.spec == nil {
		if e.weekdays && (date.Weekday() == time.Saturday || date.Weekday() == time.Sunday) {
			return nil
		}
		return e.minutes
	}
	sp := e.spec
	if sp.Month&(1<<uint(date.Month())) == 0 || !cronDay(sp, date) {
		return nil
	}
	var out []int
	for h := range 24 {
		if sp.Hour&(1<<uint(h)) == 0 {
			continue
		}
		for m := range 60 {
			if sp.Minute&(1<<uint(m)) != 0 {
				out = append(out, h*60+m)
			}
		}
	}
	return out
}

// starBit marks a cron field written as * (or ?): it changes how day of month and day of week
// combine, as in every cron.
const starBit = 1 << 63

// cronDay is the standard rule: when either day field is *, both must match; otherwise either.
func cronDay(sp *cron.SpecSchedule, date time.Time) bool {
	dom := sp.Dom&(1<<uint(date.Day())) != 0
	dow := sp.Dow&(1<<uint(date.Weekday())) != 0
	if sp.Dom&starBit != 0 || sp.Dow&starBit != 0 {
		return dom && dow
	}
	return dom || dow
}

// Next is the first slot strictly after after, in loc; the zero time when there is none within
// eight years. Slots are wall-clock times in loc: on a day a time does not exist (the clock
// jumps over it when daylight saving time begins) that slot is skipped; a time that occurs twice
// (when it ends) is one slot, at its first occurrence.
func (e Expression) Next(after time.Time, loc *time.Location) time.Time {
	y, m, d := after.In(loc).Date()
	// Calendar dates are walked at noon UTC, where adding days never meets a clock change.
	first := time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
	for i := range horizonDays {
		date := first.AddDate(0, 0, i)
		for _, mod := range e.minutesOn(date) {
			t, ok := wallTime(date, mod, loc)
			if ok && t.After(after) {
				return t
			}
		}
	}
	return time.Time{}
}

// wallTime is the instant of a date's wall-clock minute in loc, and whether that time exists on
// that date (it does not inside a daylight-saving gap). A repeated time is its first occurrence.
func wallTime(date time.Time, mod int, loc *time.Location) (time.Time, bool) {
	h, mi := mod/60, mod%60
	t := time.Date(date.Year(), date.Month(), date.Day(), h, mi, 0, 0, loc)
	lt := t.In(loc)
	if lt.Day() != date.Day() || lt.Hour() != h || lt.Minute() != mi {
		return time.Time{}, false
	}
	// time.Date does not promise which of two occurrences it gives: take the earlier one.
	for _, back := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour} {
		if e := t.Add(-back); e.In(loc).Hour() == h && e.In(loc).Minute() == mi && e.In(loc).Day() == date.Day() {
			t = e
		}
	}
	return t, true
}
