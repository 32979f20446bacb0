// Error codes of the service's telemetry (src/server/metrics.ts, src/server/alerts.ts):
// the options the composition root passes, and an Alertmanager that does not take alerts.
import { defineErrors } from '../../core/index.ts';

/** Errors raised (or reported through onError) by the metrics and the Alertmanager pusher. */
export const telemetryErrors = defineErrors('telemetry', {
  ALERTS_BAD_OPTION: {
    cause: 'An Alertmanager option is not usable: a URL that is not http:// or https://, no URL at all, a resend interval outside 1 to 86400 seconds, or an external URL that is not http(s).',
    exit: 'input',
    fix: 'Give Alertmanager base URLs such as http://127.0.0.1:9093 (bootmedic appends /api/v2/alerts), a resend interval in seconds, and the external URL the dashboard is reached at.',
  },
  ALERTS_SEND_FAILED: {
    cause: 'An Alertmanager did not accept a batch of alerts: it could not be reached, timed out, or answered with a status other than 2xx. bootmedic keeps the alerts and retries with backoff.',
    exit: 'unavailable',
    fix: 'Check that Alertmanager runs at the URL in the message (curl <url>/-/healthy) and that the URL is its base URL; its answer is quoted in the message.',
  },
  ALERTS_QUEUE_FULL: {
    cause: 'An Alertmanager has been unreachable for so long that more resolved alerts waited for it than bootmedic keeps; the oldest were dropped (Alertmanager will expire them by their endsAt).',
    exit: 'unavailable',
    fix: 'Bring the Alertmanager named in the message back; nothing else is lost, the active alerts are re-sent whole.',
  },
});
