package store_test

import (
	"context"
	"os"
	"testing"

	"github.com/hms-project/hms/internal/store"
)

func BenchmarkZZSearch(b *testing.B) {
	dir := os.Getenv("ZZ_DIR")
	if dir == "" {
		b.Skip()
	}
	st, err := store.Open(context.Background(), store.Options{DataDir: dir, DatabaseURL: os.Getenv("ZZ_URL"), MaxOpenConns: 4})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := st.Patients(context.Background(), store.PatientFilter{Query: os.Getenv("ZZ_Q"), Limit: 50}); err != nil {
			b.Fatal(err)
		}
	}
}
