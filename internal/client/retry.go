package client

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryWait is the wait before attempt+1: what Retry-After asks for (delay-seconds or an
// HTTP-date), else backoff doubled per attempt; never more than MaxRetryWait.
func retryWait(retryAfter string, now time.Time, backoff time.Duration, attempt int) time.Duration {
	if d, ok := parseRetryAfter(retryAfter, now); ok {
		return min(d, MaxRetryWait)
	}
	d := backoff
	for i := 1; i < attempt && d < MaxRetryWait; i++ {
		d *= 2
	}
	return min(d, MaxRetryWait)
}

// parseRetryAfter reads a Retry-After value. A date in the past means no wait.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(MaxRetryWait/time.Second) {
			return MaxRetryWait, true
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
