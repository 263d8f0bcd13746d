/**
 * The one escaper for markup the reports write: HTML (report page, fleet page) and SVG (chart titles and
 * descriptions, sparklines). Pod names, process names and warnings are attacker-influenced, so every string from a
 * report goes through it before it reaches element content or an attribute value.
 */

const MARKUP_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for element content and for double- or single-quoted attribute values, in HTML and in SVG/XML alike
 * (`&#39;` rather than `&apos;`, which HTML 4 lacks). `null` and `undefined` become the empty string; numbers are
 * written with `String`.
 *
 * @example escapeMarkup(`<b title="x">Tom & 'Jerry'</b>`) // '&lt;b title=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/b&gt;'
 */
export function escapeMarkup(text: string | number | null | undefined): string {
  if (text === null || text === undefined) return '';
  return String(text).replace(/[&<>"']/g, (c) => MARKUP_ESCAPES[c] ?? c);
}
