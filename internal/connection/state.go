package connection

import "fmt"

// Action is a state change one side asks for.
type Action string

// The actions: disconnect and reconnect belong to the destination's account, block and unblock
// to the source's.
const (
	ActDisconnect Action = "disconnect"
	ActReconnect  Action = "reconnect"
	ActBlock      Action = "block"
	ActUnblock    Action = "unblock"
)

// flags are the two sides' independent switches; the state is derived from them.
type flags struct{ blocked, disconnected bool }

// state derives the connection's state: blocked wins over disconnected, because while the
// source blocks, nothing the destination does can make the connection sync again.
func (f flags) state() State {
	switch {
	case f.blocked:
		return StateBlocked
	case f.disconnected:
		return StateDisconnected
	}
	return StateConnected
}

// transition decides an action of an account on role's side of a connection now at f. The state
// machine, as a table of the two flags:
//
//	                connected        disconnected        blocked             blocked+disconnected
//	disconnect (d)  → disconnected   409 already         → blocked (+disc.)  409 already
//	reconnect  (d)  409 not disc.    → connected         409 blocked         409 blocked
//	block      (s)  → blocked        → blocked (+disc.)  409 already         409 already
//	unblock    (s)  409 not blocked  409 not blocked     → connected         → disconnected
//
// So a destination may disconnect a blocked connection (to choose what happens to its products),
// the source still sees it blocked, and unblocking it leaves it disconnected: the destination
// reconnects when it wants. The wrong side's action is ErrForbidden: each side already sees the
// connection, so refusing it that way tells it nothing new.
func transition(f flags, role Role, a Action) (flags, error) {
	destination := role == RoleDestination || role == RoleBoth
	source := role == RoleSource || role == RoleBoth
	switch a {
	case ActDisconnect, ActReconnect:
		if !destination {
			return f, refuse(ErrForbidden, "", fmt.Sprintf("only the destination store's account can %s a connection; the source's can block or unblock it", a))
		}
	case ActBlock, ActUnblock:
		if !source {
			return f, refuse(ErrForbidden, "", fmt.Sprintf("only the source store's account can %s a connection; the destination's can disconnect or reconnect it", a))
		}
	default:
		return f, refuse(ErrInvalid, "", fmt.Sprintf("unknown action %q", a))
	}
	switch a {
	case ActDisconnect:
		if f.disconnected {
			return f, refuse(ErrConflict, "", "the connection is already disconnected")
		}
		f.disconnected = true
	case ActReconnect:
		if f.blocked {
			return f, refuse(ErrConflict, "", "the source store's account has blocked this connection: only it can unblock it")
		}
		if !f.disconnected {
			return f, refuse(ErrConflict, "", "the connection is not disconnected")
		}
		f.disconnected = false
	case ActBlock:
		if f.blocked {
			return f, refuse(ErrConflict, "", "the connection is already blocked")
		}
		f.blocked = true
	case ActUnblock:
		if !f.blocked {
			return f, refuse(ErrConflict, "", "the connection is not blocked")
		}
		f.blocked = false
	}
	return f, nil
}
