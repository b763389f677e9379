package platform

import "net/http"

// SalesforceName is the name of the Salesforce platform.
const SalesforceName = "salesforce"

// salesforce is an Apex REST service on a Salesforce org (the spec's salesforce.md):
// whole-second date-times, checkboxes that store false for null, writers queued on a
// record's lock and refused with UNABLE_TO_LOCK_ROW (400 or 500) after 10 s.
type salesforce struct{ Generic }

func init() { register(salesforce{}) }

func (salesforce) Name() string            { return SalesforceName }
func (salesforce) Title() string           { return "a Salesforce org" }
func (salesforce) WholeSeconds() bool      { return true }
func (salesforce) CheckboxNullFalse() bool { return true }

// LockRefused: the org's UNABLE_TO_LOCK_ROW (documented with 400 or 500), or the 409
// and 503 a service in front of it may answer instead.
func (salesforce) LockRefused(status int, errorCode string) bool {
	switch {
	case status == http.StatusConflict, status == http.StatusServiceUnavailable:
		return true
	case status/100 != 4 && status/100 != 5:
		return false
	}
	return errorCode == lockErrorCode
}

// OwnServerError: a 500 UNABLE_TO_LOCK_ROW is the org's lock timeout, not Apex code.
func (salesforce) OwnServerError(status int, errorCode string) string {
	if status == http.StatusInternalServerError && errorCode == lockErrorCode {
		return "the org's row-lock timeout (" + lockErrorCode + "), not the service's code"
	}
	return ""
}

// lockErrorCode is the org's error code for a write that waited too long on a row lock.
const lockErrorCode = "UNABLE_TO_LOCK_ROW"
