package render

import (
	"encoding/json"
	"slices"

	"github.com/orgsync/orgsync/pkg/diff"
)

// SensitiveText is what every format prints for a value derived from a
// sensitive variable.
const SensitiveText = "(sensitive value)"

// sensitiveValue stands for a redacted value: text prints it bare, JSON as
// the string SensitiveText.
type sensitiveValue struct{}

func (sensitiveValue) MarshalJSON() ([]byte, error) { return json.Marshal(SensitiveText) }

var sensitiveJSON = func() *string { s, _ := json.Marshal(SensitiveText); t := string(s); return &t }()

// redact returns p with the values of sensitive attributes and operation
// parameters replaced; p itself is left untouched.
func redact(p *diff.Plan) *diff.Plan {
	needed := false
	for _, c := range p.Changes {
		needed = needed || len(c.Sensitive()) > 0
	}
	for _, o := range p.Operations {
		needed = needed || len(o.Sensitive) > 0
	}
	for _, d := range p.Drift {
		for _, a := range d.Attributes {
			needed = needed || a.Sensitive
		}
	}
	if !needed {
		return p
	}
	out := *p
	out.Drift = make([]diff.Drift, len(p.Drift))
	for i, d := range p.Drift {
		d.Attributes = slices.Clone(d.Attributes)
		for j, a := range d.Attributes {
			if a.Sensitive {
				if a.Applied != nil {
					a.Applied = sensitiveJSON
				}
				if a.Live != nil {
					a.Live = sensitiveJSON
				}
				d.Attributes[j] = a
			}
		}
		out.Drift[i] = d
	}
	out.Changes = make([]*diff.Change, len(p.Changes))
	for i, c := range p.Changes {
		if len(c.Sensitive()) > 0 {
			before, after := c.Values()
			r := c.WithValues(redactMap(before, c.Sensitive()), redactMap(after, c.Sensitive()))
			r.Attrs = slices.Clone(r.Attrs)
			for j, a := range r.Attrs {
				if a.Sensitive || slices.Contains(r.Sensitive(), a.Name) {
					a.Sensitive = true
					if a.Before != nil {
						a.Before = sensitiveJSON
					}
					if a.After != nil {
						a.After = sensitiveJSON
					}
					r.Attrs[j] = a
				}
			}
			c = &r
		}
		out.Changes[i] = c
	}
	return &out
}

func redactMap(m map[string]any, keys []string) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		if slices.Contains(keys, k) && v != nil {
			v = sensitiveValue{}
		}
		out[k] = v
	}
	return out
}

// redactOperation is the JSON of an operation with its sensitive
// parameters replaced.
func redactOperation(o diff.Operation) (json.RawMessage, error) {
	raw, err := o.MarshalJSON()
	if err != nil || len(o.Sensitive) == 0 {
		return raw, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	var params map[string]json.RawMessage
	if err := json.Unmarshal(m["parameters"], &params); err != nil {
		return nil, err
	}
	for _, k := range o.Sensitive {
		if _, ok := params[k]; ok {
			params[k] = json.RawMessage(*sensitiveJSON)
		}
	}
	if m["parameters"], err = json.Marshal(params); err != nil {
		return nil, err
	}
	// Keys in the order MarshalJSON writes them.
	type ordered struct {
		Stage      json.RawMessage `json:"stage"`
		Kind       json.RawMessage `json:"kind"`
		Address    json.RawMessage `json:"address"`
		Covers     json.RawMessage `json:"covers"`
		Parameters json.RawMessage `json:"parameters"`
		Sensitive  json.RawMessage `json:"sensitive"`
	}
	return json.Marshal(ordered{m["stage"], m["kind"], m["address"], m["covers"], m["parameters"], m["sensitive"]})
}
