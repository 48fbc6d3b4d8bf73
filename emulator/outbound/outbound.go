// Package outbound holds what standin's own HTTP calls to a user's
// services share: the OAuth 2 client credentials grant and the wording of a
// failed exchange. The delivery engine and vendors' integration calls use
// it.
package outbound

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
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

// Auth styles: how a client credentials grant sends the client's id and
// secret (see golang.org/x/oauth2.AuthStyle).
const (
	// AuthStyleAuto tries HTTP Basic auth first and the request body
	// second, then keeps to the one the endpoint took.
	AuthStyleAuto = "auto"
	// AuthStyleHeader sends them in HTTP Basic auth, each form-encoded
	// first as RFC 6749 2.3.1 says.
	AuthStyleHeader = "header"
	// AuthStyleParams sends them as client_id and client_secret in the
	// form body.
	AuthStyleParams = "params"
)

// AuthStyles are the auth styles a client may ask for.
var AuthStyles = []string{AuthStyleAuto, AuthStyleHeader, AuthStyleParams}

// TokenClient runs OAuth 2 client credentials grants (RFC 6749 4.4) for one
// client through golang.org/x/oauth2/clientcredentials; with the auto
// style it remembers which style the endpoint took. Safe for concurrent
// use.
type TokenClient struct {
	cfg clientcredentials.Config
}

// NewTokenClient returns the token client of c.
func NewTokenClient(c Credentials) *TokenClient {
	t := &TokenClient{cfg: clientcredentials.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, TokenURL: c.TokenURL}}
	if c.Scope != "" {
		t.cfg.Scopes = strings.Fields(c.Scope)
	}
	switch c.AuthStyle {
	case AuthStyleHeader:
		t.cfg.AuthStyle = oauth2.AuthStyleInHeader
	case AuthStyleParams:
		t.cfg.AuthStyle = oauth2.AuthStyleInParams
	}
	return t
}

// Fetch gets a token with client under ctx and returns the Authorization
// value to send ("Bearer abc") and the token's lifetime (0 when the
// endpoint gives none). A transport failure is a *TokenTransportError; an
// answer that is not a token says what it was, with a snippet of its body.
func (t *TokenClient) Fetch(ctx context.Context, client *http.Client, userAgent string) (string, time.Duration, error) {
	hc := *client
	hc.Transport = userAgentTransport{base: client.Transport, ua: userAgent}
	tok, err := t.cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, &hc))
	if err != nil {
		var re *oauth2.RetrieveError
		var ue *url.Error
		switch {
		case errors.As(err, &re) && re.Response != nil:
			return "", 0, fmt.Errorf("oauth2 token endpoint %s answered status %d: %s", t.cfg.TokenURL, re.Response.StatusCode, Snippet(re.Body))
		case errors.As(err, &ue):
			return "", 0, &TokenTransportError{URL: t.cfg.TokenURL, Err: ue.Err}
		}
		return "", 0, fmt.Errorf("oauth2 token endpoint %s: %w", t.cfg.TokenURL, err)
	}
	var life time.Duration
	if !tok.Expiry.IsZero() {
		life = max(time.Until(tok.Expiry), time.Second)
	}
	return tok.Type() + " " + tok.AccessToken, life, nil
}

// ClientCredentials runs one grant for a (see TokenClient.Fetch).
func ClientCredentials(ctx context.Context, client *http.Client, userAgent string, a Credentials) (string, time.Duration, error) {
	return NewTokenClient(a).Fetch(ctx, client, userAgent)
}

// userAgentTransport sets the User-Agent of the token requests.
type userAgentTransport struct {
	base http.RoundTripper
	ua   string
}

func (u userAgentTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", u.ua)
	r.Header.Set("Accept", "application/json")
	base := u.base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r)
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

// Credentials are an OAuth 2 client's: where to get a token, as whom, and
// how to send the client's id and secret (an AuthStyle; empty is auto).
type Credentials struct {
	TokenURL, ClientID, ClientSecret, Scope, AuthStyle string
}
