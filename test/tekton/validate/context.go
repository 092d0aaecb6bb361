package main

import (
	"context"
	"fmt"

	pipelineconfig "github.com/tektoncd/pipeline/pkg/apis/config"
	triggersconfig "github.com/tektoncd/triggers/pkg/apis/config"
	"github.com/tektoncd/triggers/pkg/apis/triggers/contexts"
	"knative.dev/pkg/apis"
)

// admissionContext builds the context the Tekton webhooks validate a create request with: the default
// configuration of each controller, with the feature-flags ConfigMap entries given on the command line
// (enable-api-fields, enable-param-enum, ...) applied on top, exactly as a cluster's ConfigMap would be.
func admissionContext(pipelineFlags, triggersFlags map[string]string) (context.Context, error) {
	pipelineCfg := pipelineconfig.FromContextOrDefaults(context.Background())
	ff, err := pipelineconfig.NewFeatureFlagsFromMap(pipelineFlags)
	if err != nil {
		return nil, fmt.Errorf("pipeline feature flags: %w", err)
	}
	pipelineCfg.FeatureFlags = ff

	triggersCfg := triggersconfig.FromContextOrDefaults(context.Background())
	tff, err := triggersconfig.NewFeatureFlagsFromMap(triggersFlags)
	if err != nil {
		return nil, fmt.Errorf("triggers feature flags: %w", err)
	}
	triggersCfg.FeatureFlags = tff

	ctx := pipelineconfig.ToContext(context.Background(), pipelineCfg)
	ctx = triggersconfig.ToContext(ctx, triggersCfg)
	// The Triggers webhook marks every request this way; EventListener defaulting depends on it.
	ctx = contexts.WithUpgradeViaDefaulting(ctx)
	return apis.WithinCreate(ctx), nil
}
