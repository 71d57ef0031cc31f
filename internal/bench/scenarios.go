package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Data is what the scenarios need to know about the loaded database.
type Data struct {
	FirstPatientID, LastPatientID int64
	HeavyPatientIDs               []int64
	DeepCursors                   []string // next_cursor values of pages in the second half of the list
	// Nonce makes the emails of created patients unique across runs on one database.
	Nonce string
	// DoctorIDs are doctors whose diaries are free, for the bookings of the scenarios.
	DoctorIDs []int64
	// created numbers the patients that the scenarios create, for unique emails, and
	// booked the appointments, for free slots.
	created, booked *atomic.Int64
}

// Login signs in when the server has access control (POST /api/auth/login exists) and
// keeps the access token for every later request. It returns false when the server has
// no login endpoint, which is not an error.
func (c *Client) Login(ctx context.Context, email, password string) (bool, error) {
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	status, resp, err := c.Do(ctx, Request{Method: "POST", Path: "/api/auth/login", Body: body})
	if err != nil {
		return false, err
	}
	if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
		return false, nil
	}
	var out struct {
		Data struct {
			AccessToken string `json:"access_token"`
		} `json:"data"`
	}
	if status != http.StatusOK || json.Unmarshal(resp, &out) != nil || out.Data.AccessToken == "" {
		return false, fmt.Errorf("bench: login as %s: %d %s", email, status, truncate(resp, 200))
	}
	c.token = out.Data.AccessToken
	return true, nil
}

// DeepCursors walks the patient list in big pages (500 at most), as a client paging
// through it would, and returns up to n cursors of pages past the middle of a list of
// about patients rows.
func (c *Client) DeepCursors(ctx context.Context, patients, n int) ([]string, error) {
	var (
		out    []string
		cursor string
	)
	size := min(500, max(1, patients/40))
	for seen := 0; len(out) < n; {
		path := "/api/patients?limit=" + strconv.Itoa(size)
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		status, body, err := c.Do(ctx, Request{Method: "GET", Path: path})
		if err != nil {
			return nil, err
		}
		var page struct {
			Count      int     `json:"count"`
			NextCursor *string `json:"next_cursor"`
		}
		if status != http.StatusOK || json.Unmarshal(body, &page) != nil {
			return nil, fmt.Errorf("bench: walk the patient list: %d %s", status, truncate(body, 200))
		}
		seen += page.Count
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
		if seen >= patients/2 {
			out = append(out, cursor)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("bench: the patient list has no page past its middle; load more patients")
	}
	return out, nil
}

// CreateDoctors registers n doctors with the default working hours for the bookings of the
// scenarios, through the API as an administrator would.
func (c *Client) CreateDoctors(ctx context.Context, nonce string, n int) ([]int64, error) {
	var ids []int64
	for i := range n {
		body := fmt.Sprintf(`{"name":"Dr. Bench %s %d","specialty":"General practice"}`, nonce, i)
		status, resp, err := c.Do(ctx, Request{Method: "POST", Path: "/api/doctors", Body: []byte(body)})
		if err != nil {
			return nil, err
		}
		var out struct {
			Data struct {
				ID int64 `json:"id"`
			} `json:"data"`
		}
		if status != http.StatusCreated || json.Unmarshal(resp, &out) != nil {
			return nil, fmt.Errorf("bench: create a doctor: %d %s", status, truncate(resp, 200))
		}
		ids = append(ids, out.Data.ID)
	}
	return ids, nil
}

// searchTerms are what a receptionist types: the start of a family name (prefix) or a
// piece from inside a name, email or phone number (substring), drawn from the vocabulary
// that `hms seed` uses.
var (
	prefixTerms    = []string{"Garc", "Schm", "Wang", "Ivan", "Rossi", "Okaf", "Moreau", "Patel", "Kowal", "Silva", "Tanaka", "Hoff"}
	substringTerms = []string{"arti", "ansou", "ernand", "uzuk", "owsk", "ancesc", "hiro", "assan", "ebvre", "ugh", "ngoz", "555-1"}
)

// Scenarios returns the benchmark's workloads, in the order they run, with the targets
// of issue 7. conns is the connection count of every scenario but the mixed ones.
func Scenarios(d Data, conns int) []Scenario {
	span := d.LastPatientID - d.FirstPatientID + 1
	randomPatient := func(rng *rand.Rand) int64 { return d.FirstPatientID + rng.Int64N(span) }
	get := func(path string) Request { return Request{Method: "GET", Path: path} }
	byID := func(rng *rand.Rand, _, _ int) Request {
		return get("/api/patients/" + strconv.FormatInt(randomPatient(rng), 10))
	}
	firstPage := func(*rand.Rand, int, int) Request { return get("/api/patients") }
	deepPage := func(rng *rand.Rand, _, _ int) Request {
		return get("/api/patients?cursor=" + url.QueryEscape(d.DeepCursors[rng.IntN(len(d.DeepCursors))]))
	}
	search := func(terms []string) func(*rand.Rand, int, int) Request {
		return func(rng *rand.Rand, _, _ int) Request {
			return get("/api/patients?q=" + url.QueryEscape(terms[rng.IntN(len(terms))]))
		}
	}
	records := func(rng *rand.Rand, _, _ int) Request {
		return get(fmt.Sprintf("/api/patients/%d/records", d.HeavyPatientIDs[rng.IntN(len(d.HeavyPatientIDs))]))
	}
	recordsPage := func(rng *rand.Rand, _, _ int) Request {
		return get(fmt.Sprintf("/api/patients/%d/records?limit=50", d.HeavyPatientIDs[rng.IntN(len(d.HeavyPatientIDs))]))
	}
	// A phone fragment as a receptionist types it: the last seven digits of a number in the
	// form `hms seed` writes (+1 NNN-NNN-NNNN), or four digits from anywhere in it.
	phoneSearch := func(rng *rand.Rand, _, _ int) Request {
		q := fmt.Sprintf("%03d-%04d", rng.IntN(1000), rng.IntN(10000))
		if rng.IntN(2) == 0 {
			q = fmt.Sprintf("%04d", rng.IntN(10000))
		}
		return get("/api/patients?q=" + url.QueryEscape(q))
	}
	// The MRN of a random patient, as `hms seed` gives it (HMS-000123), typed in lower case
	// half the time.
	mrnSearch := func(rng *rand.Rand, _, _ int) Request {
		q := fmt.Sprintf("HMS-%06d", randomPatient(rng))
		if rng.IntN(2) == 0 {
			q = strings.ToLower(q)
		}
		return get("/api/patients?q=" + url.QueryEscape(q))
	}
	if d.created == nil {
		d.created, d.booked = new(atomic.Int64), new(atomic.Int64)
	}
	createPatient := func(rng *rand.Rand, _, _ int) Request {
		k := d.created.Add(1)
		body := fmt.Sprintf(`{"name":"Bench Patient %d","email":"bench.%s.%d@example.org","date_of_birth":"19%02d-%02d-%02d","phone":"+1 555-%04d","blood_group":"O+"}`,
			k, d.Nonce, k, 30+rng.IntN(70), 1+rng.IntN(12), 1+rng.IntN(28), rng.IntN(10000))
		return Request{Method: "POST", Path: "/api/patients", Body: []byte(body)}
	}
	firstDay := benchDiaryStart(time.Now())
	createAppointment := func(*rand.Rand, int, int) Request {
		// The k-th booking takes the next half hour of one of the bench's doctors, for
		// the k-th patient: no doctor and no patient is ever booked twice at once.
		k := d.booked.Add(1) - 1
		doctors := int64(max(1, len(d.DoctorIDs)))
		start := slotStart(firstDay, int(k/doctors))
		doctor := fmt.Sprintf(`"doctor_name":"Dr. Bench %s"`, d.Nonce)
		if len(d.DoctorIDs) > 0 {
			doctor = fmt.Sprintf(`"doctor_id":%d`, d.DoctorIDs[k%doctors])
		}
		body := fmt.Sprintf(`{"patient_id":%d,%s,"appointment_datetime":%q,"reason":"Follow-up visit"}`,
			d.FirstPatientID+k%span, doctor, start.Format(time.RFC3339))
		return Request{Method: "POST", Path: "/api/appointments", Body: []byte(body)}
	}
	// The mixed workload: 80 % reads, 20 % writes.
	mixed := func(rng *rand.Rand, w, n int) Request {
		switch p := rng.IntN(100); {
		case p < 35:
			return byID(rng, w, n)
		case p < 50:
			return firstPage(rng, w, n)
		case p < 58:
			return search(prefixTerms)(rng, w, n)
		case p < 65:
			return search(substringTerms)(rng, w, n)
		case p < 80:
			return records(rng, w, n)
		case p < 90:
			return createPatient(rng, w, n)
		default:
			return createAppointment(rng, w, n)
		}
	}
	return []Scenario{
		{"GET /health", conns, "", func(*rand.Rand, int, int) Request { return get("/health") }},
		{"GET patient by id", conns, "≥ 7,500 req/s, p99 < 15 ms", byID},
		{"first page of patients", conns, "p99 < 10 ms", firstPage},
		{deepPageScenario, conns, "as fast as the first page", deepPage},
		{"search, name prefix", conns, "p99 < 50 ms (aim 25)", search(prefixTerms)},
		{"search, substring", conns, "p99 < 50 ms (aim 25)", search(substringTerms)},
		{"search, phone fragment", conns, "p99 < 50 ms (aim 25)", phoneSearch},
		{"search, MRN", conns, "p99 < 50 ms (aim 25)", mrnSearch},
		{"records of a 500-record patient", conns, "", records},
		{"records of a 500-record patient, first page (limit=50)", conns, "p99 < 20 ms", recordsPage},
		{"POST patient", conns, "≥ 3,000 req/s", createPatient},
		{"POST appointment", conns, "", createAppointment},
		{"mixed 80/20, 100 conns", 100, "no errors", mixed},
		{"mixed 80/20, 500 conns", 500, "no errors, p99 < 100 ms", mixed},
	}
}

// deepPageScenario is the name of the scenario that needs Data.DeepCursors.
const deepPageScenario = "deep page (cursor)"

// benchDiaryStart is the Monday, three years after now, from which the bench books: later
// than any appointment that `hms seed` loads.
func benchDiaryStart(now time.Time) time.Time {
	y, m, day := now.UTC().AddDate(3, 0, 0).Date()
	t := time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
	return t.AddDate(0, 0, 7-int((t.Weekday()+6)%7))
}

// slotStart returns the start of the n-th half hour between 09:00 and 17:00 UTC, Monday
// to Friday, from the Monday firstDay on: the default working hours of a doctor.
func slotStart(firstDay time.Time, n int) time.Time {
	day, slot := n/16, n%16
	return firstDay.AddDate(0, 0, day/5*7+day%5).Add(9*time.Hour + time.Duration(slot)*30*time.Minute)
}

// SelectScenarios keeps the scenarios whose names contain one of the comma-separated
// words of filter (case-insensitive); an empty filter keeps them all.
func SelectScenarios(all []Scenario, filter string) []Scenario {
	if strings.TrimSpace(filter) == "" {
		return all
	}
	var out []Scenario
	for _, s := range all {
		for _, f := range strings.Split(filter, ",") {
			if f = strings.TrimSpace(f); f != "" && strings.Contains(strings.ToLower(s.Name), strings.ToLower(f)) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}
