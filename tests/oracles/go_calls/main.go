// Command go_calls is a test oracle: it type-checks every Go package under a folder with
// go/types and prints, one JSON object a line, each call (and composite literal) with the
// function, method or type it reaches and where that is declared.
//
// Usage: go_calls ROOT
//
// A folder's import path is its path under ROOT (a GOPATH `src` folder), or the module path
// of ROOT/go.mod joined with it. Imports of folders under ROOT are type-checked from their
// source; any other import from the standard library's source; an import found in neither
// is reported on stderr and the checker goes on without it (calls through its types are
// then "unknown"). Files are chosen by the build constraints of the default build context
// (this machine's GOOS and GOARCH, cgo off). With GO_CALLS_DEBUG set, each type error is
// printed on stderr too.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Call is one line of the output.
type Call struct {
	File   string `json:"file"`   // the call's file, relative to ROOT
	Line   int    `json:"line"`   // the line of the called name
	Column int    `json:"column"` // its 1-based byte column
	Name   string `json:"name"`   // the called name as written (the selector's field)
	Caller string `json:"caller"` // the enclosing function: "Name", "Recv.Name", or "" at package level
	// Kind of callee: func, method, interface_method, type (a conversion), literal (a
	// composite literal's type), builtin, value (a func-typed variable, field or expression:
	// no declaration is called), unknown (the checker could not tell).
	Kind     string `json:"kind"`
	Form     string `json:"form"`                // the call's shape (see form)
	Package  string `json:"package,omitempty"`   // the callee's package path
	Receiver string `json:"receiver,omitempty"`  // a method's receiver type name, pointer removed
	Callee   string `json:"callee,omitempty"`    // the callee's name
	DeclFile string `json:"decl_file,omitempty"` // where it is declared, relative to ROOT ("" outside)
	DeclLine int    `json:"decl_line,omitempty"`
}

type folder struct {
	dir, importPath string
	files           map[string][]*ast.File // package name -> its parsed files
	testFiles       map[*ast.File]bool     // the _test.go files
}

type oracle struct {
	root, module string
	fset         *token.FileSet
	context      build.Context
	folders      map[string]*folder // import path -> folder
	imports      packages
	std          types.Importer
	missing      map[string]bool
	typeErrors   int
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go_calls ROOT")
		os.Exit(2)
	}
	root, err := filepath.Abs(os.Args[1])
	if err == nil {
		_, err = os.Stat(root)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "go_calls: %v\n", err)
		os.Exit(2)
	}
	o := newOracle(root)
	if err := o.load(); err != nil {
		fmt.Fprintf(os.Stderr, "go_calls: %v\n", err)
		os.Exit(1)
	}
	out := bufio.NewWriter(os.Stdout)
	encoder := json.NewEncoder(out)
	calls := 0
	for _, importPath := range o.importPaths() {
		for _, call := range o.callsOf(o.folders[importPath]) {
			if err := encoder.Encode(call); err != nil {
				fmt.Fprintf(os.Stderr, "go_calls: %v\n", err)
				os.Exit(1)
			}
			calls++
		}
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(os.Stderr, "go_calls: %v\n", err)
		os.Exit(1)
	}
	missing := make([]string, 0, len(o.missing))
	for importPath := range o.missing {
		missing = append(missing, importPath)
	}
	sort.Strings(missing)
	fmt.Fprintf(os.Stderr, "go_calls: %d packages, %d calls, %d type errors, imports not found: %s\n",
		len(o.folders), calls, o.typeErrors, strings.Join(missing, " "))
}

func newOracle(root string) *oracle {
	context := build.Default
	context.CgoEnabled = false
	// The standard library's source importer reads build.Default: no cgo there either.
	build.Default.CgoEnabled = false
	fset := token.NewFileSet()
	o := &oracle{
		root:    root,
		module:  modulePath(filepath.Join(root, "go.mod")),
		fset:    fset,
		context: context,
		folders: map[string]*folder{},
		std:     importer.ForCompiler(fset, "source", nil),
		missing: map[string]bool{},
	}
	o.imports = packages{o, map[string]*types.Package{}, ""}
	return o
}

// modulePath is the `module` line of a go.mod file, or "" without one.
func modulePath(goMod string) string {
	data, err := os.ReadFile(goMod)
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`)
		}
	}
	return ""
}

// load parses every Go file the build context selects, grouped by folder and package name.
func (o *oracle) load() error {
	return filepath.WalkDir(o.root, func(file string, entry fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := entry.Name()
		if entry.IsDir() {
			if file != o.root && (name == "testdata" || name == "vendor" ||
				strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		dir := filepath.Dir(file)
		if match, err := o.context.MatchFile(dir, name); err != nil || !match {
			return nil // excluded by build constraints, or unreadable: not this build's code
		}
		parsed, err := parser.ParseFile(o.fset, file, nil, parser.SkipObjectResolution)
		if parsed == nil {
			return nil
		}
		if err != nil {
			o.typeErrors++ // a syntax error: the file is still checked as far as it parsed
		}
		importPath := o.importPathOf(dir)
		f := o.folders[importPath]
		if f == nil {
			f = &folder{dir: dir, importPath: importPath,
				files: map[string][]*ast.File{}, testFiles: map[*ast.File]bool{}}
			o.folders[importPath] = f
		}
		f.files[parsed.Name.Name] = append(f.files[parsed.Name.Name], parsed)
		f.testFiles[parsed] = strings.HasSuffix(name, "_test.go")
		return nil
	})
}

func (o *oracle) importPathOf(dir string) string {
	relative, _ := filepath.Rel(o.root, dir)
	relative = filepath.ToSlash(relative)
	if o.module == "" {
		return relative
	}
	if relative == "." {
		return o.module
	}
	return path.Join(o.module, relative)
}

func (o *oracle) importPaths() []string {
	paths := make([]string, 0, len(o.folders))
	for importPath := range o.folders {
		paths = append(paths, importPath)
	}
	sort.Strings(paths)
	return paths
}

// libraryName is the package name of a folder's non-test files (the most common one).
func (f *folder) libraryName() string {
	best, count := "", -1
	for name, files := range f.files {
		if strings.HasSuffix(name, "_test") {
			continue
		}
		n := 0
		for _, file := range files {
			if !f.isTest(file) {
				n++
			}
		}
		if n > count || (n == count && name < best) {
			best, count = name, n
		}
	}
	return best
}

func (f *folder) isTest(file *ast.File) bool {
	return f.testFiles[file]
}

// packages is one set of type-checked packages: what imports resolve to. The oracle has
// one; an external test package gets its own, in which the package under test is the one
// checked with its in-package test files, and the folders importing it are checked again
// against that one (as `go test` builds them), so their types agree; the others are
// shared with the oracle's set.
type packages struct {
	*oracle
	checked   map[string]*types.Package
	underTest string // "" in the oracle's own set
}

// Import gives the package of an import path: a folder under ROOT checked from its
// non-test files, else the standard library's.
func (p packages) Import(importPath string) (*types.Package, error) {
	if done, ok := p.checked[importPath]; ok {
		if done == nil {
			return nil, fmt.Errorf("import cycle through %s", importPath)
		}
		return done, nil
	}
	if p.underTest != "" && !p.importsFolder(importPath, p.underTest, map[string]bool{}) {
		return p.imports.Import(importPath)
	}
	if f := p.folders[importPath]; f != nil {
		p.checked[importPath] = nil
		var files []*ast.File
		for _, file := range f.files[f.libraryName()] {
			if !f.isTest(file) {
				files = append(files, file)
			}
		}
		checked := p.check(importPath, files, p, nil)
		p.checked[importPath] = checked
		return checked, nil
	}
	if p.missing[importPath] {
		return nil, fmt.Errorf("%s not found", importPath)
	}
	checked, err := p.std.Import(importPath)
	if err != nil {
		p.missing[importPath] = true
		return nil, err
	}
	return checked, nil
}

// importsFolder tells whether the library of a folder under ROOT imports another one,
// directly or through other folders under ROOT.
func (o *oracle) importsFolder(importPath, target string, seen map[string]bool) bool {
	if importPath == target {
		return true
	}
	f := o.folders[importPath]
	if f == nil || seen[importPath] {
		return false
	}
	seen[importPath] = true
	for _, file := range f.files[f.libraryName()] {
		if f.isTest(file) {
			continue
		}
		for _, spec := range file.Imports {
			imported, err := strconv.Unquote(spec.Path.Value)
			if err == nil && o.importsFolder(imported, target, seen) {
				return true
			}
		}
	}
	return false
}

func (o *oracle) check(
	importPath string, files []*ast.File, imports types.Importer, info *types.Info,
) *types.Package {
	config := types.Config{
		Importer: imports,
		Error: func(err error) {
			o.typeErrors++
			if os.Getenv("GO_CALLS_DEBUG") != "" {
				fmt.Fprintln(os.Stderr, err)
			}
		},
		Sizes: types.SizesFor("gc", o.context.GOARCH),
	}
	pkg, _ := config.Check(importPath, o.fset, files, info) // errors counted; info is partial
	return pkg
}

func newInfo() *types.Info {
	return &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Uses:       map[*ast.Ident]types.Object{},
		Defs:       map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
	}
}

// callsOf checks a folder's packages with their test files, and lists their calls: the
// library with its in-package tests, then the external test package, then any other.
func (o *oracle) callsOf(f *folder) []Call {
	var calls []Call
	library := f.libraryName()
	names := make([]string, 0, len(f.files))
	for name := range f.files {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		rank := func(name string) int {
			switch name {
			case library:
				return 0
			case library + "_test":
				return 1
			}
			return 2
		}
		return rank(names[i]) < rank(names[j]) || rank(names[i]) == rank(names[j]) && names[i] < names[j]
	})
	var underTest *types.Package
	for _, name := range names {
		files := f.files[name]
		info := newInfo()
		imports := o.imports
		checkedPath := f.importPath
		if name == library+"_test" {
			imports = packages{o, map[string]*types.Package{f.importPath: underTest}, f.importPath}
			checkedPath = f.importPath + "_test"
		} else if name != library {
			checkedPath = f.importPath + "#" + name // another package in the folder (an example)
		}
		pkg := o.check(checkedPath, files, imports, info)
		if name == library {
			underTest = pkg
		}
		for _, file := range files {
			calls = append(calls, o.callsInFile(file, info)...)
		}
	}
	return calls
}

// enclosing is what a call's form depends on: its function and the names it declares.
type enclosing struct {
	caller     string
	receivers  map[types.Object]bool // the method's receiver
	parameters map[types.Object]bool // parameters and named results, of closures too
}

func (o *oracle) callsInFile(file *ast.File, info *types.Info) []Call {
	var calls []Call
	for _, declaration := range file.Decls {
		around := enclosing{receivers: map[types.Object]bool{}, parameters: map[types.Object]bool{}}
		if function, ok := declaration.(*ast.FuncDecl); ok {
			around.caller = function.Name.Name
			if receiver := receiverName(function); receiver != "" {
				around.caller = receiver + "." + around.caller
				for _, name := range function.Recv.List[0].Names {
					around.receivers[info.Defs[name]] = true
				}
			}
		}
		ast.Inspect(declaration, func(node ast.Node) bool {
			switch expression := node.(type) {
			case *ast.FuncType:
				for _, fields := range []*ast.FieldList{expression.Params, expression.Results} {
					for _, field := range fieldsOf(fields) {
						for _, name := range field.Names {
							around.parameters[info.Defs[name]] = true
						}
					}
				}
			case *ast.CallExpr:
				calls = append(calls, o.describeCall(expression, info, around))
			case *ast.CompositeLit:
				if call, ok := o.describeLiteral(expression, info, around.caller); ok {
					calls = append(calls, call)
				}
			}
			return true
		})
	}
	return calls
}

func fieldsOf(list *ast.FieldList) []*ast.Field {
	if list == nil {
		return nil
	}
	return list.List
}

// form is the shape of a call, for counting results by it: `f()`, `pkg.F()`, `recv.m()`
// (the method's receiver), `param.m()`, `local.m()`, `global.m()`, `T.m()` (a method
// expression), `x.field.m()`, `pkg.V.m()`, `call().m()`, or `other`.
func form(function ast.Expr, info *types.Info, around enclosing) string {
	_, selector := calledName(function)
	if selector == nil {
		if ident, _ := calledName(function); ident != nil {
			return "f()"
		}
		return "other"
	}
	switch operand := ast.Unparen(selector.X).(type) {
	case *ast.Ident:
		switch object := info.Uses[operand].(type) {
		case *types.PkgName:
			return "pkg.F()"
		case *types.TypeName:
			return "T.m()"
		case *types.Var:
			switch {
			case around.receivers[object]:
				return "recv.m()"
			case around.parameters[object]:
				return "param.m()"
			case object.Pkg() != nil && object.Parent() == object.Pkg().Scope():
				return "global.m()"
			}
			return "local.m()"
		}
	case *ast.SelectorExpr:
		if selection := info.Selections[operand]; selection != nil &&
			selection.Kind() == types.FieldVal {
			return "x.field.m()"
		}
		if inner, ok := operand.X.(*ast.Ident); ok {
			if _, ok := info.Uses[inner].(*types.PkgName); ok {
				return "pkg.V.m()"
			}
		}
	case *ast.CallExpr:
		return "call().m()"
	}
	return "other"
}

// receiverName is the type name a method's receiver names (`(c *Command)` -> Command).
func receiverName(function *ast.FuncDecl) string {
	if function.Recv == nil || len(function.Recv.List) == 0 {
		return ""
	}
	return typeName(function.Recv.List[0].Type)
}

func typeName(expression ast.Expr) string {
	switch t := expression.(type) {
	case *ast.StarExpr:
		return typeName(t.X)
	case *ast.ParenExpr:
		return typeName(t.X)
	case *ast.IndexExpr:
		return typeName(t.X)
	case *ast.IndexListExpr:
		return typeName(t.X)
	case *ast.Ident:
		return t.Name
	case *ast.SelectorExpr:
		return t.Sel.Name
	}
	return ""
}

// calledName is the identifier a call names (`f`, the `M` of `x.M`, through parentheses
// and type arguments), or nil for a call of another expression.
func calledName(function ast.Expr) (*ast.Ident, *ast.SelectorExpr) {
	switch f := function.(type) {
	case *ast.ParenExpr:
		return calledName(f.X)
	case *ast.IndexExpr:
		return calledName(f.X)
	case *ast.IndexListExpr:
		return calledName(f.X)
	case *ast.Ident:
		return f, nil
	case *ast.SelectorExpr:
		return f.Sel, f
	}
	return nil, nil
}

func (o *oracle) site(node ast.Node, name string, caller string) Call {
	position := o.fset.Position(node.Pos())
	return Call{File: o.relative(position.Filename), Line: position.Line,
		Column: position.Column, Name: name, Caller: caller}
}

func (o *oracle) describeCall(expression *ast.CallExpr, info *types.Info, around enclosing) Call {
	ident, selector := calledName(expression.Fun)
	if ident == nil {
		call := o.site(expression.Fun, "", around.caller)
		call.Form = "other"
		call.Kind = "unknown"
		if value, ok := info.Types[expression.Fun]; ok && value.IsValue() {
			call.Kind = "value" // a call of a call's result, a func literal, an index...
		} else if ok && value.IsType() {
			call.Kind = "type" // a conversion to `[]byte`, `(*T)` ...
		}
		return call
	}
	call := o.site(ident, ident.Name, around.caller)
	call.Form = form(expression.Fun, info, around)
	var object types.Object
	if selector != nil {
		if selection := info.Selections[selector]; selection != nil {
			object = selection.Obj()
		}
	}
	if object == nil {
		object = info.Uses[ident]
	}
	switch callee := object.(type) {
	case *types.Func:
		o.describeFunc(&call, callee.Origin())
	case *types.TypeName:
		call.Kind = "type"
		o.describeDeclaration(&call, callee)
	case *types.Builtin:
		call.Kind = "builtin"
		call.Callee = callee.Name()
	case *types.Var:
		call.Kind = "value"
		call.Callee = callee.Name()
	default:
		call.Kind = "unknown"
	}
	return call
}

func (o *oracle) describeFunc(call *Call, callee *types.Func) {
	call.Kind = "func"
	o.describeDeclaration(call, callee)
	receiver := callee.Type().(*types.Signature).Recv()
	if receiver == nil {
		return
	}
	call.Kind = "method"
	receiverType := receiver.Type()
	if pointer, ok := receiverType.(*types.Pointer); ok {
		receiverType = pointer.Elem()
	}
	if _, ok := receiverType.Underlying().(*types.Interface); ok {
		call.Kind = "interface_method"
	}
	if named, ok := receiverType.(*types.Named); ok {
		call.Receiver = named.Obj().Name()
	}
}

func (o *oracle) describeDeclaration(call *Call, object types.Object) {
	call.Callee = object.Name()
	if object.Pkg() != nil {
		call.Package = object.Pkg().Path()
	}
	if object.Pos().IsValid() {
		position := o.fset.Position(object.Pos())
		call.DeclFile = o.relative(position.Filename)
		if call.DeclFile != "" {
			call.DeclLine = position.Line
		}
	}
}

func (o *oracle) describeLiteral(literal *ast.CompositeLit, info *types.Info, caller string) (Call, bool) {
	if literal.Type == nil {
		return Call{}, false // an element of an outer literal, its type left out
	}
	ident, _ := calledName(literal.Type)
	if ident == nil {
		return Call{}, false // `[]T{...}`, `map[K]V{...}`, `struct{...}{...}`: no type named
	}
	call := o.site(ident, ident.Name, caller)
	call.Form = "T{}"
	call.Kind = "unknown"
	if typeName, ok := info.Uses[ident].(*types.TypeName); ok {
		call.Kind = "literal"
		o.describeDeclaration(&call, typeName)
	}
	return call, true
}

// relative is a path under ROOT, slash-separated, or "" for a path outside it.
func (o *oracle) relative(file string) string {
	relative, err := filepath.Rel(o.root, file)
	if err != nil || strings.HasPrefix(relative, "..") {
		return ""
	}
	return filepath.ToSlash(relative)
}
