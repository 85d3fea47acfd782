package logto

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

const (
	// pageSize is Logto's maximum page_size.
	pageSize = 100
	// maxPages stops a server that ignores the page parameter from making
	// a list call loop forever (100 000 rows per list is far beyond the
	// Cloud entity caps).
	maxPages = 1000
)

// listAll reads every page of a list endpoint: page_size=100 and page=1, 2,
// … requested explicitly (also for optionally paginated endpoints, which
// then paginate too), stopping at a short or empty page, or once
// Total-Number rows are covered. Link headers are never followed (Logto's
// lack the /api prefix). When the server sent Total-Number, the rows read
// must add up to it, or the read is incomplete and an error.
func listAll[T any](ctx context.Context, c *Client, path string, query url.Values) ([]T, error) {
	rows, total, err := listPages[T](ctx, c, path, query)
	if err != nil {
		return nil, err
	}
	if err := checkTotal(path, total, len(rows)); err != nil {
		return nil, err
	}
	return rows, nil
}

// listPages reads every page and returns the rows and the last Total-Number
// (-1 if the server sent none).
func listPages[T any](ctx context.Context, c *Client, path string, query url.Values) ([]T, int, error) {
	q := pageQuery(query)
	all := []T{}
	total := -1
	for page := 1; ; page++ {
		if page > maxPages {
			return nil, -1, fmt.Errorf("GET %s: more than %d pages; the server does not seem to honour the page parameter", path, maxPages)
		}
		rows, n, err := readPage[T](ctx, c, path, q, page)
		if err != nil {
			return nil, -1, err
		}
		all = append(all, rows...)
		if n >= 0 {
			total = n
		}
		if len(rows) < pageSize || (total >= 0 && page*pageSize >= total) {
			return all, total, nil
		}
	}
}

// pageQuery is a copy of query with page_size=100.
func pageQuery(query url.Values) url.Values {
	q := url.Values{}
	for k, v := range query {
		q[k] = append([]string(nil), v...)
	}
	q.Set("page_size", strconv.Itoa(pageSize))
	return q
}

// readPage reads one page (q holds page_size and the caller's query; it is
// not modified) and returns its rows and Total-Number (-1 if none).
func readPage[T any](ctx context.Context, c *Client, path string, q url.Values, page int) ([]T, int, error) {
	pq := make(url.Values, len(q)+1)
	for k, v := range q {
		pq[k] = v
	}
	pq.Set("page", strconv.Itoa(page))
	var rows []T
	res, err := c.do(ctx, http.MethodGet, path+"?"+pq.Encode(), nil, &rows)
	if err != nil {
		return nil, -1, err
	}
	if !res.decoded {
		return nil, -1, fmt.Errorf("GET %s: page %d carried no JSON list", path, page)
	}
	n, ok, err := totalNumber(res.header)
	if err != nil {
		return nil, -1, fmt.Errorf("GET %s: page %d: %w", path, page, err)
	}
	if !ok {
		n = -1
	}
	return rows, n, nil
}

// PagedList reads a paginated list whose pages the caller sends, so that
// they can run concurrently within the caller's own bound: Read page 1
// first; each Read returns the pages still to read, which may be read in
// any order and at the same time; then Rows assembles them. Once the first
// page gave Total-Number, every other page is known at once; without it the
// pages follow one another (the next after each full page).
type PagedList[T any] struct {
	c     *Client
	path  string
	query url.Values
	id    func(T) string // de-duplicates rows when set

	mu     sync.Mutex
	pages  map[int][]T
	totals map[int]int
	last   int // the highest page known to be needed
}

// OrganizationPages is GET /api/organizations as a PagedList, whose rows
// are de-duplicated by id (Logto lists organizations without ORDER BY).
func (c *Client) OrganizationPages() *PagedList[Organization] {
	return &PagedList[Organization]{c: c, path: "/api/organizations", query: pageQuery(nil),
		id: func(o Organization) string { return o.ID }}
}

// ApplicationOrganizationPages is GET /api/applications/{id}/organizations
// as a PagedList (de-duplicated by organization id): the organizations a
// machine-to-machine application is in, with its roles there. A missing
// application is a 404 entity.not_exists_with_id.
func (c *Client) ApplicationOrganizationPages(appID string) *PagedList[ApplicationOrganization] {
	return &PagedList[ApplicationOrganization]{c: c, path: pathf("/api/applications/%s/organizations", appID), query: pageQuery(nil),
		id: func(o ApplicationOrganization) string { return o.ID }}
}

// Read reads page (1-based) and returns its rows (as read: not
// de-duplicated, and the read may still turn out incomplete) and the pages
// this answer shows are still to read: after page 1 with Total-Number, all
// the others; after a full page without it, the next; otherwise none.
func (l *PagedList[T]) Read(ctx context.Context, page int) (rows []T, more []int, err error) {
	if page < 1 || page > maxPages {
		return nil, nil, fmt.Errorf("GET %s: page %d is out of range", l.path, page)
	}
	rows, total, err := readPage[T](ctx, l.c, l.path, l.query, page)
	if err != nil {
		return nil, nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pages == nil {
		l.pages, l.totals = map[int][]T{}, map[int]int{}
	}
	l.pages[page], l.totals[page] = rows, total
	switch {
	case page == 1 && total >= 0:
		l.last = max(1, (total+pageSize-1)/pageSize)
		for p := 2; p <= l.last; p++ {
			more = append(more, p)
		}
	case total < 0 && len(rows) == pageSize:
		if page == maxPages {
			return nil, nil, fmt.Errorf("GET %s: more than %d pages; the server does not seem to honour the page parameter", l.path, maxPages)
		}
		l.last = max(l.last, page+1)
		more = []int{page + 1}
	default:
		l.last = max(l.last, page)
	}
	return rows, more, nil
}

// Rows returns the rows of every page read, in page order (de-duplicated
// when the list has ids). The read is incomplete (ErrIncompleteRead) when a
// page is missing, when the pages announced different totals, or when the
// rows do not add up to Total-Number: rows were created or deleted while
// the pages were read, or moved between pages.
func (l *PagedList[T]) Rows() ([]T, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	total := -1
	var all []T
	for p := 1; p <= max(l.last, 1); p++ {
		rows, ok := l.pages[p]
		if !ok {
			return nil, fmt.Errorf("GET %s: %w: page %d was not read", l.path, ErrIncompleteRead, p)
		}
		if t := l.totals[p]; t >= 0 {
			if total >= 0 && t != total {
				return nil, fmt.Errorf("GET %s: %w: the pages reported %d and %d rows (Total-Number); objects changed during the read, run again",
					l.path, ErrIncompleteRead, total, t)
			}
			total = t
		}
		all = append(all, rows...)
	}
	if all == nil {
		all = []T{}
	}
	if l.id != nil {
		seen := make(map[string]bool, len(all))
		unique := all[:0]
		for _, r := range all {
			if k := l.id(r); !seen[k] {
				seen[k] = true
				unique = append(unique, r)
			}
		}
		all = unique
	}
	if err := checkTotal(l.path, total, len(all)); err != nil {
		return nil, err
	}
	return all, nil
}

// totalNumber parses the Total-Number header.
func totalNumber(h http.Header) (int, bool, error) {
	v := strings.TrimSpace(h.Get("Total-Number"))
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, false, fmt.Errorf("malformed Total-Number header %q", v)
	}
	return n, true, nil
}

// checkTotal compares the rows read with the announced total.
func checkTotal(path string, total, read int) error {
	if total < 0 || total == read {
		return nil
	}
	return fmt.Errorf("GET %s: %w: the server reported %d rows (Total-Number) but %d were read; objects changed during the read, run again",
		path, ErrIncompleteRead, total, read)
}

// list reads an endpoint that is not paginated (one request, whole list).
func list[T any](ctx context.Context, c *Client, path string) ([]T, error) {
	var rows []T
	res, err := c.do(ctx, http.MethodGet, path, nil, &rows)
	if err != nil {
		return nil, err
	}
	if !res.decoded {
		plainPath, _, _ := strings.Cut(path, "?")
		return nil, fmt.Errorf("GET %s: the response carried no JSON list", plainPath)
	}
	return rows, nil
}
