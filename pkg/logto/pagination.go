package logto

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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
	q := url.Values{}
	for k, v := range query {
		q[k] = append([]string(nil), v...)
	}
	q.Set("page_size", strconv.Itoa(pageSize))
	all := []T{}
	total := -1
	for page := 1; ; page++ {
		if page > maxPages {
			return nil, -1, fmt.Errorf("GET %s: more than %d pages; the server does not seem to honour the page parameter", path, maxPages)
		}
		q.Set("page", strconv.Itoa(page))
		var rows []T
		res, err := c.do(ctx, http.MethodGet, path+"?"+q.Encode(), nil, &rows)
		if err != nil {
			return nil, -1, err
		}
		if !res.decoded {
			return nil, -1, fmt.Errorf("GET %s: page %d carried no JSON list", path, page)
		}
		all = append(all, rows...)
		if n, ok, err := totalNumber(res.header); err != nil {
			return nil, -1, fmt.Errorf("GET %s: page %d: %w", path, page, err)
		} else if ok {
			total = n
		}
		if len(rows) < pageSize || (total >= 0 && page*pageSize >= total) {
			return all, total, nil
		}
	}
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
