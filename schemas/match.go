package schemas

import (
	"regexp"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// Hand-written matchers for the patterns and formats the embedded schemas
// use. Validation runs on every emitted event, and a regular expression or a
// format function that takes an interface (and, for e-mail addresses and
// URIs, parses with net/mail and net/url) costs more than the rest of a
// string's checks together.
//
// A pattern matcher gives exactly regexp.MatchString's answer for its
// pattern on every string; a format's fast form only ever says yes when the
// reference function (jsonschema.Formats, which the general validator uses)
// says yes, and leaves every other string to it. Tests and fuzz targets hold
// both to the reference (match_test.go).

// text is what the matchers read: a decoded string, or the raw bytes of a
// JSON string that has no escapes and is valid UTF-8 (the two are equal).
type text interface{ ~string | ~[]byte }

// matcher is a pattern's hand-written form, for strings and for bytes.
type matcher struct {
	str   func(string) bool
	bytes func([]byte) bool
}

func matcherOf(f func(string) bool, g func([]byte) bool) *matcher {
	return &matcher{str: f, bytes: g}
}

// knownPatterns are the patterns the schemas use, by their source text.
var knownPatterns = map[string]*matcher{
	`^([1-5][0-9]{2})?$`: matcherOf(httpStatusOrEmpty[string], httpStatusOrEmpty[[]byte]),
	"^([^@\\s]+@[^@\\s]+\\.[^@\\s]+|\\[email[ \u00a0]protected\\])$":                                                        matcherOf(emailOrProtected[string], emailOrProtected[[]byte]),
	`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$`:                                                                   matcherOf(plainDate[string], plainDate[[]byte]),
	`^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{3}Z$`:               matcherOf(cutoverTime[string], cutoverTime[[]byte]),
	`^[0-9]{4}-[0-5][0-9]-(0[1-9]|[12][0-9]|3[01]) ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9] [+-](0[0-9]|1[0-4])[0-5][0-9]$`: matcherOf(flexTime[string], flexTime[[]byte]),
	`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`:                                         matcherOf(anyCaseUUID[string], anyCaseUUID[[]byte]),
	`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`:                                                        matcherOf(lowerUUID[string], lowerUUID[[]byte]),
	`^[1-9][0-9]*$`:     matcherOf(positiveDigits[string], positiveDigits[[]byte]),
	`^[A-Z][A-Z0-9_]*$`: matcherOf(upperCode[string], upperCode[[]byte]),
	`^[A-Z]{3}$`:        matcherOf(threeUpper[string], threeUpper[[]byte]),
	`^\{[\s\S]*\}$`:     matcherOf(braced[string], braced[[]byte]),
	`^https://[^/]+/#/app/[^/]+/runbooks/[1-9][0-9]*/current_version/tasks/list$`: matcherOf(cutoverRunbookURL[string], cutoverRunbookURL[[]byte]),
}

// compilePattern returns the matcher of a known pattern, or nil and the
// compiled regular expression of any other.
func compilePattern(p string) (*matcher, *regexp.Regexp, error) {
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, nil, err
	}
	if m, ok := knownPatterns[p]; ok {
		return m, re, nil
	}
	return nil, re, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func isLowerHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' }

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// twoDigits returns the number s[i:i+2] spells, or -1.
func twoDigits[T text](s T, i int) int {
	if !isDigit(s[i]) || !isDigit(s[i+1]) {
		return -1
	}
	return int(s[i]-'0')*10 + int(s[i+1]-'0')
}

// ^([1-5][0-9]{2})?$
func httpStatusOrEmpty[T text](s T) bool {
	return len(s) == 0 || len(s) == 3 && s[0] >= '1' && s[0] <= '5' && isDigit(s[1]) && isDigit(s[2])
}

// isRESpace is \s in Go's regexp syntax: [\t\n\f\r ].
func isRESpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// ^([^@\s]+@[^@\s]+\.[^@\s]+|\[email[ \u00a0]protected\])$: any byte
// other than @ and \s stands for itself or is part of a rune that is
// neither, so the match is decided byte by byte.
func emailOrProtected[T text](s T) bool {
	if string(s) == "[email protected]" || string(s) == "[email\u00a0protected]" {
		return true
	}
	at := -1
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '@':
			if at >= 0 {
				return false
			}
			at = i
		case isRESpace(c):
			return false
		}
	}
	if at < 1 {
		return false
	}
	// The domain needs a dot with at least one byte on each side.
	for i := at + 2; i < len(s)-1; i++ {
		if s[i] == '.' {
			return true
		}
	}
	return false
}

// ^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$
func plainDate[T text](s T) bool {
	return len(s) == 10 && datePart(s)
}

// datePart checks s[0:10] against the date pattern (month 01-12, day
// 01-31, whatever the month).
func datePart[T text](s T) bool {
	if !isDigit(s[0]) || !isDigit(s[1]) || !isDigit(s[2]) || !isDigit(s[3]) || s[4] != '-' || s[7] != '-' {
		return false
	}
	m, d := twoDigits(s, 5), twoDigits(s, 8)
	return m >= 1 && m <= 12 && d >= 1 && d <= 31
}

// clockPart checks s[i:i+8] against ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9].
func clockPart[T text](s T, i int) bool {
	h, m, sec := twoDigits(s, i), twoDigits(s, i+3), twoDigits(s, i+6)
	return s[i+2] == ':' && s[i+5] == ':' && h >= 0 && h <= 23 && m >= 0 && m <= 59 && sec >= 0 && sec <= 59
}

// ^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{3}Z$
func cutoverTime[T text](s T) bool {
	return len(s) == 24 && datePart(s) && s[10] == 'T' && clockPart(s, 11) &&
		s[19] == '.' && isDigit(s[20]) && isDigit(s[21]) && isDigit(s[22]) && s[23] == 'Z'
}

// ^[0-9]{4}-[0-5][0-9]-(0[1-9]|[12][0-9]|3[01]) ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9] [+-](0[0-9]|1[0-4])[0-5][0-9]$
func flexTime[T text](s T) bool {
	if len(s) != 25 || !isDigit(s[0]) || !isDigit(s[1]) || !isDigit(s[2]) || !isDigit(s[3]) || s[4] != '-' || s[7] != '-' {
		return false
	}
	mm, d := twoDigits(s, 5), twoDigits(s, 8)
	if mm < 0 || mm > 59 || d < 1 || d > 31 || s[10] != ' ' || !clockPart(s, 11) || s[19] != ' ' {
		return false
	}
	zh, zm := twoDigits(s, 21), twoDigits(s, 23)
	return (s[20] == '+' || s[20] == '-') && zh >= 0 && zh <= 14 && zm >= 0 && zm <= 59
}

// uuidShape reports whether s is 8-4-4-4-12 characters for which digit
// holds, separated by hyphens.
func uuidShape[T text](s T, digit func(byte) bool) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !digit(s[i]) {
				return false
			}
		}
	}
	return true
}

// ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$
func anyCaseUUID[T text](s T) bool { return uuidShape(s, isHex) }

// ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$
func lowerUUID[T text](s T) bool { return uuidShape(s, isLowerHex) }

// ^[1-9][0-9]*$
func positiveDigits[T text](s T) bool {
	if len(s) == 0 || s[0] < '1' || s[0] > '9' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// ^[A-Z][A-Z0-9_]*$
func upperCode[T text](s T) bool {
	if len(s) == 0 || !isUpper(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isUpper(c) && !isDigit(c) && c != '_' {
			return false
		}
	}
	return true
}

// ^[A-Z]{3}$
func threeUpper[T text](s T) bool {
	return len(s) == 3 && isUpper(s[0]) && isUpper(s[1]) && isUpper(s[2])
}

// ^\{[\s\S]*\}$: [\s\S] is any character, invalid UTF-8 included.
func braced[T text](s T) bool {
	return len(s) >= 2 && s[0] == '{' && s[len(s)-1] == '}'
}

// ^https://[^/]+/#/app/[^/]+/runbooks/[1-9][0-9]*/current_version/tasks/list$
func cutoverRunbookURL[T text](s T) bool {
	const scheme, app, runbooks, tail = "https://", "/#/app/", "/runbooks/", "/current_version/tasks/list"
	if len(s) < len(scheme) || string(s[:len(scheme)]) != scheme {
		return false
	}
	rest := s[len(scheme):]
	// [^/]+ up to the next slash, which must exist.
	segment := func(r T) (T, bool) {
		for i := 0; i < len(r); i++ {
			if r[i] == '/' {
				return r[i:], i > 0
			}
		}
		return r, false
	}
	var ok bool
	if rest, ok = segment(rest); !ok || len(rest) < len(app) || string(rest[:len(app)]) != app {
		return false
	}
	rest = rest[len(app):]
	if rest, ok = segment(rest); !ok || len(rest) < len(runbooks) || string(rest[:len(runbooks)]) != runbooks {
		return false
	}
	rest = rest[len(runbooks):]
	n := 0
	for n < len(rest) && isDigit(rest[n]) {
		n++
	}
	return n > 0 && rest[0] != '0' && string(rest[n:]) == tail
}

// fastFormats are the formats with a fast form: each says yes only where
// the reference function says yes. Every one of these formats holds for
// any value that is not a string (so does the reference).
var fastFormats = map[string]*matcher{
	"uuid":      matcherOf(isUUIDFast[string], isUUIDFast[[]byte]),
	"date":      matcherOf(isDateFast[string], isDateFast[[]byte]),
	"date-time": matcherOf(isDateTimeFast[string], isDateTimeFast[[]byte]),
	"email":     matcherOf(isEmailFast[string], isEmailFast[[]byte]),
	"uri":       matcherOf(isURIFast[string], isURIFast[[]byte]),
}

// format is a compiled "format" keyword: the reference function and, for
// the formats in fastFormats, a quick way to say yes to the usual strings.
type format struct {
	ref  func(any) bool
	fast *matcher // nil: ask ref every time
}

func compileFormat(name string) (*format, bool) {
	ref := jsonschema.Formats[name]
	if ref == nil {
		return nil, false
	}
	return &format{ref: ref, fast: fastFormats[name]}, true
}

// ok reports the format's verdict on v.
func (f *format) ok(v any) bool {
	if s, isStr := v.(string); isStr && f.fast != nil && f.fast.str(s) {
		return true
	}
	return f.ref(v)
}

// okBytes is ok for a string given as bytes (see text).
func (f *format) okBytes(b []byte) bool {
	if f.fast != nil && f.fast.bytes(b) {
		return true
	}
	return f.ref(string(b))
}

// isUUIDFast is the reference's uuid check itself: hex digits of either case
// in 8-4-4-4-12 groups.
func isUUIDFast[T text](s T) bool { return anyCaseUUID(s) }

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(month, year int) int {
	switch month {
	case 2:
		if isLeap(year) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// fullDate reports whether s[0:10] is YYYY-MM-DD, a real day of a real month
// (what time.Parse("2006-01-02", …) accepts, which the reference uses).
func fullDate[T text](s T) bool {
	if !datePart(s) {
		return false
	}
	y := int(s[0]-'0')*1000 + int(s[1]-'0')*100 + int(s[2]-'0')*10 + int(s[3]-'0')
	return twoDigits(s, 8) <= daysIn(twoDigits(s, 5), y)
}

func isDateFast[T text](s T) bool { return len(s) == 10 && fullDate(s) }

// isDateTimeFast accepts YYYY-MM-DDTHH:MM:SS[.fraction]Z with a real date,
// hours 00-23, minutes and seconds 00-59.
func isDateTimeFast[T text](s T) bool {
	if len(s) < 20 || !fullDate(s) || s[10] != 'T' || !clockPart(s, 11) {
		return false
	}
	i := 19
	if s[i] == '.' {
		i++
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(s)-1 && s[i] == 'Z'
}

// isEmailFast accepts local@domain where local is dot-separated runs of
// letters, digits, _, + and -, at most 64 bytes, and domain a host name of
// letters, digits and inner hyphens in labels of 1 to 63 bytes, at most 253
// bytes: addresses both net/mail and the reference's host name rules take.
func isEmailFast[T text](s T) bool {
	if len(s) > 254 {
		return false
	}
	at := -1
	for i := 0; i < len(s); i++ {
		if s[i] == '@' {
			if at >= 0 {
				return false
			}
			at = i
		}
	}
	if at < 1 || at > 64 || len(s)-at-1 > 253 {
		return false
	}
	prev := byte('.')
	for i := 0; i < at; i++ {
		c := s[i]
		switch {
		case c == '.':
			if prev == '.' {
				return false
			}
		case isDigit(c), c >= 'a' && c <= 'z', isUpper(c), c == '_', c == '+', c == '-':
		default:
			return false
		}
		prev = c
	}
	if prev == '.' {
		return false
	}
	return hostName(s[at+1:])
}

// hostName accepts dot-separated labels of 1 to 63 letters, digits and
// hyphens, no label starting or ending with a hyphen.
func hostName[T text](s T) bool {
	if len(s) == 0 {
		return false
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '.' {
			c := s[i]
			if !isDigit(c) && !(c >= 'a' && c <= 'z') && !isUpper(c) && c != '-' {
				return false
			}
			continue
		}
		n := i - start
		if n < 1 || n > 63 || s[start] == '-' || s[i-1] == '-' {
			return false
		}
		start = i + 1
	}
	return true
}

// isURIFast accepts http:// or https://, a host name, and then nothing or a
// path (and at most one fragment) of letters, digits and -._~/ only: URLs
// net/url parses as absolute without a port, user or IPv6 host.
func isURIFast[T text](s T) bool {
	var rest T
	switch {
	case len(s) > 8 && string(s[:8]) == "https://":
		rest = s[8:]
	case len(s) > 7 && string(s[:7]) == "http://":
		rest = s[7:]
	default:
		return false
	}
	host := len(rest)
	for i := 0; i < len(rest); i++ {
		if rest[i] == '/' {
			host = i
			break
		}
	}
	if !hostName(rest[:host]) {
		return false
	}
	hash := false
	for i := host; i < len(rest); i++ {
		switch c := rest[i]; {
		case c == '#':
			if hash {
				return false
			}
			hash = true
		case isDigit(c), c >= 'a' && c <= 'z', isUpper(c), c == '-', c == '.', c == '_', c == '~', c == '/':
		default:
			return false
		}
	}
	return true
}
