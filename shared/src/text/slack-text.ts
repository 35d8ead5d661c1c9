/**
 * Slack's mrkdwn gives `<…>` meaning: `<!channel>` and `<!here>` notify a
 * whole channel, `<@U123>` a person, `<https://evil|https://dash.example>` a
 * link whose visible text lies about its target. Slack's rule is to escape
 * exactly `&`, `<` and `>` in text that is not meant as markup
 * (https://api.slack.com/reference/surfaces/formatting#escaping), which turns
 * every such sequence into plain characters.
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** `text` as literal characters in a Slack message: no mentions, no links, no entities. */
export function escapeSlackText(text: string): string {
  return text.replace(/[&<>]/g, (char) => ENTITIES[char]!);
}
