package scenarios

import (
	"errors"
	"fmt"
	"strings"
)

// ErrTooDeep matches (errors.Is) the error of a scenario whose YAML nests
// deeper than standin reads.
var ErrTooDeep = errors.New("the YAML nests too deep")

// maxDepth is how deeply a scenario's YAML may nest. The pre-scan
// (checkNesting) holds the YAML parser to it and the conversion of the
// parsed tree (converter.convert) checks it again.
const maxDepth = 100

// checkNesting refuses YAML that nests deeper than limit before the YAML
// parser reads it: the parser's cost grows with the square of the nesting
// (32,000 flow brackets cost it 1.6 GB, an unclosed run of them far more),
// so a scenario as small as the body limit could exhaust the server.
//
// It reads src once and allocates nothing. It counts what can nest many
// levels on one line: flow collections ([ and { outside quoted strings,
// comments and block scalars; inside a flow collection every bracket is
// one) and compact block entries ("- - - x", "? ? x"), on top of the
// indentation levels of the line. It is deliberately coarse: a document it
// passes may still be refused by the parser or by convert, but no document
// it passes nests deeper than limit in flow or compact form.
func checkNesting(file string, src []byte, limit int) error {
	var (
		flow        int   // open flow collections
		indents     []int // indentation of the enclosing block lines
		quote       byte  // the open quote, 0 outside quoted strings
		blockScalar = -1  // indentation of the line that opened a | or > scalar, -1 outside one
		content     = -1  // indentation of the block scalar's first line, -1 before it
		line        = 1
	)
	for i := 0; i < len(src); {
		// At the start of a line.
		lineStart := i
		indent := 0
		for i < len(src) && src[i] == ' ' {
			i++
			indent++
		}
		blank := i == len(src) || src[i] == '\n' || src[i] == '\r' || src[i] == '#'
		if blockScalar >= 0 {
			// The scalar's lines are those indented as much as its first
			// one, which is indented more than the line that opened it.
			if content < 0 && !blank && indent > blockScalar {
				content = indent
			}
			if blank || (content >= 0 && indent >= content) {
				i = skipLine(src, i) + 1
				line++
				continue
			}
			blockScalar, content = -1, -1
		}
		tokenStart, compact := false, 0
		flowToken := false // in a flow collection, where a value may start
		if quote == 0 && flow == 0 && !blank {
			for len(indents) > 0 && indents[len(indents)-1] >= indent {
				indents = indents[:len(indents)-1]
			}
			indents = append(indents, indent)
			tokenStart = true
		}
		for ; i < len(src) && src[i] != '\n'; i++ {
			c := src[i]
			var next byte = ' '
			if i+1 < len(src) && src[i+1] != '\r' && src[i+1] != '\n' {
				next = src[i+1]
			}
			switch {
			case quote == '"':
				if c == '\\' {
					i++
				} else if c == '"' {
					quote = 0
				}
				continue
			case quote == '\'':
				if c == '\'' && next == '\'' {
					i++
				} else if c == '\'' {
					quote = 0
				}
				continue
			}
			prevSpace := i == lineStart || src[i-1] == ' ' || src[i-1] == '\t'
			switch {
			case c == ' ' || c == '\t':
			case c == '#' && prevSpace:
				i = skipLine(src, i) - 1 // a comment
			case flow > 0:
				// Every bracket outside quotes is one; a quote starts a
				// string only where a value starts (after [ { , : and
				// spaces), as inside a plain scalar it is a character.
				switch c {
				case '[', '{':
					flow++
					flowToken = true
					if len(indents)+compact+flow > limit {
						return tooDeep(file, line, i-lineStart+1, limit)
					}
				case ']', '}':
					flow--
					flowToken = false
				case ',', ':', '?':
					flowToken = true
				case '"', '\'':
					if flowToken {
						quote = c
					}
					flowToken = false
				default:
					flowToken = false
				}
			case tokenStart && (c == '-' || c == '?') && next == ' ':
				compact++
				if len(indents)+compact > limit {
					return tooDeep(file, line, i-lineStart+1, limit)
				}
			case tokenStart && (c == '[' || c == '{'):
				flow++
				tokenStart, flowToken = false, true
				if len(indents)+compact+flow > limit {
					return tooDeep(file, line, i-lineStart+1, limit)
				}
			case tokenStart && (c == '"' || c == '\''):
				quote, tokenStart = c, false
			case tokenStart && (c == '|' || c == '>') && blockHeader(src[i+1:]):
				blockScalar = indent
				i = skipLine(src, i) - 1
			case tokenStart && (c == '&' || c == '!' || c == '*'):
				// An anchor, tag or alias, which ends at a space or a flow
				// indicator; the value may follow.
				for i+1 < len(src) && strings.IndexByte(" \t\r\n[]{},", src[i+1]) < 0 {
					i++
				}
			case c == ':' && next == ' ':
				tokenStart = true // a mapping value follows
			default:
				tokenStart = false // a plain scalar
			}
		}
		i++ // the newline
		line++
	}
	return nil
}

// blockHeader reports whether rest, what follows a | or >, completes a
// block scalar's header: indentation and chomping indicators, then a
// space, a comment or the end of the line.
func blockHeader(rest []byte) bool {
	for _, c := range rest {
		switch {
		case c == '+' || c == '-' || (c >= '0' && c <= '9'):
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			return true
		default:
			return false
		}
	}
	return true
}

// skipLine returns the index of the newline ending the line i is on (or
// len(src)).
func skipLine(src []byte, i int) int {
	for i < len(src) && src[i] != '\n' {
		i++
	}
	return i
}

func tooDeep(file string, line, col, limit int) error {
	return &Error{File: file, Pos: Pos{line, col}, Msg: fmt.Sprintf("the YAML nests more than %d levels deep here (flow [ and {, compact - entries and indentation together)", limit), kind: ErrTooDeep}
}
