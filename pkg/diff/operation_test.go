package diff

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sampleParams holds one value of every operation kind, with every field
// set (pointers to empty values included, since they mean "send it").
func sampleParams() []Params {
	yes, empty, name := true, "", "n"
	return []Params{
		CreatePermission{Name: "p", Description: "d", PreventDestroy: true},
		UpdatePermission{Permission: "ps", Name: &name, Description: &empty},
		DeletePermission{Permission: "ps", Name: "p", DropPreventDestroy: true},
		CreateRole{Name: "r", Description: "d", Type: "User", Permissions: []Ref{"${permission:p}"}, APIPermissions: []Ref{"s1"}, PreventDestroy: true},
		UpdateRole{Role: "r1", Name: &name, Description: &empty, Type: &name},
		SetRolePermissions{Role: "r1", Permissions: []Ref{"ps"}},
		SetRoleAPIPermissions{Role: "r1", APIPermissions: []Ref{"s1"}},
		DeleteRole{Role: "r1", Name: "r", DropPreventDestroy: true},
		CreateOrganization{Name: "o", Description: &name, CustomData: map[string]any{"a": 1.0}, MFARequired: &yes,
			Branding: &OrgBranding{LogoURL: "https://a/l", DarkLogoURL: "https://a/d", FaviconURL: "https://a/f", DarkFaviconURL: "https://a/g"},
			Color:    &OrgColor{Primary: "#fff", DarkPrimary: "#000", DarkMode: &yes}, CustomCSS: &name,
			PreventDestroy: true, SameName: []string{"o0"}},
		UpdateOrganization{Organization: "o1", Name: &name, Description: &empty, CustomData: map[string]any{}, MFARequired: &yes,
			Branding: &OrgBranding{}, Color: &OrgColor{}, CustomCSS: &empty},
		DeleteOrganization{Organization: "o1", DropPreventDestroy: true},
		AddMembers{Organization: "o1", Users: []string{"u1"}},
		AssignMemberRoles{Organization: "o1", Users: []string{"u1"}, Roles: []Ref{"r1"}},
		SetMemberRoles{Organization: "o1", User: "u1", Roles: []Ref{"r1"}},
		RemoveMember{Organization: "o1", User: "u1"},
		AddApplications{Organization: "o1", Applications: []string{"a1"}},
		AssignApplicationRoles{Organization: "o1", Applications: []string{"a1"}, Roles: []Ref{"r1"}},
		RemoveApplicationRole{Organization: "o1", Application: "a1", Role: "r1"},
		RemoveApplication{Organization: "o1", Application: "a1"},
		SetJITEmailDomains{Organization: "o1", EmailDomains: []string{"a.com"}},
		SetJITRoles{Organization: "o1", Roles: []Ref{"r1"}},
		SetJITSSOConnectors{Organization: "${org:organization.o}", SSOConnectors: []string{"c1", "c2"}},
		CreateInvitation{Organization: "o1", Invitee: "a@b.c", Roles: []Ref{"r1"}, ExpiresAt: 1700000000000},
		SendInvitationMessage{Invitation: "${invitation:organization.o.member.\"a@b.c\"}", Invitee: "a@b.c", Link: "https://app/{id}"},
		RevokeInvitation{Invitation: "inv1", Invitee: "a@b.c"},
	}
}

// TestOperationJSONRoundTrip: every kind is decodable (a saved plan can be
// shown) and reads back as the value written.
func TestOperationJSONRoundTrip(t *testing.T) {
	seen := map[OpKind]bool{}
	for _, p := range sampleParams() {
		seen[p.Kind()] = true
		op := Operation{Stage: 3, Address: "organization.o", Covers: []string{"organization.o.member.x"}, Params: p}
		raw, err := json.Marshal(op)
		if err != nil {
			t.Fatalf("%s: %v", p.Kind(), err)
		}
		var back Operation
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatalf("%s: %v\n%s", p.Kind(), err, raw)
		}
		if diff := cmp.Diff(op, back); diff != "" {
			t.Errorf("%s round trip (-wrote +read):\n%s\n%s", p.Kind(), diff, raw)
		}
	}
	for kind := range decoders {
		if !seen[kind] {
			t.Errorf("no sample of operation kind %s", kind)
		}
	}
	if len(seen) != len(decoders) {
		t.Errorf("%d sample kinds, %d decoders", len(seen), len(decoders))
	}
}

// TestUpdateOrganizationEmptyObjects: an empty branding or color object is
// sent (it clears the live one), an absent one is not.
func TestUpdateOrganizationEmptyObjects(t *testing.T) {
	raw, err := marshal(UpdateOrganization{Organization: "o1", Branding: &OrgBranding{}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(raw), `{"organization":"o1","branding":{}}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
