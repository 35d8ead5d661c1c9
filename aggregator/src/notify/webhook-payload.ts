/**
 * The `slack` format: the JSON sent to a webhook on a state change; `text` makes it a valid Slack
 * incoming-webhook message (also read by Mattermost and other Slack-compatible receivers).
 */
import { escapeSlackText, type AlarmState, type Status } from '@propwatch/shared';

export interface WebhookPayload {
  state: AlarmState;
  previousState: AlarmState;
  since: string;
  reason: string;
  worstMs: number | null;
  thresholdMs: number;
  worst: { probe: string; pop: string } | null;
  /** The dashboard (publicUrl + `/`): where a person looks next; the JSON status is one click away from it. */
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
  const link = dashboardUrl(publicUrl);
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
    text: `${EMOJI[status.state]} propwatch ${status.state.toUpperCase()} (was ${previous.state}): ${escapeSlackText(status.reason)} <${link}|dashboard>`,
  };
}

/** The dashboard's address: publicUrl with exactly one trailing slash. */
export function dashboardUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/`;
}
