package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestDialectSeam: every difference between the databases lives in dialect.go. The rest of
// the store asks the dialect what to do; it never compares the dialect's name or asserts
// its type, which would scatter the differences over the methods again.
func TestDialectSeam(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if name == "dialect.go" || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, problem := range dialectChecks(f) {
			t.Errorf("%s: %s; move the difference into a method of the dialect (dialect.go)", fset.Position(problem.Pos()), describe(problem))
		}
	}
	if checked < 10 {
		t.Fatalf("checked %d files of the store package, expected all of them", checked)
	}
}

// TestDialectSeamFinds: the seam test recognises each kind of check it forbids.
func TestDialectSeamFinds(t *testing.T) {
	for _, src := range []string{
		`if s.dialect.name() == "postgres" {}`,
		`if "sqlite" != d.name() {}`,
		`if s.Dialect() == "sqlite" {}`,
		`if _, ok := s.dialect.(postgresDialect); ok {}`,
		`switch s.dialect.(type) { case sqliteDialect: }`,
		`_ = x.(*sqliteDialect)`,
	} {
		f, err := parser.ParseFile(token.NewFileSet(), "x.go", "package store\nfunc f() {\n"+src+"\n}\n", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(dialectChecks(f)) != 1 {
			t.Errorf("%s: found %d checks, want 1", src, len(dialectChecks(f)))
		}
	}
	f, err := parser.ParseFile(token.NewFileSet(), "x.go", `package store
func f() { d = sqliteDialect{}; _ = "migrations/" + s.dialect.name(); _ = s.dialect.lockRows("a") == "" }`, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(dialectChecks(f)); n != 0 {
		t.Errorf("choosing a dialect and using its name as a value: found %d checks, want 0", n)
	}
}

// dialectChecks returns the comparisons of a dialect's name and the assertions of a
// dialect's type in f.
func dialectChecks(f *ast.File) []ast.Node {
	var found []ast.Node
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.BinaryExpr:
			if (n.Op == token.EQL || n.Op == token.NEQ) && (isNameCall(n.X) || isNameCall(n.Y)) {
				found = append(found, n)
			}
		case *ast.TypeAssertExpr:
			// n.Type is nil in a type switch, whose cases name the types.
			if isDialectValue(n.X) || (n.Type != nil && isDialectType(n.Type)) {
				found = append(found, n)
			}
		}
		return true
	})
	return found
}

// isNameCall reports a call of name() or Dialect(), which say which database it is.
func isNameCall(e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	return ok && (sel.Sel.Name == "name" || sel.Sel.Name == "Dialect")
}

// isDialectType reports sqliteDialect, postgresDialect or a pointer to one.
func isDialectType(e ast.Expr) bool {
	if star, ok := e.(*ast.StarExpr); ok {
		e = star.X
	}
	id, ok := e.(*ast.Ident)
	return ok && strings.HasSuffix(id.Name, "Dialect")
}

// isDialectValue reports x.dialect or a variable named d or dialect.
func isDialectValue(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.SelectorExpr:
		return e.Sel.Name == "dialect"
	case *ast.Ident:
		return e.Name == "dialect"
	}
	return false
}

func describe(n ast.Node) string {
	if _, ok := n.(*ast.BinaryExpr); ok {
		return "compares the dialect's name"
	}
	return "asserts the dialect's type"
}
