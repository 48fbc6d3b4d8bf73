package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	yamlparser "github.com/goccy/go-yaml/parser"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/standin-dev/standin/emulator/delivery"
	"github.com/standin-dev/standin/emulator/server"
	"github.com/standin-dev/standin/emulator/suggest"
	"github.com/standin-dev/standin/scenarios"
)

// defaultConfigPath is read by serve when present and no --config (or
// STANDIN_CONFIG) is given: the image's conventional place for a file.
const defaultConfigPath = "/etc/standin/standin.yaml"

// configFile is a serve configuration file: server settings (serve's
// flags by name), subscriptions (each the body of POST
// /__admin/subscriptions) and runs (each the body of POST /__admin/runs),
// with ${NAME} replaced from the environment.
type configFile struct {
	path string
	src  []byte
	file *ast.File
	// Server holds serve's settings by flag name.
	Server        yaml.MapSlice           `yaml:"server"`
	applied       map[string]bool         // the settings applySettings set (the command line and environment win)
	Subscriptions []delivery.Subscription `yaml:"subscriptions"`
	Runs          []server.RunRequest     `yaml:"runs"`
}

// configError is a problem of a config file at its place.
type configError = scenarios.Error

// envRef matches $$ (a literal $) and ${...}; envName is a valid NAME.
var (
	envRef  = regexp.MustCompile(`\$\$|\$\{([^}]*)\}`)
	envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// expander replaces ${NAME} in a config file's string values from the
// environment, after the YAML is parsed, so a value can never change the
// file's structure; $$ is a literal $. A problem is reported at the first
// place the file writes the reference.
type expander struct {
	path   string
	src    []byte
	lookup func(string) (string, bool)
	errs   []error
	seen   map[string]bool
}

// expand returns s with its references replaced.
func (x *expander) expand(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	return envRef.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		name := m[2 : len(m)-1]
		if !envName.MatchString(name) {
			x.fail(m, "%s: want ${NAME}, a variable name of letters, digits and _", m)
			return m
		}
		v, ok := x.lookup(name)
		if !ok {
			x.fail(m, "%s: the environment variable %s is not set (write $${%s} for the text itself)", m, name, name)
		}
		return v
	})
}

// fail records a problem with the reference ref, at its first place in
// the file, once.
func (x *expander) fail(ref, format string, args ...any) {
	if x.seen[ref] {
		return
	}
	x.seen[ref] = true
	pos := scenarios.Pos{Line: 1, Col: 1}
	if i := bytes.Index(x.src, []byte(ref)); i >= 0 {
		pos.Line = bytes.Count(x.src[:i], []byte("\n")) + 1
		pos.Col = i - bytes.LastIndexByte(x.src[:i], '\n')
	}
	x.errs = append(x.errs, &configError{File: x.path, Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// walk expands every string v holds: fields, list items, map values. A
// run's script is left alone: ${...} there is the scenario's own (pass
// environment values to a script through the run's vars).
func (x *expander) walk(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() {
			v.SetString(x.expand(v.String()))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			x.walk(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() && !(v.Type() == reflect.TypeFor[server.RunRequest]() && f.Name == "Script") {
				x.walk(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			x.walk(v.Index(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			x.walk(e)
			v.SetMapIndex(k, e)
		}
	case reflect.Interface:
		if !v.IsNil() {
			e := reflect.New(v.Elem().Type()).Elem()
			e.Set(v.Elem())
			x.walk(e)
			v.Set(e)
		}
	}
}

// loadConfig reads and decodes a config file; every field is checked as
// the admin API checks it only when the file is applied (see setup).
func loadConfig(path string, lookup func(string) (string, bool)) (*configFile, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c := &configFile{path: path, src: src}
	if c.file, err = yamlparser.ParseBytes(src, 0); err != nil {
		return nil, scenarios.YAMLError(path, src, err)
	}
	if err := yaml.UnmarshalWithOptions(src, c, yaml.Strict(), yaml.UseJSONUnmarshaler()); err != nil {
		return nil, scenarios.YAMLError(path, src, err)
	}
	x := &expander{path: path, src: src, lookup: lookup, seen: map[string]bool{}}
	x.walk(reflect.ValueOf(c).Elem())
	if len(x.errs) > 0 {
		return nil, errors.Join(x.errs...)
	}
	return c, nil
}

// at is the place of the node at a YAML path such as $.runs[1], or the
// file's start.
func (c *configFile) at(path string) scenarios.Pos {
	p, err := yaml.PathString(path)
	if err == nil {
		if n, err := p.FilterFile(c.file); err == nil && n != nil && n.GetToken() != nil {
			tk := n.GetToken()
			return scenarios.Pos{Line: tk.Position.Line, Col: tk.Position.Column}
		}
	}
	return scenarios.Pos{Line: 1, Col: 1}
}

func (c *configFile) errAt(path, format string, args ...any) error {
	return &configError{File: c.path, Pos: c.at(path), Msg: fmt.Sprintf(format, args...)}
}

// keyAt is the place of the key of the mapping value at a YAML path such
// as $.server.workers: the first column of the value's line, where a
// one-line "key: value" starts.
func (c *configFile) keyAt(path string) scenarios.Pos {
	pos := c.at(path)
	lines := strings.Split(string(c.src), "\n")
	if pos.Line >= 1 && pos.Line <= len(lines) {
		l := lines[pos.Line-1]
		pos.Col = len(l) - len(strings.TrimLeft(l, " ")) + 1
	}
	return pos
}

// applySettings sets every serve flag the file's server: names and the
// command line and environment leave unset (they win over the file).
func (c *configFile) applySettings(fs *pflag.FlagSet) error {
	var errs []error
	for _, it := range c.Server {
		name := fmt.Sprint(it.Key)
		where := "$.server." + name
		f := fs.Lookup(name)
		if f == nil || name == "config" || name == "help" {
			var valid []string
			fs.VisitAll(func(f *pflag.Flag) {
				if f.Name != "config" && f.Name != "help" {
					valid = append(valid, f.Name)
				}
			})
			msg := fmt.Sprintf("server: unknown setting %q", name)
			if near := suggest.Nearest(name, valid); near != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", near)
			}
			errs = append(errs, &configError{File: c.path, Pos: c.keyAt(where), Msg: msg + "; settings are serve's flags: " + strings.Join(valid, ", ")})
			continue
		}
		if f.Changed {
			continue
		}
		if c.applied == nil {
			c.applied = map[string]bool{}
		}
		c.applied[name] = true
		vals := []any{it.Value}
		if list, ok := it.Value.([]any); ok {
			vals = list
		}
		for _, v := range vals {
			if err := fs.Set(name, fmt.Sprint(v)); err != nil {
				errs = append(errs, c.errAt(where, "server: %s: %v", name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// settingError places a *flagError at the setting of the file that gave
// the flag its value, the first of its flags the file set; other errors,
// and a flag set elsewhere, are left as they are.
func (c *configFile) settingError(err error) error {
	var fe *flagError
	if !errors.As(err, &fe) {
		return err
	}
	for _, name := range fe.Flags {
		if c.applied[name] {
			return &configError{File: c.path, Pos: c.keyAt("$.server." + name), Msg: "server: " + fe.Msg}
		}
	}
	return err
}

// setup subscribes the file's subscriptions on srv and checks its runs
// dry, through srv's admin API, so each is checked exactly as a request
// would be; a refusal names the item's place.
func (c *configFile) setup(srv *server.Server, adminToken string) error {
	var errs []error
	for i, s := range c.Subscriptions {
		if err := adminCall(srv, adminToken, "/__admin/subscriptions", s); err != nil {
			errs = append(errs, c.errAt(fmt.Sprintf("$.subscriptions[%d]", i), "subscriptions[%d]: %v", i, err))
		}
	}
	for i, r := range c.Runs {
		if err := adminCall(srv, adminToken, "/__admin/runs?dry_run=true", r); err != nil {
			errs = append(errs, c.errAt(fmt.Sprintf("$.runs[%d]", i), "runs[%d]: %v", i, err))
		}
	}
	return errors.Join(errs...)
}

// startRuns plays the file's runs on srv, once it serves.
func (c *configFile) startRuns(srv *server.Server, adminToken string, logger *slog.Logger) {
	for i, r := range c.Runs {
		if err := adminCall(srv, adminToken, "/__admin/runs", r); err != nil {
			logger.Error("config run did not start", "place", fmt.Sprintf("%s:%s", c.path, c.at(fmt.Sprintf("$.runs[%d]", i))), "error", err)
			continue
		}
		logger.Info("config run started", "place", fmt.Sprintf("%s:%s", c.path, c.at(fmt.Sprintf("$.runs[%d]", i))), "scenario", r.Scenario)
	}
}

// adminCall POSTs body to srv's admin route path in-process; an answer
// other than 2xx is an error with the server's message.
func adminCall(srv *server.Server, adminToken, path string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if adminToken != "" {
		req.Header.Set("Authorization", "Bearer "+adminToken)
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	if rec.Code/100 == 2 {
		return nil
	}
	return apiError(path, rec.Code, rec.Body.Bytes())
}

// configPath is the file serve reads: --config (or STANDIN_CONFIG), else
// the conventional path when it exists, else none.
func configPath(given string) string {
	if given != "" {
		return given
	}
	if _, err := os.Stat(defaultConfigPath); err == nil {
		return defaultConfigPath
	}
	return ""
}

func newConfigCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config check FILE",
		Short: "Check a serve --config file",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "check FILE",
		Short: "Check a serve --config file without serving",
		Long: `Check a file for 'standin serve --config': its YAML, ${NAME} references
(from this environment), server settings (serve's flags), every
subscription as POST /__admin/subscriptions checks it and every run as
POST /__admin/runs checks it (a dry run: every payload built and
validated). Every problem is printed with its file:line:col. Nothing is
served or sent.

Exit status: 0 valid, 2 invalid.`,
		Example: `  standin config check standin.yaml
  RECEIVER=http://localhost:9000 standin config check ci/standin.yaml`,
		Args: exactArgs(1, "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := loadConfig(args[0], os.LookupEnv)
			if err != nil {
				return usageErr(err)
			}
			serve, check := newServe()
			if err := c.applySettings(serve.Flags()); err != nil {
				return usageErr(err)
			}
			if err := check(); err != nil {
				return usageErr(c.settingError(err))
			}
			quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
			srv := server.New(server.Config{Logger: quiet, Version: buildVersion()})
			if err := c.setup(srv, ""); err != nil {
				return usageErr(err)
			}
			settings := plural(len(c.Server), "setting")
			if len(c.Server) > 0 {
				names := make([]string, 0, len(c.Server))
				for _, it := range c.Server {
					names = append(names, fmt.Sprint(it.Key))
				}
				slices.Sort(names)
				settings += " (" + strings.Join(names, ", ") + ")"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: valid: %s, %s, %s\n", c.path, settings,
				plural(len(c.Subscriptions), "subscription"), plural(len(c.Runs), "run"))
			return nil
		},
	})
	return cmd
}
