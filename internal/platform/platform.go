// Package platform describes the platforms a Case API runs on: what each one does that
// the contract does not say (how precisely it keeps date-times, what a checkbox does with
// null, which refusals are its own and not the service's). A platform is chosen once, by
// the profile's platform key (and by the reference server's Options.Platform); code asks
// it, never tests its name. It imports nothing of casecert, so every package can.
package platform

import (
	"fmt"
	"slices"
	"strings"
)

// Platform is one platform, as the profile loader, the steps, the run-wide checks and
// the reference server ask about it. Each implementation is one file of this package
// that registers itself; embed Generic and override what differs.
type Platform interface {
	// Name is its value of the profile key platform.
	Name() string
	// Title names a server behaving as it, in a sentence ("a Salesforce org"); "" when
	// it is the contract as documented.
	Title() string
	// WholeSeconds says its date-time fields keep whole seconds.
	WholeSeconds() bool
	// CheckboxNullFalse says a boolean field cannot hold null: null stores false.
	CheckboxNullFalse() bool
	// LockRefused says an answer (status, error code) refused a write because another
	// writer held the record's lock, on a platform that queues writers on it: the
	// writer may be sent again, and a write still refused so is not judged.
	LockRefused(status int, errorCode string) bool
	// OwnServerError says why a 5xx answer (status, error code) is the platform's own,
	// not the service's code, so that REQ-NO-5XX does not count it; "" when it counts.
	OwnServerError(status int, errorCode string) string
}

// Generic is the contract as documented: the default platform. Embed it to describe a
// platform by how it differs.
type Generic struct{}

// GenericName is the name of the default platform.
const GenericName = "generic"

func (Generic) Name() string                      { return GenericName }
func (Generic) Title() string                     { return "" }
func (Generic) WholeSeconds() bool                { return false }
func (Generic) CheckboxNullFalse() bool           { return false }
func (Generic) LockRefused(int, string) bool      { return false }
func (Generic) OwnServerError(int, string) string { return "" }

// registry holds every platform by name.
var registry = map[string]Platform{}

// register adds a platform; each implementation's file calls it once, from init.
func register(p Platform) {
	if _, dup := registry[p.Name()]; dup {
		panic("platform " + p.Name() + " registered twice")
	}
	registry[p.Name()] = p
}

func init() { register(Generic{}) }

// Lookup returns the platform of that name; "" is the generic one.
func Lookup(name string) (Platform, error) {
	if name == "" {
		name = GenericName
	}
	if p, ok := registry[name]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("unknown platform %q; valid platforms: %s", name, strings.Join(Names(), ", "))
}

// Of returns the platform of that name, the generic one when there is none (a name that
// was not checked with Lookup).
func Of(name string) Platform {
	if p, err := Lookup(name); err == nil {
		return p
	}
	return Generic{}
}

// Names lists every platform's name, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
