import {
  bool,
  enumOf,
  int,
  nullable,
  objectSchema,
  str,
} from '../common/validation/result-schemas';

const METHOD = enumOf(['agent', 'ssh']);

export const COMMAND_RESULT_SCHEMA = objectSchema({
  success: bool(),
  output: str(),
  exit_code: nullable(int()),
  error: nullable(str()),
  method: METHOD,
  execution_time_ms: { type: 'number' },
  truncated: bool(),
});

export const EXECUTION_METHODS_SCHEMA = objectSchema({
  server_id: str('uuid'),
  preferred: METHOD,
  methods: {
    type: 'array',
    items: objectSchema({ method: METHOD, available: bool(), reason: nullable(str()) }),
  },
});
