package spec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const (
	millisecond = time.Millisecond
	day         = 24 * time.Hour
	week        = 7 * day

	maxDuration = time.Duration(1 << 62)
)

// Duration is a time span written the way Prometheus writes them ("300ms",
// "30d", "1h30m"), so the answers file reads like the rules it produces.
type Duration time.Duration

var durationRE = regexp.MustCompile(`^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$`)

var durationUnits = []struct {
	suffix string
	size   time.Duration
}{{"w", week}, {"d", day}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}, {"ms", millisecond}}

// ParseDuration reads a Prometheus-style duration such as "300ms" or "30d".
func ParseDuration(s string) (Duration, error) {
	m := durationRE.FindStringSubmatch(s)
	if s == "" || m == nil {
		return 0, fmt.Errorf("%q is not a duration; write it like 300ms, 2s, 5m, 1h or 30d", s)
	}
	var total time.Duration
	for i, u := range durationUnits {
		if m[i+1] == "" {
			continue
		}
		n, err := strconv.ParseInt(m[i+1], 10, 64)
		// Each part and the running sum stay below 2^62 ns (146 years),
		// so nothing wraps around into a different (negative) value.
		if err != nil || n > int64(maxDuration)/int64(u.size) || total > maxDuration-time.Duration(n)*u.size {
			return 0, fmt.Errorf("%q is too long a duration: use at most 146 years", s)
		}
		total += time.Duration(n) * u.size
	}
	return Duration(total), nil
}

// String writes d with the largest units that divide it exactly, as Prometheus does.
func (d Duration) String() string {
	t := time.Duration(d)
	if t == 0 {
		return "0s"
	}
	var b strings.Builder
	for _, u := range durationUnits {
		// Weeks only when exact: 30d reads better than 4w2d.
		if u.suffix == "w" && t%week != 0 {
			continue
		}
		if n := t / u.size; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.suffix)
			t -= n * u.size
		}
	}
	return b.String()
}

// Seconds is the duration in seconds, for configs that want a number.
func (d Duration) Seconds() float64 { return time.Duration(d).Seconds() }

// MarshalYAML writes the duration in its Prometheus form.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalYAML reads the Prometheus form.
func (d *Duration) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err != nil {
		return err
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
