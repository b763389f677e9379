package steps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/client"
	"github.com/casecert/casecert/internal/platform"
)

// lockRetries bounds how often a writer refused because the record was locked is sent
// again (on platforms that queue writers on a row lock), and lockBackoff is the first wait.
const (
	lockRetries = 3
	lockBackoff = 250 * time.Millisecond
)

// patchConcurrently sends eight PATCHes at once, each setting a different field. On a
// platform that queues writers on a record's lock, a writer may be refused because
// another held it (the platform's LockRefused; on salesforce UNABLE_TO_LOCK_ROW, 409,
// 503): it is sent again, a bounded number of times, and a write still refused so is not
// judged; the read-back judges every accepted write.
func (w *World) patchConcurrently(ctx context.Context) error {
	// Fields of many values first (text, numbers, dates): a new value of those never
	// lands on the one the case holds, so the burst needs no setup write to move the case
	// off it (moveOff); booleans and picklists only when the profile has too few others.
	var fields, few []fixtures.Field
	for _, f := range w.env.Profile.Fields {
		if !f.Readable() || f.Ref != "" || len(w.env.Profile.LinkedGroup(f.Name)) != 1 {
			continue
		}
		if f.Type == fixtures.TypeBoolean || len(f.Values) > 0 {
			few = append(few, f)
		} else if len(fields) < 8 {
			fields = append(fields, f)
		}
	}
	if len(fields) < 2 {
		fields = append(fields, few[:min(len(few), 8-len(fields))]...)
	}
	if len(fields) < 2 {
		return w.skip("the profile has fewer than two plain readable fields")
	}
	sent, err := w.freshValues(ctx, fields)
	if err != nil {
		return err
	}
	bodies := make([]map[string]any, len(fields))
	for i, f := range fields {
		bodies[i] = map[string]any{f.Name: sent[f.Name]}
	}
	w.after = nil
	host := w.env.Profile.Host()
	var wg sync.WaitGroup
	errs := make([]error, len(bodies))
	locked := make([]bool, len(bodies))
	for i, body := range bodies {
		wg.Go(func() {
			ex, err := w.writeThroughLocks(ctx, body, host)
			switch {
			case err != nil:
				errs[i] = err
			case ex.Status/100 == 2:
			case lockRefused(host, ex):
				locked[i] = true
			default:
				errs[i] = w.violation(fields[i].Name, jsonText(body[fields[i].Name]), "a 2xx answer", ex.Summary())
			}
		})
	}
	wg.Wait()
	accepted := len(fields)
	for i, f := range fields {
		if locked[i] {
			delete(sent, f.Name)
			accepted--
		}
	}
	w.sent, w.accepted = sent, accepted > 0
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if accepted < 2 {
		return w.cannotJudge("only %d of %d concurrent writes were accepted; the others were still refused as locked (UNABLE_TO_LOCK_ROW, 409 or 503) after %d retries", accepted, len(fields), lockRetries)
	}
	return nil
}

// writeThroughLocks sends one PATCH and sends it again while the platform says the
// target refused it as locked, up to lockRetries times with a doubling wait.
func (w *World) writeThroughLocks(ctx context.Context, body map[string]any, host platform.Platform) (client.Exchange, error) {
	return w.throughLocks(ctx, host, func() (client.Exchange, error) {
		// At once, whatever else is in flight: the scenario is about PATCHes that overlap.
		return w.doAtOnce(ctx, client.Request{Method: http.MethodPatch, Path: w.updatePath(), JSON: body})
	})
}

// throughLocks sends a write again, with a growing wait, while the platform refuses it
// because another writer holds the record's lock (a bounded number of times).
func (w *World) throughLocks(ctx context.Context, host platform.Platform, send func() (client.Exchange, error)) (client.Exchange, error) {
	wait := lockBackoff
	for attempt := 0; ; attempt++ {
		ex, err := send()
		if err != nil || !lockRefused(host, ex) || attempt == lockRetries {
			return ex, err
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ex, fmt.Errorf("%s: %w", w.req, ctx.Err())
		}
		wait *= 2
	}
}

// lockRefused says the platform refused the write of ex because another writer held the
// record's lock.
func lockRefused(host platform.Platform, ex client.Exchange) bool {
	return ex.Status != 0 && host.LockRefused(ex.Status, ex.ErrorCode())
}
