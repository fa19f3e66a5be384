/**
 * The version the agent reports in its handshake, `agent.ping` and `health.status`. Kept as a
 * constant rather than read from package.json so the daemon stays shippable on its own; a spec
 * keeps the two in step.
 */
export const AGENT_VERSION = '0.1.0';
