package fhir

import "github.com/hms-project/hms/internal/domain"

// OperationOutcome is the FHIR resource that carries errors.
type OperationOutcome struct {
	ResourceType string  `json:"resourceType"`
	Issue        []Issue `json:"issue"`
}

// Issue is one problem of an OperationOutcome.
type Issue struct {
	Severity    string   `json:"severity"`
	Code        string   `json:"code"`
	Diagnostics string   `json:"diagnostics,omitempty"`
	Expression  []string `json:"expression,omitempty"`
}

// issueCode maps HMS's error codes to R4 IssueType codes.
var issueCode = map[domain.Code]string{
	domain.CodeInvalid:      "invalid",
	domain.CodeNotFound:     "not-found",
	domain.CodeConflict:     "conflict",
	domain.CodeUnauthorized: "login",
	domain.CodeForbidden:    "forbidden",
	domain.CodeTooLarge:     "too-costly",
	domain.CodeUnsupported:  "not-supported",
	domain.CodePrecondition: "conflict",
	domain.CodeLocked:       "lock-error",
	domain.CodeRateLimited:  "throttled",
	domain.CodeUnavailable:  "transient",
	domain.CodeInternal:     "exception",
}

// Outcome turns an HMS error into an OperationOutcome: one issue for the error and one per
// offending field, whose FHIRPath-like expression is the field name.
func Outcome(e *domain.Error) OperationOutcome {
	code := issueCode[e.Code]
	if code == "" {
		code = "exception"
	}
	out := OperationOutcome{ResourceType: "OperationOutcome", Issue: []Issue{{Severity: "error", Code: code, Diagnostics: e.Message}}}
	if len(e.Fields) == 1 {
		out.Issue[0].Expression = sortedKeys(e.Fields)
	}
	if len(e.Fields) > 1 {
		for _, f := range sortedKeys(e.Fields) {
			out.Issue = append(out.Issue, Issue{Severity: "error", Code: code, Diagnostics: f + ": " + e.Fields[f], Expression: []string{f}})
		}
	}
	return out
}

// Informational is an OperationOutcome that reports success with a message.
func Informational(msg string) OperationOutcome {
	return OperationOutcome{ResourceType: "OperationOutcome", Issue: []Issue{{Severity: "information", Code: "informational", Diagnostics: msg}}}
}
