/**
 * On-demand investigation: `POST /api/investigations` with `{"loadBalancerId": "...", "node": "<name or IP>"}`
 * starts the same orchestration an alert would (deduplicated the same way) and answers 202 with the status
 * URLs; the status endpoint shows the custom status (phase, node, elapsed).
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import functions from '@azure/functions';
import * as df from 'durable-functions';
import { z } from 'zod';
import { instanceIdFor } from '../src/alert/instanceId.js';
import { SNAT_INVESTIGATION_ORCHESTRATOR } from '../src/alert/names.js';
import { isLoadBalancerId, normaliseIp } from '../src/alert/targets.js';
import type { InvestigationRequest } from '../src/alert/types.js';
import { SettingsError } from '../src/config/errors.js';
import { loadSlice, type SettingsSlice } from '../src/config/settings.js';
import { readBody } from './httpBody.js';

const MAX_BODY_BYTES = 16 * 1024;
const ACTIVE = new Set(['Running', 'Pending', 'ContinuedAsNew']);

/** The request body: the load balancer, and optionally the node (name or InternalIP). */
export const onDemandSchema = z
  .object({
    loadBalancerId: z.string().trim().refine(isLoadBalancerId, {
      message:
        'loadBalancerId must be a load balancer resource id: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/loadBalancers/<name>',
    }),
    node: z
      .string()
      .trim()
      .min(1)
      .max(253)
      .regex(/^[A-Za-z0-9.:-]+$/, 'node must be a node name or an IP address')
      .optional(),
  })
  .strict();

function badRequest(message: string): HttpResponseInit {
  return { status: 400, jsonBody: { error: message } };
}

/** Handler for the on-demand trigger (exported for tests). */
export async function investigateNode(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  // Stream with a limit: a huge body is refused without being held in memory.
  const body = await readBody(request, MAX_BODY_BYTES);
  if (body.kind === 'too-large') return { status: 413, jsonBody: { error: 'body over 16 KB' } };
  if (body.kind === 'not-utf8') return badRequest('body must be UTF-8 JSON');
  let json: unknown;
  try {
    json = JSON.parse(body.text);
  } catch {
    return badRequest('body must be JSON: {"loadBalancerId": "...", "node": "<name or IP>"}');
  }
  const parsed = onDemandSchema.safeParse(json);
  if (!parsed.success)
    return badRequest(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  const { loadBalancerId, node } = parsed.data;
  const ip = node ? normaliseIp(node) : null;
  let settings: SettingsSlice<'intake'>;
  try {
    settings = loadSlice('intake', process.env);
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    context.error(JSON.stringify({ level: 'error', message: 'on-demand intake misconfigured', detail: err.message }));
    // An unresolved Key Vault reference heals by itself: tell the caller to retry (503), not that it failed.
    return err.transient
      ? { status: 503, headers: { 'Retry-After': '60' }, jsonBody: { error: 'not configured yet; retry later' } }
      : { status: 500, jsonBody: { error: 'the on-demand endpoint is misconfigured; see the function logs' } };
  }
  const target = { loadBalancerId, backendIp: ip };
  const instanceId = instanceIdFor(
    { loadBalancerId, backendIp: ip ?? node ?? null },
    new Date(),
    settings.cooldownMinutes,
  );
  const input: InvestigationRequest = {
    instanceId,
    target,
    alert: null,
    requestedBy: 'on-demand',
    ...(node && !ip ? { nodeHint: node } : {}),
  };
  const client = df.getClient(context);
  let existing: { runtimeStatus?: string } | undefined;
  try {
    existing = await client.getStatus(instanceId);
  } catch {
    existing = undefined; // v3 throws on 404: no such instance yet
  }
  if (existing?.runtimeStatus && ACTIVE.has(existing.runtimeStatus)) {
    context.log(JSON.stringify({ level: 'info', message: 'investigation already running', instanceId }));
  } else {
    await client.startNew(SNAT_INVESTIGATION_ORCHESTRATOR, { instanceId, input });
    context.log(JSON.stringify({ level: 'info', message: 'investigation started on demand', instanceId }));
  }
  return client.createCheckStatusResponse(request, instanceId);
}

functions.app.http('investigateNode', {
  methods: ['POST'],
  authLevel: 'function',
  route: 'investigations',
  extraInputs: [df.input.durableClient()],
  handler: investigateNode,
});
