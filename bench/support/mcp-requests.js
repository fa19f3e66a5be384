'use strict';

/**
 * The two stateless request shapes of a `tools/call` of get_current_user, one per protocol era.
 *
 * - 2025: a bare JSON-RPC tools/call with MCP-Protocol-Version 2025-11-25 and no initialize
 *   (the stateless legacy path); servers answer it as an SSE stream.
 * - 2026: what @modelcontextprotocol/client sends with versionNegotiation pinned to 2026-07-28
 *   (captured from the client): the `_meta` envelope with protocol version, client info and
 *   capabilities, plus the Mcp-Method / Mcp-Name headers; servers answer plain JSON.
 */
const TOOL = 'get_current_user';

const ERAS = {
  2025: {
    label: '2025-11-25 stateless',
    headers: { 'mcp-protocol-version': '2025-11-25' },
    params: { name: TOOL, arguments: {} },
  },
  2026: {
    label: '2026-07-28',
    headers: {
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': TOOL,
    },
    params: {
      name: TOOL,
      arguments: {},
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientInfo': { name: 'tomo-bench', version: '1.0.0' },
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    },
  },
};

/**
 * method, headers and body of one tools/call in `era` ('2025' or '2026'): of get_current_user
 * unless another `tool` and its `args` are given (same envelope, Mcp-Name set to the tool).
 */
function toolsCallRequest(era, token, tool = TOOL, args = {}) {
  const shape = ERAS[era];
  const headers = { ...shape.headers };
  if (headers['mcp-name']) headers['mcp-name'] = tool;
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${token}`,
      ...headers,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { ...shape.params, name: tool, arguments: args },
    }),
  };
}

/** The JSON-RPC message of a response body, whether plain JSON or an SSE stream. */
function parseRpcResponse(contentType, text) {
  if (String(contentType).includes('text/event-stream')) {
    const data = text
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice('data:'.length).trim());
    return JSON.parse(data[data.length - 1]);
  }
  return JSON.parse(text);
}

module.exports = { ERAS, TOOL, toolsCallRequest, parseRpcResponse };
