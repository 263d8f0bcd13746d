/**
 * ValidatingAdmissionPolicy as the API server evaluates it, over the manifests in `infra/k8s/optional/`: the
 * loopback server runs the policies' real CEL (with a CEL evaluator from npm) against the real request objects
 * (a Job being created, the PodExecOptions of an exec), so tests prove what the policies admit and refuse.
 *
 * Supported: `matchConstraints.resourceRules` (groups, versions, operations, resources incl. subresources),
 * `namespaceSelector` (matchLabels, matchExpressions In/NotIn/Exists/DoesNotExist), `matchConditions`,
 * `variables`, `validations` (expression, message, messageExpression, reason), `paramKind` ConfigMap with the
 * binding's `paramRef` (name, namespace, `parameterNotFoundAction`), `validationActions: [Deny]`,
 * `failurePolicy`. Anything else in a policy is refused at load time, so the simulator is never silently laxer
 * than the manifests say.
 */
import { evaluate } from '@marcbachmann/cel-js';

type Json = Record<string, unknown>;

interface ResourceRule {
  apiGroups?: string[];
  apiVersions?: string[];
  operations?: string[];
  resources?: string[];
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

interface Policy {
  name: string;
  failurePolicy: 'Fail' | 'Ignore';
  rules: ResourceRule[];
  namespaceSelector: LabelSelector | null;
  matchConditions: Array<{ name: string; expression: string }>;
  variables: Array<{ name: string; expression: string }>;
  validations: Array<{ expression: string; message?: string; messageExpression?: string; reason?: string }>;
  paramKind: { apiVersion: string; kind: string } | null;
}

interface Binding {
  name: string;
  policyName: string;
  paramRef: { name: string; namespace?: string; parameterNotFoundAction?: string } | null;
  validationActions: string[];
}

/** One admission request, as the API server builds it. */
export interface AdmissionRequest {
  group: string;
  version: string;
  resource: string;
  subresource?: string;
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  namespace: string;
  name: string;
  userName: string;
  object: Json;
}

/** A refusal: which policy/binding, and the message the API server would return. */
export interface AdmissionDenial {
  policy: string;
  binding: string;
  reason: string;
  message: string;
  code: number;
}

const SUPPORTED_SPEC_KEYS = new Set([
  'failurePolicy',
  'matchConstraints',
  'matchConditions',
  'variables',
  'validations',
  'paramKind',
]);
const REASON_CODES: Record<string, number> = { Unauthorized: 401, Forbidden: 403, Invalid: 422 };

/** Plain JSON data (the YAML loader returns client model classes, which CEL does not take as maps). */
function plain(value: Json): Json {
  return JSON.parse(JSON.stringify(value)) as Json;
}

function fail(policy: string, what: string): never {
  throw new Error(`ValidatingAdmissionPolicy ${policy}: ${what} is not supported by the simulator`);
}

function parsePolicy(doc: Json): Policy {
  const name = String((doc.metadata as Json | undefined)?.name ?? '');
  const spec = (doc.spec as Json | undefined) ?? {};
  for (const key of Object.keys(spec)) if (!SUPPORTED_SPEC_KEYS.has(key)) fail(name, `spec.${key}`);
  const mc = (spec.matchConstraints as Json | undefined) ?? {};
  for (const key of Object.keys(mc)) {
    if (key !== 'resourceRules' && key !== 'namespaceSelector') fail(name, `spec.matchConstraints.${key}`);
  }
  const paramKind = spec.paramKind as { apiVersion: string; kind: string } | undefined;
  if (paramKind && !(paramKind.apiVersion === 'v1' && paramKind.kind === 'ConfigMap'))
    fail(name, 'a non-ConfigMap paramKind');
  return {
    name,
    failurePolicy: spec.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
    rules: (mc.resourceRules as ResourceRule[] | undefined) ?? [],
    namespaceSelector: (mc.namespaceSelector as LabelSelector | undefined) ?? null,
    matchConditions: (spec.matchConditions as Policy['matchConditions'] | undefined) ?? [],
    variables: (spec.variables as Policy['variables'] | undefined) ?? [],
    validations: (spec.validations as Policy['validations'] | undefined) ?? [],
    paramKind: paramKind ?? null,
  };
}

function parseBinding(doc: Json): Binding {
  const name = String((doc.metadata as Json | undefined)?.name ?? '');
  const spec = (doc.spec as Json | undefined) ?? {};
  for (const key of Object.keys(spec)) {
    if (!['policyName', 'paramRef', 'validationActions'].includes(key)) fail(name, `binding spec.${key}`);
  }
  const actions = (spec.validationActions as string[] | undefined) ?? [];
  if (actions.some((a) => a !== 'Deny')) fail(name, `validationActions ${actions.join(',')}`);
  return {
    name,
    policyName: String(spec.policyName ?? ''),
    paramRef: (spec.paramRef as Binding['paramRef'] | undefined) ?? null,
    validationActions: actions,
  };
}

function matchesAny(list: readonly string[] | undefined, value: string): boolean {
  return (list ?? []).some((x) => x === '*' || x === value);
}

function ruleMatches(rule: ResourceRule, r: AdmissionRequest): boolean {
  const resource = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
  return (
    matchesAny(rule.apiGroups, r.group) &&
    matchesAny(rule.apiVersions, r.version) &&
    matchesAny(rule.operations, r.operation) &&
    (rule.resources ?? []).some((x) => x === '*' || x === resource || (x === `${r.resource}/*` && !!r.subresource))
  );
}

/** Kubernetes label selector semantics over a namespace's labels. */
export function labelSelectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    if (e.operator === 'In' && !(has && (e.values ?? []).includes(value as string))) return false;
    if (e.operator === 'NotIn' && has && (e.values ?? []).includes(value as string)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator)) {
      throw new Error(`label selector operator ${e.operator} is not supported by the simulator`);
    }
  }
  return true;
}

/** The loaded policies and bindings; evaluates a request against every bound policy. */
export class AdmissionPolicies {
  private readonly policies = new Map<string, Policy>();
  private readonly bindings: Binding[] = [];
  private readonly configMaps = new Map<string, Json>();

  constructor(docs: readonly Json[]) {
    for (const d of docs) {
      if (d.kind === 'ValidatingAdmissionPolicy') {
        const p = parsePolicy(d);
        this.policies.set(p.name, p);
      } else if (d.kind === 'ValidatingAdmissionPolicyBinding') {
        this.bindings.push(parseBinding(d));
      } else if (d.kind === 'ConfigMap') {
        const meta = (d.metadata as Json | undefined) ?? {};
        this.configMaps.set(`${String(meta.namespace ?? 'default')}/${String(meta.name ?? '')}`, plain(d));
      }
    }
  }

  /** Number of policies that have at least one binding (an unbound policy does nothing, as in Kubernetes). */
  get boundCount(): number {
    return new Set(this.bindings.map((b) => b.policyName).filter((n) => this.policies.has(n))).size;
  }

  /**
   * Evaluates `request`; returns the first denial, or null when every bound policy admits it.
   * `namespaceLabels` are the request namespace's labels (`kubernetes.io/metadata.name` is added here).
   */
  review(request: AdmissionRequest, namespaceLabels: Record<string, string>): AdmissionDenial | null {
    const labels = { ...namespaceLabels, 'kubernetes.io/metadata.name': request.namespace };
    for (const binding of this.bindings) {
      const policy = this.policies.get(binding.policyName);
      if (!policy) continue;
      if (!policy.rules.some((rule) => ruleMatches(rule, request))) continue;
      if (policy.namespaceSelector && !labelSelectorMatches(policy.namespaceSelector, labels)) continue;
      const denial = this.evaluate(policy, binding, request);
      if (denial) return denial;
    }
    return null;
  }

  private evaluate(policy: Policy, binding: Binding, request: AdmissionRequest): AdmissionDenial | null {
    const deny = (message: string, reason = 'Invalid'): AdmissionDenial => ({
      policy: policy.name,
      binding: binding.name,
      reason,
      code: REASON_CODES[reason] ?? 422,
      message: `ValidatingAdmissionPolicy '${policy.name}' with binding '${binding.name}' denied request: ${message}`,
    });
    let params: Json | null = null;
    if (policy.paramKind) {
      const ref = binding.paramRef;
      const found = ref ? this.configMaps.get(`${ref.namespace ?? request.namespace}/${ref.name}`) : undefined;
      if (!found) {
        if (ref?.parameterNotFoundAction === 'Allow') return null;
        return deny(`no params found for policy binding with \`Deny\` parameterNotFoundAction`);
      }
      params = found;
    }
    const context: Json = {
      object: plain(request.object),
      oldObject: null,
      params,
      request: {
        operation: request.operation,
        namespace: request.namespace,
        name: request.name,
        resource: { group: request.group, version: request.version, resource: request.resource },
        subResource: request.subresource ?? '',
        userInfo: { username: request.userName, groups: [] },
      },
      variables: {},
    };
    try {
      for (const c of policy.matchConditions) if (evaluate(c.expression, context) !== true) return null;
      const variables = context.variables as Json;
      for (const v of policy.variables) variables[v.name] = evaluate(v.expression, context);
      for (const v of policy.validations) {
        if (evaluate(v.expression, context) === true) continue;
        const message = v.messageExpression
          ? String(evaluate(v.messageExpression, context))
          : (v.message ?? `failed expression: ${v.expression}`);
        return deny(message, v.reason ?? 'Invalid');
      }
      return null;
    } catch (err) {
      // A CEL error is a policy failure: failurePolicy decides (Fail: refuse, as the API server does).
      if (policy.failurePolicy === 'Ignore') return null;
      return deny(`expression evaluation error: ${(err as Error).message}`);
    }
  }
}
