/**
 * Azure service tags: which Azure service owns a public destination (`20.60.1.12` -> `Storage.WestEurope`). Pure:
 * the document comes from ARM (`Microsoft.Network/locations/{location}/serviceTags`) or from the downloadable
 * `ServiceTags_Public_*.json`, which share one schema:
 * `{ changeNumber, cloud, values: [{ name, id, properties: { changeNumber, region, systemService, addressPrefixes } }] }`.
 */
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

/** Raised when a service-tag document does not have the published schema. */
export class ServiceTagsFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServiceTagsFormatError';
  }
}

const TagSchema = z.object({
  name: z.string().min(1),
  id: z.string().optional(),
  properties: z.object({
    changeNumber: z.union([z.number(), z.string()]).optional().nullable(),
    region: z.string().optional().nullable(),
    systemService: z.string().optional().nullable(),
    addressPrefixes: z.array(z.string()),
  }),
});

const DocumentSchema = z.object({
  changeNumber: z.union([z.number(), z.string()]).optional().nullable(),
  cloud: z.string().optional().nullable(),
  values: z.array(TagSchema),
});

/** One service tag, as the report needs it. */
export interface ServiceTag {
  name: string;
  region: string | null;
  systemService: string | null;
  addressPrefixes: string[];
}

/** A parsed service-tag document. */
export interface ServiceTagDocument {
  changeNumber: number | null;
  cloud: string | null;
  tags: ServiceTag[];
}

function changeNumberOf(v: number | string | null | undefined): number | null {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

/**
 * Validates a service-tag document (ARM answer or downloaded file).
 *
 * @throws ServiceTagsFormatError naming the first field that does not match the schema.
 * @example parseServiceTags(JSON.parse(await readFile('ServiceTags_Public_20261130.json', 'utf8')))
 */
export function parseServiceTags(json: unknown): ServiceTagDocument {
  const parsed = DocumentSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.length ? issue.path.join('.') : 'document';
    throw new ServiceTagsFormatError(
      `not a service-tag document (ServiceTags_Public JSON): ${at}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const doc = parsed.data;
  return {
    changeNumber: changeNumberOf(doc.changeNumber),
    cloud: doc.cloud ?? null,
    tags: doc.values.map((v) => ({
      name: v.name,
      region: v.properties.region || null,
      systemService: v.properties.systemService || null,
      addressPrefixes: v.properties.addressPrefixes,
    })),
  };
}

/** The tag a destination belongs to. */
export interface ServiceTagMatch {
  /** `Storage.WestEurope`. */
  tag: string;
  /** `AzureStorage` (the document's systemService), null when the tag names none. */
  systemService: string | null;
  region: string | null;
}

/** Tags that cover all Azure (or a whole region) say little: used only when nothing more specific matches. */
const GENERIC_TAGS = /^(AzureCloud|Internet|VirtualNetwork)(\.|$)/i;

function maskedKey(bytes: number[], bits: number): string {
  const out = bytes.slice();
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    out[i] = out[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return `${out.map((b) => b.toString(16).padStart(2, '0')).join('')}/${bits}`;
}

/**
 * Longest-prefix lookup over a service-tag document, IPv4 and IPv6 (IPv4-mapped IPv6 is looked up as IPv4). Of the
 * tags holding the longest matching prefix, a service tag beats a generic one (`AzureCloud.*`) and a regional tag
 * (`Storage.WestEurope`) beats its global parent (`Storage`).
 *
 * @example new ServiceTagIndex(doc).lookup('20.60.1.12') // { tag: 'Storage.WestEurope', systemService: 'AzureStorage', region: 'westeurope' }
 */
export class ServiceTagIndex {
  readonly changeNumber: number | null;
  readonly cloud: string | null;
  readonly #byPrefix = new Map<string, ServiceTag[]>();
  readonly #lengths: { ipv4: number[]; ipv6: number[] } = { ipv4: [], ipv6: [] };

  constructor(doc: ServiceTagDocument) {
    this.changeNumber = doc.changeNumber;
    this.cloud = doc.cloud;
    const lengths = { ipv4: new Set<number>(), ipv6: new Set<number>() };
    for (const tag of doc.tags) {
      for (const prefix of tag.addressPrefixes) {
        let range: [ipaddr.IPv4 | ipaddr.IPv6, number];
        try {
          range = ipaddr.parseCIDR(prefix.trim());
        } catch {
          continue; // one odd prefix must not lose the rest of the document
        }
        const [addr, bits] = range;
        const key = maskedKey(addr.toByteArray(), bits);
        const family = addr.kind() as 'ipv4' | 'ipv6';
        lengths[family].add(bits);
        const k = `${family}:${key}`;
        const list = this.#byPrefix.get(k);
        if (list) list.push(tag);
        else this.#byPrefix.set(k, [tag]);
      }
    }
    this.#lengths.ipv4 = [...lengths.ipv4].sort((a, b) => b - a);
    this.#lengths.ipv6 = [...lengths.ipv6].sort((a, b) => b - a);
  }

  /** The tag holding `ip`, or null (not an Azure address, or not an IP at all). */
  lookup(ip: string): ServiceTagMatch | null {
    if (!ipaddr.isValid(ip)) return null;
    const addr = ipaddr.process(ip);
    const family = addr.kind() as 'ipv4' | 'ipv6';
    const bytes = addr.toByteArray();
    let generic: ServiceTag | null = null;
    for (const bits of this.#lengths[family]) {
      const tags = this.#byPrefix.get(`${family}:${maskedKey(bytes, bits)}`);
      if (!tags) continue;
      const specific = tags.filter((t) => !GENERIC_TAGS.test(t.name));
      if (specific.length === 0) {
        generic ??= tags[0] ?? null;
        continue;
      }
      const best = [...specific].sort(
        (a, b) => Number(b.name.includes('.')) - Number(a.name.includes('.')) || a.name.localeCompare(b.name),
      )[0]!;
      return { tag: best.name, systemService: best.systemService, region: best.region };
    }
    return generic ? { tag: generic.name, systemService: generic.systemService, region: generic.region } : null;
  }
}
