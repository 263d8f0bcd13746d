/**
 * Logs the effective settings once when the app loads (secrets only as `<set>`/`<not set>`), with the notes an
 * operator must see: notifications off and why, storage not configured, risky options on. A broken setting is
 * logged here too, naming the setting, before the first alert meets it.
 */
import functions from '@azure/functions';
import { SettingsError } from '../src/config/errors.js';
import { describeSettings, loadSettings } from '../src/config/settings.js';
import type { LogSink } from '../src/logging/logger.js';
import { functionLogger } from './telemetry.js';

/**
 * Writes the start-up settings log through `sink` (one JSON line, plus one warning per note).
 *
 * @example logEffectiveSettings(process.env, console);
 */
export function logEffectiveSettings(env: Record<string, string | undefined>, sink: LogSink): void {
  const logger = functionLogger(sink, { component: 'appStart' });
  try {
    const { values, notes } = describeSettings(loadSettings(env));
    logger.info('effective settings', { settings: values, notes });
    for (const note of notes) logger.warn(note);
  } catch (err) {
    if (!(err instanceof SettingsError)) throw err;
    // The messages name settings and never echo secrets (the loader guarantees it).
    logger.error('invalid settings', { issues: err.issues, transient: err.transient });
  }
}

// The worker forwards console output to Application Insights as the app's logs.
functions.app.hook.appStart(() => logEffectiveSettings(process.env, console));
