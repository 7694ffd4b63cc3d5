package connection

import (
	"errors"
	"testing"
)

// Every cell of the state machine's table (state.go), for each side.
func TestTransitionTable(t *testing.T) {
	t.Parallel()
	c, d, b, bd := flags{}, flags{disconnected: true}, flags{blocked: true}, flags{blocked: true, disconnected: true}
	cases := []struct {
		from flags
		role Role
		a    Action
		to   flags
		err  error
	}{
		{c, RoleDestination, ActDisconnect, d, nil},
		{d, RoleDestination, ActDisconnect, d, ErrConflict},
		{b, RoleDestination, ActDisconnect, bd, nil},
		{bd, RoleDestination, ActDisconnect, bd, ErrConflict},
		{c, RoleDestination, ActReconnect, c, ErrConflict},
		{d, RoleDestination, ActReconnect, c, nil},
		{b, RoleDestination, ActReconnect, b, ErrConflict},
		{bd, RoleDestination, ActReconnect, bd, ErrConflict},
		{c, RoleSource, ActBlock, b, nil},
		{d, RoleSource, ActBlock, bd, nil},
		{b, RoleSource, ActBlock, b, ErrConflict},
		{bd, RoleSource, ActBlock, bd, ErrConflict},
		{c, RoleSource, ActUnblock, c, ErrConflict},
		{d, RoleSource, ActUnblock, d, ErrConflict},
		{b, RoleSource, ActUnblock, c, nil},
		{bd, RoleSource, ActUnblock, d, nil},
		// the wrong side
		{c, RoleSource, ActDisconnect, c, ErrForbidden},
		{d, RoleSource, ActReconnect, d, ErrForbidden},
		{c, RoleDestination, ActBlock, c, ErrForbidden},
		{b, RoleDestination, ActUnblock, b, ErrForbidden},
		{c, "", ActBlock, c, ErrForbidden},
		// both sides in one account
		{c, RoleBoth, ActBlock, b, nil},
		{b, RoleBoth, ActDisconnect, bd, nil},
	}
	for _, tc := range cases {
		got, err := transition(tc.from, tc.role, tc.a)
		if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
			t.Errorf("%+v %s %s: error %v, want %v", tc.from, tc.role, tc.a, err, tc.err)
			continue
		}
		if err == nil && got != tc.to {
			t.Errorf("%+v %s %s → %+v, want %+v", tc.from, tc.role, tc.a, got, tc.to)
		}
		if err != nil && got != tc.from {
			t.Errorf("%+v %s %s refused but changed to %+v", tc.from, tc.role, tc.a, got)
		}
	}
	for f, want := range map[flags]State{c: StateConnected, d: StateDisconnected, b: StateBlocked, bd: StateBlocked} {
		if (Connection{State: f.state()}).Syncs() != (f == c) {
			t.Errorf("%+v: Syncs() = %v", f, f != c)
		}
		if f.state() != want {
			t.Errorf("%+v is %s, want %s", f, f.state(), want)
		}
	}
}
