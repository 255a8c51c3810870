import { type FeatureStage, type RuntimeFeature, STAGE_ORDER } from './feature.ts';

/** Stages of features that do not declare one, by their well-known names. */
const STAGE_BY_NAME: Readonly<Record<string, FeatureStage>> = {
  observability: 'observe',
  lifecycle: 'observe',
  audit: 'audit',
  authorization: 'authorize',
  'rate-limit': 'limit',
  approvals: 'approve',
};

export function stageOf(feature: RuntimeFeature): FeatureStage {
  return feature.stage ?? STAGE_BY_NAME[feature.name] ?? 'domain';
}

/**
 * Features in interceptor order, outermost first: observe → audit → authorize → limit → approve →
 * domain (stable within a stage). Feature names must be unique.
 */
export function orderFeatures(features: readonly RuntimeFeature[]): RuntimeFeature[] {
  const names = new Set<string>();
  for (const feature of features) {
    if (names.has(feature.name)) throw new Error(`Runtime feature "${feature.name}" is registered twice`);
    names.add(feature.name);
  }
  return features
    .map((feature, index) => ({ feature, index, rank: STAGE_ORDER.indexOf(stageOf(feature)) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map(({ feature }) => feature);
}

/**
 * Close order: innermost first, and the audit stage after everything else, so the rows written by
 * the last calls and by other features' close (approvals) are flushed before the audit trail stops.
 */
export function orderForClose(features: readonly RuntimeFeature[]): RuntimeFeature[] {
  const ordered = orderFeatures(features).reverse();
  return [...ordered.filter((f) => stageOf(f) !== 'audit'), ...ordered.filter((f) => stageOf(f) === 'audit')];
}
