import { IdParamsSchema } from '@platform/contracts';
import { z } from 'zod';

/** Pieces every sessions operation list shares. */
export const S = '/api/v1/sessions';
export const SESSION_ID = '0b5c6f1e-8d1a-4c1b-9f5e-2a7d3c4b5e6f';
export const RUN_ID = '6f1e0b5c-1a8d-4b1c-8f5e-7d2a3c4b5e6f';
/** `{id}` of a session, with an example. */
export const sessionParams = { params: IdParamsSchema, examples: { params: { id: SESSION_ID } } };
export const RunParamsSchema = z.object({ id: z.uuid(), run_id: z.uuid() });
export const notFound = { 404: { description: 'No such session, or not yours' } };
