package e2e

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/obsgen/obsgen/internal/contract"
	"github.com/obsgen/obsgen/internal/spec"
)

// checkExemplars follows a latency exemplar the way a Grafana panel does:
// Prometheus stores the exemplars the service exposes in OpenMetrics (with
// --enable-feature=exemplar-storage, as the compose stack runs it), its
// exemplar API returns one with a trace_id, and Jaeger has that trace.
func checkExemplars(t *testing.T, ctx context.Context, promURL, jaegerURL string, s spec.Spec, servers []*proc) {
	t.Helper()
	now := time.Now()
	q := url.Values{
		"query": {fmt.Sprintf("%s{%s=%q}", contract.RequestDurationBucket, contract.LabelJob, s.Service.Name)},
		"start": {strconv.FormatInt(now.Add(-time.Hour).Unix(), 10)},
		"end":   {strconv.FormatInt(now.Add(time.Hour).Unix(), 10)},
	}
	eventually(t, 60*time.Second, "an exemplar whose trace is in jaeger", servers, func() error {
		var resp struct {
			Data []struct {
				Exemplars []struct {
					Labels map[string]string `json:"labels"`
				} `json:"exemplars"`
			} `json:"data"`
		}
		if err := getJSON(ctx, promURL+"/api/v1/query_exemplars?"+q.Encode(), &resp); err != nil {
			return err
		}
		n := 0
		for _, series := range resp.Data {
			for _, ex := range series.Exemplars {
				id := ex.Labels[contract.LogTraceID]
				if id == "" {
					continue
				}
				n++
				if jaegerHasTrace(ctx, jaegerURL, id) == nil {
					return nil
				}
			}
		}
		return fmt.Errorf("%d exemplars with a trace_id, none of their traces in jaeger yet", n)
	})
}
