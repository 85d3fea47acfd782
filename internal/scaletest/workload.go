// Package scaletest holds orgsync's reference tenant workloads and the tooling to
// measure plans and applies against them: W1 (1,000 organizations of 20
// members) generated in code, Seed to create in an empty tenant what W1
// refers to but orgsync does not manage, and helpers that start an emulated
// tenant with a given latency and a client signed in to it.
//
// The benchmarks and request-budget tests of this package compare orgsync's
// request counts with the minimum the Logto Management API allows.
package scaletest

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/orgsync/orgsync/pkg/state"
)

// W1 dimensions.
const (
	W1Permissions   = 40
	W1Roles         = 10 // of which W1M2MRoles are MachineToMachine
	W1M2MRoles      = 2
	W1Organizations = 1000
	W1Members       = 20   // members per organization
	W1Users         = 5000 // the user pool members are drawn from
	W1Applications  = 20   // the M2M application pool
	W1AppEvery      = 10   // every 10th organization has an application
	W1JITEvery      = 20   // every 20th organization has JIT email domains
	W1ScopesPerAPI  = 8    // scopes of each of the 2 API resources
)

// W1Resources are the indicators of the two API resources W1's roles grant
// scopes of.
var W1Resources = []string{"https://api.w1.example.com", "https://billing.w1.example.com"}

// w1Seed fixes the pseudo-random choices, so W1 is the same on every run.
const w1Seed = 0x5eed_0001

// W1 returns reference workload W1: 40 permissions; 10 roles (2 of them
// MachineToMachine) with 3-12 permissions each and API permissions on 2
// resources; 1,000 organizations of 20 members each (1-2 roles per member,
// drawn from a pool of 5,000 users addressed by email); an M2M application
// in every 10th organization; JIT email domains (and a JIT role) in every
// 20th. Every call returns a new, identical value.
func W1() *state.Config { return W1Slice(W1Organizations) }

// W1Slice returns the first orgs organizations of W1 with all of W1's
// permissions and roles (orgs is clamped to [0, 1000]). The organizations
// are exactly those of W1: W1Slice(n).Organizations is a prefix of
// W1().Organizations.
func W1Slice(orgs int) *state.Config {
	orgs = max(0, min(orgs, W1Organizations))
	rng := rand.New(rand.NewPCG(w1Seed, w1Seed>>1))
	cfg := &state.Config{Settings: state.Settings{MissingUsers: state.MissingUsersError}}

	perms := make([]string, W1Permissions)
	for i := range perms {
		perms[i] = permName(i)
		cfg.Permissions = append(cfg.Permissions, state.Permission{
			Name:        perms[i],
			Description: fmt.Sprintf("W1 permission %d", i),
		})
	}

	var userRoles, m2mRoles []string
	for i := 0; i < W1Roles; i++ {
		r := state.Role{
			Name:        RoleName(i),
			Description: fmt.Sprintf("W1 role %d", i),
			Type:        state.RoleTypeUser,
		}
		if i >= W1Roles-W1M2MRoles {
			r.Type = state.RoleTypeM2M
			m2mRoles = append(m2mRoles, r.Name)
		} else {
			userRoles = append(userRoles, r.Name)
		}
		n := 3 + rng.IntN(10) // 3..12 permissions
		for _, p := range rng.Perm(W1Permissions)[:n] {
			r.Permissions = append(r.Permissions, perms[p])
		}
		slices.Sort(r.Permissions)
		// Every role grants 1-4 scopes of one resource; every other role
		// also grants 1-2 scopes of the second.
		r.APIPermissions = map[string][]string{}
		first := W1Resources[i%2]
		r.APIPermissions[first] = pickScopes(rng, 1+rng.IntN(4))
		if i%2 == 0 {
			second := W1Resources[(i+1)%2]
			r.APIPermissions[second] = pickScopes(rng, 1+rng.IntN(2))
		}
		cfg.Roles = append(cfg.Roles, r)
	}
	slices.SortFunc(cfg.Roles, func(a, b state.Role) int { return cmpString(a.Name, b.Name) })

	for o := 0; o < orgs; o++ {
		key := OrgKey(o)
		org := state.Organization{
			Address:    "organization." + key,
			Key:        key,
			Name:       OrgName(o),
			Pos:        fmt.Sprintf("w1.hcl:%d:1", o+1),
			CustomData: map[string]any{"tier": []string{"free", "pro", "enterprise"}[o%3], "region": "eu"},
		}
		desc := fmt.Sprintf("W1 organization %d", o)
		org.Description = &desc
		for m := 0; m < W1Members; m++ {
			email := UserEmail(memberUser(o, m))
			roles := []string{userRoles[rng.IntN(len(userRoles))]}
			if rng.IntN(3) == 0 { // a third of the members hold two roles
				if second := userRoles[rng.IntN(len(userRoles))]; second != roles[0] {
					roles = append(roles, second)
				}
			}
			slices.Sort(roles)
			org.Members = append(org.Members, state.Member{
				Label: email, Kind: state.RefEmail, Value: email, Roles: roles,
			})
		}
		slices.SortFunc(org.Members, func(a, b state.Member) int { return cmpString(a.Label, b.Label) })
		if o%W1AppEvery == 0 {
			name := AppName((o / W1AppEvery) % W1Applications)
			org.Applications = []state.Application{{
				Label: name, Kind: state.RefName, Value: name,
				Roles: []string{m2mRoles[(o/W1AppEvery)%len(m2mRoles)]},
			}}
		}
		if o%W1JITEvery == 0 {
			org.JIT = &state.JIT{
				EmailDomains: []string{fmt.Sprintf("%s.example.com", key)},
				Roles:        []string{userRoles[(o/W1JITEvery)%len(userRoles)]},
			}
		}
		cfg.Organizations = append(cfg.Organizations, org)
	}
	slices.SortFunc(cfg.Organizations, func(a, b state.Organization) int { return cmpString(a.Address, b.Address) })
	return cfg
}

// memberUser is the pool index of organization o's m-th member: the 20
// members of an organization are distinct, and each pool user belongs to
// W1Organizations*W1Members/W1Users = 4 organizations.
func memberUser(o, m int) int { return (o*W1Members + m*(W1Users/W1Members+1)) % W1Users }

// pickScopes returns n distinct scope names of an API resource, sorted.
func pickScopes(rng *rand.Rand, n int) []string {
	var out []string
	for _, i := range rng.Perm(W1ScopesPerAPI)[:n] {
		out = append(out, ScopeName(i))
	}
	slices.Sort(out)
	return out
}

// permName is the name of W1's i-th permission, e.g. "perm:07".
func permName(i int) string { return fmt.Sprintf("perm:%02d", i) }

// RoleName is the name of W1's i-th role, e.g. "role-03"; the last
// W1M2MRoles roles are MachineToMachine roles.
func RoleName(i int) string { return fmt.Sprintf("role-%02d", i) }

// ScopeName is the name of the i-th scope of each W1 API resource.
func ScopeName(i int) string { return fmt.Sprintf("scope:%02d", i) }

// OrgKey is the block label of W1's o-th organization, e.g. "org0042".
func OrgKey(o int) string { return fmt.Sprintf("org%04d", o) }

// OrgName is the Logto name of W1's o-th organization.
func OrgName(o int) string { return fmt.Sprintf("Org %04d", o) }

// UserEmail is the primary email of the i-th user of the pool.
func UserEmail(i int) string { return fmt.Sprintf("user%04d@w1.example.com", i) }

// AppName is the name of the i-th M2M application of the pool.
func AppName(i int) string { return fmt.Sprintf("w1-bot-%02d", i) }

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
