package kafka

// This file checks the book's front matter: that the table of contents in
// the package doc (kafka.go) names every file of the package, once, and
// only files that exist, in the same parts and order as README.md's; that
// every chapter has at least 0.35 comment lines per line of code, and
// stays within issue 17's bounds on file and function length; and that
// the Go snippet both show is the function example_test.go compiles and
// runs.

import (
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A chapter is one entry of the table of contents: the part it is in (I to
// IV) and its file.
type chapter struct{ Part, File string }

var (
	// "# Part II: groups and offsets" in the package doc, "### Part II: ..."
	// in README.md.
	partHeading = regexp.MustCompile(`^#+ Part ([IVX]+):`)
	// "  - groups.go: ..." in the package doc, "- [groups.go](groups.go): ..."
	// in README.md.
	chapterItem = regexp.MustCompile(`^\s*- \[?([A-Za-z0-9_]+\.go)\b`)
)

// tableOfContents reads the chapters of text in order, from its first
// part heading to the first heading that is not a part.
func tableOfContents(text string) []chapter {
	var toc []chapter
	part := ""
	for line := range strings.Lines(text) {
		if m := partHeading.FindStringSubmatch(line); m != nil {
			part = m[1]
			continue
		}
		if part == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			break
		}
		if m := chapterItem.FindStringSubmatch(line); m != nil {
			toc = append(toc, chapter{part, m[1]})
		}
	}
	return toc
}

func packageDoc(t *testing.T) string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "kafka.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	if f.Doc == nil {
		t.Fatal("kafka.go has no package doc")
	}
	return f.Doc.Text()
}

func readmeText(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestTableOfContents fails when a .go file of the package is missing from
// the package doc's table of contents or listed twice, when the table
// names a file that does not exist or is a test, and when README.md's
// table differs from the package doc's in parts or order.
func TestTableOfContents(t *testing.T) {
	doc := tableOfContents(packageDoc(t))
	if len(doc) == 0 {
		t.Fatal("the package doc has no table of contents (# Part I: ... followed by - file.go: items)")
	}
	listed := map[string]int{}
	for _, c := range doc {
		listed[c.File]++
		if listed[c.File] == 2 {
			t.Errorf("%s is listed twice in the package doc", c.File)
		}
		if strings.HasSuffix(c.File, "_test.go") {
			t.Errorf("%s is a test, but the package doc lists it as a chapter", c.File)
		} else if _, err := os.Stat(c.File); err != nil {
			t.Errorf("the package doc's table of contents names %s: %v", c.File, err)
		}
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") && listed[f] == 0 {
			t.Errorf("%s is missing from the package doc's table of contents (kafka.go, # Reading order)", f)
		}
	}
	if diff := cmp.Diff(doc, tableOfContents(readmeText(t))); diff != "" {
		t.Errorf("README.md's reading order differs from the package doc's (-doc +README):\n%s", diff)
	}
}

// chapterTexts reads each chapter's entry of the table of contents in
// text, its continuation lines joined and README's links written as the
// package doc writes them.
func chapterTexts(text string) map[string]string {
	link := regexp.MustCompile(`\[([A-Za-z0-9_]+\.go)\]\([A-Za-z0-9_]+\.go\)`)
	texts := map[string]string{}
	file, part := "", false
	for line := range strings.Lines(text) {
		switch {
		case partHeading.MatchString(line):
			part, file = true, ""
		case !part:
		case strings.HasPrefix(line, "#"):
			return texts
		case chapterItem.MatchString(line):
			file = chapterItem.FindStringSubmatch(line)[1]
			texts[file] = link.ReplaceAllString(strings.TrimSpace(line), "$1")
		case file != "" && strings.TrimSpace(line) != "":
			texts[file] += " " + strings.TrimSpace(line)
		default:
			file = ""
		}
	}
	return texts
}

// TestTableOfContentsText fails when README.md describes a chapter in
// other words than the package doc, which says the two lists are the same.
func TestTableOfContentsText(t *testing.T) {
	doc := chapterTexts(packageDoc(t))
	if len(doc) != len(tableOfContents(packageDoc(t))) {
		t.Fatalf("read %d chapter entries of the package doc's %d", len(doc), len(tableOfContents(packageDoc(t))))
	}
	if diff := cmp.Diff(doc, chapterTexts(readmeText(t))); diff != "" {
		t.Errorf("README.md's reading order words a chapter differently from the package doc's (-doc +README):\n%s", diff)
	}
}

// minCommentDensity is issue 17's floor: full-line comments per non-blank
// code line in every non-test file of the package.
const minCommentDensity = 0.35

// commentDensity counts the lines of src as the issue does: a line whose
// first non-blank characters are // is a comment, a line of only spaces
// and tabs is neither, and any other line is code, even one that ends in a
// comment.
func commentDensity(src string) (code, comments int) {
	for line := range strings.Lines(src) {
		trimmed := strings.TrimLeft(strings.TrimRight(line, "\n"), " \t")
		switch {
		case strings.HasPrefix(trimmed, "//"):
			comments++
		case trimmed != "":
			code++
		}
	}
	return code, comments
}

// TestCommentDensity fails for every non-test .go file of the package
// that has fewer than
// minCommentDensity comment lines per code line, naming each with its
// counts.
func TestCommentDensity(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		code, comments := commentDensity(string(b))
		if code == 0 || float64(comments) >= minCommentDensity*float64(code) {
			checked++
			continue
		}
		checked++
		t.Errorf("%s: %d comment lines for %d code lines, %.3f; the floor is %.2f (%d more)",
			f, comments, code, float64(comments)/float64(code), minCommentDensity,
			int(math.Ceil(minCommentDensity*float64(code)))-comments)
	}
	if checked == 0 {
		t.Fatal("no file was checked")
	}
}

// TestCommentDensityCount checks the counting on a small file, so that
// TestCommentDensity cannot pass by counting wrongly.
func TestCommentDensityCount(t *testing.T) {
	src := "// Package p.\npackage p\n\n\t// why\n  \t\nvar x = 1 // not a comment line\n/* not counted as a comment */\n"
	code, comments := commentDensity(src)
	if code != 3 || comments != 2 {
		t.Errorf("commentDensity = %d code, %d comments; want 3, 2", code, comments)
	}
}

// Issue 17's bounds on a chapter and on a function: a file is read in a
// sitting or two, and a function fits on a screen or two with its
// comments.
const (
	maxFileLines     = 2000
	maxFunctionLines = 80
)

// TestChapterAndFunctionLength fails for every non-test file longer than
// maxFileLines and every function (its doc comment not counted) longer
// than maxFunctionLines, naming each.
func TestChapterAndFunctionLength(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	functions := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		if n := fset.File(f.Pos()).LineCount(); n > maxFileLines {
			t.Errorf("%s: %d lines, over %d", name, n, maxFileLines)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			functions++
			if n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1; n > maxFunctionLines {
				t.Errorf("%s: %s is %d lines, over %d", name, fd.Name.Name, n, maxFunctionLines)
			}
		}
	}
	if functions == 0 {
		t.Fatal("no function was measured")
	}
}

// TestTableOfContentsParser checks the parser on a small table, so that
// TestTableOfContents cannot pass by reading nothing from both documents.
func TestTableOfContentsParser(t *testing.T) {
	text := `intro naming fake.go
# Part I: the core
  - a.go: one
    continued, naming b.go
  - b.go: two
### Part II: more
- [c.go](c.go): three
# Caveats
  - d.go: not a chapter
`
	want := []chapter{{"I", "a.go"}, {"I", "b.go"}, {"II", "c.go"}}
	if diff := cmp.Diff(want, tableOfContents(text)); diff != "" {
		t.Errorf("tableOfContents (-want +got):\n%s", diff)
	}
}

// TestSnippetsMatchExamples checks that the Go snippets of the package doc
// and of README.md are, byte for byte, functions of example_test.go, which
// TestStartKafka and TestStartKafkaSASL run, so that what a reader copies
// compiles and works.
func TestSnippetsMatchExamples(t *testing.T) {
	startKafka := exampleFunc(t, "startKafka")

	// In the package doc the snippet is a code block: each line indented
	// by a tab, from its comment to the function's closing brace.
	var fromDoc strings.Builder
	in := false
	for line := range strings.Lines(packageDoc(t)) {
		if strings.HasPrefix(line, "\t// startKafka ") {
			in = true
		}
		if in {
			fromDoc.WriteString(strings.TrimPrefix(line, "\t"))
			if line == "\t}\n" {
				break
			}
		}
	}
	if diff := cmp.Diff(startKafka, fromDoc.String()); diff != "" {
		t.Errorf("the package doc's snippet differs from example_test.go's startKafka (-example +doc):\n%s", diff)
	}

	readme := readmeText(t)
	for _, name := range []string{"startKafka", "startKafkaSASL"} {
		start := strings.Index(readme, "```go\n// "+name+" ")
		if start < 0 {
			t.Errorf("README.md has no %s snippet", name)
			continue
		}
		block := readme[start+len("```go\n"):]
		block = block[:strings.Index(block, "```")]
		if diff := cmp.Diff(exampleFunc(t, name), block); diff != "" {
			t.Errorf("README.md's snippet differs from example_test.go's %s (-example +README):\n%s", name, diff)
		}
	}
}

// exampleFunc is the source of the function name of example_test.go, from
// its doc comment to its closing brace and a newline.
func exampleFunc(t *testing.T, name string) string {
	t.Helper()
	fset := token.NewFileSet()
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(fset, "example_test.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == name && fn.Doc != nil {
			return string(src[fset.Position(fn.Doc.Pos()).Offset:fset.Position(fn.End()).Offset]) + "\n"
		}
	}
	t.Fatalf("example_test.go has no documented function %s", name)
	return ""
}

// TestOnlyKafkaGoIsThePackageDoc fails when a file's opening comment
// touches its package clause: go doc then joins it to the package doc,
// and the book's first page reads as the concatenation of every such file.
// A file's opening comment must be separated from "package kafka" by a
// blank line; only kafka.go's is the package doc.
func TestOnlyKafkaGoIsThePackageDoc(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || name == "kafka.go" {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ParseComments|parser.PackageClauseOnly)
		if err != nil {
			t.Fatal(err)
		}
		if f.Doc != nil {
			t.Errorf("%s: its opening comment is a package doc; put a blank line before \"package kafka\"", name)
		}
	}
}

// TestBookPointers fails when a page of docs/ points to a function,
// method, type or variable that the file it links to does not declare:
// each pointer is written [`Name`](../file.go) or
// [`Type.Method`](../file.go).
func TestBookPointers(t *testing.T) {
	pointer := regexp.MustCompile("\\[`([A-Za-z_][A-Za-z0-9_.]*)`\\]\\(\\.\\./([A-Za-z0-9_]+\\.go)\\)")
	declared := map[string]map[string]bool{}
	for _, page := range []string{"docs/book.md", "docs/groups.md"} {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		matches := pointer.FindAllStringSubmatch(string(b), -1)
		if len(matches) < 5 {
			t.Errorf("%s has %d pointers; the pattern no longer matches how it writes them", page, len(matches))
		}
		for _, m := range matches {
			name, file := m[1], m[2]
			if declared[file] == nil {
				declared[file] = declarations(t, file)
			}
			if !declared[file][name] {
				t.Errorf("%s: %s does not declare %s", page, file, name)
			}
		}
	}
}

// TestBookCoversChapters fails when docs/book.md, which walks through the
// table of contents part by part, does not link a chapter. The _other.go
// files, stand-ins for an OS without a facility, are left out.
func TestBookCoversChapters(t *testing.T) {
	b, err := os.ReadFile("docs/book.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range tableOfContents(packageDoc(t)) {
		if !strings.HasSuffix(c.File, "_other.go") && !strings.Contains(string(b), "(../"+c.File+")") {
			t.Errorf("docs/book.md does not link %s (Part %s)", c.File, c.Part)
		}
	}
}

// TestChapterHeadersNameTheirPart fails when a chapter's opening comment,
// which the package doc says names the part it belongs to, does not name
// the part the table of contents puts it in.
func TestChapterHeadersNameTheirPart(t *testing.T) {
	for _, c := range tableOfContents(packageDoc(t)) {
		b, err := os.ReadFile(c.File)
		if err != nil {
			t.Fatal(err)
		}
		header, _, _ := strings.Cut(string(b), "\npackage ")
		if !regexp.MustCompile(`Part ` + c.Part + `\b`).MatchString(header) {
			t.Errorf("%s: its opening comment does not say it is in Part %s", c.File, c.Part)
		}
	}
}

// declarations names what file declares at the top level: functions,
// methods as Type.Method, types, variables and constants.
func declarations(t *testing.T, file string) map[string]bool {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			name := d.Name.Name
			if d.Recv != nil {
				typ := d.Recv.List[0].Type
				if star, ok := typ.(*ast.StarExpr); ok {
					typ = star.X
				}
				if id, ok := typ.(*ast.Ident); ok {
					name = id.Name + "." + name
				}
			}
			names[name] = true
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					names[s.Name.Name] = true
				case *ast.ValueSpec:
					for _, n := range s.Names {
						names[n.Name] = true
					}
				}
			}
		}
	}
	return names
}

// TestBookLength keeps the package doc's count of lines true within a
// tenth, its share of comments over a quarter (and below 35%), and its
// share of Part I within five points of a quarter, so that the claim about the book's size cannot go
// stale as the package grows.
func TestBookLength(t *testing.T) {
	m := regexp.MustCompile(`about ([0-9,]+) lines of Go`).FindStringSubmatch(packageDoc(t))
	if m == nil {
		t.Fatal(`the package doc no longer says "about N lines of Go"`)
	}
	claimed, err := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
	if err != nil {
		t.Fatal(err)
	}
	partOf := map[string]string{}
	for _, c := range tableOfContents(packageDoc(t)) {
		partOf[c.File] = c.Part
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var lines, comments, partI int
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(string(b)) {
			lines++
			if strings.HasPrefix(strings.TrimSpace(line), "//") {
				comments++
			}
			if partOf[f] == "I" {
				partI++
			}
		}
	}
	if d := float64(lines-claimed) / float64(lines); d > 0.1 || d < -0.1 {
		t.Errorf("the package doc says about %d lines of Go; there are %d", claimed, lines)
	}
	share := func(n int) float64 { return float64(n) / float64(lines) }
	if s := share(comments); s <= 0.25 || s > 0.35 {
		t.Errorf("the package doc says over a quarter of the lines are comments; they are %.0f%%", 100*s)
	}
	if s := share(partI); s < 0.20 || s > 0.30 {
		t.Errorf("the package doc says Part I is about a quarter of the lines; it is %.0f%%", 100*s)
	}
}
