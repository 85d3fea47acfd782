package emulator

import "testing"

func TestOrganizationBranding(t *testing.T) {
	h := start(t, Options{})
	h.run([]step{
		{name: "new organization", method: "POST", path: "/api/organizations", body: `{"name":"Acme"}`, status: 201, save: "org",
			check: func(t *testing.T, r result) {
				m := r.obj()
				equal(t, "defaults", []any{m["branding"], m["color"], m["customCss"]}, []any{map[string]any{}, map[string]any{}, nil})
				if _, ok := m["customCss"]; !ok {
					t.Error("customCss is in the response, null")
				}
			}},
		{name: "create with all three", method: "POST", path: "/api/organizations",
			body: `{"name":"Globex","branding":{"logoUrl":"https://cdn.example/l.png","favicon":"https://cdn.example/f.ico"},` +
				`"color":{"primaryColor":"#5D34F2","isDarkModeEnabled":true,"darkPrimaryColor":"#abc"},"customCss":".a{}"}`,
			status: 201, check: func(t *testing.T, r result) {
				m := r.obj()
				equal(t, "stored", []any{m["branding"], m["color"], m["customCss"]}, []any{
					map[string]any{"logoUrl": "https://cdn.example/l.png", "favicon": "https://cdn.example/f.ico"},
					map[string]any{"primaryColor": "#5D34F2", "isDarkModeEnabled": true, "darkPrimaryColor": "#abc"}, ".a{}"})
			}},
		{name: "set branding", method: "PATCH", path: "/api/organizations/{org}",
			body:   `{"branding":{"logoUrl":"https://cdn.example/l.png","darkLogoUrl":"https://cdn.example/d.png","darkFavicon":"https://cdn.example/df.ico","logo":"unknown key"}}`,
			status: 200, check: func(t *testing.T, r result) {
				equal(t, "branding", r.obj()["branding"], map[string]any{"logoUrl": "https://cdn.example/l.png",
					"darkLogoUrl": "https://cdn.example/d.png", "darkFavicon": "https://cdn.example/df.ico"})
			}},
		{name: "set colour", method: "PATCH", path: "/api/organizations/{org}", body: `{"color":{"primaryColor":"#112233"}}`, status: 200,
			check: func(t *testing.T, r result) {
				m := r.obj()
				equal(t, "color", m["color"], map[string]any{"primaryColor": "#112233"})
				equal(t, "branding left alone", len(m["branding"].(map[string]any)), 3)
			}},
		{name: "branding replaced as a whole", method: "PATCH", path: "/api/organizations/{org}", body: `{"branding":{"favicon":"https://cdn.example/f.ico"}}`, status: 200,
			check: func(t *testing.T, r result) {
				m := r.obj()
				equal(t, "branding", m["branding"], map[string]any{"favicon": "https://cdn.example/f.ico"})
				equal(t, "color left alone", m["color"], map[string]any{"primaryColor": "#112233"})
			}},
		{name: "a misspelled key wipes the branding", method: "PATCH", path: "/api/organizations/{org}", body: `{"branding":{"logoURL":"https://cdn.example/l.png"}}`, status: 200,
			check: func(t *testing.T, r result) { equal(t, "branding", r.obj()["branding"], map[string]any{}) }},
		{name: "accepted URL schemes", method: "PATCH", path: "/api/organizations/{org}",
			body: `{"branding":{"logoUrl":"javascript:alert(1)","darkLogoUrl":"data:image/png;base64,AAAA","favicon":"ftp://files.example/f.ico"}}`, status: 200},
		{name: "custom css", method: "PATCH", path: "/api/organizations/{org}", body: `{"customCss":"body{color:red}"}`, status: 200,
			check: func(t *testing.T, r result) { equal(t, "css", r.obj()["customCss"], "body{color:red}") }},
		{name: "custom css cleared", method: "PATCH", path: "/api/organizations/{org}", body: `{"customCss":null}`, status: 200,
			check: func(t *testing.T, r result) { equal(t, "css", r.obj()["customCss"], nil) }},
		{name: "get", method: "GET", path: "/api/organizations/{org}", status: 200, check: func(t *testing.T, r result) {
			m := r.obj()
			equal(t, "all three", []any{m["color"], m["branding"].(map[string]any)["favicon"], m["customCss"]},
				[]any{map[string]any{"primaryColor": "#112233"}, "ftp://files.example/f.ico", nil})
		}},
	})
	bad := []struct{ name, body string }{
		{"relative URL", `{"branding":{"logoUrl":"/logo.png"}}`},
		{"not a URL", `{"branding":{"favicon":"not a url"}}`},
		{"http without host", `{"branding":{"darkFavicon":"https://"}}`},
		{"space in host", `{"branding":{"logoUrl":"https://cdn example/l.png"}}`},
		{"URL not a string", `{"branding":{"logoUrl":1}}`},
		{"branding not an object", `{"branding":"https://cdn.example/l.png"}`},
		{"branding null", `{"branding":null}`},
		{"named colour", `{"color":{"primaryColor":"red"}}`},
		{"five digits", `{"color":{"primaryColor":"#12345"}}`},
		{"no hash", `{"color":{"darkPrimaryColor":"5d34f2"}}`},
		{"dark mode not a boolean", `{"color":{"isDarkModeEnabled":"yes"}}`},
		{"css not a string", `{"customCss":{}}`},
	}
	for _, b := range bad {
		h.run([]step{{name: b.name, method: "PATCH", path: "/api/organizations/{org}", body: b.body, status: 400, code: "guard.invalid_input"}})
		h.run([]step{{name: b.name + " on create", method: "POST", path: "/api/organizations", body: `{"name":"x",` + b.body[1:], status: 400, code: "guard.invalid_input"}})
	}
	h.run([]step{{name: "nothing changed by the refusals", method: "GET", path: "/api/organizations/{org}", status: 200,
		check: func(t *testing.T, r result) {
			equal(t, "color", r.obj()["color"], map[string]any{"primaryColor": "#112233"})
		}}})
}

func TestIsURL(t *testing.T) {
	for s, want := range map[string]bool{
		"https://cdn.example/logo.png": true,
		"http://localhost:3001/a?b#c":  true,
		"https://user:pw@cdn.example/": true,
		"http://[::1]:8080/x":          true,
		"HTTPS://CDN.EXAMPLE":          true,
		"javascript:alert(1)":          true,
		"data:image/png;base64,AAAA":   true,
		"mailto:a@b.c":                 true,
		"localhost:3000":               true, // a scheme "localhost"
		"file:///tmp/x":                true,
		" https://cdn.example/padded ": true,
		"":                             false,
		"cdn.example/logo.png":         false,
		"/logo.png":                    false,
		"not a url":                    false,
		"https://":                     false,
		"https://cdn example/":         false,
		"http://cdn.example:99999/":    false,
		"http://cdn.example:8o/":       false,
		"1http://cdn.example/":         false,
	} {
		if got := isURL(s); got != want {
			t.Errorf("isURL(%q) = %v, want %v", s, got, want)
		}
	}
}
