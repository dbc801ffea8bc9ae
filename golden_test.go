// Golden-file helpers. The files in testdata/golden are written by
// interop/cmd/golden using franz-go's kmsg as an independent oracle: for
// each (API, version) they hold kmsg's encoding of a request and a response
// (plus the framed request) and a JSON description of the decoded value.
//
// Our structs use Kafka's schema field names while kmsg uses its own Go
// names (TimeoutMs vs TimeoutMillis, Name vs Topic, ...), so the JSON is
// positional: each struct is an array of {"f": kmsgName, "v": value} in
// declaration order and fillFromGolden matches our fields to it by position,
// checking kinds and counts instead of names.

package kafka

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// golden is one parsed golden file.
type golden struct {
	name     string            // file name without directory and .txt, e.g. "Produce-v9"
	sections map[string][]byte // section name -> content; .hex sections decoded
}

// readGolden parses a txtar-like golden file: a comment, then sections
// introduced by "-- name --" lines. Sections whose name ends in ".hex" are
// hex-decoded, ignoring whitespace.
func readGolden(t testing.TB, path string) golden {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	g := golden{
		name:     strings.TrimSuffix(filepath.Base(path), ".txt"),
		sections: map[string][]byte{},
	}
	var cur string
	var buf []byte
	have := false
	flush := func() {
		if !have {
			return
		}
		if _, dup := g.sections[cur]; dup {
			t.Fatalf("%s: duplicate section %q", path, cur)
		}
		if strings.HasSuffix(cur, ".hex") {
			b, err := hex.DecodeString(strings.Join(strings.Fields(string(buf)), ""))
			if err != nil {
				t.Fatalf("%s: section %s: %v", path, cur, err)
			}
			g.sections[cur] = b
		} else {
			g.sections[cur] = buf
		}
	}
	for line := range bytes.Lines(data) {
		s := strings.TrimRight(string(line), "\r\n")
		if strings.HasPrefix(s, "-- ") && strings.HasSuffix(s, " --") && len(s) > 6 {
			flush()
			cur, buf, have = strings.TrimSpace(s[3:len(s)-3]), []byte{}, true
			continue
		}
		if have {
			buf = append(buf, line...)
		}
	}
	flush()
	if len(g.sections) == 0 {
		t.Fatalf("%s: no sections", path)
	}
	return g
}

// fillFromGolden sets the struct that dst points to from positional JSON
// (an array of {"f": kmsgName, "v": value}, one per kmsg field). Our
// exported fields are matched to the array by position; unexported fields
// are skipped.
func fillFromGolden(dst any, js []byte) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("fillFromGolden: dst must be a non-nil pointer to a struct, got %T", dst)
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return fmt.Errorf("fillFromGolden: %w", err)
	}
	if dec.More() {
		return errors.New("fillFromGolden: trailing data after JSON value")
	}
	return goldenStruct(v.Elem(), x, "", "")
}

// goldenStruct fills struct v from a positional array. path is our path to
// v ("" for the top level) and kname kmsg's name for it.
func goldenStruct(v reflect.Value, x any, path, kname string) error {
	where := func() string {
		if path == "" {
			return v.Type().String()
		}
		return fmt.Sprintf("%s (kmsg %s)", path, kname)
	}
	arr, ok := x.([]any)
	if !ok {
		return fmt.Errorf("%s: our %s wants a positional array, golden has %s", where(), v.Type(), describeJSON(x))
	}
	type kfield struct {
		name string
		v    any
	}
	kfs := make([]kfield, len(arr))
	for i, e := range arr {
		m, ok := e.(map[string]any)
		name, okName := m["f"].(string)
		val, okVal := m["v"]
		if !ok || !okName || !okVal || len(m) != 2 {
			return fmt.Errorf("%s: golden element %d is not {\"f\":name,\"v\":value}: %s", where(), i, describeJSON(e))
		}
		kfs[i] = kfield{name, val}
	}
	t := v.Type()
	var ours []int
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).IsExported() {
			ours = append(ours, i)
		}
	}
	if len(ours) != len(kfs) {
		n := min(len(ours), len(kfs))
		var extraOurs, extraKmsg []string
		for _, i := range ours[n:] {
			extraOurs = append(extraOurs, t.Field(i).Name)
		}
		for _, kf := range kfs[n:] {
			extraKmsg = append(extraKmsg, kf.name)
		}
		var pairs []string
		for i := 0; i < n; i++ {
			pairs = append(pairs, t.Field(ours[i]).Name+"="+kfs[i].name)
		}
		return fmt.Errorf("%s: field count mismatch: our %s has %d fields, kmsg has %d; unmatched ours %v, unmatched kmsg %v (matched by position: %s)",
			where(), t, len(ours), len(kfs), extraOurs, extraKmsg, strings.Join(pairs, " "))
	}
	for j, i := range ours {
		p := t.Field(i).Name
		if path != "" {
			p = path + "." + p
		}
		if err := goldenValue(v.Field(i), kfs[j].v, p, kfs[j].name); err != nil {
			return err
		}
	}
	return nil
}

// goldenValue assigns the JSON value x to v. path is our path to v, kname
// kmsg's field name.
func goldenValue(v reflect.Value, x any, path, kname string) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s (kmsg %s): our %s: %s", path, kname, v.Type(), fmt.Sprintf(format, args...))
	}
	num := func() (string, error) {
		n, ok := x.(json.Number)
		if !ok {
			return "", bad("want a number, golden has %s", describeJSON(x))
		}
		return n.String(), nil
	}
	switch v.Kind() {
	case reflect.Bool:
		b, ok := x.(bool)
		if !ok {
			return bad("want a bool, golden has %s", describeJSON(x))
		}
		v.SetBool(b)
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Int:
		s, err := num()
		if err != nil {
			return err
		}
		n, err := strconv.ParseInt(s, 10, v.Type().Bits())
		if err != nil {
			return bad("golden number %s: %v", s, err)
		}
		v.SetInt(n)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uint:
		s, err := num()
		if err != nil {
			return err
		}
		n, err := strconv.ParseUint(s, 10, v.Type().Bits())
		if err != nil {
			return bad("golden number %s: %v", s, err)
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		s, err := num()
		if err != nil {
			return err
		}
		f, err := strconv.ParseFloat(s, v.Type().Bits())
		if err != nil {
			return bad("golden number %s: %v", s, err)
		}
		v.SetFloat(f)
	case reflect.String:
		s, ok := x.(string)
		if !ok {
			return bad("want a string, golden has %s", describeJSON(x))
		}
		v.SetString(s)
	case reflect.Pointer:
		if x == nil {
			v.SetZero()
			return nil
		}
		p := reflect.New(v.Type().Elem())
		if err := goldenValue(p.Elem(), x, path, kname); err != nil {
			return err
		}
		v.Set(p)
	case reflect.Array:
		if v.Type().Elem().Kind() != reflect.Uint8 {
			return bad("unsupported array type")
		}
		s, ok := x.(string)
		if !ok {
			return bad("want a hex string, golden has %s", describeJSON(x))
		}
		b, err := hex.DecodeString(s)
		if err != nil {
			return bad("golden hex %q: %v", s, err)
		}
		if len(b) != v.Len() {
			return bad("golden has %d bytes, want %d", len(b), v.Len())
		}
		reflect.Copy(v, reflect.ValueOf(b))
	case reflect.Slice:
		if x == nil {
			v.SetZero()
			return nil
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			s, ok := x.(string)
			if !ok {
				return bad("want a hex string or null, golden has %s", describeJSON(x))
			}
			b, err := hex.DecodeString(s)
			if err != nil {
				return bad("golden hex %q: %v", s, err)
			}
			if b == nil {
				b = []byte{}
			}
			v.SetBytes(b)
			return nil
		}
		arr, ok := x.([]any)
		if !ok {
			return bad("want an array or null, golden has %s", describeJSON(x))
		}
		s := reflect.MakeSlice(v.Type(), len(arr), len(arr))
		for i, e := range arr {
			if err := goldenValue(s.Index(i), e, fmt.Sprintf("%s[%d]", path, i), kname); err != nil {
				return err
			}
		}
		v.Set(s)
	case reflect.Struct:
		return goldenStruct(v, x, path, kname)
	default:
		return bad("unsupported kind %s", v.Kind())
	}
	return nil
}

// describeJSON renders a decoded JSON value briefly for error messages.
func describeJSON(x any) string {
	var kind string
	switch x.(type) {
	case nil:
		return "null"
	case bool:
		kind = "bool"
	case json.Number:
		kind = "number"
	case string:
		kind = "string"
	case []any:
		kind = "array"
	case map[string]any:
		kind = "object"
	}
	b, _ := json.Marshal(x)
	if len(b) > 60 {
		b = append(b[:57], "..."...)
	}
	return fmt.Sprintf("%s %s", kind, b)
}

// Types for TestFillFromGolden; the names avoid clashing with the
// package's own types.
type goldenTestUUID [16]byte

type goldenTestPartition struct {
	Index    int32
	Offset   int64
	Meta     *string
	Data     []byte
	Replicas []int32
	internal int // unexported: skipped
}

type goldenTestTopic struct {
	Name       string
	ID         goldenTestUUID
	Partitions []goldenTestPartition
}

type goldenTestMsg struct {
	Flag     bool
	Small    int8
	Short    int16
	Count    uint32
	Ratio    float64
	Topics   []goldenTestTopic
	Empty    []goldenTestTopic
	Nil      []goldenTestTopic
	NullMeta *string
	Trailer  int64
}

func TestFillFromGolden(t *testing.T) {
	const big = "4611686018427387905" // 1<<62 + 1: not exact as a float64
	js := `[
	  {"f": "IsOn", "v": true},
	  {"f": "Tiny", "v": -5},
	  {"f": "Shorty", "v": 1001},
	  {"f": "Unsigned", "v": 4000000000},
	  {"f": "Frac", "v": 2.5},
	  {"f": "Topics", "v": [
	    [
	      {"f": "Topic", "v": "t0"},
	      {"f": "TopicID", "v": "000102030405060708090a0b0c0d0e0f"},
	      {"f": "Partitions", "v": [
	        [{"f": "Partition", "v": 0}, {"f": "Offset", "v": ` + big + `}, {"f": "Metadata", "v": ""}, {"f": "Records", "v": "0a0b"}, {"f": "Replicas", "v": [1, 2]}],
	        [{"f": "Partition", "v": 1}, {"f": "Offset", "v": -1}, {"f": "Metadata", "v": null}, {"f": "Records", "v": null}, {"f": "Replicas", "v": []}]
	      ]}
	    ],
	    [
	      {"f": "Topic", "v": ""},
	      {"f": "TopicID", "v": "00000000000000000000000000000000"},
	      {"f": "Partitions", "v": null}
	    ]
	  ]},
	  {"f": "EmptyTopics", "v": []},
	  {"f": "NilTopics", "v": null},
	  {"f": "NullMetadata", "v": null},
	  {"f": "Trailer", "v": -9223372036854775808}
	]`
	var got goldenTestMsg
	if err := fillFromGolden(&got, []byte(js)); err != nil {
		t.Fatal(err)
	}
	empty := ""
	want := goldenTestMsg{
		Flag:  true,
		Small: -5,
		Short: 1001,
		Count: 4000000000,
		Ratio: 2.5,
		Topics: []goldenTestTopic{
			{
				Name: "t0",
				ID:   goldenTestUUID{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
				Partitions: []goldenTestPartition{
					{Index: 0, Offset: 1<<62 + 1, Meta: &empty, Data: []byte{0x0a, 0x0b}, Replicas: []int32{1, 2}},
					{Index: 1, Offset: -1, Meta: nil, Data: nil, Replicas: []int32{}},
				},
			},
			{Name: "", Partitions: nil},
		},
		Empty:    []goldenTestTopic{},
		Nil:      nil,
		NullMeta: nil,
		Trailer:  -1 << 63,
	}
	// cmp.Diff distinguishes nil from empty slices and nil from pointers to "".
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(goldenTestPartition{})); diff != "" {
		t.Fatalf("fillFromGolden mismatch (-want +got):\n%s", diff)
	}
	if got.Topics[0].Partitions[0].Meta == nil || got.Topics[0].Partitions[1].Meta != nil {
		t.Fatal("nullable string: \"\" and null not kept apart")
	}
	if got.Empty == nil || got.Nil != nil || got.Topics[0].Partitions[1].Replicas == nil || got.Topics[0].Partitions[1].Data != nil {
		t.Fatal("slices: [] and null not kept apart")
	}

	errCases := []struct {
		name string
		dst  any
		js   string
		want []string // substrings of the error
	}{
		{
			name: "kmsg has more fields",
			dst:  new(struct{ A, B int32 }),
			js:   `[{"f":"X","v":1},{"f":"Y","v":2},{"f":"Z","v":3}]`,
			want: []string{"count mismatch", "unmatched ours []", "unmatched kmsg [Z]"},
		},
		{
			name: "we have more fields",
			dst:  new(struct{ A, B, C int32 }),
			js:   `[{"f":"X","v":1}]`,
			want: []string{"count mismatch", "unmatched ours [B C]", "unmatched kmsg []"},
		},
		{
			name: "nested count mismatch",
			dst:  new(goldenTestTopic),
			js:   `[{"f":"Topic","v":"a"},{"f":"TopicID","v":"00000000000000000000000000000000"},{"f":"Partitions","v":[[{"f":"Partition","v":1}]]}]`,
			want: []string{"Partitions[0] (kmsg Partitions)", "unmatched ours [Offset Meta Data Replicas]"},
		},
		{
			name: "type mismatch",
			dst:  new(goldenTestTopic),
			js: `[{"f":"Topic","v":"a"},{"f":"TopicID","v":"00000000000000000000000000000000"},{"f":"Partitions","v":[
			  [{"f":"Partition","v":1},{"f":"Offset","v":2},{"f":"Metadata","v":null},{"f":"Records","v":null},{"f":"Replicas","v":null}],
			  [{"f":"Partition","v":"oops"},{"f":"Offset","v":2},{"f":"Metadata","v":null},{"f":"Records","v":null},{"f":"Replicas","v":null}]]}]`,
			want: []string{"Partitions[1].Index (kmsg Partition)", "int32", "want a number"},
		},
		{
			name: "overflow",
			dst:  new(struct{ A int16 }),
			js:   `[{"f":"X","v":40000}]`,
			want: []string{"A (kmsg X)", "out of range"},
		},
		{
			name: "null for non-nullable string",
			dst:  new(struct{ S string }),
			js:   `[{"f":"X","v":null}]`,
			want: []string{"S (kmsg X)", "want a string"},
		},
		{
			name: "uuid length",
			dst:  new(struct{ U goldenTestUUID }),
			js:   `[{"f":"X","v":"0001"}]`,
			want: []string{"U (kmsg X)", "2 bytes, want 16"},
		},
	}
	for _, tc := range errCases {
		err := fillFromGolden(tc.dst, []byte(tc.js))
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", tc.name, err, w)
			}
		}
	}
}

func TestReadGolden(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "Demo-v1.txt")
	content := "Demo v1, a comment.\n-- request.hex --\n0001 02\n ff\n-- request.json --\n[\n  1\n]\n-- empty.hex --\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	g := readGolden(t, path)
	want := golden{name: "Demo-v1", sections: map[string][]byte{
		"request.hex":  {0, 1, 2, 0xff},
		"request.json": []byte("[\n  1\n]\n"),
		"empty.hex":    {},
	}}
	if diff := cmp.Diff(want, g, cmp.AllowUnexported(golden{})); diff != "" {
		t.Fatalf("readGolden mismatch (-want +got):\n%s", diff)
	}

	// Every generated file parses, has the expected sections, and its
	// frame ends with the request body.
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		g := readGolden(t, f)
		for _, suffix := range []string{"", ".zero"} {
			for _, s := range []string{"request.frame", "request", "response"} {
				if _, ok := g.sections[s+suffix+".hex"]; !ok {
					t.Errorf("%s: no section %s%s.hex", g.name, s, suffix)
				}
			}
			for _, s := range []string{"request", "response"} {
				if !json.Valid(g.sections[s+suffix+".json"]) {
					t.Errorf("%s: section %s%s.json is not valid JSON", g.name, s, suffix)
				}
			}
			frame, body := g.sections["request.frame"+suffix+".hex"], g.sections["request"+suffix+".hex"]
			if !bytes.HasSuffix(frame, body) {
				t.Errorf("%s: request.frame%s does not end with the request body", g.name, suffix)
			}
		}
	}
}
