/**
 * Raw JSON-RPC over POST /mcp, without the MCP client: lets a test see HTTP status codes and
 * headers the client hides, and send arguments the client would refuse to send.
 */
export interface RawMcpResult {
  status: number;
  headers: Headers;
  text: string;
  /** The JSON-RPC message (JSON body or the first SSE `data:` event), else the raw text. */
  message: any;
}

export const toolsCallMessage = (name: string, args: unknown = {}) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name, arguments: args },
});

export async function postMcp(
  baseUrl: string,
  body: unknown,
  headers: Record<string, string> = {},
  query = '',
): Promise<RawMcpResult> {
  const response = await fetch(`${baseUrl}/mcp${query}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const dataLine = text.split('\n').find((line) => line.startsWith('data:'));
  let message: unknown;
  try {
    message = JSON.parse(dataLine ? dataLine.slice('data:'.length) : text);
  } catch {
    message = text;
  }
  return { status: response.status, headers: response.headers, text, message };
}

/** A raw `tools/call`, with a bearer token when one is given. */
export function rawMcpToolCall(
  baseUrl: string,
  token: string | null,
  name: string,
  args: unknown = {},
  query = '',
): Promise<RawMcpResult> {
  return postMcp(
    baseUrl,
    toolsCallMessage(name, args),
    token ? { authorization: `Bearer ${token}` } : {},
    query,
  );
}
