package fhir

import "time"

// CapabilityStatement is the FHIR resource that says what a server supports.
type CapabilityStatement struct {
	ResourceType   string           `json:"resourceType"`
	Status         string           `json:"status"`
	Date           string           `json:"date"`
	Publisher      string           `json:"publisher,omitempty"`
	Kind           string           `json:"kind"`
	Software       *Software        `json:"software,omitempty"`
	Implementation *Implementation  `json:"implementation,omitempty"`
	FHIRVersion    string           `json:"fhirVersion"`
	Format         []string         `json:"format"`
	Rest           []CapabilityRest `json:"rest"`
}

// Software names the server software.
type Software struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// Implementation describes this installation.
type Implementation struct {
	Description string `json:"description"`
	URL         string `json:"url,omitempty"`
}

// CapabilityRest is the server's RESTful capabilities.
type CapabilityRest struct {
	Mode          string               `json:"mode"`
	Documentation string               `json:"documentation,omitempty"`
	Security      *CapabilitySecurity  `json:"security,omitempty"`
	Resource      []CapabilityResource `json:"resource"`
	Interaction   []Interaction        `json:"interaction,omitempty"`
}

// CapabilitySecurity says how clients authenticate.
type CapabilitySecurity struct {
	Description string `json:"description,omitempty"`
}

// CapabilityResource is what the server supports for one resource type.
type CapabilityResource struct {
	Type        string                  `json:"type"`
	Interaction []Interaction           `json:"interaction"`
	SearchParam []CapabilitySearchParam `json:"searchParam,omitempty"`
}

// Interaction is one supported operation, such as read or search-type.
type Interaction struct {
	Code string `json:"code"`
}

// CapabilitySearchParam is one supported search parameter.
type CapabilitySearchParam struct {
	Name          string `json:"name"`
	Type          string `json:"type"`
	Documentation string `json:"documentation,omitempty"`
}

// Capabilities builds the CapabilityStatement of a server at base running version: every
// resource type of ResourceTypes with read and search and exactly the parameters of
// SearchParams, and transaction and batch Bundles at the base.
func Capabilities(base, version string, started time.Time) CapabilityStatement {
	rest := CapabilityRest{
		Mode: "server",
		Documentation: "Search results are paged with _count (1-500, default 50); follow the next link. " +
			"POST a transaction or batch Bundle to the base to import patients, encounters, conditions, medication requests, vital signs and allergies.",
		Interaction: []Interaction{{"transaction"}, {"batch"}},
	}
	for _, t := range ResourceTypes {
		r := CapabilityResource{Type: t, Interaction: []Interaction{{"read"}, {"search-type"}}}
		for _, p := range SearchParams[t] {
			r.SearchParam = append(r.SearchParam, CapabilitySearchParam{Name: p.Name, Type: p.Type, Documentation: p.Doc})
		}
		rest.Resource = append(rest.Resource, r)
	}
	return CapabilityStatement{
		ResourceType:   "CapabilityStatement",
		Status:         "active",
		Date:           started.UTC().Format(time.RFC3339),
		Publisher:      "HMS",
		Kind:           "instance",
		Software:       &Software{Name: "HMS", Version: version},
		Implementation: &Implementation{Description: "HMS Healthcare Management System", URL: base},
		FHIRVersion:    Version,
		Format:         []string{"application/fhir+json", "json"},
		Rest:           []CapabilityRest{rest},
	}
}
