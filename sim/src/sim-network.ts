/** What startSimNetwork() returns: the running network as tests, the demo and benchmarks use it. */
import type { FastifyInstance } from 'fastify';
import type { AnswerLog } from './answer-log.js';
import type { ApiFault, PopStatus } from './api/api-deps.js';
import type { PopFault } from './faults.js';
import type { GroundTruth } from './ground-truth.js';
import type { Moment } from './moment.js';
import type { PlannedDelay } from './propagator.js';
import type { RerouteEvent, VantageStatus } from './vantage-table.js';

/** A POP as other processes reach it. */
export interface SimPop {
  name: string;
  region: string;
  address: string;
  /** Same port for UDP and TCP. */
  port: number;
  nsid: string;
}

/** An anycast service address: every POP announces it; a vantage's catchment decides which one answers. */
export interface SimAnycastAddress {
  /** e.g. `ns1` */
  name: string;
  address: string;
  /** Same port for UDP and TCP, and for every anycast address. */
  port: number;
}

export interface SimNetwork {
  zone: string;
  zoneId: string;
  /** Base URL of the Cloudflare v4 subset, e.g. `http://127.0.0.1:PORT/client/v4`. */
  apiUrl: string;
  adminUrl: string;
  apiToken: string;
  adminToken: string;
  seed: number;
  timeScale: number;
  pops: SimPop[];
  anycast: SimAnycastAddress[];
  /** A regex (named group `pop`, lower case) mapping the POPs' NSIDs back to their names (`popFromNsid.pattern`). */
  nsidPattern: string;
  truth: GroundTruth;
  /** Ground truth per answered query (a ring of `answerLogSize`). */
  answers: AnswerLog;
  /** Every vantage (the `default` one of unknown sources last) with its current catchment and counters. */
  vantages(): VantageStatus[];
  /** Moves a vantage's catchment for an anycast address (name or IP); throws RerouteError naming what is unknown. */
  reroute(vantage: string, address: string, pop: string): RerouteEvent;
  /** Catchment changes so far (the last 1000). */
  reroutes(): RerouteEvent[];
  /** The fastify app, for app.inject() in tests. */
  app: FastifyInstance;
  setFault(pop: string, fault: PopFault | null): void;
  getFault(pop: string): PopFault | null;
  setApiFault(fault: ApiFault | null): void;
  /** Model delays scheduled for a version (ms, already scaled). */
  plannedDelays(version: number): ReadonlyMap<string, PlannedDelay> | undefined;
  latestVersion(): { version: number; serial: number; committedAt: Moment };
  popStatus(): PopStatus[];
  close(): Promise<void>;
}
