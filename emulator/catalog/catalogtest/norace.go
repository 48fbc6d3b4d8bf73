//go:build !race

package catalogtest

const raceEnabled = false
