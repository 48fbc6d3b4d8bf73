package main

import (
	"os"
	"testing"
)

// TestMain runs the CLI tests with --self-check on (through its variable),
// so every payload they make is validated, as the whole suite does.
func TestMain(m *testing.M) {
	os.Setenv("STANDIN_SELF_CHECK", "true")
	os.Exit(m.Run())
}
