package main

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// pairsFlag is a repeatable flag of KEY<sep>VALUE items, checked as each
// item is set, so a bad item is reported with where it came from (the
// command line or a STANDIN_* variable).
type pairsFlag struct {
	name    string // the flag's name, for messages
	sep     string // "=" or ":"
	example string // a valid item, for messages
	items   []pair
}

// pair is one KEY<sep>VALUE item, the key trimmed.
type pair struct{ Key, Value string }

var _ pflag.SliceValue = (*pairsFlag)(nil)

func newPairsFlag(fs *pflag.FlagSet, name, sep, example, usage string) *pairsFlag {
	p := &pairsFlag{name: name, sep: sep, example: example}
	fs.Var(p, name, usage)
	return p
}

func (p *pairsFlag) parse(s string) (pair, error) {
	k, v, ok := strings.Cut(s, p.sep)
	if !ok || strings.TrimSpace(k) == "" {
		return pair{}, fmt.Errorf("want K%sV, such as --%s %s", p.sep, p.name, p.example)
	}
	return pair{strings.TrimSpace(k), v}, nil
}

func (p *pairsFlag) Set(s string) error {
	it, err := p.parse(s)
	if err != nil {
		return err
	}
	p.items = append(p.items, it)
	return nil
}

func (p *pairsFlag) Type() string { return "K" + p.sep + "V" }

func (p *pairsFlag) String() string { return "[" + strings.Join(p.GetSlice(), ",") + "]" }

func (p *pairsFlag) Append(s string) error { return p.Set(s) }

func (p *pairsFlag) Replace(ss []string) error {
	items := make([]pair, 0, len(ss))
	for _, s := range ss {
		it, err := p.parse(s)
		if err != nil {
			return err
		}
		items = append(items, it)
	}
	p.items = items
	return nil
}

func (p *pairsFlag) GetSlice() []string {
	out := make([]string, len(p.items))
	for i, it := range p.items {
		out[i] = it.Key + p.sep + it.Value
	}
	return out
}

// Map is the items as a map, a later key winning.
func (p *pairsFlag) Map() map[string]string {
	m := make(map[string]string, len(p.items))
	for _, it := range p.items {
		m[it.Key] = it.Value
	}
	return m
}
