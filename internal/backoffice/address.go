package backoffice

import (
	"net/mail"
	"strings"

	"golang.org/x/text/language"
)

// checkAddress normalises an address (country upper-case, email lower-case) and checks what the
// Open API documents: the country is an ISO 3166-1 alpha-2 code of a country, the email an
// address (RFC 5322, without a display name).
func checkAddress(field string, a *Address) error {
	a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
	a.Email = strings.ToLower(strings.TrimSpace(a.Email))
	if a.Country != "" && !IsCountry(a.Country) {
		return invalid(field+".country", a.Country, "must be an ISO 3166-1 alpha-2 country code")
	}
	if a.Email != "" && !IsEmail(a.Email) {
		return invalid(field+".email", a.Email, "is not an email address")
	}
	return nil
}

// IsCountry reports whether code is the ISO 3166-1 alpha-2 code of a country, in upper case:
// not a macro-region, a private-use code (AA, QM–QZ, XA–XZ, ZZ) or an exceptionally reserved
// one (UK, EU, AC...). XK (Kosovo, user-assigned) is taken, as the platforms send it.
func IsCountry(code string) bool {
	if len(code) != 2 || reserved[code] {
		return false
	}
	r, err := language.ParseRegion(code)
	return err == nil && r.IsCountry() && r.String() == code
}

// reserved are ISO 3166-1's exceptionally reserved codes, which name no country of their own.
var reserved = map[string]bool{"AC": true, "CP": true, "CQ": true, "DG": true, "EA": true, "EU": true, "EZ": true,
	"FX": true, "IC": true, "SU": true, "TA": true, "UK": true, "UN": true}

// IsEmail reports whether s is a bare email address, as net/mail reads one.
func IsEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}
