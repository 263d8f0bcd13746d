import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_FILES } from '../../../src/azure/blob/reportStore.js';
import { demoAlertPayload } from '../../../src/sim/demoAlert.js';
import { type Investigation, type Rig, startRig, startViaWebhook, T0 } from '../../support/orchestration/rig.js';

let rig: Rig;
let done: Investigation;

beforeAll(async () => {
  rig = await startRig();
  done = await rig.run(startViaWebhook(demoAlertPayload(new Date(T0))));
});

afterAll(async () => {
  await rig?.close();
});

/** The URL of the card's "Open full report" action. */
function cardLink(payload: unknown): string {
  const card = (payload as { attachments: Array<{ content: { actions?: Array<{ type: string; url?: string }> } }> })
    .attachments[0]?.content;
  const open = card?.actions?.find((a) => a.type === 'Action.OpenUrl');
  if (!open?.url) throw new Error('the card has no Action.OpenUrl');
  return open.url;
}

describe('report link of an investigation in the simulated world (Azurite signs and serves it)', () => {
  it('the Teams card links the HTML report with a read-only signature, and the link opens it', async () => {
    expect(done.teamsDelivered).toHaveLength(1);
    const link = cardLink(done.teamsDelivered[0]);
    const url = new URL(link);
    expect(url.pathname.endsWith(`/${done.prefix}${REPORT_FILES.html}`)).toBe(true);
    expect(url.searchParams.get('sp')).toBe('r');
    expect(url.searchParams.get('sig')).toBeTruthy();
    const res = await fetch(link);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const stored = (await rig.store.readFile(done.prefix as string, REPORT_FILES.html)).toString('utf8');
    expect(await res.text()).toBe(stored);
    // Without the signature the private container refuses it.
    url.search = '';
    expect([401, 403, 404]).toContain((await fetch(url)).status);
  });

  it('the Markdown and the HTML carry the same link and say until when it is valid', async () => {
    const link = cardLink(done.teamsDelivered[0]);
    const markdown = (await rig.store.readFile(done.prefix as string, REPORT_FILES.markdown)).toString('utf8');
    expect(markdown).toContain(`[Open the full report](<${link}>) (link valid until `);
    const html = (await rig.store.readFile(done.prefix as string, REPORT_FILES.html)).toString('utf8');
    expect(html).toContain(`<a href="${link.replaceAll('&', '&amp;')}">link to this report</a> (valid until `);
    // The orchestration's output names the same link (the card was built from it).
    expect(done.outcome.nodes[0]?.reportUrl).toBe(link);
  });
});
