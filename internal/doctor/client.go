package doctor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
)

// client asks one backend's HTTP API. It remembers whether nothing
// answered, so a row can say "nothing runs at ..." instead of a Go error.
type client struct {
	name, base string
	// backend keys the credentials and the hint when they are missing.
	backend string
	auth    Auth
	// header is sent with every request (Loki's tenant).
	header      http.Header
	unreachable error
}

// getJSON GETs path with query q and decodes the JSON body into v. Errors
// are one line naming the backend.
func (c *client) getJSON(ctx context.Context, path string, q url.Values, v any) error {
	u := strings.TrimRight(c.base, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("%s: bad URL %q: %v", c.name, c.base, err)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	c.auth.set(req.Header)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		var unreachable bool
		unreachable, err = c.describe(ctx, err)
		if unreachable && c.unreachable == nil {
			c.unreachable = err
		}
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return fmt.Errorf("%s at %s: reading the answer: %v", c.name, c.base, err)
	}
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		hint := authHint(c.backend)
		if c.backend == BackendLoki && strings.Contains(string(body), "no org id") {
			hint = "Loki is multi-tenant: give the tenant with --loki-tenant (kubernetes.loki_tenant is the default)"
		}
		return fmt.Errorf("%s at %s answered %s to %s (%s): %s", c.name, c.base, resp.Status, path, firstLine(body), hint)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s at %s answered %s to %s: %s", c.name, c.base, resp.Status, path, firstLine(body))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%s at %s: %s is not the expected JSON (%v): is this %s?", c.name, c.base, path, err, c.name)
	}
	return nil
}

// describe turns a transport error into one line, and says whether no
// server answered at all.
func (c *client) describe(ctx context.Context, err error) (bool, error) {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return false, fmt.Errorf("%s at %s did not answer within the timeout", c.name, c.base)
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true, fmt.Errorf("nothing runs at %s (connection refused): %s is not running there", c.base, c.name)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true, fmt.Errorf("%s at %s: host %q not found", c.name, c.base, dnsErr.Name)
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return opErr.Op == "dial", fmt.Errorf("%s at %s: %s failed: %v", c.name, c.base, opErr.Op, opErr.Err)
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	return false, fmt.Errorf("%s at %s: %v", c.name, c.base, err)
}

func firstLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
