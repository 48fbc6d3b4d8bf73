package cutover

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// system is a third-party service an integration task calls: the task's
// name, the URL it calls and how the service answers a failure, so that a
// simulated integrations.failed reads like a real exchange with it. The
// error formats are each service's public API error shape; which failures
// are drawn is standin's choice (docs/fidelity.md).
type system struct {
	// key names the system in tests and docs.
	key string
	// task is the integration task's default name.
	task string
	// keywords find the system from a scripted task name (lower case).
	keywords []string
	// url is the endpoint, {customer} standing for the customer's slug.
	url string
	// contentType is the Content-Type of the system's error answers.
	contentType string
	// failures are the errors it answers, drawn for a simulated failure.
	failures []failure
	// body writes an error answer in the system's own format.
	body func(f failure) string
}

// failure is one error answer: its status and what the system says.
type failure struct {
	status        int
	title, detail string
}

// endpoint is the system's URL for the customer with slug.
func (s *system) endpoint(slug string) string { return strings.ReplaceAll(s.url, "{customer}", slug) }

// failureFor returns the system's drawn-style failure with status, or a
// generic one when the system has none with it.
func (s *system) failureFor(status int) failure {
	for _, f := range s.failures {
		if f.status == status {
			return f
		}
	}
	return failure{status: status, title: http.StatusText(status), detail: failureDetail(status)}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only strings, numbers and their structs are marshalled here
	}
	return string(b)
}

// systems are the services the simulated integrations call, in the order
// scenes draw them from.
var systems = []*system{
	{
		key: "servicenow", task: "Create ServiceNow change request", keywords: []string{"servicenow", "service now", "service-now"},
		url: "https://{customer}.service-now.com/api/now/table/change_request", contentType: "application/json;charset=UTF-8",
		failures: []failure{
			{401, "User Not Authenticated", "Required to provide Auth information"},
			{403, "Operation Failed", "ACL Exception Insert Failed due to security constraints"},
			{400, "Exception while reading request", "The payload is not valid JSON."},
			{500, "Operation Failed", "Error during insert of change_request"},
			{503, "Service Unavailable", "The instance is unavailable: it is hibernating or under maintenance"},
		},
		// The Table API's error document.
		body: func(f failure) string {
			type snError struct {
				Message string `json:"message"`
				Detail  string `json:"detail"`
			}
			return mustJSON(struct {
				Error  snError `json:"error"`
				Status string  `json:"status"`
			}{snError{f.title, f.detail}, "failure"})
		},
	},
	{
		key: "jenkins", task: "Trigger Jenkins deployment job", keywords: []string{"jenkins"},
		url: "https://jenkins.{customer}.com/job/release-deploy/buildWithParameters", contentType: "text/html;charset=iso-8859-1",
		failures: []failure{
			{401, "Unauthorized", "Unauthorized"},
			{403, "Forbidden", "No valid crumb was included in the request"},
			{404, "Not Found", "Not Found"},
			{500, "Server Error", "java.lang.IllegalStateException: The parameter TARGET_ENV is not defined"},
			{503, "Service Unavailable", "Jenkins is going to shut down"},
		},
		// Jenkins' Jetty error page.
		body: func(f failure) string {
			return fmt.Sprintf("<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html;charset=ISO-8859-1\"/>\n<title>Error %d %s</title>\n</head>\n"+
				"<body><h2>HTTP ERROR %d %s</h2>\n<table>\n<tr><th>URI:</th><td>/job/release-deploy/buildWithParameters</td></tr>\n"+
				"<tr><th>STATUS:</th><td>%d</td></tr>\n<tr><th>MESSAGE:</th><td>%s</td></tr>\n<tr><th>SERVLET:</th><td>Stapler</td></tr>\n</table>\n</body>\n</html>\n",
				f.status, f.title, f.status, f.title, f.status, f.detail)
		},
	},
	{
		key: "slack", task: "Post go-live update to Slack", keywords: []string{"slack"},
		url: "https://hooks.slack.com/services/T024BE7LD/B08F3KJ2N/Xy7Q2mK9pL4vR8sT", contentType: "text/plain; charset=utf-8",
		failures: []failure{
			{400, "Bad Request", "invalid_payload"},
			{403, "Forbidden", "invalid_token"},
			{404, "Not Found", "no_service"},
			{410, "Gone", "channel_is_archived"},
			{500, "Internal Server Error", "rollup_error"},
		},
		// Incoming webhooks answer a bare error code.
		body: func(f failure) string { return f.detail },
	},
	{
		key: "ansible", task: "Start Ansible Tower job template", keywords: []string{"ansible", "tower", "awx"},
		url: "https://tower.{customer}.com/api/v2/job_templates/42/launch/", contentType: "application/json",
		failures: []failure{
			{401, "Unauthorized", "Authentication credentials were not provided."},
			{403, "Forbidden", "You do not have permission to perform this action."},
			{404, "Not Found", "Not found."},
			{400, "Bad Request", "Job Template 'Release deploy' is missing or undefined."},
			{503, "Service Unavailable", "Request was throttled."},
		},
		// Django REST framework's error document.
		body: func(f failure) string { return mustJSON(map[string]string{"detail": f.detail}) },
	},
	{
		key: "jira", task: "Open Jira release ticket", keywords: []string{"jira"},
		url: "https://{customer}.atlassian.net/rest/api/3/issue", contentType: "application/json;charset=UTF-8",
		failures: []failure{
			{400, "Bad Request", "You must specify a summary of the issue."},
			{401, "Unauthorized", "Client must be authenticated to access this resource."},
			{403, "Forbidden", "You do not have permission to create issues in this project."},
			{404, "Not Found", "Project 'REL' does not exist or you do not have permission to see it."},
			{503, "Service Unavailable", "Jira is unavailable for scheduled maintenance."},
		},
		// Jira's ErrorCollection.
		body: func(f failure) string {
			type errorCollection struct {
				ErrorMessages []string          `json:"errorMessages"`
				Errors        map[string]string `json:"errors"`
			}
			if f.status == http.StatusBadRequest {
				return mustJSON(errorCollection{[]string{}, map[string]string{"summary": f.detail}})
			}
			return mustJSON(errorCollection{[]string{f.detail}, map[string]string{}})
		},
	},
	{
		key: "azure-devops", task: "Run Azure DevOps pipeline", keywords: []string{"azure devops", "azure pipelines", "azure"},
		url: "https://dev.azure.com/{customer}/platform/_apis/pipelines/17/runs?api-version=7.1", contentType: "application/json; charset=utf-8",
		failures: []failure{
			{400, "PipelineValidationException", "The pipeline is not valid. Could not find a pool with name Release-Agents."},
			{401, "UnauthorizedRequestException", "TF400813: The user is not authorized to access this resource."},
			{403, "AccessCheckException", "Access denied. The identity needs Queue builds permissions to perform the action."},
			{404, "PipelineNotFoundException", "Pipeline with id 17 not found."},
			{503, "ServiceUnavailableException", "TF400898: An internal error occurred. The service is unavailable."},
		},
		// Azure DevOps' exception document.
		body: func(f failure) string {
			return mustJSON(struct {
				ID             string  `json:"$id"`
				InnerException *string `json:"innerException"`
				Message        string  `json:"message"`
				TypeName       string  `json:"typeName"`
				TypeKey        string  `json:"typeKey"`
				ErrorCode      int     `json:"errorCode"`
				EventID        int     `json:"eventId"`
			}{"1", nil, f.detail, "Microsoft.Azure.Pipelines.WebApi." + f.title + ", Microsoft.Azure.Pipelines.WebApi", f.title, 0, 3000})
		},
	},
}

// genericSystem is the endpoint of an integration task whose scripted
// name names none of the systems: the customer's own service.
var genericSystem = &system{
	key: "generic", url: "https://integrations.{customer}.com/api/v1/cutover/tasks", contentType: "application/json",
	failures: []failure{
		{500, "Internal Server Error", "An unexpected error occurred."},
		{502, "Bad Gateway", "The upstream service did not respond."},
		{503, "Service Unavailable", "The service is temporarily unavailable for maintenance."},
	},
	body: func(f failure) string {
		return mustJSON(struct {
			Status  int    `json:"status"`
			Error   string `json:"error"`
			Message string `json:"message"`
		}{f.status, f.title, f.detail})
	},
}

// systemFor returns the system a task's name names, or nil.
func systemFor(name string) *system {
	n := strings.ToLower(name)
	for _, s := range systems {
		for _, k := range s.keywords {
			if strings.Contains(n, k) {
				return s
			}
		}
	}
	return nil
}
