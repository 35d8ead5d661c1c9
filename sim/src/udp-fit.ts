/**
 * Serializes a UDP answer within the requester's payload size (RFC 1035
 * §4.2.1: 512 without EDNS; RFC 6891 §6.2.3: the OPT's class, never below
 * 512). An answer that does not fit becomes TC=1 with the question **and the
 * OPT record** (RFC 6891 §7: a truncated response still carries the OPT), so
 * the NSID still names the POP. dns2's own truncation keeps the question only
 * and drops the OPT, which is why the sim fits answers before dns2 sees them:
 * dns2 then sends the bytes as they are.
 */
import dns2 from 'dns2';

const { Packet } = dns2;

const PLAIN_DNS_LIMIT = 512;

/** The largest UDP answer the requester accepts. */
export function udpPayloadLimit(request: dns2.Packet): number {
  const opt = request.additionals?.find((record) => record?.type === Packet.TYPE.EDNS);
  return opt ? Math.max(opt.class || 0, PLAIN_DNS_LIMIT) : PLAIN_DNS_LIMIT;
}

/** The answer's wire bytes for UDP: whole when they fit, else TC=1 with question and OPT. */
export function serializeForUdp(response: dns2.Packet, request: dns2.Packet): Buffer {
  const limit = udpPayloadLimit(request);
  const whole = response.toBuffer();
  if (whole.length <= limit) return whole;
  const truncated = new Packet();
  truncated.header = new Packet.Header(response.header);
  truncated.header.tc = 1;
  truncated.questions = response.questions.slice();
  truncated.additionals = response.additionals.filter((record) => record?.type === Packet.TYPE.EDNS);
  const bytes = truncated.toBuffer();
  // Header, question and an OPT with a 64-byte NSID are far below 512 bytes; a cut is only a guard.
  return bytes.length <= limit ? bytes : bytes.subarray(0, limit);
}
