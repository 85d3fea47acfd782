package emulator

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// tokenClaims are the claims of an emulator access token (an HS256 JWT;
// real Logto signs ES384 with its OIDC keys, which clients never verify).
type tokenClaims struct {
	JTI      string `json:"jti"`
	Sub      string `json:"sub"`
	ClientID string `json:"client_id"`
	Iss      string `json:"iss"`
	Aud      string `json:"aud"`
	Scope    string `json:"scope"`
	Iat      int64  `json:"iat"`
	Exp      int64  `json:"exp"`
}

var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT","kid":"emulator"}`))

func (e *Emulator) sign(cl tokenClaims) string {
	payload, _ := json.Marshal(cl)
	signing := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	mac := hmac.New(sha256.New, e.key)
	mac.Write([]byte(signing))
	return signing + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (e *Emulator) verify(token string) (*tokenClaims, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, false
	}
	mac := hmac.New(sha256.New, e.key)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, false
	}
	var cl tokenClaims
	if json.Unmarshal(raw, &cl) != nil {
		return nil, false
	}
	return &cl, true
}

// authenticate checks the bearer token of an /api request like koa-auth.
func (e *Emulator) authenticate(r *http.Request) error {
	h := r.Header.Get("Authorization")
	if h == "" {
		return &apiError{Status: 401, Code: "auth.authorization_header_missing", Message: "Authorization header is missing."}
	}
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return &apiError{Status: 401, Code: "auth.authorization_token_type_not_supported",
			Message: "Authorization type is not supported."}
	}
	cl, ok := e.verify(strings.TrimSpace(token))
	if !ok || cl.Aud != e.resource || e.now().Unix() >= cl.Exp {
		return &apiError{Status: 401, Code: "auth.unauthorized", Message: "Unauthorized. Please check credentials and its scope."}
	}
	if cl.Sub == "" {
		return &apiError{Status: 401, Code: "auth.jwt_sub_missing", Message: "Missing `sub` in JWT."}
	}
	if !strings.Contains(" "+cl.Scope+" ", " all ") {
		return &apiError{Status: 403, Code: "auth.forbidden", Message: "Forbidden. Please check your user roles and permissions."}
	}
	return nil
}

// oidcError is the token endpoint's error body (OAuth fields plus Logto's).
func oidcError(c *call, status int, code, description string) {
	c.json(status, obj{
		"error": code, "error_description": description,
		"code": "oidc." + code, "message": description,
	})
}

// serveOIDC serves POST /oidc/token for the client_credentials grant.
func (e *Emulator) serveOIDC(c *call) {
	r := c.r
	if r.URL.Path != "/oidc/token" {
		c.resp.status = http.StatusNotFound
		c.resp.header.Set("Content-Type", "text/plain; charset=utf-8")
		c.resp.body = []byte("Not Found")
		return
	}
	if r.Method != http.MethodPost {
		oidcError(c, 405, "invalid_request", "method not allowed")
		return
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/x-www-form-urlencoded" {
		oidcError(c, 400, "invalid_request", "only application/x-www-form-urlencoded content-type bodies are supported on POST /token")
		return
	}
	form, err := url.ParseQuery(string(c.body))
	if err != nil {
		oidcError(c, 400, "invalid_request", "could not parse the request body")
		return
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		// RFC 6749 §2.3.1: Basic credentials are form-urlencoded.
		if u, err := url.QueryUnescape(id); err == nil {
			id = u
		}
		if u, err := url.QueryUnescape(secret); err == nil {
			secret = u
		}
		if form.Get("client_secret") != "" {
			oidcError(c, 400, "invalid_request", "client authentication must only be provided using one mechanism")
			return
		}
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	grant := form.Get("grant_type")
	if grant == "" {
		oidcError(c, 400, "invalid_request", "missing required parameter 'grant_type'")
		return
	}
	if id == "" {
		oidcError(c, 400, "invalid_request", "no client authentication mechanism provided")
		return
	}
	e.mu.Lock()
	app, ok := e.db.Apps[id]
	var appSecret, appType string
	var access bool
	if ok {
		appSecret, appType, access = app.Secret, app.Type, app.ManagementAccess
	}
	e.mu.Unlock()
	if !ok {
		oidcError(c, 401, "invalid_client", "client authentication failed")
		return
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(appSecret)) != 1 {
		oidcError(c, 401, "invalid_client", "client authentication failed")
		return
	}
	if grant != "client_credentials" {
		oidcError(c, 400, "unsupported_grant_type", "unsupported grant_type requested")
		return
	}
	if appType != "MachineToMachine" {
		oidcError(c, 400, "unauthorized_client", "requested grant type is not allowed for this client")
		return
	}
	resource := form.Get("resource")
	if resource == "" || resource != e.resource {
		oidcError(c, 400, "invalid_target", "resource indicator is missing, or unknown")
		return
	}
	scope := ""
	if access {
		requested := strings.Fields(form.Get("scope"))
		if len(requested) == 0 {
			requested = []string{"all"}
		}
		for _, s := range requested {
			if s == "all" {
				scope = "all"
			} else {
				oidcError(c, 400, "invalid_scope", "requested scope is not allowed")
				return
			}
		}
	}
	now := e.now()
	token := e.sign(tokenClaims{
		JTI: e.randomID(21), Sub: id, ClientID: id, Iss: "http://" + r.Host + "/oidc", Aud: resource,
		Scope: scope, Iat: now.Unix(), Exp: now.Add(tokenTTL).Unix(),
	})
	body := obj{"access_token": token, "expires_in": int(tokenTTL / time.Second), "token_type": "Bearer"}
	if scope != "" {
		body["scope"] = scope
	}
	c.resp.header.Set("Cache-Control", "no-store")
	c.json(200, body)
}
