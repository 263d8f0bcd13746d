/**
 * The Function App's entry point (package.json `main`): importing it registers every function with the host.
 * Heavy SDKs load lazily inside activities, so this import stays cheap (see bench/functions-import).
 */
import './telemetry.js';
import './appStart.js';
import './alertWebhook.js';
import './investigateNode.js';
import './investigationStatus.js';
import './snatInvestigation.js';
import './activities/azure.js';
import './activities/kube.js';
import './activities/report.js';
import './sweepCaptureJobs.js';
import './proactiveScan.js';
import './activities/durable.js';
import './entities.js';
