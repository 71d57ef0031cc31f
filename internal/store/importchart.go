package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/hms-project/hms/internal/domain"
)

// importChart creates the visits, vital signs, allergies and problems of an import that
// are not there yet, each matched by the patient and its source, and audits each creation:
// importing the same data again changes nothing. It returns the ids of the patient's
// imported visits by source.
func (s *Store) importChart(ctx context.Context, tx *sql.Tx, patientID int64, it domain.PatientImport, res *domain.ImportResult) (map[string]*int64, error) {
	res.Chart = map[string][]domain.ImportedItem{}
	visits := map[string]*int64{}
	add := func(kind, table, source string, insert func() (int64, error)) (int64, error) {
		var item domain.ImportedItem
		err := tx.QueryRowContext(ctx, `SELECT id FROM `+table+` WHERE patient_id = $1 AND source = $2`, patientID, source).Scan(&item.ID)
		if errors.Is(err, sql.ErrNoRows) {
			item.ID, err = insert()
			item.Created = true
		}
		if err != nil {
			return 0, fmt.Errorf("store: import %s: %w", table, err)
		}
		res.Chart[kind] = append(res.Chart[kind], item)
		return item.ID, nil
	}
	for _, v := range it.Visits {
		v.PatientID = patientID
		id, err := add(domain.ImportVisit, "visit", v.Source, func() (int64, error) { return s.insertVisit(ctx, tx, v, domain.ActionImport) })
		if err != nil {
			return nil, err
		}
		visits[v.Source] = &id
	}
	for _, v := range it.Vitals {
		v.PatientID, v.VisitID = patientID, visits[v.VisitSource]
		if _, err := add(domain.ImportVital, "vital_sign", v.Source, func() (int64, error) { return s.insertVital(ctx, tx, v, domain.ActionImport) }); err != nil {
			return nil, err
		}
	}
	for _, a := range it.Allergies {
		a.PatientID = patientID
		if _, err := add(domain.ImportAllergy, "allergy", a.Source, func() (int64, error) { return s.insertAllergy(ctx, tx, a, domain.ActionImport) }); err != nil {
			return nil, err
		}
	}
	for _, p := range it.Problems {
		p.PatientID, p.VisitID = patientID, visits[p.VisitSource]
		if _, err := add(domain.ImportProblem, "problem", p.Source, func() (int64, error) { return s.insertProblem(ctx, tx, p, domain.ActionImport) }); err != nil {
			return nil, err
		}
	}
	return visits, nil
}
