package emulator

import (
	"testing"
	"time"
)

func TestUserMFAVerifications(t *testing.T) {
	clk := newClock(time.Date(2026, 3, 4, 5, 6, 7, 8_000_000, time.UTC))
	h := start(t, Options{})
	h.e.now = clk.now
	h.token = h.fetchToken()
	h.run([]step{
		{name: "user", method: "POST", path: "/api/users", body: `{"primaryEmail":"a@acme.com"}`, status: 200, save: "u"},
		{name: "no MFA", method: "GET", path: "/api/users/{u}/mfa-verifications", status: 200,
			check: func(t *testing.T, r result) { equal(t, "body", string(r.body), "[]") }},
		{name: "missing user", method: "GET", path: "/api/users/zz/mfa-verifications", status: 404, code: "entity.not_found"},
	})
	if err := h.e.AddUserMFA(h.vars["u"], "Totp"); err != nil {
		t.Fatal(err)
	}
	if err := h.e.AddUserMFA(h.vars["u"], "Totp"); err == nil {
		t.Error("a second Totp factor was accepted")
	}
	if err := h.e.AddUserMFA(h.vars["u"], "BackupCode"); err != nil {
		t.Fatal(err)
	}
	if err := h.e.AddUserMFA(h.vars["u"], "Sms"); err == nil {
		t.Error("an unknown factor was accepted")
	}
	if err := h.e.AddUserMFA("zz", "Totp"); err == nil {
		t.Error("a factor for a missing user was accepted")
	}
	h.run([]step{{name: "factors", method: "GET", path: "/api/users/{u}/mfa-verifications", status: 200, check: func(t *testing.T, r result) {
		l := r.list()
		equal(t, "types", names(r, "type"), []string{"Totp", "BackupCode"})
		equal(t, "createdAt is an ISO string", l[0]["createdAt"], "2026-03-04T05:06:07.008Z")
		equal(t, "remaining codes", l[1]["remainCodes"], 10)
		if _, ok := l[0]["remainCodes"]; ok {
			t.Error("a Totp entry has no remainCodes")
		}
	}}})
}
