package diff

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRoleGroups(t *testing.T) {
	in := func(subject string, roles ...string) *item {
		return &item{ch: &Change{ID: subject}, assign: assignment{grp: &assignGroup{org: "o"}, add: roles}}
	}
	bySet := func(ins ...*item) map[string][]*item {
		m := map[string][]*item{}
		for _, i := range ins {
			k := strings.Join(i.assign.add, "\x00")
			m[k] = append(m[k], i)
		}
		return m
	}
	type group struct {
		Roles    []string
		Subjects []string
	}
	tests := []struct {
		name string
		in   map[string][]*item
		want []group
	}{
		{
			name: "one role each: one call per set",
			in:   bySet(in("u1", "a"), in("u2", "a"), in("u3", "b")),
			want: []group{{[]string{"a"}, []string{"u1", "u2"}}, {[]string{"b"}, []string{"u3"}}},
		},
		{
			name: "overlapping sets: one call per role",
			in:   bySet(in("u1", "a"), in("u2", "a", "b"), in("u3", "b"), in("u4", "a", "c"), in("u5", "b", "c")),
			want: []group{
				{[]string{"a"}, []string{"u1", "u2", "u4"}},
				{[]string{"b"}, []string{"u2", "u3", "u5"}},
				{[]string{"c"}, []string{"u4", "u5"}},
			},
		},
		{
			name: "as many roles as sets: per set",
			in:   bySet(in("u1", "a", "b"), in("u2", "a", "b")),
			want: []group{{[]string{"a", "b"}, []string{"u1", "u2"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []group
			for _, g := range roleGroups(tt.in) {
				var subjects []string
				for _, c := range chunks(g.subjects) {
					for _, i := range c {
						subjects = append(subjects, i.ch.ID)
					}
				}
				got = append(got, group{g.roles, subjects})
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("roleGroups (-want +got):\n%s", d)
			}
		})
	}
}
