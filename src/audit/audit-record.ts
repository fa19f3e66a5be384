/** What a service says about one audited event; the actor comes separately. */
export interface AuditRecord {
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  result?: 'success' | 'failure';
  details?: Record<string, unknown>;
  /** For events without a principal (a failed login): the name the caller gave. */
  actorName?: string | null;
}

/** An audit entry as the API returns it. */
export interface AuditEntryView {
  id: string;
  timestamp: string;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  interface: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  result: string;
  ip_address: string | null;
  user_agent: string | null;
  details: Record<string, unknown> | null;
}
