package httpapi

import (
	"context"
	"strconv"
	"strings"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/fhir"
	"github.com/hms-project/hms/internal/store"
)

// searchPhase is one source of a search's matches: a page of up to count from its cursor,
// the number of its matches and the cursor of its next page.
type searchPhase func(cursor string, count int) ([]fhir.Entry, int64, string, error)

// searchPhases pages through the matches of several sources, one after the other (an
// Observation is a blood group or a vital sign; a Condition a record's diagnosis or a
// problem). The cursor names the source and that source's own cursor; the total is the
// sum of theirs.
func searchPhases(cursor string, count int, phases []searchPhase) ([]fhir.Entry, int64, string, error) {
	start, inner := 0, ""
	if cursor != "" {
		i, rest, ok := strings.Cut(cursor, "~")
		n, err := strconv.Atoi(i)
		if !ok || err != nil || n < 0 || n >= len(phases) {
			return nil, 0, "", domain.Errorf(domain.CodeInvalid, "_cursor is not valid: follow the next link of a previous page")
		}
		start, inner = n, rest
	}
	var (
		entries []fhir.Entry
		total   int64
		next    string
	)
	for i, phase := range phases {
		remaining := count - len(entries)
		if i < start || remaining <= 0 {
			// Only its count is needed (and whether the next page starts here).
			got, n, _, err := phase("", 1)
			if err != nil {
				return nil, 0, "", err
			}
			total += n
			if i > start && next == "" && len(got) > 0 {
				next = strconv.Itoa(i) + "~"
			}
			continue
		}
		cur := ""
		if i == start {
			cur = inner
		}
		got, n, more, err := phase(cur, remaining)
		if err != nil {
			return nil, 0, "", err
		}
		total += n
		entries = append(entries, got...)
		if more != "" {
			next = strconv.Itoa(i) + "~" + more
		}
	}
	return entries, total, next, nil
}

// searchObservations searches blood groups and vital signs.
func (a *API) searchObservations(ctx context.Context, q fhir.Query) ([]fhir.Entry, int64, string, error) {
	f, vitals, bloodGroup, err := q.VitalsQuery(a.loc)
	if err != nil {
		return nil, 0, "", err
	}
	var phases []searchPhase
	if bloodGroup {
		phases = append(phases, func(cursor string, count int) ([]fhir.Entry, int64, string, error) {
			return a.bloodGroupEntries(ctx, f.PatientID, count, cursor)
		})
	}
	if vitals {
		phases = append(phases, func(cursor string, count int) ([]fhir.Entry, int64, string, error) {
			f.Limit, f.Cursor = count, cursor
			page, err := a.store.VitalPage(ctx, f)
			var entries []fhir.Entry
			for _, v := range page.Items {
				entries = append(entries, fhir.Entry{Type: "Observation", ID: fhir.VitalID(v.ID), Resource: fhir.FromVital(v)})
			}
			return entries, page.Total, page.NextCursor, err
		})
	}
	return searchPhases(q.Cursor, q.Count, phases)
}

// searchConditions searches the diagnoses of medical records and the problem list.
func (a *API) searchConditions(ctx context.Context, q fhir.Query) ([]fhir.Entry, int64, string, error) {
	records, problems, statuses, err := q.ConditionQuery()
	if err != nil {
		return nil, 0, "", err
	}
	rf, err := q.RecordFilter("Condition")
	if err != nil {
		return nil, 0, "", err
	}
	var phases []searchPhase
	if records {
		phases = append(phases, func(cursor string, count int) ([]fhir.Entry, int64, string, error) {
			rf.Limit, rf.Cursor = count, cursor
			return a.recordEntries(ctx, rf, "Condition")
		})
	}
	if problems {
		phases = append(phases, func(cursor string, count int) ([]fhir.Entry, int64, string, error) {
			page, err := a.store.ProblemPage(ctx, store.ProblemFilter{PatientID: rf.PatientID, Statuses: statuses, Limit: count, Cursor: cursor})
			var entries []fhir.Entry
			for _, p := range page.Items {
				entries = append(entries, fhir.Entry{Type: "Condition", ID: fhir.ProblemID(p.ID), Resource: fhir.FromProblem(p)})
			}
			return entries, page.Total, page.NextCursor, err
		})
	}
	return searchPhases(q.Cursor, q.Count, phases)
}

func (a *API) searchEncounters(ctx context.Context, q fhir.Query) ([]fhir.Entry, int64, string, error) {
	f, err := q.EncounterFilter(a.loc)
	if err != nil {
		return nil, 0, "", err
	}
	page, err := a.store.Visits(ctx, f)
	if err != nil {
		return nil, 0, "", err
	}
	var entries []fhir.Entry
	for _, v := range page.Items {
		entries = append(entries, fhir.Entry{Type: "Encounter", ID: strconv.FormatInt(v.ID, 10), Resource: fhir.FromVisit(v)})
	}
	return entries, page.Total, page.NextCursor, nil
}

func (a *API) searchAllergies(ctx context.Context, q fhir.Query) ([]fhir.Entry, int64, string, error) {
	pid, statuses, err := q.AllergyQuery()
	if err != nil {
		return nil, 0, "", err
	}
	page, err := a.store.AllergyPage(ctx, store.AllergyFilter{PatientID: pid, Statuses: statuses, Limit: q.Count, Cursor: q.Cursor})
	if err != nil {
		return nil, 0, "", err
	}
	var entries []fhir.Entry
	for _, al := range page.Items {
		entries = append(entries, fhir.Entry{Type: "AllergyIntolerance", ID: strconv.FormatInt(al.ID, 10), Resource: fhir.FromAllergy(al)})
	}
	return entries, page.Total, page.NextCursor, nil
}
