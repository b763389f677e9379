package cases

import "github.com/tidwall/gjson"

// Keyed is a read-back object's top-level members by key, found in one pass. A check that
// compares every field of two read-backs asks each for every field: doc.Get scans the
// document from its start each time, which made those checks a tenth of a run's CPU.
type Keyed struct {
	doc  gjson.Result
	keys map[string]gjson.Result // nil: doc is no object, Get asks doc itself
}

// KeyedOf indexes doc's top-level members.
func KeyedOf(doc gjson.Result) Keyed {
	k := Keyed{doc: doc}
	if !doc.IsObject() {
		return k
	}
	k.keys = map[string]gjson.Result{}
	doc.ForEach(func(key, value gjson.Result) bool {
		if _, dup := k.keys[key.Str]; !dup { // gjson answers the first of duplicate keys
			k.keys[key.Str] = value
		}
		return true
	})
	return k
}

// Doc is the indexed document.
func (k Keyed) Doc() gjson.Result { return k.doc }

// Get is doc.Get(name): from the index for a plain key (letters, digits, '_', '-'),
// from doc for a gjson path or when doc is no object.
func (k Keyed) Get(name string) gjson.Result {
	if k.keys == nil || !plainKey(name) {
		return k.doc.Get(name)
	}
	return k.keys[name]
}

// plainKey says gjson reads name as a key of the object itself, with no path syntax.
func plainKey(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
