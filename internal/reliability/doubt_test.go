package reliability

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/orgsync/orgsync/internal/scaletest"
	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/logto/emulator"
)

// breakRead returns a handler wrapper that spoils every GET whose path
// matches: how names the spoiling.
func breakRead(match func(path string) bool, how string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet || !match(r.URL.Path) {
				next.ServeHTTP(w, r)
				return
			}
			switch how {
			case "500":
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusInternalServerError)
				_, _ = w.Write([]byte(`{"message":"Internal server error."}`))
			case "html502":
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusBadGateway)
				_, _ = w.Write([]byte("<html><body><h1>502 Bad Gateway</h1></body></html>"))
			case "malformed":
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`[{"id": "x", "name": `))
			case "wrongtype":
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"id": 12, "name": ["x"]}`))
			case "total":
				// The emulator's answer with a Total-Number that disagrees
				// with the rows.
				rec := httptest.NewRecorder()
				next.ServeHTTP(rec, r)
				for k, v := range rec.Header() {
					w.Header()[k] = v
				}
				n, _ := strconv.Atoi(rec.Header().Get("Total-Number"))
				w.Header().Set("Total-Number", strconv.Itoa(n+7))
				w.WriteHeader(rec.Code)
				_, _ = w.Write(rec.Body.Bytes())
			case "drop":
				if hj, ok := w.(http.Hijacker); ok {
					if conn, _, err := hj.Hijack(); err == nil {
						conn.Close()
						return
					}
				}
				panic(http.ErrAbortHandler)
			}
		})
	}
}

// TestDoubtfulReadsPlanNothing: when a read fails, returns malformed JSON,
// an HTML page from a proxy, or a page count that disagrees with
// Total-Number, `orgsync apply` exits 1 and no write (above all no DELETE)
// reaches the tenant. The tenant holds an applied examples/saas, so a plan
// from a partial read would delete.
func TestDoubtfulReadsPlanNothing(t *testing.T) {
	t.Parallel()
	cfg := loadDir(t, saasDir)
	collections := map[string]func(string) bool{
		"organizations": func(p string) bool { return p == "/api/organizations" },
		"roles":         func(p string) bool { return p == "/api/organization-roles" },
		"permissions":   func(p string) bool { return p == "/api/organization-scopes" },
		"members": func(p string) bool {
			return strings.HasPrefix(p, "/api/organizations/") && strings.HasSuffix(p, "/users")
		},
		"record": func(p string) bool {
			return strings.HasPrefix(p, "/api/applications/") && !strings.Contains(p[len("/api/applications/"):], "/")
		},
	}
	modes := []string{"500", "html502", "malformed", "total", "drop", "wrongtype"}
	// Reads the client retries (with waits of up to 30 s in the binary).
	retried := map[string]bool{"500": true, "html502": true, "drop": true}
	for name, match := range collections {
		for _, how := range modes {
			if how == "total" && (name == "record") {
				continue // not a list
			}
			t.Run(name+"/"+how, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				var broken atomic.Bool
				tn := newTenant(t, emulator.Options{}, func(next http.Handler) http.Handler {
					spoiled := breakRead(match, how)(next)
					return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						if broken.Load() {
							spoiled.ServeHTTP(w, r)
							return
						}
						next.ServeHTTP(w, r)
					})
				})
				c := tn.client(nil)
				if err := seedConfig(ctx, c, cfg); err != nil {
					t.Fatal(err)
				}
				if _, _, err := applyConfig(ctx, c, cfg, scaletest.RunOptions{}); err != nil {
					t.Fatal(err)
				}
				broken.Store(true)
				tn.count.reset()
				if retried[how] {
					// The client retries these reads: in-process, with
					// short waits, then the same checks.
					_, _, err := planFor(ctx, tn.client(nil), cfg, diff.Options{})
					if err == nil || !strings.Contains(err.Error(), "GET /api/") {
						t.Errorf("plan after a doubtful read: %v; want an error naming the request", err)
					}
				} else {
					// The permissions file gone: with a trusted empty read, the
					// plan would delete every permission.
					code, stdout, stderr := cli(t, tn.env(), "apply", "-auto-approve", "-c", copyDir(t, saasDir))
					if code != 1 {
						t.Errorf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
					}
					if !strings.Contains(stderr, "GET /api/") || !strings.Contains(stderr, "nothing was planned") {
						t.Errorf("the error does not name the request and say nothing was planned:\n%s", stderr)
					}
				}
				if w := tn.count.writes(); w != 0 {
					t.Errorf("%d writes (%d DELETE) reached the tenant after a doubtful read", w, tn.count.get(http.MethodDelete))
				}
			})
		}
	}
}

// TestNothingToPlanFrom: an empty configuration directory, a missing one
// and one that fails to decode plan nothing: exit 1, and no request reaches
// the tenant.
func TestNothingToPlanFrom(t *testing.T) {
	t.Parallel()
	tn := newTenant(t, emulator.Options{}, nil)
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "main.hcl"), []byte("organization \"x\" {\n  name = \n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badType := t.TempDir()
	if err := os.WriteFile(filepath.Join(badType, "main.hcl"), []byte("permission \"a\" { description = [1] }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dirs := map[string]string{
		"empty":    t.TempDir(),
		"missing":  filepath.Join(t.TempDir(), "nope"),
		"syntax":   bad,
		"bad type": badType,
	}
	for name, dir := range dirs {
		for _, cmd := range []string{"plan", "apply"} {
			args := []string{cmd, "-c", dir}
			if cmd == "apply" {
				args = append(args, "-auto-approve")
			}
			before := tn.emu.Requests()
			code, stdout, stderr := cli(t, tn.env(), args...)
			if code != 1 {
				t.Errorf("%s %s: exit %d, want 1\n%s%s", cmd, name, code, stdout, stderr)
			}
			if n := tn.emu.Requests() - before; n != 0 {
				t.Errorf("%s %s: %d requests reached the tenant", cmd, name, n)
			}
			if strings.TrimSpace(stderr) == "" {
				t.Errorf("%s %s: no error message", cmd, name)
			}
		}
	}
}

// TestMassDeleteGuard: removing most of a managed configuration is refused
// without -allow-mass-delete (exit 1, no write), and allowed with it.
func TestMassDeleteGuard(t *testing.T) {
	t.Parallel()
	tn := newTenant(t, emulator.Options{}, nil)
	dir := t.TempDir()
	var all strings.Builder
	for i := range 6 {
		all.WriteString("organization \"o" + strconv.Itoa(i) + "\" {}\n")
	}
	write := func(s string) {
		if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(all.String())
	if code, out, errs := cli(t, tn.env(), "apply", "-auto-approve", "-c", dir); code != 0 {
		t.Fatalf("first apply: exit %d\n%s%s", code, out, errs)
	}
	write("organization \"o0\" {}\n")
	tn.count.reset()
	code, out, errs := cli(t, tn.env(), "apply", "-auto-approve", "-c", dir)
	if code != 1 || !strings.Contains(errs, "allow-mass-delete") {
		t.Fatalf("removing 5 of 6 organizations: exit %d, want 1 naming -allow-mass-delete\n%s%s", code, out, errs)
	}
	if w := tn.count.writes(); w != 0 {
		t.Fatalf("%d writes after a refused plan", w)
	}
	if code, out, errs := cli(t, tn.env(), "apply", "-auto-approve", "-allow-mass-delete", "-c", dir); code != 0 {
		t.Fatalf("with -allow-mass-delete: exit %d\n%s%s", code, out, errs)
	}
	if d := tn.count.get(http.MethodDelete); d != 5 {
		t.Fatalf("%d DELETE requests with -allow-mass-delete, want 5", d)
	}
}
