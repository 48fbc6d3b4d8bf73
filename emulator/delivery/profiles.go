package delivery

import (
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
)

// UserAgent is the User-Agent header every request carries unless the
// profile or the subscription overrides it. The server sets it to
// "standin/<version>" at startup; New reads it once, so set it before.
var UserAgent = "standin"

// DeliveryHeader carries the delivery id on every request (and on the
// duplicate of the duplicate fault), so receivers and tests can correlate a
// request with GET /__admin/deliveries/{id}. No vendor sends it.
const DeliveryHeader = "X-Standin-Delivery"

// Configurable subscription fields, as listed in Profile.Configurable.
const (
	FieldMethod       = "method"
	FieldHeaders      = "headers"
	FieldAuth         = "auth"
	FieldBodyTemplate = "body_template"
)

// configurableMethods are the methods Cutover lets a user choose; FlexDeploy's
// scripts may use any, standin offers the same set.
var configurableMethods = []string{"POST", "PUT", "PATCH", "DELETE", "GET"}

func is2xx(status int) bool { return status >= 200 && status <= 299 }

// Profiles returns the delivery profile of every vendor, keyed by vendor id.
// Each call returns fresh values, so callers may change them (tests shorten
// Timeout this way).
func Profiles() map[string]Profile {
	return map[string]Profile{
		catalog.Rocketlane: {
			Vendor:      catalog.Rocketlane,
			Method:      "POST",
			Methods:     []string{"POST"},
			Headers:     map[string]string{"Content-Type": "application/json"},
			Timeout:     10 * time.Second,
			Success:     func(status int) bool { return status == 200 || status == 204 },
			SuccessRule: "Rocketlane counts only 200 and 204 as delivered",
			// Rocketlane documents no headers; extra ones let users mimic
			// what their proxies add.
			Configurable: []string{FieldHeaders},
			Notes: "Documented by Rocketlane: HTTP POST, only 200 and 204 count as delivered (201 is a failure), " +
				"no response within 10 seconds is a failure, delivery order is not guaranteed, each event is delivered once. " +
				"Not documented, chosen by standin: Content-Type application/json, the User-Agent and " + DeliveryHeader +
				" headers, no signing, redirects not followed, no retries unless the subscription asks; extra headers are configurable.",
		},
		catalog.Cutover: {
			Vendor:       catalog.Cutover,
			Method:       "POST",
			Methods:      append([]string(nil), configurableMethods...),
			Headers:      map[string]string{"Content-Type": "application/json"},
			Timeout:      30 * time.Second,
			Success:      is2xx,
			SuccessRule:  "Cutover counts only 2xx statuses as delivered",
			Configurable: []string{FieldMethod, FieldHeaders, FieldAuth},
			Notes: "Documented by Cutover: the method is the user's choice (POST, PUT, PATCH, DELETE, GET), user-defined headers, " +
				"No Auth, Token Auth (Authorization: <type> <token>) and OAuth 2 client credentials, fire and forget: any 2xx is success. " +
				"Not documented, chosen by standin: the 30 s timeout, Content-Type application/json, the User-Agent and " + DeliveryHeader +
				" headers, GET sends no body, redirects not followed, no retries unless the subscription asks. " +
				"Not emulated: OAuth 2 authorization code, AWS STS SigV4, GET parameters, URL variables.",
		},
		catalog.FlexDeploy: {
			Vendor:       catalog.FlexDeploy,
			Method:       "POST",
			Methods:      append([]string(nil), configurableMethods...),
			Headers:      map[string]string{"Content-Type": "application/json"},
			Timeout:      30 * time.Second,
			Success:      is2xx,
			SuccessRule:  "standin counts only 2xx statuses as delivered for FlexDeploy (the customer's webhook script decides)",
			Configurable: []string{FieldMethod, FieldHeaders, FieldBodyTemplate},
			Notes: "FlexDeploy runs a customer Groovy script per webhook listener, so method, headers and body are the customer's choice. " +
				"standin's default, not FlexDeploy's: a POST of the event JSON with Content-Type application/json, success on 2xx, " +
				"a 30 s timeout, the User-Agent and " + DeliveryHeader + " headers, GET sends no body, redirects not followed, " +
				"no retries unless the subscription asks; body_template stands in for the script's body.",
		},
	}
}

// allows reports whether field is configurable in p.
func (p Profile) allows(field string) bool {
	for _, f := range p.Configurable {
		if f == field {
			return true
		}
	}
	return false
}

// withDefaults fills what a custom profile left empty.
func (p Profile) withDefaults() Profile {
	if p.Method == "" {
		p.Method = "POST"
	}
	if len(p.Methods) == 0 {
		p.Methods = []string{p.Method}
	}
	if p.Timeout <= 0 {
		p.Timeout = 30 * time.Second
	}
	if p.Success == nil {
		p.Success = is2xx
		if p.SuccessRule == "" {
			p.SuccessRule = "only 2xx statuses count as delivered"
		}
	}
	if p.SuccessRule == "" {
		p.SuccessRule = "the status is not one the vendor counts as delivered"
	}
	return p
}
