package store_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// TestSearchRanksMatches: the search returns exact MRN, email and phone matches first (in
// id order), then names with a word starting with the term (by that word, then id; for a
// term of several words, names that hold it from a word on, in id order), then every other
// match (in id order); pages of any size walk the same order once, and the pages still to
// come follow patients created, renamed and deactivated between pages.
func TestSearchRanksMatches(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		create := func(name, email, mrn, phone string) domain.Patient {
			t.Helper()
			p := domain.Patient{Name: name, Email: email, MRN: mrn, DateOfBirth: "1980-01-02"}
			if phone != "" {
				p.Phone = &phone
			}
			p, err := st.CreatePatient(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		// Created in an order that differs from the ranks.
		inside := create("Ana Bogarcia", "ana.b@clinic.test", "", "+1 555-0101")
		inEmail := create("Xu Li", "xgarc@clinic.test", "", "")
		firstWord := create("Garcia Lopez", "gl@clinic.test", "", "+44 20 7946 0100")
		secondWord := create("Maria García", "mg@clinic.test", "", "")
		mrn := create("Tom Weber", "tw@clinic.test", "GARC", "")
		other := create("Annamaria Garcia", "annamaria.g@clinic.test", "", "")
		punctuated := create("Mary-Jo O'Brien (Smith)", "mjo@clinic.test", "", "")
		wristband := create("Zoe Quist", "zq@clinic.test", "HMS-900001", "")
		containsIt := create("Yann Quist", "hms-900001.family@clinic.test", "", "")
		byNumber := create("Vic Numbers", "vn@clinic.test", "7770177", "")
		byPhone := create("Uma Numbers", "un@clinic.test", "", "777-0177")

		names := func(ps []domain.Patient) []string {
			var out []string
			for _, p := range ps {
				out = append(out, p.Name)
			}
			return out
		}
		search := func(q string, limit int) ([]string, store.Page[domain.Patient]) {
			t.Helper()
			var all []domain.Patient
			f := store.PatientFilter{Query: q, Limit: limit}
			var first store.Page[domain.Patient]
			for pages := 0; ; pages++ {
				page, err := st.Patients(ctx, f)
				if err != nil {
					t.Fatalf("search %q: %v", q, err)
				}
				if pages == 0 {
					first = page
				}
				all = append(all, page.Items...)
				if page.NextCursor == "" || pages > 50 {
					return names(all), first
				}
				f.Cursor = page.NextCursor
			}
		}

		// garcia (firstWord, other) sorts before garcía (secondWord).
		want := names([]domain.Patient{mrn, firstWord, other, secondWord, inside, inEmail})
		for _, limit := range []int{1, 2, 4, 50} {
			if got, first := search("garc", limit); !slices.Equal(got, want) {
				t.Errorf("garc in pages of %d: %q, want %q", limit, got, want)
			} else if first.Total != int64(len(want)) || first.TotalEstimated {
				t.Errorf("garc in pages of %d: total %d (estimated %v), want %d", limit, first.Total, first.TotalEstimated, len(want))
			}
		}
		for _, c := range []struct {
			q    string
			want []domain.Patient
		}{
			{"GL@Clinic.Test", []domain.Patient{firstWord}},
			{"+44 (20) 7946-0100", []domain.Patient{firstWord}},
			{"555-01", []domain.Patient{inside}},
			{"GARC", []domain.Patient{mrn, firstWord, other, secondWord, inside, inEmail}},
			{"maria garc", []domain.Patient{secondWord, other}},
			{"mari", []domain.Patient{secondWord, other}},
			{"bogar", []domain.Patient{inside}},
			{"cía", []domain.Patient{secondWord}},
			{"brie", []domain.Patient{punctuated}},
			{"o'bri", []domain.Patient{punctuated}},
			{"smi", []domain.Patient{punctuated}},
			{"-jo o'", []domain.Patient{punctuated}},
			{"jo o'brien", []domain.Patient{punctuated}},
			// A whole MRN or email names its patient alone; a part of one searches as usual.
			{"hms-900001", []domain.Patient{wristband}},
			{"ZQ@clinic.test", []domain.Patient{wristband}},
			{"HMS-90000", []domain.Patient{wristband, containsIt}},
		} {
			if got := names(mustSearch(t, st, c.q, 10)); !slices.Equal(got, names(c.want)) {
				t.Errorf("search %q: %q, want %q", c.q, got, names(c.want))
			}
		}

		// An MRN that is also another patient's phone number: both are exact matches, on pages of one.
		if page, err := st.Patients(ctx, store.PatientFilter{Query: "7770177", Limit: 1}); err != nil || len(page.Items) != 1 || page.NextCursor == "" {
			t.Errorf("a page of one of two exact matches: %d items, next %q, %v", len(page.Items), page.NextCursor, err)
		}
		if got, _ := search("7770177", 1); !slices.Equal(got, names([]domain.Patient{byNumber, byPhone})) {
			t.Errorf("search 7770177 in pages of 1: %q", got)
		}

		// Between pages: a new best match, a rename into the prefix rank and a deactivation
		// leave the pages already read alone, and no patient is shown twice.
		page, err := st.Patients(ctx, store.PatientFilter{Query: "garc", Limit: 3})
		if err != nil || !slices.Equal(names(page.Items), want[:3]) {
			t.Fatalf("first page %q, %v", names(page.Items), err)
		}
		create("Hana Mori", "hm@clinic.test", "garc", "") // the MRN as typed: rank 0, already passed
		renamed := "Ana Garcías"
		if _, err := st.UpdatePatient(ctx, inside.ID, domain.PatientChanges{Name: &renamed}); err != nil {
			t.Fatal(err)
		}
		if err := st.DeactivatePatient(ctx, inEmail.ID); err != nil {
			t.Fatal(err)
		}
		next, err := st.Patients(ctx, store.PatientFilter{Query: "garc", Limit: 10, Cursor: page.NextCursor})
		// The renamed patient's new word (garcías) sorts after the cursor's (garcia): it is
		// still to come. Nobody is repeated.
		if got := names(next.Items); err != nil || !slices.Equal(got, []string{secondWord.Name, renamed}) {
			t.Errorf("next page after the changes: %q, %v; want %q", got, err, []string{secondWord.Name, renamed})
		}
		if got := names(mustSearch(t, st, "garc", 10)); !slices.Equal(got, []string{mrn.Name, "Hana Mori", firstWord.Name, other.Name, secondWord.Name, renamed}) {
			t.Errorf("after the changes, from the start: %q", got)
		}

		// A cursor of the plain list, or one naming no rank, is refused.
		list, err := st.Patients(ctx, store.PatientFilter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, cursor := range []string{list.NextCursor, base64.RawURLEncoding.EncodeToString([]byte("7.1")), "%%"} {
			_, err := st.Patients(ctx, store.PatientFilter{Query: "garc", Limit: 1, Cursor: cursor})
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != domain.CodeInvalid {
				t.Errorf("cursor %q: %v, want an invalid cursor", cursor, err)
			}
		}
		// The names' words, split the same way on both databases; the old name's are gone.
		for id, want := range map[int64][]string{inside.ID: {"ana", "garcías"}, punctuated.ID: {"brien", "jo", "mary", "o", "smith"}} {
			rows, err := st.DB().Query(`SELECT word FROM patient_name_word WHERE patient_id = $1 ORDER BY word`, id)
			if err != nil {
				t.Fatal(err)
			}
			var words []string
			for rows.Next() {
				var w string
				if err := rows.Scan(&w); err != nil {
					t.Fatal(err)
				}
				words = append(words, w)
			}
			rows.Close()
			if !slices.Equal(words, want) {
				t.Errorf("words of patient %d: %q, want %q", id, words, want)
			}
		}
	})
}

func mustSearch(t *testing.T, st *store.Store, q string, limit int) []domain.Patient {
	t.Helper()
	page, err := st.Patients(context.Background(), store.PatientFilter{Query: q, Limit: limit})
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	return page.Items
}

// TestSearchPagesAcrossRanks: a long search, most of it in one rank, walks every match once
// in rank and id order, and its total counts every rank.
func TestSearchPagesAcrossRanks(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		ps := loadPatients(t, st, 600) // "Person <i> Lefebvre|Okafor|Tanaka", person<i>@clinic.test
		ids, sizes, first := walk(t, st, store.PatientFilter{Query: "person1", Limit: 40})
		// person1… is in every email (rank 2) and no name word starts with it; "person 1" is
		// in names. Rank 0: none (no email is "person1" exactly).
		var want []int64
		for i, p := range ps {
			if s := fmt.Sprint(i); s[0] == '1' {
				want = append(want, p.ID)
			}
		}
		if !slices.Equal(ids, want) {
			t.Errorf("walked %d matches (pages %v), want %d in id order", len(ids), sizes, len(want))
		}
		if first.Total != int64(len(want)) {
			t.Errorf("total %d, want %d", first.Total, len(want))
		}
		ids, _, _ = walk(t, st, store.PatientFilter{Query: "person", Limit: 45})
		if len(ids) != len(ps) || !slices.IsSorted(ids) {
			t.Errorf("a prefix of every name walked %d patients, want %d in id order", len(ids), len(ps))
		}
	})
}
