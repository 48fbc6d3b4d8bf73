package delivery

import "github.com/standin-dev/standin/emulator/redact"

// shown is d as standin shows it (the admin API, `standin run`, the log):
// its secrets masked by package redact. Request headers named like
// credentials or listed in the subscription's SecretHeaders, URL user
// information and secret query parameters, and what an error message
// quotes of them. The receiver got the real values.
func shown(d Delivery, secret redact.Names) Delivery {
	d.URL = redact.URL(d.URL)
	d.Error = redact.Text(d.Error)
	for i := range d.Attempts {
		shownAttempt(&d.Attempts[i], secret)
	}
	return d
}

// shownAttempt masks the secrets of a, a copy of a record's attempt (see
// record.attemptCopy), as shown does.
func shownAttempt(a *Attempt, secret redact.Names) {
	if a.Request != nil {
		a.Request.URL = redact.URL(a.Request.URL)
		a.Request.Headers = redact.Header(a.Request.Headers, secret)
	}
	if a.Response != nil {
		a.Response.Headers = redact.Header(a.Response.Headers, nil)
	}
	a.Error = redact.Text(a.Error)
}

// Redacted is the subscription as standin shows it: token, client secret,
// secret headers (named like credentials, or listed in SecretHeaders) and
// URL user information masked by package redact.
func (s Subscription) Redacted() Subscription {
	s.URL = redact.URL(s.URL)
	s.Headers = redact.HeaderMap(s.Headers, s.SecretHeaders)
	s.Auth.Token = redact.Mask(s.Auth.Token)
	s.Auth.ClientSecret = redact.Mask(s.Auth.ClientSecret)
	s.Auth.TokenURL = redact.URL(s.Auth.TokenURL)
	return s
}
