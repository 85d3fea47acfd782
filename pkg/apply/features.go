package apply

import (
	"context"
	"fmt"

	"github.com/orgsync/orgsync/pkg/diff"
	"github.com/orgsync/orgsync/pkg/logto"
	"github.com/orgsync/orgsync/pkg/state"
)

// featureUse is a Logto feature the configuration uses, and where.
type featureUse struct {
	feature logto.Feature
	addrs   []string
}

// usedFeatures lists the features cfg uses that older Logto releases lack,
// in the order of logto.Features, for the organizations the targets cover.
func usedFeatures(cfg *state.Config, scope targetScope) []featureUse {
	used := map[string][]string{}
	note := func(f logto.Feature, addr string) { used[f.Name] = append(used[f.Name], addr) }
	if cfg.Settings.MissingUsers == state.MissingUsersInvite && cfg.Settings.Invitation.SendEmail {
		note(logto.FeatureInvitationMessages, "orgsync.invitation")
	}
	for _, o := range cfg.Organizations {
		if !scope.org(o.Address) {
			continue
		}
		if o.JIT != nil && o.JIT.ManageSSOConnectors {
			note(logto.FeatureJITSSOConnectors, state.JITAddress(o.Address))
		}
		if o.Branding != nil {
			note(logto.FeatureOrganizationBranding, o.Address)
		}
		if o.Color != nil || o.CustomCSS != nil {
			note(logto.FeatureOrganizationColor, o.Address)
		}
	}
	var out []featureUse
	for _, f := range logto.Features {
		if addrs, ok := used[f.Name]; ok {
			out = append(out, featureUse{feature: f, addrs: addrs})
		}
	}
	return out
}

// CheckFeatures makes sure the tenant's Logto has every feature the
// configuration uses (for the organizations targets cover), before anything
// is read for the plan: a configuration Logto could only partly carry out
// is refused at plan time, with the feature and the release that
// introduced it, never half applied. Only the features the configuration
// uses are probed (each with one or two read-only requests, once per
// client), so a configuration that uses none costs no request.
func CheckFeatures(ctx context.Context, c *logto.Client, cfg *state.Config, targets []string) error {
	var problems []diff.Problem
	for _, u := range usedFeatures(cfg, newTargetScope(targets)) {
		ok, err := c.Supports(ctx, u.feature)
		if err != nil {
			return err
		}
		if ok {
			continue
		}
		where := u.addrs[0]
		if n := len(u.addrs) - 1; n > 0 {
			where += fmt.Sprintf(" and %d more", n)
		}
		problems = append(problems, diff.Problem{
			Address: u.addrs[0],
			Summary: fmt.Sprintf("the tenant's Logto has no %s (Logto %s or later)", u.feature.About, u.feature.Since),
			Detail: fmt.Sprintf("The configuration uses %s (%s), which came with Logto %s; this tenant runs an older release. "+
				"Upgrade Logto to %s or later, or remove it from the configuration. Nothing was planned or changed.",
				u.feature.About, where, u.feature.Since, u.feature.Since),
		})
	}
	if len(problems) > 0 {
		return &diff.RefusedError{Problems: problems}
	}
	return nil
}
