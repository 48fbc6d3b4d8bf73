//go:build race

package catalogtest

const raceEnabled = true
