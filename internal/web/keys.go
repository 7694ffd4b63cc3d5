package web

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strconv"

	"github.com/storesync/storesync/internal/account"
	"github.com/storesync/storesync/internal/database"
)

// keys lists the account's API keys, with the form to create one.
func (h *dashboard) keys(w http.ResponseWriter, r *http.Request, p account.Principal) {
	h.keysPage(w, r, p, http.StatusOK, nil)
}

func (h *dashboard) keysPage(w http.ResponseWriter, r *http.Request, p account.Principal, status int, extra map[string]any) {
	keys, err := h.Accounts.ListKeys(r.Context(), p.AccountID)
	if err != nil {
		h.Logger.ErrorContext(r.Context(), "listing API keys", "account", p.AccountName, "error", err)
		h.fail(w, r, http.StatusServiceUnavailable, "Try again", "Cannot list the API keys right now; try again.")
		return
	}
	data := map[string]any{"Account": p.AccountName, "Keys": keys}
	maps.Copy(data, extra)
	h.render(w, r, "keys", status, data)
}

// createKey makes a key and redirects to the key list, which shows its secret once.
func (h *dashboard) createKey(w http.ResponseWriter, r *http.Request, p account.Principal) {
	name, perm := r.PostFormValue("name"), r.PostFormValue("permission")
	k, secret, err := h.Accounts.CreateKey(r.Context(), account.CreateKeyParams{AccountID: p.AccountID,
		Name: name, Permission: account.Permission(perm)})
	if errors.Is(err, account.ErrInvalidInput) {
		h.keysPage(w, r, p, http.StatusUnprocessableEntity, map[string]any{"Error": err.Error(), "Name": name})
		return
	}
	if err != nil {
		h.Logger.ErrorContext(r.Context(), "creating API key", "account", p.AccountName, "error", err)
		h.fail(w, r, http.StatusServiceUnavailable, "Try again", "Cannot create the key right now; try again.")
		return
	}
	h.flash(w, r, "/keys", account.Flash{Kind: "ok", Secret: secret,
		Message: fmt.Sprintf("New API key %q (%s). Copy it now: it is not stored and will not be shown again.", k.Name, k.Permission)})
}

// keyOf finds the key named by the path, or shows a 404 page.
func (h *dashboard) keyOf(w http.ResponseWriter, r *http.Request, p account.Principal) (account.APIKey, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var k account.APIKey
	if err == nil {
		k, err = h.Accounts.Key(r.Context(), account.KeyParams{AccountID: p.AccountID, KeyID: id})
	}
	switch {
	case err == nil:
		return k, true
	case errors.Is(err, database.ErrNotFound), errors.Is(err, strconv.ErrSyntax), errors.Is(err, strconv.ErrRange):
		h.fail(w, r, http.StatusNotFound, "No such API key", "There is no API key "+r.PathValue("id")+" in this account.")
	default:
		h.Logger.ErrorContext(r.Context(), "reading API key", "account", p.AccountName, "error", err)
		h.fail(w, r, http.StatusServiceUnavailable, "Try again", "Cannot read the key right now; try again.")
	}
	return account.APIKey{}, false
}

// confirmRevoke asks before revoking: programs using the key are refused at once.
func (h *dashboard) confirmRevoke(w http.ResponseWriter, r *http.Request, p account.Principal) {
	k, ok := h.keyOf(w, r, p)
	if !ok {
		return
	}
	h.render(w, r, "revoke", http.StatusOK, map[string]any{"Account": p.AccountName, "Key": k})
}

func (h *dashboard) revokeKey(w http.ResponseWriter, r *http.Request, p account.Principal) {
	k, ok := h.keyOf(w, r, p)
	if !ok {
		return
	}
	if err := h.Accounts.RevokeKey(r.Context(), account.KeyParams{AccountID: p.AccountID, KeyID: k.ID}); err != nil {
		h.Logger.ErrorContext(r.Context(), "revoking API key", "account", p.AccountName, "error", err)
		h.fail(w, r, http.StatusServiceUnavailable, "Try again", "Cannot revoke the key right now; try again.")
		return
	}
	msg := fmt.Sprintf("API key %q (%s…) is revoked: requests sent with it are refused from now on.", k.Name, k.Prefix)
	if k.RevokedAt != nil {
		msg = fmt.Sprintf("API key %q (%s…) was already revoked.", k.Name, k.Prefix)
	}
	h.flash(w, r, "/keys", account.Flash{Kind: "ok", Message: msg})
}
