package apply

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/pkg/state"
)

func sampleRecord() state.Record {
	return state.Record{
		Permissions:    []string{"p2", "p1"},
		Roles:          []string{"r1"},
		Organizations:  []string{"o1", "o2"},
		Members:        map[string][]string{"o1": {"u2", "u1", "u1"}, "o2": {}},
		Applications:   map[string][]string{"o1": {"a1"}},
		PreventDestroy: []string{"o1"},
		Addresses:      map[string]string{"o1": "organization.acme", "p1": `permission."read:x"`},
	}
}

func TestRecordRoundTripAndConflict(t *testing.T) {
	tt := newTestTenant(t)
	tt.protectRecord()
	ctx := context.Background()
	start, err := ReadRecord(ctx, tt.C)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteRecord(ctx, tt.C, sampleRecord(), start.Serial); err != nil {
		t.Fatal(err)
	}
	got, err := ReadRecord(ctx, tt.C)
	if err != nil {
		t.Fatal(err)
	}
	want := NormalizeRecord(sampleRecord())
	want.Serial = start.Serial + 1
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("record round trip (-want +got):\n%s", d)
	}
	if want.Members["o1"][0] != "u1" || len(want.Members) != 1 {
		t.Fatalf("normalization: members %v", want.Members)
	}

	// A writer that read serial start.Serial is now stale.
	err = WriteRecord(ctx, tt.C, state.Record{}, start.Serial)
	var ce *ConflictError
	if !errors.As(err, &ce) || ce.Found != start.Serial+1 || ce.Expected != start.Serial {
		t.Fatalf("stale write: got %v, want a *ConflictError", err)
	}
	wantMsg := fmt.Sprintf("another orgsync apply changed the ownership record (serial %d, expected %d); re-run plan", start.Serial+1, start.Serial)
	if err.Error() != wantMsg {
		t.Fatalf("conflict message %q, want %q", err.Error(), wantMsg)
	}
	again, err := ReadRecord(ctx, tt.C)
	if err != nil || again.Serial != start.Serial+1 || len(again.Permissions) != 2 {
		t.Fatalf("a refused write changed the record: %+v, %v", again, err)
	}
}

func TestReadRecordEmptyTenant(t *testing.T) {
	tt := newTestTenant(t)
	tt.emulatorOnly()
	rec, err := ReadRecord(context.Background(), tt.C)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Serial != 0 || len(rec.Organizations) != 0 || rec.Members == nil || rec.Addresses == nil {
		t.Fatalf("empty record: %+v", rec)
	}
}

// bigRecord is the record of 10,000 organizations with 20 members each and
// random ids (which compress worst).
func bigRecord(orgs, members int) state.Record {
	r := rand.New(rand.NewPCG(1, 2))
	id := func(n int) string {
		const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	rec := state.Record{Members: map[string][]string{}, Addresses: map[string]string{}}
	for i := range orgs {
		o := id(12)
		rec.Organizations = append(rec.Organizations, o)
		rec.Addresses[o] = fmt.Sprintf(`organization.customer["customer-%05d"]`, i)
		for range members {
			rec.Members[o] = append(rec.Members[o], id(12))
		}
	}
	for range 50 {
		rec.Roles = append(rec.Roles, id(21))
		rec.Permissions = append(rec.Permissions, id(21))
	}
	return rec
}

// patchSizes records the body size of every PATCH of the record.
type patchSizes struct {
	mu    sync.Mutex
	sizes []int
}

func (p *patchSizes) hook(req *http.Request, next http.RoundTripper) (*http.Response, error, bool) {
	if req.Method == http.MethodPatch && strings.HasSuffix(req.URL.Path, "/custom-data") {
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		p.mu.Lock()
		p.sizes = append(p.sizes, len(body))
		p.mu.Unlock()
	}
	return nil, nil, false
}

func TestRecordChunkingAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("large record")
	}
	tt := newTestTenant(t)
	tt.protectRecord()
	ctx := context.Background()
	var sizes patchSizes
	c := tt.client(withHook(sizes.hook))
	start, err := ReadRecord(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	big := bigRecord(10_000, 20)
	if err := WriteRecord(ctx, c, big, start.Serial); err != nil {
		t.Fatal(err)
	}
	if len(sizes.sizes) < 3 {
		t.Fatalf("a 10,000 × 20 record was written in %d PATCHes; expected several chunks", len(sizes.sizes))
	}
	for i, n := range sizes.sizes {
		if n > MaxChunkSize+1024 || n >= 1<<20 {
			t.Fatalf("PATCH %d carried %d bytes; the limit per PATCH is %d (+ JSON overhead), Logto's is 1 MB", i, n, MaxChunkSize)
		}
	}
	got, err := ReadRecord(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	want := NormalizeRecord(big)
	want.Serial = start.Serial + 1
	if !cmp.Equal(want, got) {
		t.Fatalf("big record did not round-trip (%d orgs read back, want %d)", len(got.Organizations), len(want.Organizations))
	}

	// Shrinking: write small twice (the slots alternate), then the chunks
	// of the big record in the reused slot are cleared.
	for i := range 2 {
		if err := WriteRecord(ctx, c, sampleRecord(), start.Serial+1+int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	app, err := c.GetApplication(ctx, c.AppID())
	if err != nil {
		t.Fatal(err)
	}
	h, _, _ := decodeHeader(c.AppID(), app.CustomData)
	for k, v := range app.CustomData {
		if i, ok := parseChunkKey(k, h.Slot); ok && i >= h.Chunks && v != nil {
			t.Errorf("stale chunk %s still holds %d bytes", k, len(fmt.Sprint(v)))
		}
	}
	got, err = ReadRecord(ctx, c)
	if err != nil || len(got.Organizations) != 2 || got.Serial != start.Serial+3 {
		t.Fatalf("after shrinking: %+v, %v", got, err)
	}
}

func TestRecordInterruptedWriteKeepsPreviousRecord(t *testing.T) {
	tt := newTestTenant(t)
	tt.emulatorOnly()
	ctx := context.Background()
	if err := WriteRecord(ctx, tt.C, sampleRecord(), 0); err != nil {
		t.Fatal(err)
	}
	// Fail the second PATCH of the next write: one chunk of the new record
	// is written, the header is not.
	var mu sync.Mutex
	patches := 0
	c := tt.client(withHook(func(req *http.Request, next http.RoundTripper) (*http.Response, error, bool) {
		if req.Method != http.MethodPatch {
			return nil, nil, false
		}
		mu.Lock()
		defer mu.Unlock()
		patches++
		if patches == 2 {
			return &http.Response{StatusCode: http.StatusForbidden, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader(`{"code":"auth.forbidden","message":"Forbidden"}`)), Request: req}, nil, true
		}
		return nil, nil, false
	}))
	big := bigRecord(2_000, 20)
	if err := WriteRecord(ctx, c, big, 1); err == nil {
		t.Fatal("the write should have failed")
	}
	got, err := ReadRecord(ctx, tt.C)
	if err != nil {
		t.Fatalf("an interrupted write left an unreadable record: %v", err)
	}
	want := NormalizeRecord(sampleRecord())
	want.Serial = 1
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("previous record (-want +got):\n%s", d)
	}
	// The next write succeeds from there.
	if err := WriteRecord(ctx, tt.C, big, 1); err != nil {
		t.Fatal(err)
	}
}

func TestReadRecordErrors(t *testing.T) {
	tt := newTestTenant(t)
	tt.emulatorOnly()
	ctx := context.Background()
	if err := WriteRecord(ctx, tt.C, sampleRecord(), 0); err != nil {
		t.Fatal(err)
	}
	app, _ := tt.C.GetApplication(ctx, tt.C.AppID())
	h, _, _ := decodeHeader(tt.C.AppID(), app.CustomData)

	tests := []struct {
		name  string
		patch map[string]any
		want  string
	}{
		{"torn chunk", map[string]any{chunkKey(h.Slot, 0): "AAAA"}, "wait for it to finish and re-run"},
		{"missing chunk", map[string]any{chunkKey(h.Slot, 0): nil}, "is missing"},
		{"newer version", map[string]any{RecordKey: map[string]any{"version": 2, "serial": 3}}, "upgrade orgsync"},
		{"malformed header", map[string]any{RecordKey: "nonsense"}, "is malformed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			restore := map[string]any{}
			for k := range tc.patch {
				restore[k] = app.CustomData[k]
			}
			if err := tt.C.PatchApplicationCustomData(ctx, tt.C.AppID(), tc.patch); err != nil {
				t.Fatal(err)
			}
			defer tt.C.PatchApplicationCustomData(ctx, tt.C.AppID(), restore)
			_, err := ReadRecord(ctx, tt.C)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if _, err := ReadRecord(ctx, tt.C); err != nil {
		t.Fatalf("restored record: %v", err)
	}
}
