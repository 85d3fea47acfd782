package apply

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/state"
)

// The ownership record lives in the custom data of the application orgsync
// signs in as. Logto refuses request bodies over 1 MB (logto-api.md §16) and
// merges PATCH /api/applications/{id}/custom-data shallowly, so the record is
// stored as gzip+base64 text split into chunks, each written by its own
// PATCH, and a small header written last:
//
//	orgsync_record        {"version":1,"serial":N,"chunks":n,"slot":s,"sha256":"..."}
//	orgsync_record_<s>_0  first chunk of slot s
//	...
//	orgsync_record_<s>_<n-1>
//
// The chunks alternate between two slots (s = serial % 2). A write fills the
// slot the current header does not point to and then switches the header, so
// an interrupted write leaves the previous record intact and readable; a
// reader that races with a writer sees a checksum mismatch and is told to
// re-run.
const (
	// RecordKey is the custom-data key of the record header.
	RecordKey = "orgsync_record"
	// RecordVersion is the record format version this package reads and writes.
	RecordVersion = 1
	// MaxChunkSize is the largest chunk (bytes of base64 text) written by one PATCH.
	MaxChunkSize = 256 << 10
)

// chunkKey is the custom-data key of chunk i of slot.
func chunkKey(slot, i int) string {
	return RecordKey + "_" + strconv.Itoa(slot) + "_" + strconv.Itoa(i)
}

// recordHeader is the value stored under RecordKey.
type recordHeader struct {
	Version int    `json:"version"`
	Serial  int64  `json:"serial"`
	Chunks  int    `json:"chunks"`
	Slot    int    `json:"slot"`
	SHA256  string `json:"sha256"` // of the concatenated chunk text
}

// recordBody is the JSON form of state.Record inside the chunks (the serial
// lives in the header).
type recordBody struct {
	Permissions    []string            `json:"permissions,omitempty"`
	Roles          []string            `json:"roles,omitempty"`
	Organizations  []string            `json:"organizations,omitempty"`
	Members        map[string][]string `json:"members,omitempty"`
	Applications   map[string][]string `json:"applications,omitempty"`
	PreventDestroy []string            `json:"prevent_destroy,omitempty"`
	Addresses      map[string]string   `json:"addresses,omitempty"`
}

// ConflictError is returned by WriteRecord when the record changed since it
// was read: another apply ran in between.
type ConflictError struct {
	Found, Expected int64
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("another orgsync apply changed the ownership record (serial %d, expected %d); re-run plan",
		e.Found, e.Expected)
}

// TornRecordError is returned by ReadRecord when the chunks do not match the
// header's checksum, which happens when a write is in progress.
type TornRecordError struct {
	AppID string
	Why   string
}

func (e *TornRecordError) Error() string {
	return fmt.Sprintf("the ownership record in the custom data of application %s is inconsistent (%s): "+
		"another orgsync apply is probably writing it; wait for it to finish and re-run", e.AppID, e.Why)
}

// NormalizeRecord returns rec with every list sorted and de-duplicated, empty
// per-organization lists dropped and nil maps made empty.
func NormalizeRecord(rec state.Record) state.Record {
	out := state.Record{
		Serial:         rec.Serial,
		Permissions:    sortedSet(rec.Permissions),
		Roles:          sortedSet(rec.Roles),
		Organizations:  sortedSet(rec.Organizations),
		PreventDestroy: sortedSet(rec.PreventDestroy),
		Members:        normalizeListMap(rec.Members),
		Applications:   normalizeListMap(rec.Applications),
		Addresses:      map[string]string{},
	}
	for k, v := range rec.Addresses {
		if k != "" && v != "" {
			out.Addresses[k] = v
		}
	}
	return out
}

func normalizeListMap(m map[string][]string) map[string][]string {
	out := map[string][]string{}
	for k, v := range m {
		if s := sortedSet(v); len(s) > 0 {
			out[k] = s
		}
	}
	return out
}

// sortedSet returns the sorted, de-duplicated non-empty strings of in (nil if none).
func sortedSet(in []string) []string {
	var out []string
	for _, s := range in {
		if s != "" {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ReadRecord reads the ownership record from the custom data of the
// application the client signs in as. A tenant without a record yields an
// empty record with serial 0.
func ReadRecord(ctx context.Context, c *logto.Client) (state.Record, error) {
	app, err := c.GetApplication(ctx, c.AppID())
	if err != nil {
		return state.Record{}, fmt.Errorf("read the ownership record (custom data of application %s): %w", c.AppID(), err)
	}
	return decodeRecord(c.AppID(), app.CustomData)
}

// decodeRecord rebuilds the record from an application's custom data.
func decodeRecord(appID string, data map[string]any) (state.Record, error) {
	h, ok, err := decodeHeader(appID, data)
	if err != nil || !ok {
		return NormalizeRecord(state.Record{}), err
	}
	var text strings.Builder
	for i := range h.Chunks {
		s, ok := data[chunkKey(h.Slot, i)].(string)
		if !ok {
			return state.Record{}, &TornRecordError{AppID: appID, Why: fmt.Sprintf("chunk %s is missing", chunkKey(h.Slot, i))}
		}
		text.WriteString(s)
	}
	sum := sha256.Sum256([]byte(text.String()))
	if hex.EncodeToString(sum[:]) != h.SHA256 {
		return state.Record{}, &TornRecordError{AppID: appID, Why: "checksum mismatch"}
	}
	body, err := decodeBody(text.String())
	if err != nil {
		return state.Record{}, fmt.Errorf("the ownership record in the custom data of application %s cannot be decoded: %w; "+
			"remove the %s* keys from its custom data to start a new record (orgsync will then manage nothing it created before)",
			appID, err, RecordKey)
	}
	return NormalizeRecord(state.Record{
		Serial:         h.Serial,
		Permissions:    body.Permissions,
		Roles:          body.Roles,
		Organizations:  body.Organizations,
		Members:        body.Members,
		Applications:   body.Applications,
		PreventDestroy: body.PreventDestroy,
		Addresses:      body.Addresses,
	}), nil
}

// decodeHeader reads the header; ok is false when there is no record yet.
func decodeHeader(appID string, data map[string]any) (h recordHeader, ok bool, err error) {
	raw, present := data[RecordKey]
	if !present || raw == nil {
		return h, false, nil
	}
	b, err := json.Marshal(raw)
	if err == nil {
		err = json.Unmarshal(b, &h)
	}
	if err != nil {
		return h, false, fmt.Errorf("the ownership record header %q in the custom data of application %s is malformed: %v", RecordKey, appID, err)
	}
	switch {
	case h.Version > RecordVersion:
		return h, false, fmt.Errorf("the ownership record in application %s has format version %d, newer than this orgsync understands (%d): upgrade orgsync",
			appID, h.Version, RecordVersion)
	case h.Version != RecordVersion || h.Chunks < 0 || h.Slot < 0 || h.Slot > 1 || h.Serial < 0:
		return h, false, fmt.Errorf("the ownership record header %q in the custom data of application %s is malformed: %s", RecordKey, appID, b)
	}
	return h, true, nil
}

func encodeBody(rec state.Record) (string, error) {
	rec = NormalizeRecord(rec)
	body := recordBody{
		Permissions:    rec.Permissions,
		Roles:          rec.Roles,
		Organizations:  rec.Organizations,
		Members:        rec.Members,
		Applications:   rec.Applications,
		PreventDestroy: rec.PreventDestroy,
		Addresses:      rec.Addresses,
	}
	js, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(js); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// maxRecordJSON bounds the decompressed record, against corrupted data.
const maxRecordJSON = 512 << 20

func decodeBody(text string) (recordBody, error) {
	var body recordBody
	gz, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return body, fmt.Errorf("base64: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return body, fmt.Errorf("gzip: %w", err)
	}
	js, err := io.ReadAll(io.LimitReader(zr, maxRecordJSON))
	if err != nil {
		return body, fmt.Errorf("gzip: %w", err)
	}
	if err := json.Unmarshal(js, &body); err != nil {
		return body, fmt.Errorf("json: %w", err)
	}
	return body, nil
}

// splitChunks cuts text into pieces of at most size bytes (base64 is ASCII).
func splitChunks(text string, size int) []string {
	var out []string
	for len(text) > size {
		out = append(out, text[:size])
		text = text[size:]
	}
	return append(out, text)
}

// WriteRecord stores rec as the ownership record with serial expectSerial+1.
// It first re-reads the header: if its serial is not expectSerial, another
// apply wrote the record in between and WriteRecord returns a *ConflictError
// without writing. rec.Serial is ignored: the record written has serial
// expectSerial+1.
func WriteRecord(ctx context.Context, c *logto.Client, rec state.Record, expectSerial int64) error {
	return writeRecord(ctx, c, rec, expectSerial, nil)
}

// writeRecord is WriteRecord for an apply holding lock (nil: no lock): it
// fails with a *LockedError when the lock is no longer lock's owner's, and
// renews the lock with the header write.
func writeRecord(ctx context.Context, c *logto.Client, rec state.Record, expectSerial int64, lock *lockValue) error {
	appID := c.AppID()
	app, err := c.GetApplication(ctx, appID)
	if err != nil {
		return fmt.Errorf("write the ownership record: read application %s: %w", appID, err)
	}
	cur, exists, err := decodeHeader(appID, app.CustomData)
	if err != nil {
		return fmt.Errorf("write the ownership record: %w", err)
	}
	if lock != nil {
		if held, ok := decodeLock(app.CustomData); !ok || held.Owner != lock.Owner {
			return &LockedError{AppID: appID, Host: held.Host, PID: held.PID, Expires: time.UnixMilli(held.Expires)}
		}
	}
	if cur.Serial != expectSerial {
		return &ConflictError{Found: cur.Serial, Expected: expectSerial}
	}
	text, err := encodeBody(rec)
	if err != nil {
		return fmt.Errorf("write the ownership record: encode: %w", err)
	}
	chunks := splitChunks(text, MaxChunkSize)
	slot := 0
	if exists {
		slot = 1 - cur.Slot
	}
	for i, chunk := range chunks {
		if err := c.PatchApplicationCustomData(ctx, appID, map[string]any{chunkKey(slot, i): chunk}); err != nil {
			return fmt.Errorf("write the ownership record: chunk %d of %d: %w (the previous record is intact; re-run apply)", i+1, len(chunks), err)
		}
	}
	sum := sha256.Sum256([]byte(text))
	serial := expectSerial + 1
	final := map[string]any{RecordKey: recordHeader{
		Version: RecordVersion, Serial: serial, Chunks: len(chunks), Slot: slot, SHA256: hex.EncodeToString(sum[:]),
	}}
	if lock != nil {
		lock.Expires = time.Now().Add(LockTTL).UnixMilli()
		final[LockKey] = *lock
	}
	// Clear chunks of this slot left over from a longer record written
	// before (non-null values only: a cleared key stays as null).
	for _, k := range slices.Sorted(maps.Keys(app.CustomData)) {
		if i, ok := parseChunkKey(k, slot); ok && i >= len(chunks) && app.CustomData[k] != nil {
			final[k] = nil
		}
	}
	if err := c.PatchApplicationCustomData(ctx, appID, final); err != nil {
		return fmt.Errorf("write the ownership record header: %w (the previous record may still be current; re-run apply)", err)
	}
	return nil
}

// parseChunkKey returns the chunk index of key when it names a chunk of slot.
func parseChunkKey(key string, slot int) (int, bool) {
	rest, ok := strings.CutPrefix(key, RecordKey+"_"+strconv.Itoa(slot)+"_")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(rest)
	if err != nil || i < 0 || strconv.Itoa(i) != rest {
		return 0, false
	}
	return i, true
}

// IsConflict reports whether err is (or wraps) a *ConflictError.
func IsConflict(err error) bool {
	var ce *ConflictError
	return errors.As(err, &ce)
}
