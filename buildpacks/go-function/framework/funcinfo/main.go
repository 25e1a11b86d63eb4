// Command kiln-funcinfo describes the functions of one Go package for kiln/go-function, which
// checks FUNC_NAME and the function's signature against it before generating any code, so a
// mistake is reported in the user's terms instead of as a compiler error in generated code.
//
// Usage: kiln-funcinfo DIR. It prints JSON (see packageInfo) and exits 0 unless DIR cannot be
// read. Files are chosen as go build chooses them (build constraints, no tests). Parameter
// types come from type-checking the package against the compiler's export data of its imports
// (`go list -export`, whose compiled packages go build then reuses), so aliases and dot
// imports resolve as the compiler resolves them. A package that does not type-check is
// described from its syntax, resolving types through each file's imports; its compile errors
// are then reported by go build itself.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/printer"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
)

type packageInfo struct {
	// Name is the package clause; empty when the directory holds no Go files.
	Name string `json:"name"`
	// Functions are the exported top-level functions (methods excluded).
	Functions []function `json:"functions"`
	// Unexported names the other top-level functions, for "did you mean" advice.
	Unexported []string `json:"unexported"`
	// ParseError is set when a file does not parse; the compiler then reports it.
	ParseError string `json:"parse_error,omitempty"`
}

type function struct {
	Name string `json:"name"`
	// Signature is the declaration as written, without the name: func(w http.ResponseWriter, ...).
	Signature string `json:"signature"`
	// Params and Results are the types with packages named by import path:
	// "*net/http.Request", "context.Context", "error".
	Params  []string `json:"params"`
	Results []string `json:"results"`
	Generic bool     `json:"generic"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: kiln-funcinfo DIR")
		os.Exit(2)
	}
	info, err := describe(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := json.NewEncoder(os.Stdout).Encode(info); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func describe(dir string) (packageInfo, error) {
	info := packageInfo{Functions: []function{}, Unexported: []string{}}
	pkg, err := build.Default.ImportDir(dir, 0)
	var noGo *build.NoGoError
	if errors.As(err, &noGo) {
		return info, nil
	}
	if err != nil {
		var multiple *build.MultiplePackageError
		if errors.As(err, &multiple) {
			info.ParseError = err.Error()
			return info, nil
		}
		return info, err
	}
	info.Name = pkg.Name
	files := token.NewFileSet()
	parsed := []*ast.File{}
	for _, name := range pkg.GoFiles {
		file, err := parser.ParseFile(files, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			info.ParseError = err.Error()
			return info, nil
		}
		parsed = append(parsed, file)
		imports := importNames(file)
		for _, declaration := range file.Decls {
			declared, ok := declaration.(*ast.FuncDecl)
			if !ok || declared.Recv != nil || declared.Name.Name == "init" || declared.Name.Name == "_" {
				continue
			}
			if !declared.Name.IsExported() {
				info.Unexported = append(info.Unexported, declared.Name.Name)
				continue
			}
			info.Functions = append(info.Functions, function{
				Name:      declared.Name.Name,
				Signature: source(files, declared.Type),
				Params:    fieldTypes(declared.Type.Params, imports),
				Results:   fieldTypes(declared.Type.Results, imports),
				Generic:   declared.Type.TypeParams != nil,
			})
		}
	}
	if checked := typeCheck(dir, files, parsed); checked != nil {
		for i := range info.Functions {
			useCheckedTypes(&info.Functions[i], checked)
		}
	}
	sort.Slice(info.Functions, func(i, j int) bool { return info.Functions[i].Name < info.Functions[j].Name })
	sort.Strings(info.Unexported)
	return info, nil
}

func source(files *token.FileSet, node ast.Node) string {
	var text bytes.Buffer
	if err := printer.Fprint(&text, files, node); err != nil {
		return "?"
	}
	return text.String()
}

// importNames maps the names a file uses for its imports to their paths.
func importNames(file *ast.File) map[string]string {
	names := map[string]string{}
	for _, spec := range file.Imports {
		importPath, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			continue
		}
		if spec.Name != nil {
			names[spec.Name.Name] = importPath
			continue
		}
		names[defaultName(importPath)] = importPath
	}
	return names
}

var versionSuffix = regexp.MustCompile(`\.v[0-9]+$`)

// defaultName guesses the package name of an unnamed import the way Go code conventionally
// names packages: the last path element ("v2" for github.com/cloudevents/sdk-go/v2,
// "yaml" for gopkg.in/yaml.v3).
func defaultName(importPath string) string {
	return versionSuffix.ReplaceAllString(path.Base(importPath), "")
}

func fieldTypes(fields *ast.FieldList, imports map[string]string) []string {
	names := []string{}
	if fields == nil {
		return names
	}
	for _, field := range fields.List {
		count := len(field.Names)
		if count == 0 {
			count = 1
		}
		for i := 0; i < count; i++ {
			names = append(names, typeName(field.Type, imports))
		}
	}
	return names
}

func typeName(expression ast.Expr, imports map[string]string) string {
	switch typed := expression.(type) {
	case *ast.Ident:
		return typed.Name
	case *ast.StarExpr:
		return "*" + typeName(typed.X, imports)
	case *ast.Ellipsis:
		return "..." + typeName(typed.Elt, imports)
	case *ast.SelectorExpr:
		if packageName, ok := typed.X.(*ast.Ident); ok {
			if importPath, ok := imports[packageName.Name]; ok {
				return importPath + "." + typed.Sel.Name
			}
		}
	}
	// Composite types never match a function signature kiln serves; keep them readable.
	return types.ExprString(expression)
}

// typeCheck type-checks the package in dir, or returns nil when it cannot: export data
// missing (go list failed) or errors in the package.
func typeCheck(dir string, files *token.FileSet, parsed []*ast.File) *types.Package {
	exports, packagePath, err := exportData(dir)
	if err != nil {
		return nil
	}
	config := types.Config{
		Importer: importer.ForCompiler(files, "gc", func(importPath string) (io.ReadCloser, error) {
			file, ok := exports[importPath]
			if !ok {
				return nil, fmt.Errorf("no export data for %s", importPath)
			}
			return os.Open(file)
		}),
		// Keep going past the first error; any error means the syntax is used instead.
		Error: func(error) {},
	}
	checked, err := config.Check(packagePath, files, parsed, nil)
	if err != nil {
		return nil
	}
	return checked
}

// exportData runs `go list -export` on the package in dir: the compiled export data of each
// of its dependencies by import path, and the package's own import path (listed last).
func exportData(dir string) (map[string]string, string, error) {
	command := exec.Command("go", "list", "-e", "-export", "-deps", "-json=ImportPath,Export", ".")
	command.Dir = dir
	command.Stderr = io.Discard
	output, err := command.Output()
	if err != nil {
		return nil, "", err
	}
	exports := map[string]string{}
	packagePath := ""
	decoder := json.NewDecoder(bytes.NewReader(output))
	for decoder.More() {
		var listed struct{ ImportPath, Export string }
		if err := decoder.Decode(&listed); err != nil {
			return nil, "", err
		}
		if listed.Export != "" {
			exports[listed.ImportPath] = listed.Export
		}
		packagePath = listed.ImportPath
	}
	return exports, packagePath, nil
}

// useCheckedTypes replaces the syntactic parameter and result types of described with the
// type checker's, named by package path.
func useCheckedTypes(described *function, checked *types.Package) {
	declared, ok := checked.Scope().Lookup(described.Name).(*types.Func)
	if !ok {
		return
	}
	signature, ok := declared.Type().(*types.Signature)
	if !ok {
		return
	}
	described.Params = tupleTypes(signature.Params())
	described.Results = tupleTypes(signature.Results())
	described.Generic = signature.TypeParams().Len() > 0
}

func tupleTypes(tuple *types.Tuple) []string {
	names := []string{}
	for i := 0; i < tuple.Len(); i++ {
		names = append(names, checkedTypeName(tuple.At(i).Type()))
	}
	return names
}

// checkedTypeName names a type by package path, seeing through aliases
// (`type Writer = http.ResponseWriter` is net/http.ResponseWriter).
func checkedTypeName(typ types.Type) string {
	typ = types.Unalias(typ)
	if pointer, ok := typ.(*types.Pointer); ok {
		return "*" + checkedTypeName(pointer.Elem())
	}
	return types.TypeString(typ, func(p *types.Package) string { return p.Path() })
}
