import type { SettingsSlice } from '../config/settings.js';
import type { IntakeSettings } from './types.js';

/**
 * The intake's slice of the settings.
 *
 * @example
 * const intake = new IntakeService({ settings: () => intakeSettings(loadSlice('intake', process.env)), starter });
 */
export function intakeSettings(settings: SettingsSlice<'intake'>): IntakeSettings {
  return {
    cooldownMinutes: settings.cooldownMinutes,
    allowedSubscriptionIds: settings.allowedSubscriptionIds,
    allowedAlertRuleIds: settings.allowedAlertRuleIds,
    maxAlertAgeMinutes: settings.alertMaxAgeMinutes,
    maxFutureSkewMinutes: settings.alertMaxFutureSkewMinutes,
    maxInvestigationsPerClusterPerHour: settings.maxInvestigationsPerClusterPerHour,
  };
}
