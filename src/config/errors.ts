/** Configuration errors. Every message starts with the setting's name. */

export interface SettingsIssue {
  /** The environment name of the setting, e.g. `TRACE_SECONDS`. */
  setting: string;
  message: string;
}

/** One or more settings are missing or invalid. */
export class SettingsError extends Error {
  /** The first invalid setting (all of them are in `issues`). */
  readonly setting: string;
  readonly issues: SettingsIssue[];
  constructor(issues: SettingsIssue[], options?: { cause?: unknown }) {
    const list = issues.length > 0 ? issues : [{ setting: 'settings', message: 'invalid configuration' }];
    super(list.map((i) => `${i.setting}: ${i.message}`).join('; '), options);
    this.name = 'SettingsError';
    this.setting = list[0]?.setting ?? 'settings';
    this.issues = list;
  }
}
