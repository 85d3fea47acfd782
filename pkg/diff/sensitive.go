package diff

import "slices"

// sensitive marks the attributes names of the change it plans (and the
// same parameters of its operations) as derived from a sensitive variable:
// the plan keeps the values, to compare and apply them, and every renderer
// prints them as (sensitive value).
func sensitive(it *item, names []string) *item {
	if len(names) == 0 {
		return it
	}
	it.ch.Notes().Sensitive = slices.Clone(names)
	for i := range it.ch.Attrs {
		if slices.Contains(names, it.ch.Attrs[i].Name) {
			it.ch.Attrs[i].Sensitive = true
		}
	}
	ops := it.ops()
	for i := range ops {
		ops[i].op.Sensitive = slices.Clone(names)
	}
	return it
}
