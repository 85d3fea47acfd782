package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/orgsync/orgsync/pkg/logto/emulator"
)

// tokenCatcher records every access token the emulator issues.
type tokenCatcher struct {
	mu     sync.Mutex
	tokens []string
}

func (tc *tokenCatcher) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/oidc/token" {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var body struct {
			AccessToken string `json:"access_token"`
		}
		if json.Unmarshal(rec.Body.Bytes(), &body) == nil && body.AccessToken != "" {
			tc.mu.Lock()
			tc.tokens = append(tc.tokens, body.AccessToken)
			tc.mu.Unlock()
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

func (tc *tokenCatcher) all() []string {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	return append([]string(nil), tc.tokens...)
}

// TestSecretsNeverShown runs plan, apply, plan -out, apply PLANFILE and
// export at trace and debug level in both log formats, and looks for the
// application secret and every issued access token in stdout, stderr, the
// saved plan and the exported files. Saved plans must be mode 0600.
func TestSecretsNeverShown(t *testing.T) {
	t.Parallel()
	cfg := loadDir(t, saasDir)
	for _, level := range []string{"trace", "debug"} {
		for _, format := range []string{"console", "json"} {
			t.Run(level+"/"+format, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				tc := &tokenCatcher{}
				tn := newTenant(t, emulator.Options{AppSecret: "s3cr3t-" + level + "-" + format + "-value"}, tc.wrap)
				if err := seedConfig(ctx, tn.client(nil), cfg); err != nil {
					t.Fatal(err)
				}
				dir := copyDir(t, saasDir)
				work := t.TempDir()
				planFile := filepath.Join(work, "tfplan")
				exportDir := filepath.Join(work, "export")
				logs := []string{"-log-level", level, "-log-format", format}
				steps := [][]string{
					append([]string{"plan", "-c", dir}, logs...),
					append([]string{"apply", "-auto-approve", "-c", dir}, logs...),
					append([]string{"plan", "-out", planFile, "-c", dir}, logs...),
					append([]string{"apply"}, append(logs, planFile)...),
					append([]string{"export", "-o", exportDir}, logs...),
				}
				var seen bytes.Buffer
				for _, args := range steps {
					code, stdout, stderr := cli(t, tn.env(), args...)
					if code != 0 {
						t.Fatalf("orgsync %v: exit %d\n%s\n%s", args, code, stdout, stderr)
					}
					seen.WriteString(stdout)
					seen.WriteString(stderr)
				}
				if !strings.Contains(seen.String(), "GET") {
					t.Fatalf("at %s level the output shows no request: the log level did not apply", level)
				}
				fi, err := os.Stat(planFile)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != 0o600 {
					t.Errorf("the saved plan has mode %v, want 0600", fi.Mode().Perm())
				}
				files := []string{planFile}
				exported, _ := filepath.Glob(filepath.Join(exportDir, "*"))
				files = append(files, exported...)
				if len(exported) == 0 {
					t.Fatal("export wrote no file")
				}
				for _, f := range files {
					b, err := os.ReadFile(f)
					if err != nil {
						t.Fatal(err)
					}
					seen.WriteString("\n" + string(b))
				}
				secrets := append([]string{tn.emu.AppSecret()}, tc.all()...)
				if len(secrets) < 2 {
					t.Fatal("no access token was captured")
				}
				for _, s := range secrets {
					if i := strings.Index(seen.String(), s); i >= 0 {
						lo := max(0, i-80)
						t.Errorf("a secret (%.8s…) appears in the output or files: …%s…", s, seen.String()[lo:min(len(seen.String()), i+len(s)+20)])
					}
				}
			})
		}
	}
}

// TestPlainHTTPRefused: a plain-http endpoint that is not loopback is
// refused before any network use, with a message naming -insecure-http.
func TestPlainHTTPRefused(t *testing.T) {
	t.Parallel()
	dir := copyDir(t, saasDir)
	env := []string{"LOGTO_ENDPOINT=http://example.invalid", "LOGTO_APP_ID=app", "LOGTO_APP_SECRET=secret"}
	for _, args := range [][]string{{"plan", "-c", dir}, {"apply", "-auto-approve", "-c", dir}, {"export", "-o", t.TempDir()}} {
		code, stdout, stderr := cli(t, env, args...)
		if code != 1 || !strings.Contains(stderr, "-insecure-http") {
			t.Errorf("orgsync %v against http://example.invalid: exit %d, want 1 naming -insecure-http\n%s%s", args, code, stdout, stderr)
		}
		// A refused endpoint is never resolved: a DNS or connection error
		// would mean the network was used.
		if strings.Contains(stderr, "no such host") || strings.Contains(stderr, "dial") {
			t.Errorf("orgsync %v used the network before refusing:\n%s", args, stderr)
		}
	}
}
