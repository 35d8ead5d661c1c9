/** The JSON sent to webhooks on a state change; `text` makes it a valid Slack incoming-webhook message. */
import { escapeSlackText, type AlarmState, type Status } from '@propwatch/shared';

export interface WebhookPayload {
  state: AlarmState;
  previousState: AlarmState;
  since: string;
  reason: string;
  worstMs: number | null;
  thresholdMs: number;
  worst: { probe: string; pop: string } | null;
  link: string;
  /** One line of Slack mrkdwn (also read by Mattermost and other Slack-compatible receivers); the reason is escaped. */
  text: string;
}

const EMOJI: Record<AlarmState, string> = {
  ok: ':large_green_circle:',
  alarm: ':rotating_light:',
  stale: ':grey_question:',
  degraded: ':warning:',
};

export function buildPayload(status: Status, previous: Status, publicUrl: string): WebhookPayload {
  const link = `${publicUrl.replace(/\/+$/, '')}/api/v1/status`;
  return {
    state: status.state,
    previousState: previous.state,
    since: status.since,
    reason: status.reason,
    worstMs: status.worstMs,
    thresholdMs: status.thresholdMs,
    worst: status.worst,
    link,
    // The reason quotes probes (a provider's error): in Slack's mrkdwn its <…> would be mentions and links.
    text: `${EMOJI[status.state]} propwatch ${status.state.toUpperCase()} (was ${previous.state}): ${escapeSlackText(status.reason)} <${link}|status>`,
  };
}
