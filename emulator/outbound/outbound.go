// Package outbound holds what standin's own HTTP calls to a user's
// services share: the OAuth 2 client credentials grant and the wording of a
// failed exchange. The delivery engine and vendors' integration calls use
// it.
package outbound

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DescribeTransportError words a failed HTTP exchange made under ctx: a
// timeout ("timeout after 10s") when ctx's deadline passed, else the
// transport's own error without Go's "Post URL:" prefix.
func DescribeTransportError(ctx context.Context, err error, timeout time.Duration) string {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf("timeout after %s", timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// TokenTransportError is a token request that got no usable answer: the
// transport failed (Stage "") or reading the response did ("read the
// response: ").
type TokenTransportError struct {
	URL, Stage string
	Err        error
}

// Error says where the token request failed.
func (e *TokenTransportError) Error() string {
	return fmt.Sprintf("oauth2 token request to %s: %s%v", e.URL, e.Stage, e.Err)
}

// Unwrap returns the transport's error.
func (e *TokenTransportError) Unwrap() error { return e.Err }

// ClientCredentials runs an OAuth 2 client credentials grant (RFC 6749
// 4.4) against a.TokenURL with a.ClientID, a.ClientSecret and a.Scope, and
// returns the Authorization value to send ("Bearer abc") and the token's
// lifetime (0 when the endpoint gives none). A transport failure is a
// *TokenTransportError; an answer that is not a token says what it was.
func ClientCredentials(ctx context.Context, client *http.Client, userAgent string, a Credentials) (string, time.Duration, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if a.Scope != "" {
		form.Set("scope", a.Scope)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, fmt.Errorf("oauth2 token request to %s: %w", a.TokenURL, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.SetBasicAuth(url.QueryEscape(a.ClientID), url.QueryEscape(a.ClientSecret))
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", 0, &TokenTransportError{URL: a.TokenURL, Err: err}
	}
	defer func() { _ = resp.Body.Close() }()
	body, _, err := readLimited(resp.Body, 64<<10)
	if err != nil {
		return "", 0, &TokenTransportError{URL: a.TokenURL, Stage: "read the response: ", Err: err}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", 0, fmt.Errorf("oauth2 token endpoint %s answered status %d: %s", a.TokenURL, resp.StatusCode, Snippet(body))
	}
	var tr struct {
		AccessToken string      `json:"access_token"`
		TokenType   string      `json:"token_type"`
		ExpiresIn   json.Number `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tr); err != nil {
		return "", 0, fmt.Errorf("oauth2 token endpoint %s answered status %d with a body that is not a token response (%v): %s",
			a.TokenURL, resp.StatusCode, err, Snippet(body))
	}
	if tr.AccessToken == "" {
		return "", 0, fmt.Errorf("oauth2 token endpoint %s answered status %d without an access_token: %s", a.TokenURL, resp.StatusCode, Snippet(body))
	}
	typ := tr.TokenType
	if typ == "" || strings.EqualFold(typ, "bearer") {
		typ = "Bearer"
	}
	var life time.Duration
	if tr.ExpiresIn != "" {
		if s, err := tr.ExpiresIn.Float64(); err == nil && s > 0 {
			life = time.Duration(s * float64(time.Second))
		}
	}
	return typ + " " + tr.AccessToken, life, nil
}

// Snippet shortens a body for an error message.
func Snippet(b []byte) string {
	const n = 200
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "(empty body)"
	}
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// Credentials are an OAuth 2 client's: where to get a token and as whom.
type Credentials struct {
	TokenURL, ClientID, ClientSecret, Scope string
}

// readLimited reads up to limit bytes of r.
func readLimited(r io.Reader, limit int) ([]byte, bool, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil || len(b) <= limit {
		return b, false, err
	}
	return b[:limit], true, nil
}
