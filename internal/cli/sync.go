package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/app"
	"github.com/storesync/storesync/internal/syncrun"
)

// runSyncAll starts a sync run of the account (all four steps, or --steps). The run is a durable
// job a running server's workers do; --wait follows it until it ends, with a progress bar per
// step on a terminal (a line per change otherwise), and fails when a step failed.
func runSyncAll(ctx context.Context, env Env, args []string) error {
	var stepsFlag string
	var wait bool
	var timeout time.Duration
	var steps []int
	return accountCommand(ctx, env, "sync all", args, func(fs *flag.FlagSet) {
		fs.StringVar(&stepsFlag, "steps", "", "the steps to run, e.g. 1,2 (1 orders web → hub, 2 orders hub → back office, "+
			"3 data back office → hub, 4 data hub → web); empty: all four")
		fs.BoolVar(&wait, "wait", false, "follow the run until it ends; exit 1 if a step failed")
		fs.DurationVar(&timeout, "timeout", 2*time.Hour, "with --wait: give up waiting after this long (the run goes on)")
	}, func() error {
		var err error
		steps, err = syncrun.ParseSteps(stepsFlag)
		return err
	}, func(a *app.App, acc account.Account) error {
		r, err := a.SyncRuns.Start(ctx, syncrun.StartParams{AccountID: acc.ID, Trigger: syncrun.TriggerCLI, Steps: steps, RequestedBy: "cli"})
		if se, ok := errors.AsType[*syncrun.Error](err); ok && errors.Is(se, syncrun.ErrRunning) {
			return fmt.Errorf("sync run %d of %s is still under way: wait for it (storesync sync runs --account %s)", se.RunID, acc.Name, acc.Name)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "sync run %d of %s started (steps %s); a running server works it: GET /api/v2/sync-runs/%d\n",
			r.ID, acc.Name, stepList(r), r.ID)
		if !wait {
			return nil
		}
		return followRun(ctx, env, a, acc.ID, r.ID, timeout)
	})
}

func stepList(r syncrun.Run) string {
	parts := make([]string, len(r.Steps))
	for i, st := range r.Steps {
		parts[i] = strconv.Itoa(st.Step)
	}
	return strings.Join(parts, ",")
}

// isTerminal reports whether w is a character device (a person's terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// followRun polls the run until it ends, showing each step's progress.
func followRun(ctx context.Context, env Env, a *app.App, accountID, id int64, timeout time.Duration) error {
	tty := isTerminal(env.Stdout)
	deadline := time.Now().Add(timeout)
	last := map[int]string{}
	drawn := 0
	for {
		r, err := a.SyncRuns.Get(ctx, accountID, id)
		if err != nil {
			return err
		}
		if tty {
			if drawn > 0 {
				fmt.Fprintf(env.Stdout, "\x1b[%dA", drawn) // back up over the bars drawn last
			}
			for _, st := range r.Steps {
				fmt.Fprintf(env.Stdout, "\x1b[2K%s\n", bar(st))
			}
			drawn = len(r.Steps)
		} else {
			for _, st := range r.Steps {
				line := plainStep(st)
				if last[st.Step] != line {
					last[st.Step] = line
					fmt.Fprintln(env.Stdout, line)
				}
			}
		}
		if r.Status == syncrun.StatusSucceeded || r.Status == syncrun.StatusFailed {
			return runOutcome(env, r)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sync run %d is still %s after %s (is a server running to work it?)", id, r.Status, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func plainStep(st syncrun.StepState) string {
	s := fmt.Sprintf("step %d %s: %s", st.Step, st.Name, st.Status)
	if st.Total > 0 {
		s += fmt.Sprintf(" %d/%d", st.Done, st.Total)
	}
	if c := counts(st); c != "" {
		s += " (" + c + ")"
	}
	return s
}

func counts(st syncrun.StepState) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(st.Counts)) {
		parts = append(parts, fmt.Sprintf("%s %d", strings.ReplaceAll(k, "_", " "), st.Counts[k]))
	}
	return strings.Join(parts, ", ")
}

func bar(st syncrun.StepState) string {
	const width = 24
	filled := 0
	switch {
	case st.Status == syncrun.StepSucceeded || st.Status == syncrun.StepFailed:
		filled = width
	case st.Total > 0:
		filled = int(st.Done * width / st.Total)
	}
	return fmt.Sprintf("%d %-28s [%s%s] %-9s %s", st.Step, st.Name, strings.Repeat("#", filled), strings.Repeat(".", width-filled),
		st.Status, counts(st))
}

func runOutcome(env Env, r syncrun.Run) error {
	if r.Status == syncrun.StatusSucceeded {
		fmt.Fprintf(env.Stdout, "sync run %d succeeded\n", r.ID)
		return nil
	}
	var failed []string
	for _, st := range r.Steps {
		if st.Status == syncrun.StepFailed {
			failed = append(failed, fmt.Sprintf("step %d (%s): %s", st.Step, st.Name, st.Error))
			for _, e := range st.Errors[:min(len(st.Errors), 5)] {
				fmt.Fprintf(env.Stdout, "  %s %s: %s %s\n", e.ObjectKind, e.ObjectID, e.Message, e.Link)
			}
		}
	}
	return fmt.Errorf("sync run %d failed: %s", r.ID, strings.Join(failed, "; "))
}

// runSyncRuns lists the account's latest runs.
func runSyncRuns(ctx context.Context, env Env, args []string) error {
	var limit int
	return accountCommand(ctx, env, "sync runs", args, func(fs *flag.FlagSet) {
		fs.IntVar(&limit, "limit", 20, "how many runs (at most 100)")
	}, func() error {
		if limit < 1 || limit > 100 {
			return errors.New("--limit must be from 1 to 100")
		}
		return nil
	}, func(a *app.App, acc account.Account) error {
		rs, err := a.SyncRuns.List(ctx, syncrun.ListParams{AccountID: acc.ID, Limit: limit})
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			fmt.Fprintf(env.Stdout, "%s has no sync run yet: storesync sync all --account %s\n", acc.Name, acc.Name)
			return nil
		}
		fmt.Fprintf(env.Stdout, "%-6s %-9s %-10s %-20s %-8s %s\n", "RUN", "TRIGGER", "STATUS", "CREATED", "STEPS", "COUNTS")
		for _, r := range rs {
			var cs []string
			for _, st := range r.Steps {
				if c := counts(st); c != "" {
					cs = append(cs, fmt.Sprintf("%d: %s", st.Step, c))
				}
			}
			fmt.Fprintf(env.Stdout, "%-6d %-9s %-10s %-20s %-8s %s\n", r.ID, r.Trigger, r.Status, r.CreatedAt.UTC().Format("2006-01-02 15:04:05"),
				stepList(r), strings.Join(cs, "; "))
		}
		return nil
	})
}
