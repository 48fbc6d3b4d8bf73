package schemas

import (
	"encoding/json"
	"math/big"
	"strconv"
)

// Equal reports whether two decoded JSON values (from Decode, or
// encoding/json with UseNumber) are equal as JSON Schema's const and enum
// compare them: numbers by value (1 equals 1.0), objects by members,
// arrays item by item.
func Equal(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		var yr *big.Rat
		switch y := b.(type) {
		case json.Number:
			if x == y {
				return true
			}
			yr, _ = new(big.Rat).SetString(string(y))
		case float64:
			yr, _ = new(big.Rat).SetString(strconv.FormatFloat(y, 'g', -1, 64))
		default:
			return false
		}
		xr, ok := new(big.Rat).SetString(string(x))
		return ok && yr != nil && xr.Cmp(yr) == 0
	case float64:
		if _, ok := b.(json.Number); ok {
			return Equal(b, a)
		}
		y, ok := b.(float64)
		return ok && x == y
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !Equal(xv, yv) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	default:
		return a == b
	}
}
