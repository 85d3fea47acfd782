package apply

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/logto"
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
		Intents:        []state.Intent{{Kind: "organization", Address: "organization.new", Name: "New", Since: 5, Exclude: []string{"o9"}}},
	}
}

// store writes rec as the next copy, as the lock holder would.
func store(t testing.TB, c *logto.Client, rec state.Record, st *state.RecordStorage) int64 {
	t.Helper()
	next, serial, err := writeRecord(context.Background(), c, rec, *st, nil)
	if err != nil {
		t.Fatal(err)
	}
	*st = next
	return serial
}

func readRecord(t testing.TB, c *logto.Client) (state.Record, state.RecordStorage) {
	t.Helper()
	rec, st, _, err := ReadRecords(context.Background(), c, DefaultWorkspace)
	if err != nil {
		t.Fatal(err)
	}
	return rec, st
}

func TestRecordRoundTrip(t *testing.T) {
	tt := newTestTenant(t)
	tt.protectRecord()
	_, st := readRecord(t, tt.C)
	first := store(t, tt.C, sampleRecord(), &st)
	got, gotSt := readRecord(t, tt.C)
	want := NormalizeRecord(sampleRecord())
	want.Serial = first
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("record round trip (-want +got):\n%s", d)
	}
	if want.Members["o1"][0] != "u1" || len(want.Members) != 1 {
		t.Fatalf("normalization: members %v", want.Members)
	}
	if d := cmp.Diff(st, gotSt); d != "" {
		t.Fatalf("the storage the write returned differs from the one read (-write +read):\n%s", d)
	}
	// The next copy goes to the other slot, with the next serial.
	firstSlot := st.Slot
	second := store(t, tt.C, state.Record{Roles: []string{"r9"}}, &st)
	got, gotSt = readRecord(t, tt.C)
	if second != first+1 || got.Serial != second || len(got.Roles) != 1 || got.Roles[0] != "r9" || gotSt.Slot == firstSlot {
		t.Fatalf("second write: serial %d (first %d), slot %d (first %d), read %+v", second, first, gotSt.Slot, firstSlot, got)
	}
}

func TestReadRecordEmptyTenant(t *testing.T) {
	tt := newTestTenant(t)
	tt.emulatorOnly()
	rec, st := readRecord(t, tt.C)
	if rec.Serial != 0 || len(rec.Organizations) != 0 || rec.Members == nil || rec.Addresses == nil || st.Exists {
		t.Fatalf("empty record: %+v %+v", rec, st)
	}
}

// scaleRecord is the record of orgs organizations with members each,
// drawn from members*orgs/4 users (W1's shape: every user in four
// organizations), with random ids as Logto makes them (which compress
// worst).
func scaleRecord(orgs, members int) state.Record {
	r := rand.New(rand.NewPCG(1, 2))
	id := func(n int) string {
		const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	users := make([]string, max(members*orgs/4, members))
	for i := range users {
		users[i] = id(12)
	}
	rec := state.Record{Members: map[string][]string{}, Addresses: map[string]string{}}
	for i := range orgs {
		o := id(12)
		rec.Organizations = append(rec.Organizations, o)
		rec.Addresses[o] = fmt.Sprintf(`organization.customer["customer-%05d"]`, i)
		picked := map[int]bool{}
		for len(picked) < members {
			picked[r.IntN(len(users))] = true
		}
		for j := range picked {
			rec.Members[o] = append(rec.Members[o], users[j])
		}
	}
	for range 50 {
		rec.Roles = append(rec.Roles, id(21))
		rec.Permissions = append(rec.Permissions, id(21))
	}
	return rec
}

// encodeV1 is the encoding of format version 1 (member id lists), for
// size comparisons and for reading old records.
func encodeV1(t testing.TB, rec state.Record) string {
	rec = NormalizeRecord(rec)
	js, err := json.Marshal(map[string]any{
		"permissions": rec.Permissions, "roles": rec.Roles, "organizations": rec.Organizations,
		"members": rec.Members, "applications": rec.Applications, "prevent_destroy": rec.PreventDestroy,
		"addresses": rec.Addresses,
	})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(js)
	zw.Close()
	return base64.StdEncoding.EncodeToString(buf.Bytes())
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
	_, st := readRecord(t, c)
	big := scaleRecord(10_000, 20)
	// Force several chunks: the 10,000 × 20 record is about 1.2 MB.
	serial := store(t, c, big, &st)
	if len(sizes.sizes) < 3 {
		t.Fatalf("a 10,000 × 20 record was written in %d PATCHes; expected several chunks", len(sizes.sizes))
	}
	for i, n := range sizes.sizes {
		if n > MaxChunkSize+1024 || n >= 1<<20 {
			t.Fatalf("PATCH %d carried %d bytes; the limit per PATCH is %d (+ JSON overhead), Logto's is 1 MB", i, n, MaxChunkSize)
		}
	}
	got, _ := readRecord(t, c)
	want := NormalizeRecord(big)
	want.Serial = serial
	if !cmp.Equal(want, got) {
		t.Fatalf("big record did not round-trip (%d orgs read back, want %d)", len(got.Organizations), len(want.Organizations))
	}

	// Shrinking: write small twice (the slots alternate), then the chunks
	// of the big record in the reused slot are cleared.
	store(t, c, sampleRecord(), &st)
	last := store(t, c, sampleRecord(), &st)
	app, err := c.GetApplication(ctx, c.AppID())
	if err != nil {
		t.Fatal(err)
	}
	h, _, _ := decodeHeader(c.AppID(), app.CustomData, RecordKey)
	for k, v := range app.CustomData {
		for s := range 2 {
			if i, ok := parseChunkKey(RecordKey, k, s); ok && i >= h.Slots[s].Chunks && v != nil {
				t.Errorf("stale chunk %s still holds %d bytes", k, len(fmt.Sprint(v)))
			}
		}
	}
	got, _ = readRecord(t, c)
	if len(got.Organizations) != 2 || got.Serial != last {
		t.Fatalf("after shrinking: %+v", got)
	}
}

// TestRecordSizeHalved: the encoded record of W1 and of 10,000
// organizations × 20 members is at least twice smaller than format 1's.
func TestRecordSizeHalved(t *testing.T) {
	for _, n := range []int{1_000, 10_000} {
		rec := scaleRecord(n, 20)
		v2, err := encodedRecordSize(rec)
		if err != nil {
			t.Fatal(err)
		}
		v1 := len(encodeV1(t, rec))
		if 2*v2 > v1 {
			t.Errorf("%d × 20: %d bytes per copy, format 1 took %d: not twice smaller", n, v2, v1)
		}
		t.Logf("%d × 20: %d bytes per copy (%.1f per membership), format 1 %d (%.1f)", n, v2, float64(v2)/float64(20*n), v1, float64(v1)/float64(20*n))
	}
}

func BenchmarkRecordSize(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("orgs=%d", n), func(b *testing.B) {
			rec := scaleRecord(n, 20)
			var size int
			for b.Loop() {
				var err error
				if size, err = encodedRecordSize(rec); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(size), "bytes/copy")
			b.ReportMetric(float64(size)/float64(20*n), "bytes/membership")
			b.ReportMetric(float64(len(encodeV1(b, rec)))/float64(size), "×smaller-than-v1")
		})
	}
}

func TestRecordInterruptedWriteKeepsPreviousRecord(t *testing.T) {
	tt := newTestTenant(t)
	tt.emulatorOnly()
	_, st := readRecord(t, tt.C)
	first := store(t, tt.C, sampleRecord(), &st)
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
	big := scaleRecord(5_000, 20)
	if _, _, err := writeRecord(context.Background(), c, big, st, nil); err == nil {
		t.Fatal("the write should have failed")
	}
	got, gotSt := readRecord(t, tt.C)
	want := NormalizeRecord(sampleRecord())
	want.Serial = first
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("previous record (-want +got):\n%s", d)
	}
	// The next write succeeds from there.
	store(t, tt.C, big, &gotSt)
}

// corrupt replaces the first chunk of a slot's copy.
func corrupt(t *testing.T, c *logto.Client, slot int) {
	t.Helper()
	if err := c.PatchApplicationCustomData(context.Background(), c.AppID(), map[string]any{chunkKey(RecordKey, slot, 0): "AAAA"}); err != nil {
		t.Fatal(err)
	}
}

// TestRecordFallsBackToIntactSlot: a damaged current copy (two writers
// hit one slot) is not a dead end: the previous copy is used, the plan
// says so, and the next write replaces the damaged one.
func TestRecordFallsBackToIntactSlot(t *testing.T) {
	tt := newTestTenant(t)
	tt.protectRecord()
	_, st := readRecord(t, tt.C)
	prev := store(t, tt.C, sampleRecord(), &st)
	store(t, tt.C, state.Record{Roles: []string{"newer"}}, &st)
	corrupt(t, tt.C, st.Slot)

	got, gotSt := readRecord(t, tt.C)
	want := NormalizeRecord(sampleRecord())
	want.Serial = prev
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("fallback record (-want +got):\n%s", d)
	}
	if !strings.Contains(gotSt.Note, "damaged") || !strings.Contains(gotSt.Note, "previous copy") {
		t.Errorf("the fallback is not reported: %q", gotSt.Note)
	}
	// The next write goes over the damaged copy, and is read normally.
	next := store(t, tt.C, state.Record{Roles: []string{"after"}}, &gotSt)
	got, gotSt = readRecord(t, tt.C)
	if got.Serial != next || len(got.Roles) != 1 || got.Roles[0] != "after" || gotSt.Note != "" {
		t.Fatalf("after the fallback: %+v, note %q", got, gotSt.Note)
	}
}

func TestReadRecordVersion1(t *testing.T) {
	tt := newTestTenant(t)
	tt.protectRecord()
	rec := sampleRecord()
	rec.Intents = nil
	text := encodeV1(t, rec)
	sum := sha256.Sum256([]byte(text))
	if err := tt.C.PatchApplicationCustomData(context.Background(), tt.C.AppID(), map[string]any{
		chunkKey(RecordKey, 1, 0): text,
		RecordKey:                 map[string]any{"version": 1, "serial": 7, "chunks": 1, "slot": 1, "sha256": hex.EncodeToString(sum[:])},
	}); err != nil {
		t.Fatal(err)
	}
	got, st := readRecord(t, tt.C)
	want := NormalizeRecord(rec)
	want.Serial = 7
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("version 1 record (-want +got):\n%s", d)
	}
	// Written back as version 2, into the other slot.
	if serial := store(t, tt.C, got, &st); serial != 8 || st.Slot != 0 {
		t.Fatalf("write after a version 1 record: serial %d, slot %d", serial, st.Slot)
	}
	again, _ := readRecord(t, tt.C)
	want.Serial = 8
	if d := cmp.Diff(want, again); d != "" {
		t.Fatalf("rewritten record (-want +got):\n%s", d)
	}
}

func TestReadRecordErrors(t *testing.T) {
	tt := newTestTenant(t)
	tt.emulatorOnly()
	ctx := context.Background()
	_, st := readRecord(t, tt.C)
	store(t, tt.C, sampleRecord(), &st)
	store(t, tt.C, sampleRecord(), &st)
	app, _ := tt.C.GetApplication(ctx, tt.C.AppID())

	tests := []struct {
		name  string
		patch map[string]any
		want  string
	}{
		{"both copies damaged", map[string]any{chunkKey(RecordKey, 0, 0): "AAAA", chunkKey(RecordKey, 1, 0): "AAAA"}, "and its previous copy too"},
		{"missing chunks", map[string]any{chunkKey(RecordKey, 0, 0): nil, chunkKey(RecordKey, 1, 0): nil}, "is missing"},
		{"newer version", map[string]any{RecordKey: map[string]any{"version": 3, "serial": 3}}, "upgrade orgsync"},
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
			_, _, _, err := ReadRecords(ctx, tt.C, DefaultWorkspace)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	if _, _, _, err := ReadRecords(ctx, tt.C, DefaultWorkspace); err != nil {
		t.Fatalf("restored record: %v", err)
	}
}

// TestRecordAppliedRoundTrip: the fingerprints of what orgsync applied (of
// permissions, organizations, JIT settings, members and applications) and
// the last apply survive the compact layout, and forgetting an
// organization forgets its own.
func TestRecordAppliedRoundTrip(t *testing.T) {
	rec := state.Record{
		Permissions:   []string{"perm1"},
		Organizations: []string{"org1", "org2"},
		Members:       map[string][]string{"org1": {"u1", "u2"}},
		Applications:  map[string][]string{"org2": {"app1"}},
		Applied: map[string]map[string]string{
			"perm1":                    {"description": "0000beef", "name": "12345678"},
			"org1":                     {"name": "aaaaaaaa", "custom_data": "bbbbbbbb"},
			"org1/jit":                 {"email_domains": "cccccccc", "roles": "dddddddd"},
			"org1/user:u1":             {"roles": "eeeeeeee"},
			"org1/user:u2":             {"roles": "eeeeeeee"},
			"org1/user:u3":             {"roles": "ffffffff"}, // a declared member orgsync did not add
			"org2/app:app1":            {"roles": "01010101"},
			"role-not-managed-anymore": {"description": "02020202"},
		},
		LastApply: state.LastApply{Version: "1.4.0", Commit: "abc123", At: 1764600000000},
	}
	body := newRecordBody(rec)
	got, err := body.record()
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(rec.Applied, got.Applied); d != "" {
		t.Errorf("applied fingerprints (-want +got):\n%s", d)
	}
	if got.LastApply != rec.LastApply {
		t.Errorf("last apply %+v, want %+v", got.LastApply, rec.LastApply)
	}
	if len(body.AppliedRoles) != 3 {
		t.Errorf("%d distinct role fingerprints stored, want 3 (each set once)", len(body.AppliedRoles))
	}
	diff.ApplyRecordEdits(&got, []diff.RecordEdit{{Kind: diff.KindOrganization, ID: "org1", Remove: true}}, nil)
	for k := range got.Applied {
		if strings.HasPrefix(k, "org1") {
			t.Errorf("forgetting org1 kept %s", k)
		}
	}
}

// encodedRecordSize is the size in bytes of one stored copy of rec (the
// text of its chunks).
func encodedRecordSize(rec state.Record) (int, error) {
	text, err := encodeLaidOut(newRecordBody(rec))
	return len(text), err
}

// BenchmarkDecodeRecord decodes a W1-sized record (1,000 organizations of
// 20 members, each membership with its applied fingerprint), as every plan
// does once.
func BenchmarkDecodeRecord(b *testing.B) {
	rec := scaleRecord(1000, 20)
	rec.Applied = map[string]map[string]string{}
	for org, users := range rec.Members {
		for i, u := range users {
			rec.Applied[state.AppliedKey("member", org, u)] = map[string]string{"roles": fmt.Sprintf("fp%d", i%7)}
		}
	}
	text, err := encodeLaidOut(newRecordBody(rec))
	if err != nil {
		b.Fatal(err)
	}
	sum := sha256.Sum256([]byte(text))
	data := map[string]any{
		RecordKey: map[string]any{"version": RecordVersion, "slot": 0, "slots": []any{
			map[string]any{"serial": 1, "chunks": 1, "sha256": hex.EncodeToString(sum[:])}, map[string]any{"serial": 0, "chunks": 0, "sha256": ""}}},
		chunkKey(RecordKey, 0, 0): text,
	}
	b.ReportAllocs()
	for b.Loop() {
		got, _, err := decodeRecord("app", data, DefaultWorkspace)
		if err != nil || len(got.Organizations) != 1000 {
			b.Fatal(err)
		}
	}
}
