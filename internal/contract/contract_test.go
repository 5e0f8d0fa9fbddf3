package contract

import (
	"slices"
	"testing"
	"time"
)

func TestLatencyBucketsHoldThreshold(t *testing.T) {
	for _, tc := range []struct {
		threshold time.Duration
		le        string
		n         int
	}{
		{300 * time.Millisecond, "0.3", len(DefaultLatencyBuckets) + 1},
		{250 * time.Millisecond, "0.25", len(DefaultLatencyBuckets)}, // already a default: no duplicate
		{time.Millisecond, "0.001", len(DefaultLatencyBuckets) + 1},
		{60 * time.Second, "60", len(DefaultLatencyBuckets) + 1},
	} {
		b := LatencyBuckets(tc.threshold)
		if !slices.Contains(b, tc.threshold.Seconds()) {
			t.Errorf("LatencyBuckets(%s) = %v: threshold missing", tc.threshold, b)
		}
		if !slices.IsSorted(b) || len(b) != tc.n {
			t.Errorf("LatencyBuckets(%s) = %v: want %d sorted boundaries", tc.threshold, b, tc.n)
		}
		if got := BucketLE(tc.threshold); got != tc.le {
			t.Errorf("BucketLE(%s) = %q, want %q", tc.threshold, got, tc.le)
		}
	}
	if slices.Contains(DefaultLatencyBuckets, 0.3) {
		t.Fatal("LatencyBuckets modified the defaults")
	}
}
