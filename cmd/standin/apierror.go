package main

import (
	"encoding/json"
	"errors"
	"fmt"
)

// apiError is the error a non-2xx answer of standin's admin API carries:
// the server's {"error":{"message"}} when the body has one, else what
// answered with which status.
func apiError(what string, status int, body []byte) error {
	var doc struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &doc) != nil || doc.Error.Message == "" {
		return fmt.Errorf("%s answered %d (no JSON error)", what, status)
	}
	return errors.New(doc.Error.Message)
}
