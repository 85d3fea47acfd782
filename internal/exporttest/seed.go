// Package exporttest seeds a Logto tenant (usually the emulator) with a
// varied organization template for export tests: unicode, quotes and
// template sequences in names, nested custom data, roles of both types with
// API permissions, applications, JIT settings, organizations sharing a name
// and members without an email.
package exporttest

import (
	"context"
	"fmt"

	"github.com/orgsync/orgsync/pkg/logto"
)

// Organization names of the seeded tenant.
const (
	OrgAcme    = "acme"
	OrgQuoted  = `Quote "Q" ${evil} %{tpl}`
	OrgUnicode = "Société Générale 日本"
	OrgTwin    = "Twin" // two organizations have this name
	OrgBeta    = "beta"
)

// IDs maps a stable name of each seeded object to its Logto id, e.g.
// "org:acme", "org:Twin#1", "org:Twin#2", "user:nohandle", "app:dup-bot#2".
type IDs map[string]string

// Seed creates the varied tenant through c, one request at a time (so that
// an emulator with a fixed seed gives the same ids every run).
func Seed(ctx context.Context, c *logto.Client) (IDs, error) {
	s := &seeder{ctx: ctx, c: c, ids: IDs{}}
	s.run()
	if s.err != nil {
		return nil, fmt.Errorf("seeding the tenant: %w", s.err)
	}
	return s.ids, nil
}

type seeder struct {
	ctx context.Context
	c   *logto.Client
	ids IDs
	err error
}

func str(s string) *string { return &s }

// do runs f unless an earlier step failed.
func (s *seeder) do(what string, f func() error) {
	if s.err != nil {
		return
	}
	if err := f(); err != nil {
		s.err = fmt.Errorf("%s: %w", what, err)
	}
}

func (s *seeder) id(key string) string { return s.ids[key] }

func (s *seeder) run() {
	ctx, c := s.ctx, s.c
	for _, p := range []struct {
		name string
		desc *string
	}{
		{"read:docs", str("Read documents")},
		{"write:docs", str("Écrire des documents ✍ — \"vite\"")},
		{"manage:billing", nil},
		{"invite:member", str("")},
	} {
		s.do("permission "+p.name, func() error {
			out, err := c.CreateOrganizationScope(ctx, p.name, p.desc)
			if err == nil {
				s.ids["perm:"+p.name] = out.ID
			}
			return err
		})
	}
	s.do("resource", func() error {
		res, err := c.CreateResource(ctx, "Reports API", "https://api.example.com")
		if err != nil {
			return err
		}
		s.ids["resource"] = res.ID
		for _, n := range []string{"read:reports", "write:reports"} {
			sc, err := c.CreateResourceScope(ctx, res.ID, n, nil)
			if err != nil {
				return err
			}
			s.ids["scope:"+n] = sc.ID
		}
		return nil
	})
	for _, r := range []logto.CreateOrganizationRole{
		{Name: "admin", Description: str("Full access, ${not} a %{template}"), Type: "User"},
		{Name: "member", Type: "User"},
		{Name: "viewer", Description: str(""), Type: "User"},
		{Name: "automation", Description: str("Bots"), Type: "MachineToMachine"},
		{Name: "auditor", Type: "MachineToMachine"},
	} {
		s.do("role "+r.Name, func() error {
			switch r.Name {
			case "admin":
				r.OrganizationScopeIDs = []string{s.id("perm:read:docs"), s.id("perm:write:docs"), s.id("perm:manage:billing"), s.id("perm:invite:member")}
				r.ResourceScopeIDs = []string{s.id("scope:read:reports"), s.id("scope:write:reports")}
			case "member":
				r.OrganizationScopeIDs = []string{s.id("perm:read:docs")}
			case "automation":
				r.OrganizationScopeIDs = []string{s.id("perm:read:docs")}
				r.ResourceScopeIDs = []string{s.id("scope:read:reports")}
			}
			out, err := c.CreateOrganizationRole(ctx, r)
			if err == nil {
				s.ids["role:"+r.Name] = out.ID
			}
			return err
		})
	}
	for _, u := range []struct {
		key string
		in  logto.CreateUser
	}{
		{"alice", logto.CreateUser{PrimaryEmail: "alice@example.com", Username: "alice", Name: "Alice"}},
		{"bob", logto.CreateUser{PrimaryEmail: "Bob.Smith@Example.com", Name: "Bob"}},
		{"carol", logto.CreateUser{Username: "carol", Name: "Carol"}},
		{"nohandle", logto.CreateUser{Name: "Zoë Without Email"}},
	} {
		s.do("user "+u.key, func() error {
			out, err := c.CreateUser(ctx, u.in)
			if err == nil {
				s.ids["user:"+u.key] = out.ID
			}
			return err
		})
	}
	for _, a := range []struct{ key, name, typ string }{
		{"ci-bot", "ci-bot", "MachineToMachine"},
		{"dup-bot#1", "dup-bot", "MachineToMachine"},
		{"dup-bot#2", "dup-bot", "MachineToMachine"},
		{"web", "Web app", "Traditional"},
	} {
		s.do("application "+a.key, func() error {
			out, err := c.CreateApplication(ctx, a.name, a.typ)
			if err == nil {
				s.ids["app:"+a.key] = out.ID
			}
			return err
		})
	}
	for _, o := range []struct {
		key string
		in  logto.CreateOrganization
	}{
		{OrgAcme, logto.CreateOrganization{Name: OrgAcme, Description: str("Acme's tenant"), IsMfaRequired: ptr(true),
			CustomData: map[string]any{
				"tier":   "enterprise",
				"seats":  25,
				"ratio":  0.1,
				"null":   nil,
				"for":    "loop",
				"ünï":    "ç",
				"a b":    map[string]any{"k-1": []any{1, "x", nil, map[string]any{"deep": true}}, "": "empty key"},
				"${not}": "%{nope} ${x} $${y}",
				"big":    1e21,
				"list":   []any{},
				"obj":    map[string]any{},
			}}},
		{OrgQuoted, logto.CreateOrganization{Name: OrgQuoted, Description: str("")}},
		{OrgUnicode, logto.CreateOrganization{Name: OrgUnicode, Description: str("Banque — 銀行"), CustomData: map[string]any{"country": "FR"}}},
		{OrgTwin + "#1", logto.CreateOrganization{Name: OrgTwin, Description: str("first twin")}},
		{OrgTwin + "#2", logto.CreateOrganization{Name: OrgTwin}},
		{OrgBeta, logto.CreateOrganization{Name: OrgBeta, Description: str("Beta org"), IsMfaRequired: ptr(false)}},
	} {
		s.do("organization "+o.key, func() error {
			out, err := c.CreateOrganization(ctx, o.in)
			if err == nil {
				s.ids["org:"+o.key] = out.ID
			}
			return err
		})
	}
	acme := s.id("org:" + OrgAcme)
	s.do("acme members", func() error {
		if err := c.AddOrganizationUsers(ctx, acme, []string{s.id("user:alice"), s.id("user:bob"), s.id("user:carol"), s.id("user:nohandle")}); err != nil {
			return err
		}
		if err := c.SetOrganizationUserRoles(ctx, acme, s.id("user:alice"), []string{s.id("role:admin")}); err != nil {
			return err
		}
		if err := c.SetOrganizationUserRoles(ctx, acme, s.id("user:bob"), []string{s.id("role:viewer"), s.id("role:member")}); err != nil {
			return err
		}
		return c.SetOrganizationUserRoles(ctx, acme, s.id("user:nohandle"), []string{s.id("role:member")})
	})
	s.do("acme applications", func() error {
		if err := c.AddOrganizationApplications(ctx, acme, []string{s.id("app:ci-bot"), s.id("app:dup-bot#1"), s.id("app:dup-bot#2")}); err != nil {
			return err
		}
		if err := c.AssignOrganizationApplicationsRoles(ctx, acme, []string{s.id("app:ci-bot")}, []string{s.id("role:automation"), s.id("role:auditor")}); err != nil {
			return err
		}
		return c.AssignOrganizationApplicationsRoles(ctx, acme, []string{s.id("app:dup-bot#2")}, []string{s.id("role:auditor")})
	})
	s.do("acme JIT", func() error {
		if err := c.SetJITEmailDomains(ctx, acme, []string{"example.com", "acme.test"}); err != nil {
			return err
		}
		return c.SetJITRoles(ctx, acme, []string{s.id("role:member")})
	})
	s.do("quoted organization members", func() error {
		org := s.id("org:" + OrgQuoted)
		if err := c.AddOrganizationUsers(ctx, org, []string{s.id("user:bob")}); err != nil {
			return err
		}
		return c.AddOrganizationApplications(ctx, org, []string{s.id("app:ci-bot")})
	})
	s.do("twin members", func() error {
		for _, k := range []string{"#1", "#2"} {
			org := s.id("org:" + OrgTwin + k)
			if err := c.AddOrganizationUsers(ctx, org, []string{s.id("user:carol")}); err != nil {
				return err
			}
			if err := c.SetOrganizationUserRoles(ctx, org, s.id("user:carol"), []string{s.id("role:admin")}); err != nil {
				return err
			}
		}
		return nil
	})
	s.do("beta JIT", func() error {
		return c.SetJITRoles(ctx, s.id("org:"+OrgBeta), []string{s.id("role:viewer")})
	})
}

func ptr[T any](v T) *T { return &v }
