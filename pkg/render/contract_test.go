package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/pkg/diff"
)

func decodeMap(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("output is not a JSON object: %v\n%s", err, raw)
	}
	return m
}

// checkFields asserts that obj has exactly the named fields with the given
// JSON types ("string", "number", "bool", "array", "object", "null", or
// alternatives joined by "|").
func checkFields(t *testing.T, where string, obj any, fields map[string]string) {
	t.Helper()
	m, ok := obj.(map[string]any)
	if !ok {
		t.Fatalf("%s is %T, want an object", where, obj)
	}
	for name, want := range fields {
		v, ok := m[name]
		if !ok {
			t.Errorf("%s lacks field %q", where, name)
			continue
		}
		if got := jsonType(v); !strings.Contains("|"+want+"|", "|"+got+"|") {
			t.Errorf("%s.%s is %s, want %s", where, name, got, want)
		}
	}
	for name := range m {
		if _, ok := fields[name]; !ok {
			t.Errorf("%s has unexpected field %q", where, name)
		}
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func TestJSONContract(t *testing.T) {
	var b bytes.Buffer
	p := mixedPlan()
	if err := JSON(&b, p); err != nil {
		t.Fatal(err)
	}
	m := decodeMap(t, b.Bytes())
	checkFields(t, "plan", m, map[string]string{
		"format_version": "string", "targets": "array", "summary": "object", "changes": "array", "operations": "array",
		"drift": "array", "last_apply": "object|null", "token_impact": "array", "token_impact_complete": "bool", "token_impact_gap": "object|null", "unmanaged": "object", "warnings": "array", "effects": "array",
	})
	if m["format_version"] != "1" {
		t.Errorf("format_version = %v, want \"1\"", m["format_version"])
	}
	checkFields(t, "summary", m["summary"], map[string]string{"add": "number", "change": "number", "destroy": "number"})
	summary := m["summary"].(map[string]any)
	if summary["add"] != 5.0 || summary["change"] != 5.0 || summary["destroy"] != 3.0 {
		t.Errorf("summary = %v, want 5/5/3", summary)
	}
	changes := m["changes"].([]any)
	if len(changes) != len(p.Changes) {
		t.Fatalf("%d changes, want %d", len(changes), len(p.Changes))
	}
	for i, c := range changes {
		where := fmt.Sprintf("changes[%d]", i)
		checkFields(t, where, c, map[string]string{
			"address": "string", "kind": "string", "action": "string", "id": "string|null",
			"reason": "string|null", "previous_name": "string|null", "before": "object|null",
			"after": "object|null", "attributes": "array", "classification": "string|null",
		})
		cm := c.(map[string]any)
		if cm["address"] != p.Changes[i].Address {
			t.Errorf("%s.address = %v, want %q (plan order)", where, cm["address"], p.Changes[i].Address)
		}
		switch cm["action"] {
		case "create":
			if cm["before"] != nil || cm["after"] == nil {
				t.Errorf("%s: a create has before %v, after %v", where, cm["before"], cm["after"])
			}
		case "delete":
			if cm["after"] != nil || cm["before"] == nil {
				t.Errorf("%s: a delete has before %v, after %v", where, cm["before"], cm["after"])
			}
		case "update", "rename":
		default:
			t.Errorf("%s.action = %v", where, cm["action"])
		}
		for j, a := range cm["attributes"].([]any) {
			checkFields(t, fmt.Sprintf("%s.attributes[%d]", where, j), a, map[string]string{
				"name": "string", "set": "bool", "before": "string|number|bool|object|array|null",
				"after": "string|number|bool|object|array|null", "added": "array", "removed": "array", "kept": "number",
				"classification": "string|null",
			})
		}
	}
	// custom_data differences keep their JSON structure.
	org := changes[4].(map[string]any)["attributes"].([]any)[0].(map[string]any)
	if jsonType(org["before"]) != "object" || org["before"].(map[string]any)["tier"] != "free" {
		t.Errorf("custom_data before = %v, want the object", org["before"])
	}
	for i, op := range m["operations"].([]any) {
		checkFields(t, fmt.Sprintf("operations[%d]", i), op, map[string]string{
			"stage": "number", "kind": "string", "address": "string", "covers": "array", "parameters": "object",
		})
	}
	for i, d := range m["drift"].([]any) {
		where := fmt.Sprintf("drift[%d]", i)
		checkFields(t, where, d, map[string]string{
			"address": "string", "kind": "string", "action": "string", "id": "string|null", "planned": "bool", "attributes": "array",
		})
		for j, a := range d.(map[string]any)["attributes"].([]any) {
			checkFields(t, fmt.Sprintf("%s.attributes[%d]", where, j), a, map[string]string{
				"name": "string", "applied": "string|number|bool|object|array|null", "live": "string|number|bool|object|array|null", "pending": "bool",
			})
		}
	}
	checkFields(t, "last_apply", m["last_apply"], map[string]string{"orgsync_version": "string|null", "commit": "string|null", "applied_at": "string"})
	if got := m["last_apply"].(map[string]any)["applied_at"]; got != "2024-11-30T14:00:00Z" {
		t.Errorf("last_apply.applied_at = %v, want UTC RFC 3339", got)
	}
	impacts := m["token_impact"].([]any)
	if len(impacts) != 4 {
		t.Fatalf("%d impact entries, want 4", len(impacts))
	}
	for i, im := range impacts {
		checkFields(t, fmt.Sprintf("token_impact[%d]", i), im, map[string]string{
			"kind": "string", "permission": "string", "resource": "string|null", "role": "string",
			"organizations": "array", "users": "array", "applications": "array", "user_count": "number",
			"application_count": "number", "max_lag_seconds": "number", "subjects": "array",
		})
		for j, sub := range im.(map[string]any)["subjects"].([]any) {
			checkFields(t, fmt.Sprintf("token_impact[%d].subjects[%d]", i, j), sub, map[string]string{
				"type": "string", "id": "string", "email": "string|null", "username": "string|null", "name": "string|null",
			})
		}
	}
	if got := fmt.Sprint(impacts[0].(map[string]any)["subjects"]); !strings.Contains(got, "eve@initech.com") || !strings.Contains(got, "u_d") {
		t.Errorf("token_impact[0].subjects = %s, want every subject, named", got)
	}
	if r := impacts[2].(map[string]any)["resource"]; r != "https://api.acme.com" {
		t.Errorf("API permission resource = %v", r)
	}
	checkFields(t, "unmanaged", m["unmanaged"], map[string]string{
		"permissions": "array", "roles": "array", "organizations": "number", "members": "number", "applications": "number",
	})
	if strings.Contains(b.String(), "per_organization") {
		t.Error("the plan JSON carries per-organization subjects")
	}
	// Deterministic: the same plan renders byte for byte the same.
	var again bytes.Buffer
	if err := JSON(&again, mixedPlan()); err != nil {
		t.Fatal(err)
	}
	if again.String() != b.String() {
		t.Error("two renderings of the same plan differ")
	}
}

func TestJSONEmptyArrays(t *testing.T) {
	var b bytes.Buffer
	p := &diff.Plan{
		Changes:     []*diff.Change{{Address: "role.x", Kind: diff.KindRole, Action: diff.Update}},
		TokenImpact: []diff.Impact{{Kind: diff.ImpactRefresh, Permission: "p"}},
	}
	if err := JSON(&b, p); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), ": null") && regexp.MustCompile(`"(changes|operations|token_impact|warnings|attributes|organizations|users|applications|permissions|roles)": null`).MatchString(b.String()) {
		t.Errorf("an array encodes as null:\n%s", b.String())
	}
	for _, want := range []string{`"operations": []`, `"warnings": []`, `"attributes": []`, `"users": []`, `"applications": []`, `"organizations": []`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
}

func TestJSONInvalidAttrValue(t *testing.T) {
	p := &diff.Plan{Changes: []*diff.Change{{
		Address: "role.x", Kind: diff.KindRole, Action: diff.Update,
		Attrs: []diff.AttrChange{{Name: "description", Before: str("not json"), After: str(`"ok"`)}},
	}}}
	var b bytes.Buffer
	if err := JSON(&b, p); err != nil {
		t.Fatal(err)
	}
	attr := decodeMap(t, b.Bytes())["changes"].([]any)[0].(map[string]any)["attributes"].([]any)[0].(map[string]any)
	if attr["before"] != "not json" || attr["after"] != "ok" {
		t.Errorf("attribute = %v", attr)
	}
}

func TestImpactJSON(t *testing.T) {
	var b bytes.Buffer
	if err := ImpactJSON(&b, mixedPlan().TokenImpact, ImpactMeta{AppliedAt: appliedAt}); err != nil {
		t.Fatal(err)
	}
	m := decodeMap(t, b.Bytes())
	checkFields(t, "impact", m, map[string]string{"format_version": "string", "applied_at": "string", "status": "string",
		"token_impact_complete": "bool", "token_impact_gap": "object|null", "organizations": "array"})
	if m["status"] != "complete" {
		t.Errorf("status = %v, want complete", m["status"])
	}
	if m["applied_at"] != "2025-03-14T14:09:26Z" {
		t.Errorf("applied_at = %v, want UTC RFC 3339", m["applied_at"])
	}
	var order []string
	for i, o := range m["organizations"].([]any) {
		where := fmt.Sprintf("organizations[%d]", i)
		checkFields(t, where, o, map[string]string{"id": "string", "name": "string", "reconsent": "object", "refresh": "object", "revocation_lag": "object", "subjects": "array"})
		om := o.(map[string]any)
		order = append(order, om["name"].(string)+"/"+om["id"].(string))
		subj := map[string]string{"users": "array", "applications": "array", "permissions": "array"}
		checkFields(t, where+".reconsent", om["reconsent"], subj)
		checkFields(t, where+".refresh", om["refresh"], subj)
		subj["max_lag_seconds"] = "number"
		checkFields(t, where+".revocation_lag", om["revocation_lag"], subj)
	}
	want := "Acme/org_acme Globex/org_glx Hooli/org_hoo Initech/org_in1 Initech/org_in2"
	if got := strings.Join(order, " "); got != want {
		t.Errorf("organizations in order %s, want %s", got, want)
	}
	acme := m["organizations"].([]any)[0].(map[string]any)
	if got := fmt.Sprint(acme["reconsent"].(map[string]any)["users"]); got != "[u_alice u_bob]" {
		t.Errorf("Acme reconsent users = %s, want the union without duplicates", got)
	}
	if got := acme["revocation_lag"].(map[string]any)["max_lag_seconds"]; got != 3600.0 {
		t.Errorf("Acme max_lag_seconds = %v", got)
	}
	// Per subject: who it is, and each permission gained or lost, with why.
	type change struct {
		Permission, Role, Kind, Cause string
		Resource                      *string
		MaxLagSeconds                 int `json:"max_lag_seconds"`
	}
	type subject struct {
		Type, ID, Email, Username, Name string
		Gains, Loses                    []change
	}
	var file struct {
		Organizations []struct {
			Name     string
			Subjects []subject
		}
	}
	if err := json.Unmarshal(b.Bytes(), &file); err != nil {
		t.Fatal(err)
	}
	api := "https://api.acme.com"
	wantAcme := []subject{
		{Type: "user", ID: "u_a", Email: "ann@acme.com", Gains: []change{},
			Loses: []change{{Permission: "x:legacy", Role: "admin", Kind: "revocation_lag", MaxLagSeconds: 3600}}},
		{Type: "user", ID: "u_alice", Email: "alice@acme.com", Username: "alice", Loses: []change{}, Gains: []change{
			{Permission: "manage:billing", Role: "admin", Kind: "reconsent", Cause: "role_permissions"},
			{Permission: "read:reports", Resource: &api, Role: "admin", Kind: "reconsent"},
		}},
		{Type: "user", ID: "u_bob", Email: "bob@acme.com", Loses: []change{}, Gains: []change{
			{Permission: "manage:billing", Role: "admin", Kind: "reconsent", Cause: "member_added"},
			{Permission: "read:reports", Resource: &api, Role: "admin", Kind: "reconsent"},
		}},
		{Type: "application", ID: "app_ci", Name: "CI deployer", Loses: []change{}, Gains: []change{
			{Permission: "read:members", Role: "automation", Kind: "refresh", Cause: "role_permissions"},
		}},
	}
	if diff := cmp.Diff(wantAcme, file.Organizations[0].Subjects); diff != "" {
		t.Errorf("Acme subjects (-want +got):\n%s", diff)
	}
	if got := file.Organizations[3].Subjects; len(got) != 1 || got[0].Email != "eve@initech.com" || got[0].Loses[0].Cause != "organization_deleted" {
		t.Errorf("Initech/org_in1 subjects = %+v, want eve losing x:legacy as the organization is deleted", got)
	}

	var empty bytes.Buffer
	if err := ImpactJSON(&empty, nil, ImpactMeta{AppliedAt: appliedAt}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(empty.String(), `"organizations": []`) {
		t.Errorf("empty impact file:\n%s", empty.String())
	}
}

// checkMarkdownValid asserts balanced <details> tags and code fences, and
// that every fence closes with the string that opened it.
func checkMarkdownValid(t *testing.T, md string) {
	t.Helper()
	if o, c := strings.Count(md, "<details>"), strings.Count(md, "</details>"); o != c {
		t.Errorf("%d <details> but %d </details>", o, c)
	}
	open := ""
	for i, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "```") {
			continue
		}
		fence := line[:len(line)-len(strings.TrimLeft(line, "`"))]
		switch {
		case open == "":
			open = fence
		case line == open:
			open = ""
		case len(fence) >= len(open):
			t.Errorf("line %d: fence %q inside a block opened by %q", i+1, line, open)
		}
	}
	if open != "" {
		t.Errorf("code fence %q is never closed", open)
	}
	if !strings.HasSuffix(md, "\n") {
		t.Error("markdown does not end with a newline (cut in a line?)")
	}
}

func TestMarkdownFull(t *testing.T) {
	var b bytes.Buffer
	if err := Markdown(&b, mixedPlan(), MarkdownOptions{Title: "production"}); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	checkMarkdownValid(t, md)
	if first := strings.SplitN(md, "\n", 2)[0]; first != "**production** · **Plan:** 5 to add, 5 to change, 3 to destroy" {
		t.Errorf("first line = %q", first)
	}
	for _, want := range []string{
		"> [!WARNING]\n> This plan destroys 3 objects:\n> - `organization.acme.member.\"carol@acme.com\"`",
		"| kind | permission | resource | role | organizations | users | apps |",
		"| reconsent | `read:reports` | `https://api.acme.com` | admin | Acme | 2 | 0 |",
		"<details><summary>Show 13 changes</summary>",
		"```diff\n",
		"+   permission \"manage:billing\" {",
		"-   role \"legacy\" {",
		"!       description = \"Invite\" -> \"Invite people\"",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if strings.Contains(md, "summarised") {
		t.Error("a small plan was summarised")
	}
}

func TestMarkdownBacktickFence(t *testing.T) {
	p := &diff.Plan{Changes: []*diff.Change{{
		Address: "role.x", Kind: diff.KindRole, Action: diff.Create,
		After: map[string]any{"description": "see ```code``` and ````more````"},
	}}}
	var b bytes.Buffer
	if err := Markdown(&b, p, MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "`````diff\n") {
		t.Errorf("fence not longer than the backticks inside:\n%s", b.String())
	}
	checkMarkdownValid(t, b.String())
}

func TestMarkdownHugePlan(t *testing.T) {
	p := hugePlan(3000)
	for _, limit := range []int{0, 20000, 2500, 300} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			var b bytes.Buffer
			if err := Markdown(&b, p, MarkdownOptions{MaxBytes: limit}); err != nil {
				t.Fatal(err)
			}
			md := b.String()
			max := limit
			if max == 0 {
				max = DefaultMarkdownMaxBytes
			}
			// The summary line and the note are always kept, even past a
			// limit too small to hold them.
			if limit >= 2500 && len(md) > max {
				t.Errorf("markdown is %d bytes, limit %d", len(md), max)
			}
			checkMarkdownValid(t, md)
			if !strings.HasPrefix(md, "**Plan:** 5400 to add, 0 to change, 300 to destroy\n") {
				t.Errorf("first line = %q", strings.SplitN(md, "\n", 2)[0])
			}
			for _, want := range []string{"was summarised", "`orgsync plan`", "orgsync plan -format json", "| organization | 2700 | 0 | 0 | 300 |", "| member | 2700 | 0 | 0 | 0 |"} {
				if !strings.Contains(md, want) {
					t.Errorf("summarised markdown lacks %q", want)
				}
			}
			// Listed addresses are whole lines.
			addr := regexp.MustCompile(`^[+!-] organization\.customer\["tenant-\d{5}"\](\.member\."owner@tenant\.example")?$`)
			inFence, listed := false, 0
			for _, line := range strings.Split(md, "\n") {
				switch {
				case strings.HasPrefix(line, "```"):
					inFence = !inFence
				case inFence:
					listed++
					if !addr.MatchString(line) {
						t.Errorf("cut or malformed address line %q", line)
					}
				}
			}
			if limit == 0 || limit == 20000 {
				if listed == 0 {
					t.Error("no addresses listed")
				}
				if !strings.Contains(md, fmt.Sprintf("Show the first %d of 5700 changes", listed)) {
					t.Errorf("summary does not say %d of 5700 changes are shown", listed)
				}
				if len(md) < max-500 {
					t.Errorf("markdown is %d bytes: the address list could have used more of %d", len(md), max)
				}
			}
		})
	}
}
