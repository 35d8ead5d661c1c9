/** Every named schema of the API, added to the app once before the routes that reference them (schema-refs.ts). */
import type { FastifyInstance } from 'fastify';
import { Status } from '@propwatch/shared';
import { AlarmHistoryResponse } from '../dashboard/alarm-history-schema.js';
import { HistoryResponse } from '../dashboard/history-schema.js';
import { MatrixResponse } from '../dashboard/matrix-schema.js';
import { CoverageResponse } from './coverage-route.js';
import {
  ErrorResponse,
  Health,
  IngestAck,
  ObservationSchema,
  PopsResponse,
  ProbesResponse,
  PropagationResponse,
  RoundResponse,
  RoundsResponse,
} from './response-schemas.js';
import type { TSchema } from 'typebox';

export const API_SCHEMAS: readonly TSchema[] = [
  Status,
  ErrorResponse,
  Health,
  IngestAck,
  ObservationSchema,
  PropagationResponse,
  RoundResponse,
  RoundsResponse,
  PopsResponse,
  ProbesResponse,
  HistoryResponse,
  MatrixResponse,
  AlarmHistoryResponse,
  CoverageResponse,
];

export function addApiSchemas(app: FastifyInstance): void {
  for (const schema of API_SCHEMAS) app.addSchema(schema);
}
