package logto

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// pagedScopes serves n organization scopes in Logto's paginated shape.
// Link headers point where Logto points them: without the /api prefix.
type pagedScopes struct {
	mu          sync.Mutex
	n           int
	totalHeader func(page int) string // "" = no Total-Number header
	pages       []int                 // pages requested, in order
}

func (p *pagedScopes) serve(t *testing.T) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		q := r.URL.Query()
		if q.Get("page_size") != "100" {
			t.Errorf("page_size = %q, want 100", q.Get("page_size"))
		}
		page, err := strconv.Atoi(q.Get("page"))
		if err != nil || page < 1 {
			t.Errorf("page = %q", q.Get("page"))
			return
		}
		p.mu.Lock()
		p.pages = append(p.pages, page)
		p.mu.Unlock()
		var rows []string
		for i := (page - 1) * 100; i < min(page*100, p.n); i++ {
			rows = append(rows, fmt.Sprintf(`{"id":"s%03d","name":"scope-%03d","description":null}`, i, i))
		}
		if p.totalHeader != nil {
			if v := p.totalHeader(page); v != "" {
				w.Header().Set("Total-Number", v)
			}
		}
		w.Header().Add("Link", fmt.Sprintf(`</organization-scopes?page=%d&page_size=100>; rel="next"`, page+1))
		w.Header().Add("Link", `</organization-scopes?page=1&page_size=100>; rel="first"`)
		writeJSON(w, 200, "["+strings.Join(rows, ",")+"]")
	}
}

func TestPaginationReadsEveryPage(t *testing.T) {
	tests := []struct {
		name      string
		n         int
		withTotal bool
		wantPages []int
	}{
		{"several pages with total", 250, true, []int{1, 2, 3}},
		{"several pages without total", 250, false, []int{1, 2, 3}},
		{"exact multiple with total stops at the total", 200, true, []int{1, 2}},
		{"exact multiple without total needs an empty page", 200, false, []int{1, 2, 3}},
		{"empty list", 0, true, []int{1}},
		{"one short page", 7, false, []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			p := &pagedScopes{n: tt.n}
			if tt.withTotal {
				p.totalHeader = func(int) string { return strconv.Itoa(tt.n) }
			}
			f.handle("/api/organization-scopes", p.serve(t))
			// Anything following the Link headers would land here.
			f.mux.HandleFunc("/organization-scopes", func(w http.ResponseWriter, r *http.Request) {
				t.Errorf("followed a Link header: %s", r.URL)
			})
			scopes, err := f.client.ListOrganizationScopes(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(scopes) != tt.n {
				t.Fatalf("read %d scopes, want %d", len(scopes), tt.n)
			}
			for i, s := range scopes {
				if want := fmt.Sprintf("s%03d", i); s.ID != want || s.Description != nil {
					t.Fatalf("scope %d = %+v, want id %s and a nil description", i, s, want)
				}
			}
			if fmt.Sprint(p.pages) != fmt.Sprint(tt.wantPages) {
				t.Errorf("pages requested = %v, want %v", p.pages, tt.wantPages)
			}
		})
	}
}

func TestPaginationTotalMismatchIsAnError(t *testing.T) {
	tests := []struct {
		name  string
		n     int
		total func(page int) string
	}{
		{"rows missing (deleted between pages)", 150, func(int) string { return "160" }},
		{"more rows than announced", 50, func(int) string { return "40" }},
		{"total grew during the read", 150, func(page int) string { return strconv.Itoa(150 + page) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			p := &pagedScopes{n: tt.n, totalHeader: tt.total}
			f.handle("/api/organization-scopes", p.serve(t))
			_, err := f.client.ListOrganizationScopes(context.Background())
			if !errors.Is(err, ErrIncompleteRead) {
				t.Fatalf("err = %v, want ErrIncompleteRead", err)
			}
			if !strings.Contains(err.Error(), "GET /api/organization-scopes") {
				t.Errorf("error %q does not name the list", err)
			}
		})
	}
}

func TestPaginationMalformedTotal(t *testing.T) {
	f := setup(t)
	p := &pagedScopes{n: 3, totalHeader: func(int) string { return "many" }}
	f.handle("/api/organization-scopes", p.serve(t))
	if _, err := f.client.ListOrganizationScopes(context.Background()); err == nil || !strings.Contains(err.Error(), "Total-Number") {
		t.Fatalf("err = %v", err)
	}
}

func TestPaginationFailedPageAbortsTheRead(t *testing.T) {
	f := setup(t, func(c *Config) { c.MaxRetries = 1 })
	p := &pagedScopes{n: 250}
	serve := p.serve(t)
	f.handle("/api/organization-scopes", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" {
			writeJSON(w, 500, `{"message":"Internal server error."}`)
			return
		}
		serve(w, r)
	})
	scopes, err := f.client.ListOrganizationScopes(context.Background())
	if StatusOf(err) != 500 || scopes != nil {
		t.Fatalf("got %d scopes and %v, want no rows and the 500", len(scopes), err)
	}
}

func TestPaginationNonListBody(t *testing.T) {
	f := setup(t)
	f.handle("/api/organization-scopes", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte("OK"))
	})
	if _, err := f.client.ListOrganizationScopes(context.Background()); err == nil || !strings.Contains(err.Error(), "no JSON list") {
		t.Fatalf("err = %v", err)
	}
}

func TestListOrganizationsDeduplicates(t *testing.T) {
	// Logto lists organizations without ORDER BY: a row may show up on two
	// pages. The first read here repeats o099 on page 2 and so misses o199;
	// the client reads again and gets a clean list.
	f := setup(t)
	var reads int
	f.handle("/api/organizations", func(w http.ResponseWriter, r *http.Request) {
		page := r.URL.Query().Get("page")
		if page == "1" {
			reads++
		}
		ids := make([]int, 0, 100)
		switch page {
		case "1":
			for i := range 100 {
				ids = append(ids, i)
			}
		case "2":
			start := 100
			if reads == 1 {
				ids = append(ids, 99)
				start = 101
			}
			for i := start; i < 200; i++ {
				ids = append(ids, i)
			}
		case "3":
			ids = append(ids, 200)
		}
		rows := make([]string, len(ids))
		for i, id := range ids {
			rows[i] = fmt.Sprintf(`{"id":"o%03d","name":"org"}`, id)
		}
		w.Header().Set("Total-Number", "201")
		writeJSON(w, 200, "["+strings.Join(rows, ",")+"]")
	})
	orgs, err := f.client.ListOrganizations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs) != 201 || reads != 2 {
		t.Fatalf("got %d orgs after %d reads, want 201 after 2", len(orgs), reads)
	}
	seen := map[string]bool{}
	for _, o := range orgs {
		if seen[o.ID] {
			t.Fatalf("duplicate %s", o.ID)
		}
		seen[o.ID] = true
	}
}

func TestListOrganizationsGivesUpOnUnstablePages(t *testing.T) {
	f := setup(t)
	f.handle("/api/organizations", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Total-Number", "3")
		writeJSON(w, 200, `[{"id":"a"},{"id":"a"},{"id":"b"}]`)
	})
	if _, err := f.client.ListOrganizations(context.Background()); !errors.Is(err, ErrIncompleteRead) {
		t.Fatalf("err = %v, want ErrIncompleteRead", err)
	}
}

func TestListKeepsCallerQuery(t *testing.T) {
	f := setup(t)
	f.handle("/api/applications", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"types": {"MachineToMachine", "Traditional"}, "page": {"1"}, "page_size": {"100"}})
		writeJSON(w, 200, `[]`)
	})
	if _, err := f.client.ListApplications(context.Background(), "MachineToMachine", "Traditional"); err != nil {
		t.Fatal(err)
	}
}

// servePagedOrgs serves n organizations; rowID names the i-th row of a
// page (by default "o%03d" of its index) and total the Total-Number of a
// page ("" for none).
func servePagedOrgs(t *testing.T, f *fixture, n int, total func(page int) string, rowID func(page, i int) string) *[]int {
	var mu sync.Mutex
	var pages []int
	f.handle("/api/organizations", func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if r.URL.Query().Get("page_size") != "100" {
			t.Errorf("page_size = %q", r.URL.Query().Get("page_size"))
		}
		mu.Lock()
		pages = append(pages, page)
		mu.Unlock()
		var rows []string
		for i := (page - 1) * 100; i < min(page*100, n); i++ {
			id := fmt.Sprintf("o%03d", i)
			if rowID != nil {
				id = rowID(page, i)
			}
			rows = append(rows, fmt.Sprintf(`{"id":%q,"name":"org"}`, id))
		}
		if v := total(page); v != "" {
			w.Header().Set("Total-Number", v)
		}
		writeJSON(w, 200, "["+strings.Join(rows, ",")+"]")
	})
	return &pages
}

// readAllPages reads l as a caller that sends the pages Read announces
// concurrently does.
func readAllPages[T any](t *testing.T, l *PagedList[T]) error {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	var read func(page int)
	read = func(page int) {
		defer wg.Done()
		_, more, err := l.Read(context.Background(), page)
		mu.Lock()
		if err != nil && firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		for _, p := range more {
			wg.Add(1)
			go read(p)
		}
	}
	wg.Add(1)
	read(1)
	wg.Wait()
	return firstErr
}

func TestPagedListAnnouncesEveryPageAfterTheFirst(t *testing.T) {
	tests := []struct {
		name      string
		n         int
		withTotal bool
		wantPages int
		wantMore  []int // pages the first Read announces
	}{
		{"total known: the rest at once", 250, true, 3, []int{2, 3}},
		{"one full page and its total: no second request", 100, true, 1, nil},
		{"short first page", 7, true, 1, nil},
		{"empty", 0, true, 1, nil},
		{"no total: one page after another", 250, false, 3, []int{2}},
		{"no total, exact multiple: an empty page ends it", 200, false, 3, []int{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			pages := servePagedOrgs(t, f, tt.n, func(int) string {
				if tt.withTotal {
					return strconv.Itoa(tt.n)
				}
				return ""
			}, nil)
			l := f.client.OrganizationPages()
			rows, more, err := l.Read(context.Background(), 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != min(tt.n, 100) {
				t.Errorf("page 1 has %d rows, want %d", len(rows), min(tt.n, 100))
			}
			if fmt.Sprint(more) != fmt.Sprint(tt.wantMore) {
				t.Errorf("page 1 announces %v, want %v", more, tt.wantMore)
			}
			l = f.client.OrganizationPages()
			*pages = nil
			if err := readAllPages(t, l); err != nil {
				t.Fatal(err)
			}
			orgs, err := l.Rows()
			if err != nil {
				t.Fatal(err)
			}
			if len(orgs) != tt.n || len(*pages) != tt.wantPages {
				t.Fatalf("%d organizations in %d requests (%v), want %d in %d", len(orgs), len(*pages), *pages, tt.n, tt.wantPages)
			}
			for i, o := range orgs {
				if want := fmt.Sprintf("o%03d", i); o.ID != want {
					t.Fatalf("organization %d is %s, want %s (page order)", i, o.ID, want)
				}
			}
		})
	}
}

func TestPagedListIncompleteReads(t *testing.T) {
	tests := []struct {
		name  string
		total func(page int) string
		rowID func(page, i int) string
	}{
		{"the total changed between pages", func(page int) string { return strconv.Itoa(249 + page%2) }, nil},
		{"fewer rows than the total", func(int) string { return "260" }, nil},
		{"a row on two pages hides another", func(int) string { return "250" }, func(page, i int) string {
			if i == 100 {
				return "o099"
			}
			return fmt.Sprintf("o%03d", i)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			servePagedOrgs(t, f, 250, tt.total, tt.rowID)
			l := f.client.OrganizationPages()
			if err := readAllPages(t, l); err != nil {
				t.Fatal(err)
			}
			if _, err := l.Rows(); !errors.Is(err, ErrIncompleteRead) {
				t.Fatalf("Rows: %v, want ErrIncompleteRead", err)
			}
		})
	}
	t.Run("a page not read", func(t *testing.T) {
		f := setup(t)
		servePagedOrgs(t, f, 250, func(int) string { return "250" }, nil)
		l := f.client.OrganizationPages()
		if _, _, err := l.Read(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Rows(); !errors.Is(err, ErrIncompleteRead) {
			t.Fatalf("Rows: %v, want ErrIncompleteRead", err)
		}
	})
}
