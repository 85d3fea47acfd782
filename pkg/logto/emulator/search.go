package emulator

import (
	"net/url"
	"regexp"
	"strings"
)

// search is Logto's advanced search (utils/search.ts): search / search.<field>,
// mode / mode.<field> (exact, like, similar_to, posix), joint / jointMode
// (or, and) and isCaseSensitive.
type search struct {
	matches       []searchItem
	and           bool
	caseSensitive bool
}

type searchItem struct {
	mode   string
	field  string // "" = every allowed field
	values []string
}

var searchModes = []string{"exact", "like", "similar_to", "posix"}

// parseSearch reads the advanced search parameters of rawQuery; allowed are
// the camelCase fields that may be searched.
func parseSearch(rawQuery string, allowed []string) (*search, error) {
	s := &search{}
	modes := map[string]string{}
	values := map[string][]string{}
	var order []string
	jointSeen := ""
	for _, kv := range strings.Split(rawQuery, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		key, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			continue
		}
		switch {
		case key == "joint" || key == "jointMode":
			if jointSeen == "" || key == "joint" {
				jointSeen = val
			}
		case key == "isCaseSensitive":
			s.caseSensitive = val == "true" || val == "1" || val == "yes" || val == "y"
		case strings.HasPrefix(key, "mode"):
			field, err := searchField(key, allowed)
			if err != nil {
				return nil, err
			}
			if !contains(searchModes, val) {
				msg := "Search match mode `" + val + "`"
				if field != "" {
					msg += " for field `" + field + "`"
				}
				return nil, errInvalidRequest(400, msg+" is not valid, expect one of "+strings.Join(searchModes, ", ")+".")
			}
			modes[field] = val
		case strings.HasPrefix(key, "search"):
			field, err := searchField(key, allowed)
			if err != nil {
				return nil, err
			}
			if _, ok := values[field]; !ok {
				order = append(order, field)
			}
			values[field] = append(values[field], val)
		}
	}
	switch jointSeen {
	case "", "or":
	case "and":
		s.and = true
	default:
		return nil, errInvalidRequest(400, "Search joint mode `"+jointSeen+"` is not valid, expect one of and, or.")
	}
	for _, field := range order {
		vals := values[field]
		mode, ok := modes[field]
		if !ok {
			mode, ok = modes[""]
		}
		if !ok {
			mode = "like"
		}
		if mode == "exact" {
			for _, v := range vals {
				if v == "" {
					return nil, errInvalidRequest(400, "Search value cannot be empty.")
				}
			}
		} else {
			if len(vals) != 1 {
				return nil, errInvalidRequest(400, "Only one search value is allowed when search mode is not `exact`.")
			}
			if vals[0] == "" {
				return nil, errInvalidRequest(400, "Search value cannot be empty.")
			}
		}
		if mode == "similar_to" && !s.caseSensitive {
			return nil, errInvalidRequest(400, "Cannot use case-insensitive match for `similar to`.")
		}
		s.matches = append(s.matches, searchItem{mode: mode, field: field, values: vals})
	}
	return s, nil
}

func searchField(key string, allowed []string) (string, error) {
	path := strings.Split(key, ".")
	if len(path) > 2 {
		return "", errInvalidRequest(400, "Unsupported nested search field path `"+strings.Join(path[1:], ".")+
			"` detected. Only the first level field is supported.")
	}
	if len(path) == 2 {
		if !contains(allowed, path[1]) {
			return "", errInvalidRequest(400, "Search field `"+path[1]+"` is not allowed. Expect one of "+strings.Join(allowed, ", ")+".")
		}
		return path[1], nil
	}
	return "", nil
}

// match reports whether a row matches; get returns a field's value (nil = NULL).
func (s *search) match(allowed []string, get func(field string) *string) (bool, error) {
	if len(s.matches) == 0 {
		return true, nil
	}
	for _, m := range s.matches {
		ok, err := s.matchItem(m, allowed, get)
		if err != nil {
			return false, err
		}
		if s.and && !ok {
			return false, nil
		}
		if !s.and && ok {
			return true, nil
		}
	}
	return s.and, nil
}

func (s *search) matchItem(m searchItem, allowed []string, get func(string) *string) (bool, error) {
	fields := allowed
	if m.field != "" {
		fields = []string{m.field}
	}
	var re *regexp.Regexp
	switch m.mode {
	case "like":
		re = likeRegexp(m.values[0], !s.caseSensitive)
	case "similar_to":
		re = similarRegexp(m.values[0])
	case "posix":
		expr := m.values[0]
		if !s.caseSensitive {
			expr = "(?i)" + expr
		}
		var err error
		if re, err = regexp.Compile(expr); err != nil {
			return false, errInvalidRequest(400, "invalid regular expression: "+err.Error())
		}
	}
	for _, f := range fields {
		v := get(f)
		if v == nil {
			continue
		}
		if m.mode == "exact" {
			for _, want := range m.values {
				//lint:ignore SA6005 Logto compares lower(field) = lower(value), which is not Unicode case folding.
				if *v == want || (!s.caseSensitive && strings.ToLower(*v) == strings.ToLower(want)) {
					return true, nil
				}
			}
			continue
		}
		if re != nil && re.MatchString(*v) {
			return true, nil
		}
	}
	return false, nil
}

// likeRegexp translates a SQL LIKE pattern (% and _ wildcards, \ escapes).
func likeRegexp(pattern string, insensitive bool) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?s)")
	if insensitive {
		b.WriteString("(?i)")
	}
	b.WriteString("^")
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		case '\\':
			if i+1 < len(rs) {
				i++
				b.WriteString(regexp.QuoteMeta(string(rs[i])))
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// similarRegexp translates a SQL SIMILAR TO pattern.
func similarRegexp(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?s)^(?:")
	for _, r := range pattern {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		case '|', '*', '+', '?', '(', ')', '[', ']', '{', '}':
			b.WriteRune(r)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(")$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return regexp.MustCompile(`^\b$`) // matches nothing
	}
	return re
}

// qFilter is the SchemaRouter `q` keyword: case-insensitive substring
// (ILIKE '%q%', so % and _ inside q are wildcards) over any of the values.
type qFilter struct{ re *regexp.Regexp }

func newQ(q string) qFilter {
	if q == "" {
		return qFilter{}
	}
	return qFilter{likeRegexp("%"+q+"%", true)}
}

func (f qFilter) match(values ...*string) bool {
	if f.re == nil {
		return true
	}
	for _, v := range values {
		if v != nil && f.re.MatchString(*v) {
			return true
		}
	}
	return false
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
