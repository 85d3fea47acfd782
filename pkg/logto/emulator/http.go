package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// apiError is a Logto RequestError: {message, code, data?, details?}.
type apiError struct {
	Status  int
	Code    string // "" for bodies that carry only a message (malformed JSON)
	Message string
	Data    any
	Details string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

func (e *apiError) body() any {
	if e.Code == "" {
		return map[string]string{"message": e.Message}
	}
	type wire struct {
		Message string `json:"message"`
		Code    string `json:"code"`
		Data    any    `json:"data,omitempty"`
		Details string `json:"details,omitempty"`
	}
	return wire{e.Message, e.Code, e.Data, e.Details}
}

func errNotExistsWithID(table, id string) *apiError {
	return &apiError{Status: 404, Code: "entity.not_exists_with_id",
		Message: fmt.Sprintf("The %s with ID `%s` does not exist.", table, id)}
}

func errNotExists(table string) *apiError {
	return &apiError{Status: 404, Code: "entity.not_exists", Message: fmt.Sprintf("The %s does not exist.", table)}
}

func errNotFound() *apiError {
	return &apiError{Status: 404, Code: "entity.not_found", Message: "The resource does not exist."}
}

func errUnique() *apiError {
	return &apiError{Status: 422, Code: "entity.unique_integrity_violation",
		Message: "The entity already exists. Please check the input and try again."}
}

func errForeignKey() *apiError {
	return &apiError{Status: 422, Code: "entity.relation_foreign_key_not_found",
		Message: "Cannot find one or more foreign keys. Please check the input and ensure that all referenced entities exist."}
}

func errConstraint() *apiError {
	return &apiError{Status: 422, Code: "entity.db_constraint_violated", Message: "Database constraint violated."}
}

func errRequireMembership() *apiError {
	return &apiError{Status: 422, Code: "organization.require_membership",
		Message: "The user must be a member of the organization to proceed."}
}

func errInvalidRequest(status int, details string) *apiError {
	return &apiError{Status: status, Code: "request.invalid_input", Message: "Input is invalid. " + details, Details: details}
}

// errInternal is what Logto answers for an error no handler translates.
func errInternal() *apiError {
	return &apiError{Status: 500, Message: "Internal server error."}
}

func errEmptyUpdate() *apiError {
	return &apiError{Status: 422, Code: "entity.invalid_input", Message: "Invalid input. Value list must not be empty."}
}

// call is one request being served under the state lock.
type call struct {
	e       *Emulator
	r       *http.Request
	body    []byte
	params  map[string]string
	resp    *response
	changed bool
}

func (c *call) param(name string) string { return c.params[name] }

func (c *call) json(status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		c.fail(errInternal())
		return
	}
	c.resp.status = status
	c.resp.header.Set("Content-Type", "application/json; charset=utf-8")
	c.resp.body = bytes.TrimRight(buf.Bytes(), "\n")
}

// text answers like koa does for a status without a body ("Created").
func (c *call) text(status int) {
	c.resp.status = status
	c.resp.header.Set("Content-Type", "text/plain; charset=utf-8")
	c.resp.body = []byte(http.StatusText(status))
}

func (c *call) noContent() { c.resp.status = http.StatusNoContent; c.resp.body = nil }

func (c *call) fail(err error) {
	ae, ok := err.(*apiError)
	if !ok {
		ae = errInternal()
	}
	c.json(ae.Status, ae.body())
}

// object parses the JSON body as an object (missing body → {}).
func (c *call) object() (map[string]json.RawMessage, *guard, error) {
	g := &guard{kind: "body"}
	trimmed := bytes.TrimSpace(c.body)
	if len(trimmed) == 0 {
		return map[string]json.RawMessage{}, g, nil
	}
	if !json.Valid(trimmed) {
		var v any
		err := json.Unmarshal(trimmed, &v)
		return nil, nil, &apiError{Status: 400, Message: "Unexpected token in JSON: " + err.Error()}
	}
	raw := map[string]json.RawMessage{}
	if err := json.Unmarshal(trimmed, &raw); err != nil || raw == nil {
		var v any
		_ = json.Unmarshal(trimmed, &v)
		g.add(nil, "invalid_type", "Expected object, received "+jsType(v))
		return nil, nil, g.err()
	}
	return raw, g, nil
}

// guard collects zod-like issues for a body or query.
type guard struct {
	kind   string
	issues []obj
}

func (g *guard) add(path []any, code, message string) {
	if path == nil {
		path = []any{}
	}
	g.issues = append(g.issues, obj{"code": code, "path": path, "message": message})
}

func (g *guard) err() error {
	if len(g.issues) == 0 {
		return nil
	}
	lines := make([]string, len(g.issues))
	for i, is := range g.issues {
		parts := []string{}
		for _, p := range is["path"].([]any) {
			parts = append(parts, fmt.Sprint(p))
		}
		lines[i] = fmt.Sprintf("Error in key path %q: (%s) %s", strings.Join(parts, "."), is["code"], is["message"])
	}
	return &apiError{Status: 400, Code: "guard.invalid_input",
		Message: fmt.Sprintf("The request %s is invalid.", g.kind),
		Data:    obj{"issues": g.issues, "name": "ZodError"}, Details: strings.Join(lines, "\n")}
}

func jsType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	default:
		return "object"
	}
}

// decodeField decodes one field. present is false when absent; null is
// reported as present with isNull.
func decodeField(m map[string]json.RawMessage, key string) (v any, present, isNull bool) {
	raw, ok := m[key]
	if !ok {
		return nil, false, false
	}
	_ = json.Unmarshal(raw, &v)
	return v, true, v == nil
}

type strRule struct {
	required bool
	nullable bool
	min, max int
	pattern  *regexp.Regexp
	enum     []string
	email    bool
}

// str validates a string field. It returns (value, set): set is true when
// the field was given (value nil for an explicit null).
func (g *guard) str(m map[string]json.RawMessage, key string, r strRule) (*string, bool) {
	v, present, isNull := decodeField(m, key)
	path := []any{key}
	if !present {
		if r.required {
			g.add(path, "invalid_type", "Required")
		}
		return nil, false
	}
	if isNull {
		if !r.nullable {
			g.add(path, "invalid_type", "Expected string, received null")
		}
		return nil, true
	}
	s, ok := v.(string)
	if !ok {
		g.add(path, "invalid_type", "Expected string, received "+jsType(v))
		return nil, true
	}
	g.checkString(path, s, r)
	return &s, true
}

func (g *guard) checkString(path []any, s string, r strRule) {
	n := len([]rune(s))
	switch {
	case r.enum != nil:
		ok := false
		for _, e := range r.enum {
			ok = ok || e == s
		}
		if !ok {
			g.add(path, "invalid_enum_value", fmt.Sprintf("Invalid enum value. Expected '%s', received '%s'", strings.Join(r.enum, "' | '"), s))
		}
	case r.min > 0 && n < r.min:
		g.add(path, "too_small", fmt.Sprintf("String must contain at least %d character(s)", r.min))
	case r.max > 0 && n > r.max:
		g.add(path, "too_big", fmt.Sprintf("String must contain at most %d character(s)", r.max))
	case r.email && !emailGuard.MatchString(s):
		g.add(path, "invalid_string", "Invalid email")
	case r.pattern != nil && !r.pattern.MatchString(s):
		g.add(path, "invalid_string", "Invalid")
	}
}

// isURL is zod's url() check, which accepts what the WHATWG URL parser
// (new URL(s)) accepts: an absolute URL of any scheme. Special schemes
// (http, https, ws, wss, ftp) need a valid host; others (javascript:,
// data:, mailto:, …) take any rest, so Logto accepts javascript: and data:
// URLs as logos (seen on Logto 1.37.1).
func isURL(s string) bool {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok || !urlScheme.MatchString(scheme) {
		return false
	}
	switch strings.ToLower(scheme) {
	case "http", "https", "ws", "wss", "ftp":
	default:
		return true
	}
	rest = strings.TrimLeft(rest, "/\\")
	if i := strings.IndexAny(rest, "/\\?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[i+1:]
	}
	host, port := rest, ""
	if strings.HasPrefix(host, "[") {
		end := strings.Index(host, "]")
		if end < 0 {
			return false
		}
		host, port = host[:end+1], strings.TrimPrefix(host[end+1:], ":")
	} else if i := strings.LastIndex(host, ":"); i >= 0 {
		host, port = host[:i], host[i+1:]
	}
	if host == "" || strings.ContainsAny(host, " \t\n\r#%/:<>?@[\\]^|") && !strings.HasPrefix(host, "[") {
		return false
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 0 || n > 65535 || strings.TrimLeft(port, "0123456789") != "" {
			return false
		}
	}
	return true
}

var urlScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)

// emailGuard approximates zod's email check.
var emailGuard = regexp.MustCompile(`^[A-Za-z0-9_'+\-.]*[A-Za-z0-9_+\-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$`)

// stringList validates a string array field.
func (g *guard) stringList(m map[string]json.RawMessage, key string, required, nonempty bool, item strRule) ([]string, bool) {
	v, present, _ := decodeField(m, key)
	path := []any{key}
	if !present {
		if required {
			g.add(path, "invalid_type", "Required")
		}
		return nil, false
	}
	arr, ok := v.([]any)
	if !ok {
		g.add(path, "invalid_type", "Expected array, received "+jsType(v))
		return nil, true
	}
	if nonempty && len(arr) == 0 {
		g.add(path, "too_small", "Array must contain at least 1 element(s)")
		return nil, true
	}
	out := make([]string, 0, len(arr))
	for i, it := range arr {
		s, ok := it.(string)
		if !ok {
			g.add([]any{key, i}, "invalid_type", "Expected string, received "+jsType(it))
			continue
		}
		g.checkString([]any{key, i}, s, item)
		out = append(out, s)
	}
	return out, true
}

func (g *guard) boolean(m map[string]json.RawMessage, key string) (*bool, bool) {
	v, present, _ := decodeField(m, key)
	if !present {
		return nil, false
	}
	b, ok := v.(bool)
	if !ok {
		g.add([]any{key}, "invalid_type", "Expected boolean, received "+jsType(v))
		return nil, true
	}
	return &b, true
}

// object validates a JSON object field (nullable: null allowed).
func (g *guard) object(m map[string]json.RawMessage, key string, nullable bool) (map[string]any, bool) {
	v, present, isNull := decodeField(m, key)
	if !present {
		return nil, false
	}
	if isNull && nullable {
		return nil, true
	}
	o, ok := v.(map[string]any)
	if !ok {
		g.add([]any{key}, "invalid_type", "Expected object, received "+jsType(v))
		return nil, true
	}
	return o, true
}

func (g *guard) number(m map[string]json.RawMessage, key string, required bool) (float64, bool) {
	v, present, _ := decodeField(m, key)
	if !present {
		if required {
			g.add([]any{key}, "invalid_type", "Required")
		}
		return 0, false
	}
	f, ok := v.(float64)
	if !ok {
		g.add([]any{key}, "invalid_type", "Expected number, received "+jsType(v))
		return 0, true
	}
	return f, true
}

// pagination is the parsed page/page_size; on is false for an optional
// pagination that was not requested.
type pagination struct {
	on         bool
	page, size int
}

func (c *call) pagination(optional bool) (pagination, error) {
	q := c.r.URL.Query()
	ps, ss := q.Get("page"), q.Get("page_size")
	if optional && ps == "" && ss == "" {
		return pagination{}, nil
	}
	p := pagination{on: true, page: 1, size: 20}
	bad := &apiError{Status: 400, Code: "guard.invalid_pagination", Message: "The pagination value is not valid."}
	if ps != "" {
		n, err := strconv.Atoi(ps)
		if err != nil || n < 1 {
			return p, bad
		}
		p.page = n
	}
	if ss != "" {
		n, err := strconv.Atoi(ss)
		if err != nil || n < 1 || n > 100 {
			return p, bad
		}
		p.size = n
	}
	return p, nil
}

// list writes items, paginated with Total-Number and Link headers when p.on.
func list[T any](c *call, p pagination, items []T, view func(T) any) {
	out := []any{}
	if !p.on {
		for _, it := range items {
			out = append(out, view(it))
		}
		c.json(200, out)
		return
	}
	total := len(items)
	start := min((p.page-1)*p.size, total)
	end := min(start+p.size, total)
	for _, it := range items[start:end] {
		out = append(out, view(it))
	}
	c.json(200, out)
	c.setPageHeaders(p, total)
}

func (c *call) setPageHeaders(p pagination, total int) {
	last := (total + p.size - 1) / p.size
	if last < 1 {
		last = 1
	}
	h := c.resp.header
	h.Set("Total-Number", strconv.Itoa(total))
	h.Add("Link", c.link(1, "first"))
	h.Add("Link", c.link(last, "last"))
	if p.page > 1 {
		h.Add("Link", c.link(p.page-1, "prev"))
	}
	if p.page < last {
		h.Add("Link", c.link(p.page+1, "next"))
	}
}

// link builds a Link value the way Logto does: the request origin and the
// path inside the /api mount (so without "/api"), the query with page set.
func (c *call) link(page int, rel string) string {
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	path := strings.TrimPrefix(c.r.URL.Path, "/api")
	var parts []string
	seen := false
	for _, kv := range strings.Split(c.r.URL.RawQuery, "&") {
		if kv == "" {
			continue
		}
		k, _, _ := strings.Cut(kv, "=")
		if uk, err := url.QueryUnescape(k); err == nil && uk == "page" {
			if !seen {
				parts = append(parts, "page="+strconv.Itoa(page))
				seen = true
			}
			continue
		}
		parts = append(parts, kv)
	}
	if !seen {
		parts = append(parts, "page="+strconv.Itoa(page))
	}
	return fmt.Sprintf(`<%s://%s%s?%s>; rel="%s"`, scheme, c.r.Host, path, strings.Join(parts, "&"), rel)
}

// route is one API route; pattern segments starting with ":" are parameters.
type route struct {
	method    string
	pattern   []string
	handler   func(*call) error
	anonymous bool // not behind the Management API's token check
}

// implementedMethods are koa-router's default methods: others are answered
// 501 Not Implemented.
var implementedMethods = []string{"HEAD", "OPTIONS", "GET", "PUT", "PATCH", "POST", "DELETE"}

// findRoute matches a request like koa-router: the route for the method and
// path (HEAD is served by a GET route), or, when there is none, the methods
// the path has routes for (none: the path is unknown).
func (e *Emulator) findRoute(method, path string) (*route, map[string]string, []string) {
	rest := strings.Trim(strings.TrimPrefix(path, "/api"), "/")
	segs := strings.Split(rest, "/")
	for i, s := range segs {
		if u, err := url.PathUnescape(s); err == nil {
			segs[i] = u
		}
	}
	var allowed []string
	for i := range e.routes {
		rt := &e.routes[i]
		if len(rt.pattern) != len(segs) {
			continue
		}
		params, ok := matchRoute(rt.pattern, segs)
		if !ok {
			continue
		}
		if rt.method == method || (method == http.MethodHead && rt.method == http.MethodGet) {
			return rt, params, nil
		}
		methods := []string{rt.method}
		if rt.method == http.MethodGet {
			methods = []string{http.MethodHead, http.MethodGet}
		}
		for _, m := range methods {
			if !contains(allowed, m) {
				allowed = append(allowed, m)
			}
		}
	}
	return nil, nil, allowed
}

// unrouted answers a request no route takes, as Logto does before any of
// its middleware (the Management API's token check included) runs: 404 Not
// Found for an unknown path, 405 Method Not Allowed (Allow: the path's
// methods) for a known path, 501 for a method koa-router does not know,
// 200 with Allow for OPTIONS.
func (c *call) unrouted(allowed []string) {
	status := http.StatusNotFound
	switch {
	case len(allowed) == 0:
	case !contains(implementedMethods, c.r.Method):
		status = http.StatusNotImplemented
	case c.r.Method == http.MethodOptions:
		status = http.StatusOK
	default:
		status = http.StatusMethodNotAllowed
	}
	if len(allowed) > 0 {
		c.resp.header.Set("Allow", strings.Join(allowed, ", "))
	}
	c.resp.status = status
	c.resp.header.Set("Content-Type", "text/plain; charset=utf-8")
	c.resp.body = []byte(http.StatusText(status))
	if status == http.StatusOK {
		c.resp.body = []byte{}
	}
}

// accountAPI stands for Logto's account API routes, which take a user's
// opaque access token (koa-oidc-auth.ts): the emulator issues none, so
// every request is refused as Logto refuses one without a user token.
func (e *Emulator) accountAPI(c *call) error {
	h := c.r.Header.Get("Authorization")
	switch {
	case h == "":
		return &apiError{Status: 401, Code: "auth.authorization_header_missing", Message: "Authorization header is missing."}
	case !strings.HasPrefix(h, "Bearer "):
		return &apiError{Status: 401, Code: "auth.authorization_token_type_not_supported",
			Message: "Authorization type is not supported.", Data: obj{"supportedTypes": []string{"Bearer"}}}
	default:
		return &apiError{Status: 401, Code: "auth.unauthorized", Message: "Unauthorized. Please check credentials and its scope."}
	}
}

func matchRoute(pattern, segs []string) (map[string]string, bool) {
	params := map[string]string{}
	for i, p := range pattern {
		if strings.HasPrefix(p, ":") {
			if segs[i] == "" {
				return nil, false
			}
			params[p[1:]] = segs[i]
			continue
		}
		if p != segs[i] {
			return nil, false
		}
	}
	return params, true
}
