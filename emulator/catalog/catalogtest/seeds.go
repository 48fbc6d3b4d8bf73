package catalogtest

// Seeds is how many seeds a property or story test plays where it would
// play n: n, or a quarter of n (at least 10) under the race detector,
// which makes such tests ten times slower while what it checks (data
// races) does not grow with the seeds. .ci/run plays the stories with every
// seed without the race detector too.
func Seeds(n int) int {
	if raceEnabled {
		return max(n/4, 10)
	}
	return n
}
