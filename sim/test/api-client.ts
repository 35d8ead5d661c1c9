/** fetch() helpers for the sim's provider and admin APIs in tests. */
export interface Reply {
  status: number;
  headers: Headers;
  body: {
    success: boolean;
    errors: Array<{ code: number; message: string; error_chain?: Array<{ code: number }> }>;
    messages: unknown[];
    result: unknown;
    result_info?: Record<string, number>;
  };
}

export async function call(url: string, token: string, method = 'GET', body?: unknown): Promise<Reply> {
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Reply['body'] };
}
