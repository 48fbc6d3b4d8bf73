// Package suggest finds the valid name a user most likely meant, for the
// "did you mean" of error messages.
package suggest

import "strings"

// Nearest returns the option closest to s, ignoring case: one that starts
// with what s typed (four characters or more; the shortest such), else the
// nearest by edit distance when within max(2, len(s)/3) edits, else "".
func Nearest(s string, options []string) string {
	best, bestD := "", 1<<30
	ls := strings.ToLower(s)
	if len(ls) >= 4 {
		for _, o := range options {
			if strings.HasPrefix(strings.ToLower(o), ls) && (best == "" || len(o) < len(best)) {
				best = o
			}
		}
		if best != "" {
			return best
		}
	}
	for _, o := range options {
		if d := Distance(ls, strings.ToLower(o)); d < bestD {
			best, bestD = o, d
		}
	}
	if bestD > max(2, len([]rune(s))/3) {
		return ""
	}
	return best
}

// Distance is the Levenshtein edit distance between a and b, in runes.
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
