package scenarios

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/standin-dev/standin/emulator/suggest"
)

//go:embed builtin/*.yaml
var builtinFS embed.FS

// builtins are the parsed built-in scenarios, by name.
var builtins = sync.OnceValues(func() (map[string]*Scenario, error) {
	entries, err := fs.ReadDir(builtinFS, "builtin")
	if err != nil {
		return nil, err
	}
	out := map[string]*Scenario{}
	for _, e := range entries {
		file := path.Join("builtin", e.Name())
		src, err := builtinFS.ReadFile(file)
		if err != nil {
			return nil, err
		}
		sc, err := Parse(file, src)
		if err != nil {
			return nil, fmt.Errorf("built-in scenario %s: %w", file, err)
		}
		if want := strings.TrimSuffix(e.Name(), ".yaml"); sc.Name != want {
			return nil, fmt.Errorf("built-in scenario %s is named %q; want %q", file, sc.Name, want)
		}
		sc.Builtin = true
		out[sc.Name] = sc
	}
	return out, nil
})

// Names lists the built-in scenarios, sorted.
func Names() []string {
	m, err := builtins()
	if err != nil {
		panic(err) // the embedded files are checked by the package's tests
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Builtin returns the built-in scenario called name.
func Builtin(name string) (*Scenario, error) {
	m, err := builtins()
	if err != nil {
		return nil, err
	}
	sc, ok := m[name]
	if !ok {
		return nil, unknownScenario(name)
	}
	return sc, nil
}

// ErrUnknown is the error of a scenario name that is neither built in nor
// a file.
var ErrUnknown = errors.New("unknown scenario")

func unknownScenario(name string) error {
	names := Names()
	msg := fmt.Sprintf("%q is not a built-in scenario (built in: %s)", name, strings.Join(names, ", "))
	if near := suggest.Nearest(name, names); near != "" {
		msg += fmt.Sprintf("; did you mean %s?", near)
	}
	return fmt.Errorf("%w: %s", ErrUnknown, msg)
}

// Load returns the built-in scenario called nameOrPath, or parses the file
// at that path (a name with a slash or a .yaml/.yml suffix is a path).
func Load(nameOrPath string) (*Scenario, error) {
	isPath := strings.ContainsAny(nameOrPath, `/\`) || strings.HasSuffix(nameOrPath, ".yaml") || strings.HasSuffix(nameOrPath, ".yml")
	if !isPath {
		if sc, err := Builtin(nameOrPath); err == nil {
			return sc, nil
		}
		if _, err := os.Stat(nameOrPath); err != nil {
			return nil, unknownScenario(nameOrPath)
		}
	}
	src, err := os.ReadFile(nameOrPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: no file %s", ErrUnknown, nameOrPath)
		}
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	return Parse(nameOrPath, src)
}
