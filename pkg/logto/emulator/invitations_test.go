package emulator

import (
	"fmt"
	"testing"
	"time"
)

func TestInvitationMessages(t *testing.T) {
	clk := newClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	h := start(t, Options{MessageRateLimit: 3, MessageRateWindow: time.Minute})
	h.e.now = clk.now
	h.vars["future"] = fmt.Sprint(clk.now().Add(time.Hour).UnixMilli())
	h.run([]step{
		{name: "org", method: "POST", path: "/api/organizations", body: `{"name":"Acme","branding":{"logoUrl":"https://cdn.example/l.png"}}`, status: 201, save: "org"},
		{name: "inviter", method: "POST", path: "/api/users", body: `{"primaryEmail":"boss@acme.com","name":"Boss"}`, status: 200, save: "boss"},
		{name: "payload without a connector", method: "POST", path: "/api/organization-invitations",
			body: `{"invitee":"new@acme.com","organizationId":"{org}","expiresAt":{future},"messagePayload":{}}`, status: 501, code: "connector.not_found",
			check: func(t *testing.T, r result) {
				equal(t, "message", r.obj()["message"], "Cannot find any available connector for type: Email.")
			}},
		{name: "rolled back", method: "GET", path: "/api/organization-invitations", status: 200,
			check: func(t *testing.T, r result) { equal(t, "invitations", len(r.list()), 0) }},
		{name: "messagePayload true", method: "POST", path: "/api/organization-invitations",
			body: `{"invitee":"new@acme.com","organizationId":"{org}","expiresAt":{future},"messagePayload":true}`, status: 400, code: "guard.invalid_input"},
		{name: "link not a string", method: "POST", path: "/api/organization-invitations",
			body: `{"invitee":"new@acme.com","organizationId":"{org}","expiresAt":{future},"messagePayload":{"link":1}}`, status: 400, code: "guard.invalid_input"},
		{name: "messagePayload false", method: "POST", path: "/api/organization-invitations",
			body: `{"invitee":"new@acme.com","organizationId":"{org}","expiresAt":{future},"inviterId":"{boss}","messagePayload":false}`, status: 201, save: "inv",
			check: func(t *testing.T, r result) { equal(t, "status", r.obj()["status"], "Pending") }},
		{name: "send without a connector", method: "POST", path: "/api/organization-invitations/{inv}/message", body: `{"link":"https://app/invite"}`, status: 501, code: "connector.not_found"},
		{name: "kept", method: "GET", path: "/api/organization-invitations/{inv}", status: 200,
			check: func(t *testing.T, r result) { equal(t, "status", r.obj()["status"], "Pending") }},
	})
	equal(t, "nothing sent", len(h.e.SentMessages()), 0)

	h.e.SetEmailConnector(true)
	h.run([]step{
		{name: "send", method: "POST", path: "/api/organization-invitations/{inv}/message", body: `{"link":"https://app/invite?id={inv}","locale":"fr"}`, status: 204},
		{name: "payload must be an object", method: "POST", path: "/api/organization-invitations/{inv}/message", body: `[]`, status: 400, code: "guard.invalid_input"},
		{name: "send for a missing invitation", method: "POST", path: "/api/organization-invitations/zz/message", body: `{}`, status: 404, code: "entity.not_found"},
		{name: "create and send", method: "POST", path: "/api/organization-invitations",
			body: `{"invitee":"other@acme.com","organizationId":"{org}","expiresAt":{future},"messagePayload":{"link":"https://app/x","custom":7}}`, status: 201},
	})
	sent := h.e.SentMessages()
	equal(t, "sent", len(sent), 2)
	equal(t, "first", []any{sent[0].To, sent[0].Type, sent[0].Payload["link"], sent[0].Payload["locale"]},
		[]any{"new@acme.com", "OrganizationInvitation", "https://app/invite?id=" + h.vars["inv"], "fr"})
	equal(t, "template context", sent[0].Payload["organization"], map[string]any{"id": h.vars["org"], "name": "Acme",
		"branding": map[string]any{"logoUrl": "https://cdn.example/l.png"}})
	equal(t, "inviter", sent[0].Payload["inviter"].(obj)["name"], "Boss")
	equal(t, "second", []any{sent[1].To, sent[1].Payload["custom"], sent[1].Payload["inviter"]}, []any{"other@acme.com", 7, nil})

	// Three sends per minute to one recipient (compared in lower case).
	h.run([]step{
		{name: "third send", method: "POST", path: "/api/organization-invitations/{inv}/message", body: `{}`, status: 204},
		{name: "fourth send", method: "POST", path: "/api/organization-invitations/{inv}/message", body: `{}`, status: 204},
		{name: "over the limit", method: "POST", path: "/api/organization-invitations/{inv}/message", body: `{}`, status: 429, code: "request.message_rate_limited"},
		{name: "create over the limit rolls back", method: "POST", path: "/api/organization-invitations",
			body: `{"invitee":"NEW@acme.com","organizationId":"{org}","expiresAt":{future},"messagePayload":{}}`, status: 429, code: "request.message_rate_limited"},
		{name: "not stored", method: "GET", path: "/api/organization-invitations?invitee=new@acme.com", status: 200,
			check: func(t *testing.T, r result) { equal(t, "ids", names(r, "id"), []string{h.vars["inv"]}) }},
	})
	clk.advance(time.Minute)
	h.run([]step{{name: "window passed", method: "POST", path: "/api/organization-invitations/{inv}/message", body: `{}`, status: 204}})
	equal(t, "sent in all", len(h.e.SentMessages()), 5)
}

func TestInvitationStatus(t *testing.T) {
	clk := newClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	h := start(t, Options{})
	h.e.now = clk.now
	h.vars["future"] = fmt.Sprint(clk.now().Add(time.Hour).UnixMilli())
	h.run([]step{
		{name: "org", method: "POST", path: "/api/organizations", body: `{"name":"Acme"}`, status: 201, save: "org"},
		{name: "role", method: "POST", path: "/api/organization-roles", body: `{"name":"member"}`, status: 201, save: "role"},
		{name: "invite", method: "POST", path: "/api/organization-invitations",
			body: `{"invitee":"a@acme.com","organizationId":"{org}","expiresAt":{future},"organizationRoleIds":["{role}","{role}"]}`, status: 201, save: "inv",
			check: func(t *testing.T, r result) {
				equal(t, "roles deduplicated", len(r.obj()["organizationRoles"].([]any)), 1)
			}},
		{name: "bad status", method: "PUT", path: "/api/organization-invitations/{inv}/status", body: `{"status":"Expired"}`, status: 400, code: "guard.invalid_input"},
		{name: "accept without a user", method: "PUT", path: "/api/organization-invitations/{inv}/status", body: `{"status":"Accepted"}`, status: 422, code: "request.invalid_input"},
		{name: "accept without a user, missing invitation", method: "PUT", path: "/api/organization-invitations/zz/status", body: `{"status":"Accepted"}`, status: 422, code: "request.invalid_input"},
		{name: "revoke missing", method: "PUT", path: "/api/organization-invitations/zz/status", body: `{"status":"Revoked"}`, status: 404, code: "entity.not_found"},
		{name: "accept by a missing user", method: "PUT", path: "/api/organization-invitations/{inv}/status", body: `{"status":"Accepted","acceptedUserId":"nobody"}`, status: 404, code: "entity.not_found"},
		{name: "still pending", method: "GET", path: "/api/organization-invitations/{inv}", status: 200,
			check: func(t *testing.T, r result) { equal(t, "status", r.obj()["status"], "Pending") }},
		{name: "other user", method: "POST", path: "/api/users", body: `{"primaryEmail":"b@acme.com"}`, status: 200, save: "b"},
		{name: "accept by someone else", method: "PUT", path: "/api/organization-invitations/{inv}/status", body: `{"status":"Accepted","acceptedUserId":"{b}"}`, status: 422, code: "request.invalid_input"},
		{name: "no member added", method: "GET", path: "/api/organizations/{org}/users", status: 200,
			check: func(t *testing.T, r result) { equal(t, "members", len(r.list()), 0) }},
		{name: "revoke", method: "PUT", path: "/api/organization-invitations/{inv}/status", body: `{"status":"Revoked"}`, status: 200,
			check: func(t *testing.T, r result) { equal(t, "status", r.obj()["status"], "Revoked") }},
		{name: "revoke again", method: "PUT", path: "/api/organization-invitations/{inv}/status", body: `{"status":"Revoked"}`, status: 422, code: "request.invalid_input"},
		{name: "a new invitation after the revoked one", method: "POST", path: "/api/organization-invitations",
			body: `{"invitee":"a@acme.com","organizationId":"{org}","expiresAt":{future}}`, status: 201, save: "inv2"},
	})
	clk.advance(2 * time.Hour)
	h.vars["future"] = fmt.Sprint(clk.now().Add(time.Hour).UnixMilli())
	h.run([]step{
		{name: "expired one does not block", method: "POST", path: "/api/organization-invitations",
			body: `{"invitee":"a@acme.com","organizationId":"{org}","expiresAt":{future}}`, status: 201},
		{name: "expired one marked", method: "GET", path: "/api/organization-invitations/{inv2}", status: 200,
			check: func(t *testing.T, r result) { equal(t, "status", r.obj()["status"], "Expired") }},
	})
	if h.e.db.Invitations[h.vars["inv2"]].Status != "Expired" {
		t.Error("the expired invitation was not marked Expired in the store")
	}
}
