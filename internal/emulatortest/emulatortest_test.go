package emulatortest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/pkg/logto/emulator"
)

func TestStart(t *testing.T) {
	s := Start(t, emulator.Options{AppID: "a", AppSecret: "b"})
	if s.AppID != "a" || s.AppSecret != "b" || s.E == nil || !strings.HasPrefix(s.URL, "http://127.0.0.1") {
		t.Fatalf("server %+v", s)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "resource": {s.E.Resource()}, "scope": {"all"}}
	req, _ := http.NewRequest("POST", s.URL+"/oidc/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(s.AppID, s.AppSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("token status %d", resp.StatusCode)
	}
	if s.E.Requests() != 1 {
		t.Fatalf("Requests() = %d", s.E.Requests())
	}
}
