package logto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"strings"
)

// maxErrorBody is how much of a failed response's body an *Error keeps.
const maxErrorBody = 2 << 10

// ErrIncompleteRead is wrapped by list calls whose pages did not add up to
// the row count the server announced in Total-Number. A plan must never be
// computed from such a read.
var ErrIncompleteRead = errors.New("incomplete list read")

// Error is a non-2xx answer from Logto, shaped like Logto's RequestError body
// ({"code", "message", "details", "data"}).
type Error struct {
	Method, Path string // path without host or query
	StatusCode   int
	Code         string // Logto code, e.g. "entity.unique_integrity_violation" ("" if none)
	Message      string // server message (localized by Logto), or a description of a non-JSON answer
	Details      string // Logto "details" (guard errors carry the zod issues here)
	Body         string // raw body (truncated to 2 KiB); never contains a credential
	Attempts     int    // HTTP attempts made for this call (retries included)
}

// Error formats as "POST /api/organizations: 422 entity.unique_integrity_violation: <message>".
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d", e.Method, e.Path, e.StatusCode)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Details != "" && e.Details != e.Message {
		b.WriteString(" (" + e.Details + ")")
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " [after %d attempts]", e.Attempts)
	}
	return b.String()
}

// IsNotFound reports whether err is (or wraps) an *Error with status 404.
func IsNotFound(err error) bool { return StatusOf(err) == http.StatusNotFound }

// HasCode reports whether err is (or wraps) an *Error carrying the Logto code.
func HasCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// StatusOf returns the HTTP status of an *Error in err's chain, 0 if there is none.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// logtoErrorBody is Logto's RequestError body, plus the OAuth fields that the
// token endpoint adds (error, error_description).
type logtoErrorBody struct {
	Code             string `json:"code"`
	Message          string `json:"message"`
	Details          string `json:"details"`
	OAuthError       string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

var htmlTitle = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

// newError builds the *Error for a non-2xx response whose body was read.
func newError(method, path string, resp *http.Response, body []byte, attempts int) *Error {
	e := &Error{
		Method:     method,
		Path:       path,
		StatusCode: resp.StatusCode,
		Body:       truncate(string(body), maxErrorBody),
		Attempts:   attempts,
	}
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) == 0:
		e.Message = http.StatusText(resp.StatusCode)
	case isHTML(resp.Header, trimmed):
		e.Message = "the server answered with an HTML page instead of a Logto JSON error " +
			"(a proxy, load balancer or wrong LOGTO_ENDPOINT?)"
		if m := htmlTitle.FindSubmatch(trimmed); m != nil {
			if title := strings.Join(strings.Fields(string(m[1])), " "); title != "" {
				e.Message += ": " + truncate(title, 200)
			}
		}
	case trimmed[0] == '{':
		var b logtoErrorBody
		if err := json.Unmarshal(trimmed, &b); err != nil {
			e.Message = "malformed JSON error body: " + truncate(string(trimmed), 200)
			break
		}
		e.Code, e.Message, e.Details = b.Code, b.Message, b.Details
		if e.Code == "" && b.OAuthError != "" {
			e.Code = b.OAuthError
		}
		if e.Message == "" {
			e.Message = b.ErrorDescription
		}
		if e.Message == "" && e.Code == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
	default:
		line, _, _ := strings.Cut(string(trimmed), "\n")
		e.Message = truncate(strings.TrimSpace(line), 200)
	}
	if hint, ok := codeHints[e.Code]; ok {
		e.Message += " (" + hint + ")"
	}
	return e
}

// codeHints say what to do about errors that are configuration mistakes.
var codeHints = map[string]string{
	"auth.forbidden": "the access token lacks the Management API scope \"all\": give the application " +
		"a machine-to-machine role with the Logto Management API permission",
	"oidc.invalid_target": "the resource indicator is wrong: set LOGTO_RESOURCE, e.g. https://{tenant}.logto.app/api " +
		"for Logto Cloud or https://default.logto.app/api for a self-hosted Logto",
}

// isHTML reports whether a response is an HTML document (proxy error pages).
func isHTML(h http.Header, trimmed []byte) bool {
	if mt, _, err := mime.ParseMediaType(h.Get("Content-Type")); err == nil && mt == "text/html" {
		return true
	}
	lower := bytes.ToLower(trimmed[:min(len(trimmed), 64)])
	return bytes.HasPrefix(lower, []byte("<!doctype html")) || bytes.HasPrefix(lower, []byte("<html"))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Do not cut a UTF-8 sequence in half.
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
