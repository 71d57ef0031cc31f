package cli

import (
	"testing"

	"github.com/hms-project/hms/internal/auth"
)

// TestDefaultMemoryLimitLeavesRoomForTheHashes: whatever the number of cores, the default
// soft limit holds one password hash per core (the most auth.Hasher runs at once) with room
// to spare, and is never below 128 MiB.
func TestDefaultMemoryLimitLeavesRoomForTheHashes(t *testing.T) {
	for _, cpus := range []int{1, 2, 4, 8, 16, 64, 256} {
		limit := defaultMemoryLimit(cpus)
		if limit < 128<<20 {
			t.Errorf("%d cores: %d MiB, below 128 MiB", cpus, limit>>20)
		}
		if hashes := int64(cpus) * auth.HashMemory; limit-hashes < 64<<20 {
			t.Errorf("%d cores: %d MiB leaves %d MiB beside %d hashes at once", cpus, limit>>20, (limit-hashes)>>20, cpus)
		}
	}
}
