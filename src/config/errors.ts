/** Configuration errors. Every message starts with the setting's name. */

/** One problem with one setting. */
export interface SettingsIssue {
  /** The environment name of the setting, e.g. `TRACE_SECONDS`. */
  setting: string;
  /** What is wrong, without the value when the setting is a secret. */
  message: string;
  /**
   * The problem may go away by itself (an unresolved Key Vault reference while access propagates): callers
   * answer 503 / retry instead of failing for good.
   */
  transient?: boolean;
}

/** One or more settings are missing or invalid. */
export class SettingsError extends Error {
  /** The first invalid setting (all of them are in `issues`). */
  readonly setting: string;
  readonly issues: SettingsIssue[];
  /** Every issue is transient (see {@link SettingsIssue.transient}): retry later rather than give up. */
  readonly transient: boolean;
  constructor(issues: SettingsIssue[], options?: { cause?: unknown }) {
    const list = issues.length > 0 ? issues : [{ setting: 'settings', message: 'invalid configuration' }];
    super(list.map((i) => `${i.setting}: ${i.message}`).join('; '), options);
    this.name = 'SettingsError';
    this.setting = list[0]?.setting ?? 'settings';
    this.issues = list;
    this.transient = list.every((i) => i.transient === true);
  }
}
