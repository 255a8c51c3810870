import { type OutcomeClass, outcomeOf, SERVER_FAILURE_OUTCOMES } from '@mcp-platform/protocol';
import { describe, expect, it } from 'vitest';
import { HELM, type K8sObject, one, render } from './chart.ts';
import { findYamlReader, loudSkip } from './tools.ts';

const SUITE = 'chart alerts (test/deploy/alerts.test.ts)';
const missing = [
  HELM === undefined ? 'helm (HELM_BIN)' : undefined,
  findYamlReader() === undefined ? 'Python with PyYAML (MCP_PYTHON)' : undefined,
].filter((m) => m !== undefined);
if (missing.length > 0)
  loudSkip(SUITE, `${missing.join(' and ')} not found: run scripts/setup-toolchain.sh gotools python`);

interface Rule {
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
}

function rulesOf(rule: K8sObject): Rule[] {
  const spec = rule.spec as { groups: Array<{ rules: Rule[] }> };
  return spec.groups.flatMap((g) => g.rules);
}

function alert(rules: Rule[], name: string): Rule {
  const found = rules.find((r) => r.alert === name);
  if (!found) throw new Error(`no alert ${name} in the PrometheusRule`);
  return found;
}

/** The label matchers of the first `mcp_tool_calls_total{...}` selector (the ratio's numerator). */
function numeratorMatchers(expr: string): Array<{ label: string; op: string; value: string }> {
  const selector = /mcp_tool_calls_total\{([^}]*)\}/.exec(expr)?.[1];
  if (selector === undefined) throw new Error(`no mcp_tool_calls_total selector in ${expr}`);
  return [...selector.matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)].map((m) => ({
    label: m[1]!,
    op: m[2]!,
    value: m[3]!.replaceAll('\\\\', '\\'),
  }));
}

/** Whether a series with these labels is selected (PromQL regex matchers are fully anchored). */
function selects(expr: string, labels: Record<string, string>): boolean {
  return numeratorMatchers(expr).every(({ label, op, value }) => {
    const actual = labels[label] ?? '';
    if (op === '=') return actual === value;
    if (op === '!=') return actual !== value;
    const matches = new RegExp(`^(?:${value})$`).test(actual);
    return op === '=~' ? matches : !matches;
  });
}

describe.skipIf(missing.length > 0)(SUITE, () => {
  // helmTemplate renders the release into namespace `mcp`.
  const series = (outcome: OutcomeClass) => ({
    __name__: 'mcp_tool_calls_total',
    namespace: 'mcp',
    server: 'crm',
    tool: 'get_opportunity',
    outcome,
  });

  for (const values of ['chart defaults', 'deploy/production.yaml']) {
    describe(values, () => {
      const rules = () =>
        rulesOf(one(render(values === 'chart defaults' ? {} : { files: [values] }), 'PrometheusRule', 'crm'));

      it('a NOT_FOUND tool result does not count toward the paging error-rate alert', () => {
        const paging = alert(rules(), 'MCPServerHighErrorRate');
        expect(paging.labels?.severity).not.toBe('info');
        // The outcome a NOT_FOUND call is counted under, as the runtime labels it.
        const notFound = outcomeOf('NOT_FOUND');
        expect(selects(paging.expr, series(notFound))).toBe(false);
        // The same series with an INTERNAL_ERROR is selected: the check can tell them apart.
        expect(selects(paging.expr, series(outcomeOf('INTERNAL_ERROR')))).toBe(true);
      });

      it('pages on every server-side failure class and on nothing else', () => {
        const paging = alert(rules(), 'MCPServerHighErrorRate');
        for (const outcome of SERVER_FAILURE_OUTCOMES)
          expect(selects(paging.expr, series(outcome)), outcome).toBe(true);
        for (const outcome of ['ok', 'client_error', 'denied', 'rate_limited', 'approval_pending'] as const)
          expect(selects(paging.expr, series(outcome)), outcome).toBe(false);
      });

      it('counts client errors in their own ratio alert, which does not page', () => {
        const client = alert(rules(), 'MCPServerHighClientErrorRate');
        expect(client.labels?.severity).toBe('info');
        expect(selects(client.expr, series(outcomeOf('NOT_FOUND')))).toBe(true);
        expect(selects(client.expr, series('error'))).toBe(false);
      });
    });
  }

  it('the selector check itself tells a matching series from a non-matching one', () => {
    const expr = 'sum(rate(mcp_tool_calls_total{namespace="mcp", outcome=~"error|timeout"}[5m]))';
    expect(selects(expr, series('error'))).toBe(true);
    expect(selects(expr, series('client_error'))).toBe(false);
  });
});
