package emulator

import (
	"strings"
	"time"
)

// ---- §7 organization invitations (routes/organization-invitation/index.ts,
// libraries/organization-invitation.ts) ----

// SentMessage is a message the emulator's e-mail connector "sent".
type SentMessage struct {
	To   string // the recipient
	Type string // the template type, e.g. "OrganizationInvitation"
	// Payload is what Logto hands the connector: the template context
	// (organization {id, name, branding}, inviter {id, name, …} when there is
	// one) merged with the caller's messagePayload (link, locale, …).
	Payload map[string]any
}

// Logto 1.41's defaultMessageRateLimitPolicy: 10 sends per recipient per
// rolling 10 minutes (packages/schemas/src/consts/message-rate-limit.ts).
const (
	defaultMessageRateLimit  = 10
	defaultMessageRateWindow = 600 * time.Second
)

// SetEmailConnector gives the tenant an e-mail connector (on) or takes it
// away: without one, sending an invitation message fails with 501
// connector.not_found.
func (e *Emulator) SetEmailConnector(on bool) { e.emailConnector.Store(on) }

// SentMessages returns the messages sent so far, oldest first.
func (e *Emulator) SentMessages() []SentMessage {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]SentMessage, len(e.sent))
	copy(out, e.sent)
	return out
}

func (e *Emulator) invitationView(inv *invitationRow) obj {
	return obj{
		"tenantId": tenantID, "id": inv.ID, "inviterId": inv.InviterID, "invitee": inv.Invitee,
		"acceptedUserId": inv.AcceptedUserID, "organizationId": inv.OrganizationID, "status": e.invitationStatus(inv),
		"createdAt": inv.CreatedAt, "updatedAt": inv.UpdatedAt, "expiresAt": inv.ExpiresAt,
		"organizationRoles": e.db.roleRefs(inv.RoleIDs),
	}
}

// invitationStatus is the status Logto reports: a Pending invitation past
// its expiry reads Expired.
func (e *Emulator) invitationStatus(inv *invitationRow) string {
	if inv.Status == "Pending" && inv.ExpiresAt <= e.nowMS() {
		return "Expired"
	}
	return inv.Status
}

func (e *Emulator) listInvitations(c *call) error {
	q := c.r.URL.Query()
	orgID, inviterID, invitee := q.Get("organizationId"), q.Get("inviterId"), q.Get("invitee")
	rows := mapValues(e.db.Invitations)
	sortBySeq(rows, func(i *invitationRow) int64 { return -i.Seq })
	out := []any{}
	for _, inv := range rows {
		if orgID != "" && inv.OrganizationID != orgID {
			continue
		}
		if inviterID != "" && (inv.InviterID == nil || *inv.InviterID != inviterID) {
			continue
		}
		if invitee != "" && !strings.EqualFold(inv.Invitee, invitee) {
			continue
		}
		out = append(out, e.invitationView(inv))
	}
	c.json(200, out)
	return nil
}

// messagePayload validates sendMessagePayloadGuard: an object whose code,
// link, locale and uiLocales are strings when present; other keys are kept.
// path is where the payload is in the body (nil: the body itself).
func messagePayload(g *guard, path []any, v any) map[string]any {
	payload, ok := v.(map[string]any)
	if !ok {
		g.add(path, "invalid_type", "Expected object, received "+jsType(v))
		return nil
	}
	for _, k := range []string{"code", "link", "locale", "uiLocales"} {
		if x, present := payload[k]; present {
			if _, isString := x.(string); !isString {
				g.add(append(append([]any{}, path...), k), "invalid_type", "Expected string, received "+jsType(x))
			}
		}
	}
	return payload
}

func (e *Emulator) createInvitation(c *call) error {
	m, g, err := c.object()
	if err != nil {
		return err
	}
	invitee, _ := g.str(m, "invitee", strRule{required: true, email: true})
	orgID, _ := g.str(m, "organizationId", strRule{required: true, min: 1})
	inviterID, _ := g.str(m, "inviterId", strRule{nullable: true})
	expiresAt, _ := g.number(m, "expiresAt", true)
	roleIDs, _ := g.stringList(m, "organizationRoleIds", false, false, strRule{})
	var payload map[string]any // nil: no message (messagePayload false or absent)
	if v, present, _ := decodeField(m, "messagePayload"); present {
		if b, isBool := v.(bool); isBool {
			if b {
				g.add([]any{"messagePayload"}, "invalid_literal", "Invalid literal value, expected false")
			}
		} else {
			payload = messagePayload(g, []any{"messagePayload"}, v)
		}
	}
	if err := g.err(); err != nil {
		return err
	}
	now := e.nowMS()
	if int64(expiresAt) <= now {
		return errInvalidRequest(400, "The value of `expiresAt` must be in the future.")
	}
	// Everything below runs in one transaction in Logto: a failure leaves
	// nothing behind.
	if o, ok := e.db.Orgs[*orgID]; ok {
		for uid := range o.Users {
			if u := e.db.Users[uid]; u != nil && u.PrimaryEmail != nil && *u.PrimaryEmail == *invitee {
				return errInvalidRequest(422, "The invitee is already a member of the organization.")
			}
		}
	}
	var expired []*invitationRow // Pending past expiry: Logto marks them Expired first
	for _, inv := range e.db.Invitations {
		if inv.Status != "Pending" || inv.OrganizationID != *orgID {
			continue
		}
		if inv.ExpiresAt < now && strings.EqualFold(inv.Invitee, *invitee) {
			expired = append(expired, inv)
		} else if inv.Invitee == *invitee {
			return errUnique()
		}
	}
	o, ok := e.db.Orgs[*orgID]
	if !ok {
		return errForeignKey()
	}
	if inviterID != nil {
		if _, ok := e.db.Users[*inviterID]; !ok {
			return errForeignKey()
		}
	}
	for _, id := range roleIDs {
		if _, ok := e.db.OrgRoles[id]; !ok {
			return errForeignKey()
		}
	}
	if payload != nil {
		if err := e.sendInvitationMessage(*invitee, o, inviterID, payload); err != nil {
			return err
		}
	}
	for _, inv := range expired {
		inv.Status = "Expired"
	}
	inv := &invitationRow{ID: e.randomID(21), InviterID: inviterID, Invitee: *invitee, OrganizationID: *orgID,
		Status: "Pending", CreatedAt: now, UpdatedAt: now, ExpiresAt: int64(expiresAt),
		RoleIDs: addUnique([]string{}, roleIDs...), Seq: e.db.next()}
	e.db.Invitations[inv.ID] = inv
	c.changed = true
	c.json(201, e.invitationView(inv))
	return nil
}

// sendInvitationMessage is OrganizationInvitationLibrary.sendEmail: the
// e-mail connector must exist (501), the recipient must be under the
// message rate limit (429), then the message is recorded.
func (e *Emulator) sendInvitationMessage(to string, o *orgRow, inviterID *string, payload map[string]any) error {
	if !e.emailConnector.Load() {
		return &apiError{Status: 501, Code: "connector.not_found", Message: "Cannot find any available connector for type: Email."}
	}
	recipient := strings.ToLower(strings.TrimSpace(to))
	now := e.now()
	if limit := e.messageRateLimit(); limit > 0 && e.has(sinceMessageRateGuard) {
		window := e.opts.MessageRateWindow
		if window <= 0 {
			window = defaultMessageRateWindow
		}
		recent := e.sends[recipient][:0]
		for _, at := range e.sends[recipient] {
			if now.Sub(at) < window {
				recent = append(recent, at)
			}
		}
		e.sends[recipient] = recent
		if len(recent) >= limit {
			return &apiError{Status: 429, Code: "request.message_rate_limited",
				Message: "Too many messages sent to this recipient. Please try again later."}
		}
	}
	org := obj{"id": o.ID, "name": o.Name}
	if e.has(sinceOrganizationBrand) {
		org["branding"] = orEmpty(o.Branding)
	}
	full := map[string]any{"organization": org}
	if inviterID != nil {
		if u, ok := e.db.Users[*inviterID]; ok {
			full["inviter"] = obj{"id": u.ID, "avatar": u.Avatar, "name": u.Name, "primaryEmail": u.PrimaryEmail,
				"primaryPhone": u.PrimaryPhone, "username": u.Username, "profile": orEmpty(u.Profile)}
		}
	}
	for k, v := range payload {
		full[k] = v
	}
	e.sent = append(e.sent, SentMessage{To: to, Type: "OrganizationInvitation", Payload: full})
	e.sends[recipient] = append(e.sends[recipient], now)
	return nil
}

func (e *Emulator) messageRateLimit() int {
	switch n := e.opts.MessageRateLimit; {
	case n < 0:
		return 0
	case n == 0:
		return defaultMessageRateLimit
	default:
		return n
	}
}

func (e *Emulator) sendInvitation(c *call) error {
	m, g, err := c.object()
	if err != nil {
		return err
	}
	body := map[string]any{}
	for k := range m {
		body[k], _, _ = decodeField(m, k)
	}
	payload := messagePayload(g, nil, body)
	if err := g.err(); err != nil {
		return err
	}
	inv, ok := e.db.Invitations[c.param("id")]
	if !ok {
		return errNotFound()
	}
	if err := e.sendInvitationMessage(inv.Invitee, e.db.Orgs[inv.OrganizationID], inv.InviterID, payload); err != nil {
		return err
	}
	c.noContent()
	return nil
}

func (e *Emulator) getInvitation(c *call) error {
	inv, ok := e.db.Invitations[c.param("id")]
	if !ok {
		return errNotFound()
	}
	c.json(200, e.invitationView(inv))
	return nil
}

func (e *Emulator) deleteInvitation(c *call) error {
	if _, ok := e.db.Invitations[c.param("id")]; !ok {
		return errNotFound()
	}
	delete(e.db.Invitations, c.param("id"))
	c.changed = true
	c.noContent()
	return nil
}

func (e *Emulator) setInvitationStatus(c *call) error {
	m, g, err := c.object()
	if err != nil {
		return err
	}
	status, _ := g.str(m, "status", strRule{required: true, enum: []string{"Accepted", "Revoked"}})
	acceptedUserID, _ := g.str(m, "acceptedUserId", strRule{nullable: true, max: 21})
	if err := g.err(); err != nil {
		return err
	}
	if *status == "Accepted" && acceptedUserID == nil {
		return errInvalidRequest(422, "The `acceptedUserId` is required when accepting an invitation.")
	}
	inv, ok := e.db.Invitations[c.param("id")]
	if !ok {
		return errNotFound()
	}
	if e.invitationStatus(inv) != "Pending" {
		return errInvalidRequest(422, "The status of the invitation cannot be changed anymore.")
	}
	if *status == "Accepted" {
		u, ok := e.db.Users[*acceptedUserID]
		if !ok {
			return errNotFound()
		}
		if u.PrimaryEmail == nil || !strings.EqualFold(*u.PrimaryEmail, inv.Invitee) {
			return errInvalidRequest(422, "The accepted user must have the same email as the invitee.")
		}
		o := e.db.Orgs[inv.OrganizationID]
		o.Users[u.ID] = addUnique(o.Users[u.ID], inv.RoleIDs...)
		inv.AcceptedUserID = &u.ID
	}
	inv.Status = *status
	inv.UpdatedAt = e.nowMS()
	c.changed = true
	c.json(200, e.invitationView(inv))
	return nil
}
