import { bool, int, nullable, objectSchema, str } from '../../common/validation/result-schemas';

export const DOCKER_STATUS_SCHEMA = objectSchema({
  installed: bool(),
  running: bool(),
  version: nullable(str()),
  api_version: nullable(str()),
  compose_available: bool(),
  error: nullable(str()),
});

export const DOCKER_INSTALL_SCHEMA = objectSchema({
  success: bool(),
  already_installed: bool(),
  steps: {
    type: 'array',
    items: objectSchema({
      title: str(),
      success: bool(),
      duration_ms: int(),
      output_tail: str(),
    }),
  },
  docker: DOCKER_STATUS_SCHEMA,
});
