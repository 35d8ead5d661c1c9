/** What the HTTP layer needs from the network; the network implements it. */
import type { PopFault } from '../faults.js';
import type { GroundTruth } from '../ground-truth.js';
import type { ZoneSnapshot, ZoneStore } from '../zone-store.js';
import type { AnswerLog } from '../answer-log.js';
import type { AnycastListener } from '../dns-listeners.js';
import type { PopCounters } from '../pop-instance.js';
import type { RerouteEvent, VantageStatus } from '../vantage-table.js';

export interface ApiFault {
  /** 429, 500, 502 or 503. */
  status: number;
  /** How many of the next provider API requests fail. */
  count: number;
  /** Seconds in `Retry-After` (429 only). */
  retryAfterS?: number;
}

export interface PopStatus {
  name: string;
  region: string;
  address: string;
  port: number;
  nsid: string;
  fault: PopFault | null;
  appliedVersion: number;
  appliedSerial: number;
  counters: PopCounters;
}

export interface SimApiDeps {
  zone: string;
  zoneId: string;
  apiToken: string;
  adminToken: string;
  minTtl: number;
  store: ZoneStore;
  /** Commits the store as a new version and starts its propagation. */
  commit: () => ZoneSnapshot;
  listPops: () => PopStatus[];
  /** Throws UnknownPopError for an unknown name. */
  setFault: (pop: string, fault: PopFault | null) => void;
  apiFault: { get: () => ApiFault | null; set: (fault: ApiFault | null) => void; take: () => ApiFault | null };
  truth: GroundTruth;
  nameServers: string[];
  vantages: VantageDeps;
  answers: AnswerLog;
  now?: () => Date;
}

/** The vantages and anycast addresses, as the admin API and /metrics see them. */
export interface VantageDeps {
  list: () => VantageStatus[];
  names: () => string[];
  anycast: () => AnycastListener[];
  /** Throws RerouteError (a 400) for an unknown vantage, address or POP. */
  reroute: (vantage: unknown, address: unknown, pop: unknown) => RerouteEvent;
  reroutes: () => RerouteEvent[];
  rerouteCount: () => number;
  vantagesOnUnicast: boolean;
}
